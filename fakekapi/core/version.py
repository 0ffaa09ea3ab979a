"""The `/version` document of the emulated Kubernetes release.

apimachinery `pkg/version` Info (every field `omitempty`). The emulation and min-compatibility
fields exist from 1.32 on (KEP-4330 compatibility versions); gitVersion is the patch release the
release's reference data is from (fakekapi.catalog.releases.git_version). The commit, build date
and Go version of that exact build are not in the reference data, so they are left out, as an
Info without them is written (rather than showing another build's).
"""

from __future__ import annotations

from typing import Final

KUBERNETES_MAJOR: Final = "1"


def version_info(git_version: str) -> dict[str, str]:
    """The `/version` document of a kube-apiserver built as `git_version` (`v1.36.3`)."""
    major, minor = git_version.removeprefix("v").split(".")[:2]
    info = {"major": major, "minor": minor}
    if int(minor) >= 32:
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
            "gitTreeState": "clean",
            "compiler": "gc",
            "platform": "linux/amd64",
        }
    )
    return info
