"""The RBAC authorizer (k8s.io/kubernetes `plugin/pkg/auth/authorizer/rbac/rbac.go`).

Design, for speed without changing a single answer:

* `RBACIndex` holds every Role, ClusterRole, RoleBinding and ClusterRoleBinding as parsed values,
  with bindings indexed by subject (`("u", username)` for User and ServiceAccount subjects,
  `("g", group)` for Group subjects). A request only looks at the bindings of its own user and
  groups, never scans all of them.
* Decisions are cached per (user, groups, request attributes). Any change to an RBAC object
  clears the cache at once; the index is fed by informers over the registry (`RBACSource`), so a
  change is in force as soon as its watch event arrives (milliseconds, well within 1 s).
* Bindings are visited as kube's rule resolver visits them: ClusterRoleBindings first, then the
  RoleBindings of the request's namespace (sorted by name here, where kube's lister order is
  arbitrary). The first allowing rule decides, and names its binding in the reason.

Besides Allow/NoOpinion and kube's reason text, every decision carries an *explanation* for the
server log and `fakekapi explain`: which binding and role allowed it, or which verb, resource or
namespace was missing from the closest rules the user has.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from fakekapi.auth.authz import Decision
from fakekapi.core.errors import go_quote, go_quote_list
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import UserInfo
from fakekapi.registry.rbac.rules import Binding, Rule, Subject, rules_of

if TYPE_CHECKING:
    from fakekapi.client.informer import Informer

log = logging.getLogger(__name__)

RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC_RESOURCES = ("clusterroles", "roles", "clusterrolebindings", "rolebindings")
CACHE_LIMIT = 65536
"""Decision cache entries kept before it is cleared (a bound, not an eviction policy)."""

SubjectKey = tuple[str, str]


def _user_keys(user: UserInfo) -> list[SubjectKey]:
    return [("u", user.name), *(("g", g) for g in user.groups)]


class Verdict(NamedTuple):
    """One decision: kube's (decision, reason) plus a human explanation for logs and the CLI."""

    decision: Decision
    reason: str
    explanation: str
    binding: str = ""
    """The allowing binding, e.g. `ClusterRoleBinding "x"` (empty when not allowed)."""
    role: str = ""
    """The allowing role, e.g. `ClusterRole "view"`."""


class RuleSource(NamedTuple):
    """Where a set of rules came from, for reasons and explanations (texts built on demand)."""

    binding: Binding
    subject: Subject

    @property
    def description(self) -> str:
        """kube's describer text: `ClusterRoleBinding "b" of ClusterRole "r" to User "u"`."""
        return self.binding.describe(self.subject)

    @property
    def short(self) -> str:
        b = self.binding
        label = f"{b.name}/{b.namespace}" if b.namespace else b.name
        return f"{b.kind} {go_quote(label)} → {b.role_kind} {go_quote(b.role_name)}"


class RBACIndex:
    """Every RBAC object, parsed, with bindings indexed by subject."""

    def __init__(self) -> None:
        self.cluster_roles: dict[str, tuple[Rule, ...]] = {}
        self.roles: dict[tuple[str, str], tuple[Rule, ...]] = {}
        self.cluster_bindings: dict[str, Binding] = {}
        self.bindings: dict[tuple[str, str], Binding] = {}
        self._cluster_by_subject: dict[SubjectKey, set[str]] = {}
        self._ns_by_subject: dict[str, dict[SubjectKey, set[str]]] = {}
        self.generation = 0
        """Bumped by every change; caches compare it to know they are stale."""

    # -- feeding ---------------------------------------------------------------------------

    def apply(self, resource: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        """An add (old None), update, or delete (new None) of an object of `resource`."""
        if old is not None:
            self._remove(resource, old)
        if new is not None:
            self._add(resource, new)
        self.generation += 1

    def load(self, objects: list[dict[str, Any]]) -> None:
        """Add objects of any RBAC kind (fixtures, tests, the explain command)."""
        plural = {
            "ClusterRole": "clusterroles",
            "Role": "roles",
            "ClusterRoleBinding": "clusterrolebindings",
            "RoleBinding": "rolebindings",
        }
        for obj in objects:
            resource = plural.get(str(obj.get("kind")))
            if resource is not None:
                self.apply(resource, None, obj)

    @staticmethod
    def _name(obj: dict[str, Any]) -> tuple[str, str]:
        md = obj.get("metadata") or {}
        return str(md.get("namespace") or ""), str(md.get("name") or "")

    @staticmethod
    def _keys(b: Binding) -> set[SubjectKey]:
        keys: set[SubjectKey] = set()
        for s in b.subjects:
            if s.kind == "Group":
                keys.add(("g", s.name))
            else:
                name = s.username(b.namespace)
                if name is not None:
                    keys.add(("u", name))
        return keys

    def _add(self, resource: str, obj: dict[str, Any]) -> None:
        ns, name = self._name(obj)
        if resource == "clusterroles":
            self.cluster_roles[name] = rules_of(obj)
        elif resource == "roles":
            self.roles[(ns, name)] = rules_of(obj)
        elif resource == "clusterrolebindings":
            b = Binding.from_json(obj)
            self.cluster_bindings[name] = b
            for k in self._keys(b):
                self._cluster_by_subject.setdefault(k, set()).add(name)
        elif resource == "rolebindings":
            b = Binding.from_json(obj)
            self.bindings[(ns, name)] = b
            index = self._ns_by_subject.setdefault(ns, {})
            for k in self._keys(b):
                index.setdefault(k, set()).add(name)

    def _remove(self, resource: str, obj: dict[str, Any]) -> None:
        ns, name = self._name(obj)
        if resource == "clusterroles":
            self.cluster_roles.pop(name, None)
        elif resource == "roles":
            self.roles.pop((ns, name), None)
        elif resource == "clusterrolebindings":
            b = self.cluster_bindings.pop(name, None)
            if b is not None:
                for k in self._keys(b):
                    self._discard(self._cluster_by_subject, k, name)
        elif resource == "rolebindings":
            b = self.bindings.pop((ns, name), None)
            index = self._ns_by_subject.get(ns)
            if b is not None and index is not None:
                for k in self._keys(b):
                    self._discard(index, k, name)
                if not index:
                    del self._ns_by_subject[ns]

    @staticmethod
    def _discard(index: dict[SubjectKey, set[str]], key: SubjectKey, name: str) -> None:
        names = index.get(key)
        if names is not None:
            names.discard(name)
            if not names:
                del index[key]

    # -- reading ---------------------------------------------------------------------------

    def cluster_bindings_for(self, user: UserInfo) -> list[Binding]:
        names: set[str] = set()
        for k in _user_keys(user):
            names.update(self._cluster_by_subject.get(k, ()))
        return [self.cluster_bindings[n] for n in sorted(names)]

    def bindings_for(self, user: UserInfo, namespace: str) -> list[Binding]:
        index = self._ns_by_subject.get(namespace)
        if not index:
            return []
        names: set[str] = set()
        for k in _user_keys(user):
            names.update(index.get(k, ()))
        return [self.bindings[(namespace, n)] for n in sorted(names)]

    def namespaces_with_bindings_for(self, user: UserInfo) -> list[str]:
        keys = _user_keys(user)
        return sorted(
            ns for ns, index in self._ns_by_subject.items() if any(k in index for k in keys)
        )

    def role_rules(self, b: Binding) -> tuple[tuple[Rule, ...] | None, str]:
        """The rules of a binding's role, or (None, kube's lister error) when it is missing."""
        if b.role_kind == "ClusterRole":
            rules = self.cluster_roles.get(b.role_name)
            if rules is None:
                return None, f"clusterrole.{RBAC_GROUP} {go_quote(b.role_name)} not found"
            return rules, ""
        if b.role_kind == "Role" and b.namespace:
            rules = self.roles.get((b.namespace, b.role_name))
            if rules is None:
                return None, f"role.{RBAC_GROUP} {go_quote(b.role_name)} not found"
            return rules, ""
        return None, f"unsupported role reference kind: {go_quote(b.role_kind)}"

    def visit(
        self, user: UserInfo, namespace: str
    ) -> Iterator[tuple[RuleSource, tuple[Rule, ...] | None, str]]:
        """(source, rules, error) for every binding that applies, in kube's visiting order."""
        bindings = self.cluster_bindings_for(user)
        if namespace:
            bindings += self.bindings_for(user, namespace)
        for b in bindings:
            subject = b.subject_for(user)
            if subject is None:
                continue
            rules, err = self.role_rules(b)
            yield RuleSource(b, subject), rules, err

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[Rule], list[str]]:
        """All rules in force for `user` in `namespace` ("" = cluster-wide only), and errors."""
        rules: list[Rule] = []
        errors: list[str] = []
        for _, rs, err in self.visit(user, namespace):
            if rs is None:
                errors.append(err)
            else:
                rules.extend(rs)
        return rules, errors


def aggregate_errors(errors: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message alone, several (deduped) as `[a, b]`."""
    unique = list(dict.fromkeys(errors))
    if len(unique) == 1:
        return unique[0]
    return "[" + ", ".join(unique) + "]"


class RBACAuthorizer:
    """RBAC decisions over an `RBACIndex`, cached until the index changes."""

    def __init__(self, index: RBACIndex | None = None) -> None:
        self.index = index if index is not None else RBACIndex()
        self._cache: dict[tuple[Any, ...], Verdict] = {}
        self._cache_generation = -1

    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[Decision, str]:
        v = self.verdict(user, info)
        return v.decision, v.reason

    def verdict(self, user: UserInfo, info: RequestInfo) -> Verdict:
        if self._cache_generation != self.index.generation or len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
            self._cache_generation = self.index.generation
        key = (
            user.name,
            user.groups,
            info.is_resource_request,
            info.verb,
            info.api_group,
            info.resource,
            info.subresource,
            info.namespace,
            info.name,
            "" if info.is_resource_request else info.path,
        )
        v = self._cache.get(key)
        if v is None:
            v = self._decide(user, info)
            self._cache[key] = v
        return v

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[Rule], list[str]]:
        return self.index.rules_for(user, namespace)

    def _decide(self, user: UserInfo, info: RequestInfo) -> Verdict:
        errors: list[str] = []
        sources: list[tuple[RuleSource, tuple[Rule, ...]]] = []
        for source, rules, err in self.index.visit(user, info.namespace):
            if rules is None:
                errors.append(err)
                continue
            for rule in rules:
                if rule.allows(info):
                    return Verdict(
                        Decision.ALLOW,
                        f"RBAC: allowed by {source.description}",
                        f"allowed by {source.short}",
                        f"{source.binding.kind} {go_quote(source.binding.name)}",
                        f"{source.binding.role_kind} {go_quote(source.binding.role_name)}",
                    )
            sources.append((source, rules))
        reason = f"RBAC: {aggregate_errors(errors)}" if errors else ""
        return Verdict(
            Decision.NO_OPINION, reason, self._explain_denial(user, info, sources, errors)
        )

    # -- explanations ----------------------------------------------------------------------

    def _explain_denial(
        self,
        user: UserInfo,
        info: RequestInfo,
        sources: list[tuple[RuleSource, tuple[Rule, ...]]],
        errors: list[str],
    ) -> str:
        want = describe_request(info)
        parts = [f"denied: no RBAC rule allows {want}"]
        if not sources and not errors:
            parts.append("no binding applies to this user" + (" here" if info.namespace else ""))
        misses: list[str] = []
        for source, rules in sources:
            for rule in rules:
                miss = near_miss(rule, info)
                if miss:
                    misses.append(f"{source.short} {miss}")
        if info.is_resource_request and info.namespace:
            for ns in self.index.namespaces_with_bindings_for(user):
                if ns == info.namespace:
                    continue
                moved = info._replace(namespace=ns)
                for b in self.index.bindings_for(user, ns):
                    found, _ = self.index.role_rules(b)
                    if b.subject_for(user) and found and any(r.allows(moved) for r in found):
                        short = RuleSource(b, Subject("", "")).short
                        misses.append(
                            f"{short} allows it in namespace {go_quote(ns)}, "
                            f"not in {go_quote(info.namespace)}"
                        )
        if misses:
            parts.append("closest: " + "; ".join(dict.fromkeys(misses)))
        elif sources:
            parts.append(
                "bindings that apply: " + ", ".join(dict.fromkeys(s.short for s, _ in sources))
            )
        if errors:
            parts.append("errors: " + ", ".join(errors))
        return "; ".join(parts)


def describe_request(info: RequestInfo) -> str:
    """`verb "list" on "secrets" in API group "" in namespace "kube-system"` and the like."""
    if not info.is_resource_request:
        return f"verb {go_quote(info.verb)} on path {go_quote(info.path)}"
    resource = f"{info.resource}/{info.subresource}" if info.subresource else info.resource
    text = f"verb {go_quote(info.verb)} on {go_quote(resource)}"
    text += f" in API group {go_quote(info.api_group)}"
    if info.name:
        text += f" named {go_quote(info.name)}"
    text += f" in namespace {go_quote(info.namespace)}" if info.namespace else " at cluster scope"
    return text


def near_miss(rule: Rule, info: RequestInfo) -> str:
    """If exactly one condition keeps `rule` from allowing `info`, say which ("" otherwise)."""
    if not info.is_resource_request:
        if not rule.non_resource_urls:
            return ""
        verb, url = rule.verb_matches(info.verb), rule.url_matches(info.path)
        urls = list(rule.non_resource_urls)
        if url and not verb:
            return (
                f"allows {go_quote_list(urls)} with verbs {go_quote_list(rule.verbs)}, "
                f"not verb {go_quote(info.verb)}"
            )
        if verb and not url:
            return f"allows verb {go_quote(info.verb)} only on paths {go_quote_list(urls)}"
        return ""
    if not rule.resources:
        return ""
    combined = f"{info.resource}/{info.subresource}" if info.subresource else info.resource
    checks = {
        "verb": rule.verb_matches(info.verb),
        "group": rule.group_matches(info.api_group),
        "resource": rule.resource_matches(combined, info.subresource),
        "name": rule.name_matches(info.name),
    }
    failed = [k for k, ok in checks.items() if not ok]
    if len(failed) != 1:
        return ""
    what = f"{go_quote_list(rule.resources)} in API groups {go_quote_list(rule.api_groups)}"
    match failed[0]:
        case "verb":
            verbs = go_quote_list(rule.verbs)
            return f"allows {what} with verbs {verbs}, missing verb {go_quote(info.verb)}"
        case "group":
            return (
                f"allows {go_quote_list(rule.resources)} "
                f"only in API groups {go_quote_list(rule.api_groups)}"
            )
        case "resource":
            return (
                f"allows verb {go_quote(info.verb)} on {go_quote_list(rule.resources)}, "
                f"missing resource {go_quote(combined)}"
            )
        case _:
            if not info.name:
                return (
                    f"allows {what} only for names {go_quote_list(rule.resource_names)} "
                    f"(a request without a name never matches resourceNames)"
                )
            return f"allows {what} only for names {go_quote_list(rule.resource_names)}"


class RBACSource:
    """Keeps an `RBACIndex` in step with the registry through one informer per RBAC type.

    Informer handlers run on the event loop as each watch event arrives, so the index (and with
    it every decision cache built on its generation) changes as soon as the store does.
    """

    def __init__(self, registry: Any, index: RBACIndex) -> None:
        from fakekapi.client.informer import Informer

        self.index = index
        self.informers: list[Informer] = []
        for plural in RBAC_RESOURCES:
            rt = registry.catalog.lookup(RBAC_GROUP, "v1", plural)
            if rt is None:  # pragma: no cover - the built-in catalog serves RBAC
                raise RuntimeError(f"the catalog does not serve {plural}")
            informer = Informer(registry, rt)
            informer.add_handler(self._handler(plural))
            self.informers.append(informer)
        self._tasks: list[asyncio.Task[None]] = []

    def _handler(self, plural: str) -> Any:
        def handle(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
            self.index.apply(plural, old, new)

        return handle

    async def start(self) -> None:
        """Start following and wait until every type has been listed once."""
        for informer in self.informers:
            self._tasks.append(
                asyncio.create_task(informer.run(), name=f"rbac informer {informer.rt.plural}")
            )
        await asyncio.gather(*(i.synced.wait() for i in self.informers))

    async def stop(self) -> None:
        """Cancel the informers and wait for them to end."""
        await cancel_all(self._tasks)
        self._tasks = []


async def cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel tasks and wait until every one has ended.

    Cancellation is repeated: on Python 3.11 an `asyncio.wait_for()` inside a task can swallow a
    cancellation that races with its inner future completing.
    """
    pending = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.1)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s ended with an error", task.get_name(), exc_info=task.exception())


__all__ = [
    "RBACAuthorizer",
    "RBACIndex",
    "RBACSource",
    "RuleSource",
    "Verdict",
    "aggregate_errors",
    "describe_request",
    "near_miss",
]
