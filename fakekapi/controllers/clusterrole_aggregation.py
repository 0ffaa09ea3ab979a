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
        self._aggregated: dict[str, None] = {}
        """The cached roles that have an aggregationRule, in the cache's order: what every
        change re-queues. Worked out again only when the cache is a new one (a list) or the
        changed role joined or left them, not at every change (the first list of ~70 bootstrap
        roles walked the whole cache once per role)."""
        self._of: dict[tuple[str, str], JSONDict] | None = None
        """The cache `_aggregated` was worked out from."""
        cluster_roles.add_handler(self._changed)

    def _changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        cache = self.cluster_roles.cache
        changed = new if new is not None else old
        name = str(((changed or {}).get("metadata") or {}).get("name") or "")
        role = cache.get(("", name))
        aggregated = role is not None and role.get("aggregationRule") is not None
        if self._of is not cache or aggregated != (name in self._aggregated):
            self._of = cache
            self._aggregated = {
                n: None for (_, n), r in cache.items() if r.get("aggregationRule") is not None
            }
        for key in self._aggregated:
            self.queue.add(key)

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
