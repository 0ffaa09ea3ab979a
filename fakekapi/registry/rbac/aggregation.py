"""ClusterRole aggregation as a pure function: the rules an aggregated ClusterRole gets.

From kube-controller-manager's clusterrole-aggregation controller (`pkg/controller/
clusterroleaggregation/clusterroleaggregation_controller.go` syncClusterRole): the union of the
rules of every *other* ClusterRole whose labels match any of `aggregationRule.clusterRoleSelectors`,
selectors in order, matching roles sorted by name, exact duplicates dropped.

It lives in the registry layer, not beside the controller (fakekapi.controllers.
clusterrole_aggregation), because `fakekapi explain` (auth) and the sandbox's credential views
predict an aggregated role's rules with it too, and auth sits below the controllers.
"""

from __future__ import annotations

from typing import Any

from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.selectors import LabelSelector, Op, Requirement

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
