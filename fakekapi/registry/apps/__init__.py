"""The apps group's kinds (kube `pkg/registry/apps/<resource>/strategy.go`): all keep
metadata.generation; deployments, replicasets and statefulsets serve `scale`."""

from __future__ import annotations

from fakekapi.registry.generic.scale import ScalePaths
from fakekapi.registry.generic.strategy import Strategy

_SCALE = ScalePaths(("spec", "replicas"), ("status", "replicas"), ("spec", "selector"), True)


class DeploymentStrategy(Strategy):
    has_generation = True
    generation_tracks_annotations = True
    scale = _SCALE


class ReplicaSetStrategy(Strategy):
    has_generation = True
    scale = _SCALE


class DaemonSetStrategy(Strategy):
    has_generation = True


STRATEGIES: dict[str, type[Strategy]] = {
    "deployments": DeploymentStrategy,
    "replicasets": ReplicaSetStrategy,
    "statefulsets": ReplicaSetStrategy,
    "daemonsets": DaemonSetStrategy,
}
