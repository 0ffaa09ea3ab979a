"""The RBAC kinds' strategies (kube `pkg/registry/rbac/<resource>/strategy.go` and
`pkg/apis/rbac/validation`): role and binding names are path segments; a binding's roleRef must
name a role kind of this group and never changes (a new binding is the way to re-point one).
Escalation prevention is the admission plugin fakekapi.admission.rbac_escalation."""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import FieldError
from fakekapi.registry.generic.strategy import Strategy
from fakekapi.registry.validation import role_ref_immutable, validate_role_binding

_ROLE_BINDING = validate_role_binding(("Role", "ClusterRole"), True)
_CLUSTER_ROLE_BINDING = validate_role_binding(("ClusterRole",), False)


class RoleBindingStrategy(Strategy):
    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        errs = _ROLE_BINDING(obj)
        return errs if old is None else errs + role_ref_immutable(obj, old)


class ClusterRoleBindingStrategy(Strategy):
    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        errs = _CLUSTER_ROLE_BINDING(obj)
        return errs if old is None else errs + role_ref_immutable(obj, old)


STRATEGIES: dict[str, type[Strategy]] = {
    "rolebindings": RoleBindingStrategy,
    "clusterrolebindings": ClusterRoleBindingStrategy,
}
