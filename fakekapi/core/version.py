"""The Kubernetes version fakekapi emulates, in one place so a later version is a data change."""

from __future__ import annotations

from typing import Final

KUBERNETES_MAJOR: Final = "1"
KUBERNETES_MINOR: Final = "33"
GIT_VERSION: Final = "v1.33.1"


def version_info() -> dict[str, str]:
    """The `/version` document of a v1.33 kube-apiserver (reference §1.1)."""
    return {
        "major": KUBERNETES_MAJOR,
        "minor": KUBERNETES_MINOR,
        "emulationMajor": KUBERNETES_MAJOR,
        "emulationMinor": KUBERNETES_MINOR,
        "minCompatibilityMajor": KUBERNETES_MAJOR,
        "minCompatibilityMinor": str(int(KUBERNETES_MINOR) - 1),
        "gitVersion": GIT_VERSION,
        "gitCommit": "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
        "gitTreeState": "clean",
        "buildDate": "2025-05-15T08:19:08Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    }
