"""The discovery.k8s.io group's kinds (kube `pkg/registry/discovery/endpointslice`)."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy

STRATEGIES: dict[str, type[Strategy]] = {"endpointslices": GenerationStrategy}

__all__ = ["STRATEGIES"]
