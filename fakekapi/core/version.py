"""The `/version` document of the emulated Kubernetes release.

apimachinery `pkg/version/types.go` Info: major, minor, gitVersion, gitCommit, gitTreeState,
buildDate, goVersion, compiler and platform are written always (no `omitempty`); 1.33 added
emulationMajor, emulationMinor, minCompatibilityMajor and minCompatibilityMinor (`omitempty`),
which kube-apiserver fills from its effective version (component-base `compatibility.
effectiveVersion.Info()`: emulation = the binary's version, min compatibility = one minor
less). Field order is the struct's. gitVersion, gitCommit, buildDate and goVersion are those of
the release's official build (fakekapi.catalog.releases.build); platform is `GOOS/GOARCH` of the
machine fakekapi runs on, as a kube binary built for it reports `runtime.GOOS/GOARCH`.
"""

from __future__ import annotations

from typing import Final

KUBERNETES_MAJOR: Final = "1"
FIRST_WITH_EMULATION: Final = 33
"""The first minor whose Info has the emulation and min-compatibility fields."""

_GOOS: Final = {"linux": "linux", "darwin": "darwin", "windows": "windows", "freebsd": "freebsd"}
_GOARCH: Final = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm",
    "armv6l": "arm",
    "i386": "386",
    "i686": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


def go_platform(system: str, machine: str) -> str:
    """`linux/amd64` from Python's `platform.system()` and `platform.machine()` (`Linux`,
    `x86_64`), named as Go's GOOS/GOARCH; unknown names are kept, lower-cased."""
    goos = _GOOS.get(system.lower(), system.lower())
    goarch = _GOARCH.get(machine.lower(), machine.lower())
    return f"{goos}/{goarch}"


def version_info(
    git_version: str,
    *,
    git_commit: str = "",
    build_date: str = "1970-01-01T00:00:00Z",
    go_version: str = "",
    platform: str = "linux/amd64",
) -> dict[str, str]:
    """The `/version` document of a kube-apiserver built as `git_version` (`v1.36.3`)."""
    major, minor = git_version.removeprefix("v").split(".")[:2]
    info = {"major": major, "minor": minor}
    if int(minor) >= FIRST_WITH_EMULATION:
        info.update(
            {
                "emulationMajor": major,
                "emulationMinor": minor,
                "minCompatibilityMajor": major,
                "minCompatibilityMinor": str(int(minor) - 1),
            }
        )
    info.update(
        {
            "gitVersion": git_version,
            "gitCommit": git_commit,
            "gitTreeState": "clean",
            "buildDate": build_date,
            "goVersion": go_version,
            "compiler": "gc",
            "platform": platform,
        }
    )
    return info
