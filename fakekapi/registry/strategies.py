"""The strategy table: each resource type's rules, looked up by (group, resource), and its
Table printer, looked up by (group, kind).

As kube's `pkg/registry/<group>/rest/storage_<group>.go` wire each resource's storage to its
strategy and its TableConvertor, this table maps every API group's package
(fakekapi.registry.core, apps, batch, ...) to its kinds' strategies (`STRATEGIES`) and printers
(its `printers.PRINTERS`, imported at the first Table: `printers()`); kinds not listed get the
generic registry's behaviour (the base `Strategy`) and the generic `Name` / `Created At` Table,
custom resources the custom-resource strategy and their CRD's printer columns. The Registry
looks strategies up here and nowhere names a kind.

This is the one module below the Registry that imports the group packages; the group packages
import fakekapi.registry.generic, never this table or the Registry (pyproject's contracts).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

from fakekapi.catalog.types import ResourceType
from fakekapi.registry import (
    admissionregistration,
    apiextensions,
    apps,
    authentication,
    authorization,
    autoscaling,
    batch,
    certificates,
    coordination,
    core,
    discovery,
    events,
    flowcontrol,
    networking,
    node,
    policy,
    resource,
    scheduling,
    storage,
)
from fakekapi.registry.apiextensions import CustomResourceStrategy
from fakekapi.registry.generic.strategy import Strategy
from fakekapi.registry.rbac import strategy as rbac

if TYPE_CHECKING:
    from fakekapi.registry.generic.printing import Printer

TABLE: Mapping[str, Mapping[str, type[Strategy]]] = {
    "": core.STRATEGIES,
    "admissionregistration.k8s.io": admissionregistration.STRATEGIES,
    "apiextensions.k8s.io": apiextensions.STRATEGIES,
    "apps": apps.STRATEGIES,
    "authentication.k8s.io": authentication.STRATEGIES,
    "authorization.k8s.io": authorization.STRATEGIES,
    "autoscaling": autoscaling.STRATEGIES,
    "batch": batch.STRATEGIES,
    "certificates.k8s.io": certificates.STRATEGIES,
    "coordination.k8s.io": coordination.STRATEGIES,
    "discovery.k8s.io": discovery.STRATEGIES,
    "events.k8s.io": events.STRATEGIES,
    "flowcontrol.apiserver.k8s.io": flowcontrol.STRATEGIES,
    "networking.k8s.io": networking.STRATEGIES,
    "node.k8s.io": node.STRATEGIES,
    "policy": policy.STRATEGIES,
    "rbac.authorization.k8s.io": rbac.STRATEGIES,
    "resource.k8s.io": resource.STRATEGIES,
    "scheduling.k8s.io": scheduling.STRATEGIES,
    "storage.k8s.io": storage.STRATEGIES,
}
"""API group → resource → strategy class."""


@functools.cache
def printers() -> Mapping[str, Mapping[str, Printer]]:
    """API group → kind → Table printer (1.33's, with how other releases differ).

    The groups' printer modules are imported at the first Table asked for, not with the
    strategies: a server that prints no Table never loads them (~2-3 ms of every start)."""
    from fakekapi.registry.admissionregistration import printers as admissionregistration_printers
    from fakekapi.registry.apps import printers as apps_printers
    from fakekapi.registry.autoscaling import printers as autoscaling_printers
    from fakekapi.registry.batch import printers as batch_printers
    from fakekapi.registry.certificates import printers as certificates_printers
    from fakekapi.registry.coordination import printers as coordination_printers
    from fakekapi.registry.core import printers as core_printers
    from fakekapi.registry.discovery import printers as discovery_printers
    from fakekapi.registry.events import printers as events_printers
    from fakekapi.registry.flowcontrol import printers as flowcontrol_printers
    from fakekapi.registry.networking import printers as networking_printers
    from fakekapi.registry.node import printers as node_printers
    from fakekapi.registry.policy import printers as policy_printers
    from fakekapi.registry.rbac import printers as rbac_printers
    from fakekapi.registry.resource import printers as resource_printers
    from fakekapi.registry.scheduling import printers as scheduling_printers
    from fakekapi.registry.storage import printers as storage_printers

    return {
        "": core_printers.PRINTERS,
        "admissionregistration.k8s.io": admissionregistration_printers.PRINTERS,
        "apps": apps_printers.PRINTERS,
        "autoscaling": autoscaling_printers.PRINTERS,
        "batch": batch_printers.PRINTERS,
        "certificates.k8s.io": certificates_printers.PRINTERS,
        "coordination.k8s.io": coordination_printers.PRINTERS,
        "discovery.k8s.io": discovery_printers.PRINTERS,
        "events.k8s.io": events_printers.PRINTERS,
        "flowcontrol.apiserver.k8s.io": flowcontrol_printers.PRINTERS,
        "networking.k8s.io": networking_printers.PRINTERS,
        "node.k8s.io": node_printers.PRINTERS,
        "policy": policy_printers.PRINTERS,
        "rbac.authorization.k8s.io": rbac_printers.PRINTERS,
        "resource.k8s.io": resource_printers.PRINTERS,
        "scheduling.k8s.io": scheduling_printers.PRINTERS,
        "storage.k8s.io": storage_printers.PRINTERS,
    }


def strategy_for(rt: ResourceType) -> Strategy:
    """The strategy of a served resource type."""
    if rt.is_crd:
        return CustomResourceStrategy(rt)
    return TABLE.get(rt.group, {}).get(rt.plural, Strategy)(rt)


def table_printer(rt: ResourceType, release: str | None = None) -> Printer | None:
    """The printer kube-apiserver's storage of this type prints Tables with, as `release` has it
    (None: 1.33's); None for custom resources and kinds without one (fakekapi.registry.generic
    .tables then prints the CRD's columns or the generic `Name` / `Created At`)."""
    if rt.is_crd:
        return None
    # Like the printers, the printing machinery waits for the first Table (-4 M instructions
    # of a warm start).
    from fakekapi.registry.generic.printing import resolve

    return resolve(printers().get(rt.group, {}).get(rt.kind), rt.version, release)


__all__ = ["TABLE", "Strategy", "printers", "strategy_for", "table_printer"]
