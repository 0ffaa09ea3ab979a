"""The autoscaling group's kinds (kube `pkg/registry/autoscaling/horizontalpodautoscaler`):
HorizontalPodAutoscalers follow the generic rules; their Table printer is in printers.py."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import Strategy

STRATEGIES: dict[str, type[Strategy]] = {}

__all__ = ["STRATEGIES"]
