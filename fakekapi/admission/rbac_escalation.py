"""RBAC escalation prevention, as an admission plugin (kubernetes `pkg/registry/rbac`).

kube-apiserver wraps the storage of the four RBAC types (`*/policybased/storage.go`) so that no one
can grant what they do not hold:

* Role/ClusterRole create or update: allowed for system:masters, for whoever has the `escalate`
  verb on the type (checked with the request's name, so empty on create), or when the requester
  already holds every rule of the role (`ConfirmNoEscalation`, in the role's namespace or
  cluster-wide). A ClusterRole with an aggregationRule (before or after the update) additionally
  needs full authority, else `must have cluster-admin privileges to use the aggregationRule`.
* RoleBinding/ClusterRoleBinding create or update: allowed for system:masters, for whoever has
  `bind` on the referenced role (resourceName = role name, namespace = the binding's), or when the
  requester holds every rule of the referenced role. A missing role is its 404 NotFound.
* Updates that only touch ownerReferences/finalizers (what the garbage collector writes) skip it.

The hook has no access to the auth layer (the layers are independent); the server hands it two
callables over the same RBAC index the authorizer uses: `allows` (the full authorizer chain) and
`rules_for` / `role_rules` (the rule resolver).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakekapi.core.errors import forbidden, go_quote, go_quote_list, not_found
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import SYSTEM_MASTERS, UserInfo
from fakekapi.registry.admission import CREATE, UPDATE, Attributes
from fakekapi.registry.rbac.rules import (
    Rule,
    compact,
    covers,
    resource_attributes,
    rules_of,
)

NAME = "RBACEscalation"
"""Not a plugin of kube's list: kube checks in the RBAC types' storage, before admission."""
RBAC_GROUP = "rbac.authorization.k8s.io"
ROLE_TYPES = frozenset({"roles", "clusterroles"})
BINDING_TYPES = frozenset({"rolebindings", "clusterrolebindings"})
FULL_AUTHORITY = (Rule.make(["*"], ["*"], ["*"]), Rule.make(["*"], non_resource_urls=["*"]))
AGGREGATION_DENIED = "must have cluster-admin privileges to use the aggregationRule"

Allows = Callable[[UserInfo, RequestInfo], bool]
"""Does the server's authorizer chain allow this (the `escalate` / `bind` checks)?"""
RulesFor = Callable[[UserInfo, str], tuple[list[Rule], list[str]]]
"""The rule resolver: every rule the user holds in a namespace ("" = cluster-wide), and errors."""
RoleRules = Callable[[str, str, str], tuple[Rule, ...] | None]
"""(role kind, namespace, name) → the role's rules, None when it does not exist."""

_GC_ONLY_FIELDS = ("ownerReferences", "finalizers", "managedFields", "resourceVersion", "selfLink")
_SERVER_FIELDS = ("generation", "uid", "creationTimestamp")


def _name(obj: dict[str, Any] | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("name") or "")


def _namespace(obj: dict[str, Any] | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("namespace") or "")


def only_gc_fields_changed(obj: dict[str, Any], old: dict[str, Any]) -> bool:
    """rbac `IsOnlyMutatingGCFields`: equal once ownerReferences/finalizers are taken from old."""

    def strip(o: dict[str, Any]) -> dict[str, Any]:
        md = {
            k: v
            for k, v in (o.get("metadata") or {}).items()
            if k not in _GC_ONLY_FIELDS and k not in _SERVER_FIELDS
        }
        return {**o, "metadata": md}

    return strip(obj) == strip(old)


def escalation_message(user: UserInfo, missing: list[Rule], errors: list[str]) -> str:
    """ConfirmNoEscalation's text: lowercase `user`, Go `%q` groups, sorted compact rules."""
    lines = sorted({r.compact_string() for r in compact(missing)})
    msg = (
        f"user {go_quote(user.name)} (groups={go_quote_list(list(user.groups))}) is attempting to "
        "grant RBAC permissions not currently held:\n" + "\n".join(lines)
    )
    if errors:
        # Go: fmt %v of a one-element []error holding the resolver's aggregate.
        unique = list(dict.fromkeys(errors))
        agg = unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"
        msg += f"; resolution errors: [{agg}]"
    return msg


class RBACEscalationCheck:
    """The escalation check as an admission plugin (`AdmissionPlugin`), last in the chain."""

    name = NAME

    def __init__(self, allows: Allows, rules_for: RulesFor, role_rules: RoleRules) -> None:
        self.allows = allows
        self.rules_for = rules_for
        self.role_rules = role_rules

    async def __call__(self, a: Attributes) -> None:
        op, rt, obj, old, user = a.operation, a.rt, a.obj, a.old, a.user
        if rt.group != RBAC_GROUP or op not in (CREATE, UPDATE) or obj is None:
            return
        if user is None or SYSTEM_MASTERS in user.groups:
            return  # internal writes (bootstrap, controllers, fixtures) and EscalationAllowed
        if op == UPDATE and old is not None and only_gc_fields_changed(obj, old):
            return
        if rt.plural in ROLE_TYPES:
            self.check_role(op, rt.plural, obj, old, user)
        elif rt.plural in BINDING_TYPES:
            self.check_binding(rt.plural, obj, user)

    def no_escalation(self, user: UserInfo, namespace: str, rules: tuple[Rule, ...]) -> str:
        """ "" when `user` holds every rule, else ConfirmNoEscalation's message."""
        owned, errors = self.rules_for(user, namespace)
        missing = covers(owned, rules)
        return escalation_message(user, missing, errors) if missing else ""

    def check_role(
        self,
        op: str,
        plural: str,
        obj: dict[str, Any],
        old: dict[str, Any] | None,
        user: UserInfo,
    ) -> None:
        namespace = _namespace(obj) if plural == "roles" else ""
        request_name = _name(obj) if op == UPDATE else ""
        escalate = resource_attributes(
            "escalate", group=RBAC_GROUP, resource=plural, namespace=namespace, name=request_name
        )
        if self.allows(user, escalate):
            return
        err = self.no_escalation(user, namespace, rules_of(obj))
        if err:
            raise forbidden(plural, RBAC_GROUP, _name(obj), err)
        aggregated = (
            obj.get("aggregationRule") is not None or (old or {}).get("aggregationRule") is not None
        )
        if plural == "clusterroles" and aggregated and self.no_escalation(user, "", FULL_AUTHORITY):
            raise forbidden(plural, RBAC_GROUP, _name(obj), AGGREGATION_DENIED)

    def check_binding(self, plural: str, obj: dict[str, Any], user: UserInfo) -> None:
        namespace = _namespace(obj) if plural == "rolebindings" else ""
        ref = obj.get("roleRef") or {}
        kind, role = str(ref.get("kind") or ""), str(ref.get("name") or "")
        role_plural = {"ClusterRole": "clusterroles", "Role": "roles"}.get(kind)
        if role_plural is None:
            # BindingAuthorized is false for other kinds and GetRoleReferenceRules refuses them.
            raise forbidden(
                plural, RBAC_GROUP, _name(obj), f"unsupported role reference kind: {go_quote(kind)}"
            )
        bind = resource_attributes(
            "bind",
            group=str(ref.get("apiGroup") or ""),
            resource=role_plural,
            namespace=namespace,
            name=role,
        )
        if self.allows(user, bind):
            return
        rules = self.role_rules(kind, namespace, role)
        if rules is None:
            raise not_found(role_plural, RBAC_GROUP, role)
        err = self.no_escalation(user, namespace, rules)
        if err:
            raise forbidden(plural, RBAC_GROUP, _name(obj), err)


__all__ = [
    "AGGREGATION_DENIED",
    "RBACEscalationCheck",
    "escalation_message",
    "only_gc_fields_changed",
]
