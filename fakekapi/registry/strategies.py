"""The strategy table: each resource type's rules, looked up by (group, resource).

As kube's `pkg/registry/<group>/rest/storage_<group>.go` wire each resource's storage to its
strategy, this table maps every API group's package (fakekapi.registry.core, apps, batch, ...)
to its kinds' strategies; kinds not listed get the generic registry's behaviour (the base
`Strategy`), custom resources the custom-resource strategy. The Registry looks strategies up
here and nowhere names a kind.

This is the one module below the Registry that imports the group packages; the group packages
import fakekapi.registry.generic, never this table or the Registry (pyproject's contracts).
"""

from __future__ import annotations

from collections.abc import Mapping

from fakekapi.catalog.types import ResourceType
from fakekapi.registry import (
    admissionregistration,
    apiextensions,
    apps,
    batch,
    certificates,
    coordination,
    core,
    discovery,
    events,
    flowcontrol,
    networking,
    policy,
    storage,
)
from fakekapi.registry.apiextensions import CustomResourceStrategy
from fakekapi.registry.generic.strategy import Strategy
from fakekapi.registry.rbac import strategy as rbac

TABLE: Mapping[str, Mapping[str, type[Strategy]]] = {
    "": core.STRATEGIES,
    "admissionregistration.k8s.io": admissionregistration.STRATEGIES,
    "apiextensions.k8s.io": apiextensions.STRATEGIES,
    "apps": apps.STRATEGIES,
    "batch": batch.STRATEGIES,
    "certificates.k8s.io": certificates.STRATEGIES,
    "coordination.k8s.io": coordination.STRATEGIES,
    "discovery.k8s.io": discovery.STRATEGIES,
    "events.k8s.io": events.STRATEGIES,
    "flowcontrol.apiserver.k8s.io": flowcontrol.STRATEGIES,
    "networking.k8s.io": networking.STRATEGIES,
    "policy": policy.STRATEGIES,
    "rbac.authorization.k8s.io": rbac.STRATEGIES,
    "storage.k8s.io": storage.STRATEGIES,
}
"""API group → resource → strategy class."""


def strategy_for(rt: ResourceType) -> Strategy:
    """The strategy of a served resource type."""
    if rt.is_crd:
        return CustomResourceStrategy(rt)
    return TABLE.get(rt.group, {}).get(rt.plural, Strategy)(rt)


__all__ = ["TABLE", "Strategy", "strategy_for"]
