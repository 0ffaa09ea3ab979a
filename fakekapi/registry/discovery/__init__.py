"""The discovery.k8s.io group's kinds (kube `pkg/registry/discovery/endpointslice`)."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import Strategy


class EndpointSliceStrategy(Strategy):
    has_generation = True


STRATEGIES: dict[str, type[Strategy]] = {"endpointslices": EndpointSliceStrategy}
