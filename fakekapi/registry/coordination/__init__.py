"""The coordination.k8s.io group's kinds (kube `pkg/registry/coordination/lease`): a PUT of a
missing Lease creates it (AllowCreateOnUpdate)."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import Strategy


class LeaseStrategy(Strategy):
    allow_create_on_update = True


STRATEGIES: dict[str, type[Strategy]] = {"leases": LeaseStrategy}

__all__ = ["STRATEGIES"]
