"""The flowcontrol.apiserver.k8s.io group's kinds (kube `pkg/registry/flowcontrol`)."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy

STRATEGIES: dict[str, type[Strategy]] = {
    "flowschemas": GenerationStrategy,
    "prioritylevelconfigurations": GenerationStrategy,
}

__all__ = ["STRATEGIES"]
