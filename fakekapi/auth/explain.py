"""`fakekapi explain`: the authorizer's decision for a user and request, from the command line.

A training aid no real cluster gives: the same decision the server makes for a request (the same
authorizer chain, over the RBAC objects in the data dir's store), with the 403 sentence a client
would see and an explanation of which binding and role allowed it, or what was missing.

The user is built as kube's impersonation filter builds it: a ServiceAccount username gets the
ServiceAccount groups when no groups are given, and every user but system:anonymous gets
system:authenticated. Without a store (no server ever ran on the data dir) the bootstrap policy of
the emulated version is used, with its aggregated roles computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from fakekapi.auth.authz import Decision, forbidden_message
from fakekapi.auth.modes import ModeAuthorizer
from fakekapi.auth.rbac import RBAC_GROUP, RBAC_RESOURCES, RBACAuthorizer, RBACIndex, Verdict
from fakekapi.auth.serviceaccount import sa_groups, split_username
from fakekapi.catalog.catalog import Catalog
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, UserInfo
from fakekapi.registry.rbac.aggregation import aggregate_rules
from fakekapi.registry.rbac.rules import non_resource_attributes, resource_attributes
from fakekapi.registry.rbac_bootstrap import policy_objects


class ExplainError(ValueError):
    """A bad command line (unknown resource, missing arguments): one line for the user."""


class Explanation(NamedTuple):
    user: UserInfo
    attributes: RequestInfo
    verdict: Verdict

    @property
    def allowed(self) -> bool:
        return self.verdict.decision is Decision.ALLOW

    def render(self) -> str:
        """What the command prints."""
        u = self.user
        lines = [f"user:     {u.name}", f"groups:   {', '.join(u.groups) or '(none)'}"]
        a = self.attributes
        if a.is_resource_request:
            resource = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
            where = f'namespace "{a.namespace}"' if a.namespace else "cluster scope"
            name = f' "{a.name}"' if a.name else ""
            lines.append(
                f'request:  {a.verb} {resource}{name} (API group "{a.api_group}") at {where}'
            )
        else:
            lines.append(f"request:  {a.verb} {a.path}")
        if self.allowed:
            lines.append("decision: allowed")
            if self.verdict.reason:
                lines.append(f"reason:   {self.verdict.reason}")
        else:
            lines.append("decision: forbidden (403)")
            msg = forbidden_message(u, a)
            if self.verdict.reason:
                msg += f": {self.verdict.reason}"
            lines.append(f"message:  {_prefix(a)}{msg}")
        lines.append(f"why:      {self.verdict.explanation}")
        return "\n".join(lines) + "\n"


def _prefix(a: RequestInfo) -> str:
    if not a.is_resource_request:
        return "forbidden: "
    gr = f"{a.resource}.{a.api_group}" if a.api_group else a.resource
    return f'{gr} "{a.name}" is forbidden: ' if a.name else f"{gr} is forbidden: "


def impersonated_user(name: str, groups: Sequence[str] = ()) -> UserInfo:
    """The user `--as NAME --as-group G...` stands for (impersonation.go's rules)."""
    out = list(groups)
    ns, _ = split_username(name)
    if ns and not out:
        out = list(sa_groups(ns))
    if name != ANONYMOUS_USER:
        if not any(g in (ALL_AUTHENTICATED, ALL_UNAUTHENTICATED) for g in out):
            out.append(ALL_AUTHENTICATED)
    elif ALL_UNAUTHENTICATED not in out:
        out.append(ALL_UNAUTHENTICATED)
    return UserInfo(name=name, groups=tuple(out))


def request_attributes(
    catalog: Catalog,
    verb: str = "",
    resource: str = "",
    namespace: str = "",
    name: str = "",
    url: str = "",
) -> RequestInfo:
    """kubectl auth can-i's argument handling: `pods`, `deploy`, `deployments.apps`, `pods/log`."""
    if url:
        return non_resource_attributes((verb or "get").lower(), url)
    if not verb or not resource:
        raise ExplainError("you must specify VERB and RESOURCE (or --url PATH)")
    base, _, sub = resource.partition("/")
    if "/" in sub:
        raise ExplainError(f"invalid resource {resource!r}")
    rt = catalog.resolve(base)
    if rt is None:
        # kubectl warns and asks anyway, with the name as given (resource.group split).
        plural, _, group = base.partition(".")
        return resource_attributes(
            verb, group=group, resource=plural, subresource=sub, namespace=namespace, name=name
        )
    return resource_attributes(
        verb,
        group=rt.group,
        resource=rt.plural,
        subresource=sub,
        namespace=namespace if rt.namespaced or rt.plural == "namespaces" else "",
        name=name,
    )


async def load_index(data_dir: Path | None) -> RBACIndex:
    """The RBAC objects of the data dir's store, or the bootstrap policy when there is none."""
    index = RBACIndex()
    db = data_dir / "store.db" if data_dir is not None else None
    if db is not None and db.exists():
        from fakekapi.store.sqlite import SqliteStore

        store = SqliteStore(db)
        await store.start()
        try:
            for plural in RBAC_RESOURCES:
                items, _ = store.list(f"/{RBAC_GROUP}/{plural}/")
                for _, obj, _ in items:
                    index.apply(plural, None, obj)
        finally:
            await store.close()
        if index.cluster_roles:
            return index
    objects = policy_objects()
    cluster_roles = [o for o in objects if o.get("kind") == "ClusterRole"]
    for role in cluster_roles:
        if role.get("aggregationRule") is not None:
            role["rules"] = aggregate_rules(role, cluster_roles)
    # Twice: aggregated roles feed each other (view → edit → admin).
    for role in cluster_roles:
        if role.get("aggregationRule") is not None:
            role["rules"] = aggregate_rules(role, cluster_roles)
    index.load(objects)
    return index


async def explain(
    data_dir: Path | None,
    *,
    user: str,
    groups: Sequence[str] = (),
    verb: str = "",
    resource: str = "",
    namespace: str = "",
    name: str = "",
    url: str = "",
    modes: Sequence[str] = ("RBAC",),
) -> Explanation:
    """Decide as the server would; `Explanation.render()` is the command's output."""
    attrs = request_attributes(Catalog.builtin(), verb, resource, namespace, name, url)
    who = impersonated_user(user, groups)
    authorizer = ModeAuthorizer(modes, RBACAuthorizer(await load_index(data_dir)))
    return Explanation(who, attrs, authorizer.verdict(who, attrs))


def explain_json(e: Explanation) -> dict[str, Any]:
    """A machine-readable form (for `--output json`)."""
    return {
        "user": e.user.to_json(),
        "allowed": e.allowed,
        "reason": e.verdict.reason,
        "explanation": e.verdict.explanation,
    }


__all__ = [
    "ExplainError",
    "Explanation",
    "explain",
    "explain_json",
    "impersonated_user",
    "load_index",
    "request_attributes",
]
