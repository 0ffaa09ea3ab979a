"""The apps group's kinds (kube `pkg/registry/apps/<resource>/strategy.go`): all keep
metadata.generation; deployments, replicasets and statefulsets serve `scale`."""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import FieldError
from fakekapi.registry.generic.scale import ScalePaths
from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy
from fakekapi.registry.validation import validate_workload

_SCALE = ScalePaths(("spec", "replicas"), ("status", "replicas"), ("spec", "selector"), True)


_VALIDATE = {
    kind: validate_workload(kind)
    for kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")
}
"""ValidateDeployment etc.: the selector, the template's labels and containers."""


class WorkloadStrategy(GenerationStrategy):
    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        return _VALIDATE[self.rt.kind](obj)


class DeploymentStrategy(WorkloadStrategy):
    generation_tracks_annotations = True
    scale = _SCALE


class ReplicaSetStrategy(WorkloadStrategy):
    scale = _SCALE


STRATEGIES: dict[str, type[Strategy]] = {
    "deployments": DeploymentStrategy,
    "replicasets": ReplicaSetStrategy,
    "statefulsets": ReplicaSetStrategy,
    "daemonsets": WorkloadStrategy,
}

__all__ = ["STRATEGIES"]
