"""The policy group's kinds (kube `pkg/registry/policy/poddisruptionbudget/strategy.go`)."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy

STRATEGIES: dict[str, type[Strategy]] = {"poddisruptionbudgets": GenerationStrategy}

__all__ = ["STRATEGIES"]
