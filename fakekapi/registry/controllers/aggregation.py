"""The clusterrole-aggregation controller (kube-controller-manager, `pkg/controller/
clusterroleaggregation/clusterroleaggregation_controller.go`).

A ClusterRole with `aggregationRule.clusterRoleSelectors` gets as `rules` the union of the rules of
every *other* ClusterRole whose labels match any selector: selectors in order, matching roles
sorted by name, rules in their own order, exact duplicates dropped. The role is written only when
the result differs, and every change to any ClusterRole re-queues every aggregated one (as kube
does), so additions, edits and removals of selected roles all flow through, and users' edits to an
aggregated role's rules are put back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.controllers.base import Controller
from fakekapi.registry.controllers.informer import Informer
from fakekapi.registry.options import WriteOptions
from fakekapi.registry.selectors import LabelSelector, Op, Requirement

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

FIELD_MANAGER = "clusterrole-aggregation-controller"

_OPS = {"In": Op.IN, "NotIn": Op.NOT_IN, "Exists": Op.EXISTS, "DoesNotExist": Op.DOES_NOT_EXIST}


def selector_of(sel: Any) -> LabelSelector | None:
    """metav1.LabelSelectorAsSelector; None for a nil or invalid selector (matches nothing)."""
    if not isinstance(sel, dict):
        return None
    reqs: list[Requirement] = []
    for key, value in sorted((sel.get("matchLabels") or {}).items()):
        reqs.append(Requirement(str(key), Op.EQUALS, (str(value),)))
    for expr in sel.get("matchExpressions") or []:
        op = _OPS.get(str((expr or {}).get("operator")))
        if op is None:
            return None
        reqs.append(Requirement(str(expr.get("key")), op, tuple(expr.get("values") or ())))
    return LabelSelector(tuple(reqs))


def aggregate_rules(role: JSONDict, cluster_roles: list[JSONDict]) -> list[Any]:
    """The rules an aggregated ClusterRole should have, given every ClusterRole."""
    name = (role.get("metadata") or {}).get("name")
    rules: list[Any] = []
    by_name = sorted(cluster_roles, key=lambda r: str((r.get("metadata") or {}).get("name")))
    for sel in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []:
        selector = selector_of(sel)
        if selector is None:
            continue
        for other in by_name:
            md = other.get("metadata") or {}
            if md.get("name") == name or not selector.matches(md.get("labels") or {}):
                continue
            for rule in other.get("rules") or []:
                if rule not in rules:
                    rules.append(rule)
    return rules


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


__all__ = ["ClusterRoleAggregationController", "aggregate_rules", "selector_of"]
