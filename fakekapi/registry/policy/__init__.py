"""The policy group's kinds (kube `pkg/registry/policy/poddisruptionbudget/strategy.go`)."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy
from fakekapi.registry.policy.printers import PRINTERS

STRATEGIES: dict[str, type[Strategy]] = {"poddisruptionbudgets": GenerationStrategy}

__all__ = ["PRINTERS", "STRATEGIES"]
