"""The clusterrole-aggregation controller (kube-controller-manager, `pkg/controller/
clusterroleaggregation/clusterroleaggregation_controller.go`).

A ClusterRole with `aggregationRule.clusterRoleSelectors` gets as `rules` the union of the rules of
every *other* ClusterRole whose labels match any selector: selectors in order, matching roles
sorted by name, rules in their own order, exact duplicates dropped. The role is written only when
the result differs, and every change to any ClusterRole re-queues every aggregated one (as kube
does), so additions, edits and removals of selected roles all flow through, and users' edits to an
aggregated role's rules are put back. The rules themselves are computed by
fakekapi.registry.rbac.aggregation (shared with `fakekapi explain`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakekapi.client.informer import Informer
from fakekapi.controllers.base import Controller
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.rbac.aggregation import aggregate_rules

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

FIELD_MANAGER = "clusterrole-aggregation-controller"


class ClusterRoleAggregationController(Controller):
    name = "clusterrole-aggregation-controller"

    def __init__(self, registry: Registry, rt: ResourceType, cluster_roles: Informer) -> None:
        super().__init__(registry, [cluster_roles])
        self.rt = rt
        self.cluster_roles = cluster_roles
        cluster_roles.add_handler(self._changed)

    def _changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        for (_, name), role in self.cluster_roles.cache.items():
            if role.get("aggregationRule") is not None:
                self.queue.add(name)

    async def sync(self, key: str) -> float | None:
        role = self.cluster_roles.get("", key)
        if role is None or role.get("aggregationRule") is None:
            return None
        rules = aggregate_rules(role, list(self.cluster_roles.cache.values()))
        if rules == (role.get("rules") or []):
            return None
        updated = {**role, "rules": rules}
        try:
            await self.registry.update(
                self.rt, "", key, updated, WriteOptions(field_manager=FIELD_MANAGER)
            )
        except StatusError as e:
            if e.code == 404:
                return None
            if e.code == 409:
                return 0.05  # the informer will catch up; look again shortly
            raise
        return None


__all__ = ["ClusterRoleAggregationController"]
