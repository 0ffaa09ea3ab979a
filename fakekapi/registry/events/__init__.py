"""The events.k8s.io group's kinds (kube `pkg/registry/core/event`, served in both groups): a
PUT of a missing Event creates it (AllowCreateOnUpdate)."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import Strategy


class EventStrategy(Strategy):
    allow_create_on_update = True


STRATEGIES: dict[str, type[Strategy]] = {"events": EventStrategy}

__all__ = ["STRATEGIES"]
