"""The scheduling.k8s.io group's kinds (kube `pkg/registry/scheduling/priorityclass`):
PriorityClasses follow the generic rules; their Table printer is in printers.py."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import Strategy

STRATEGIES: dict[str, type[Strategy]] = {}

__all__ = ["STRATEGIES"]
