"""RBAC's vocabulary as fast immutable values: policy rules, subjects, bindings, and matching.

The matching functions are a port of k8s.io/kubernetes `plugin/pkg/auth/authorizer/rbac/rbac.go`
`RuleAllows` and `pkg/apis/rbac/v1/evaluation_helpers.go` (VerbMatches, APIGroupMatches,
ResourceMatches, ResourceNameMatches, NonResourceURLMatches); subject matching is `appliesToUser`
of `pkg/registry/rbac/validation/rule.go`. Rules are parsed once, when a role enters the index, into
frozensets, so judging a request is a handful of set look-ups.

It lives in the registry layer because three layers need the same values: the authorizer (auth),
escalation prevention (admission), and the bootstrap reconciler and aggregation controller
(registry). Coverage (`covers`, `breakdown`, `compact`) is a port of
`validation/policy_comparator.go` and `policy_compact.go`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fakekapi.core.errors import go_quote, go_quote_list
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import UserInfo

RBAC_GROUP = "rbac.authorization.k8s.io"

ALL = "*"


SA_PREFIX = "system:serviceaccount:"


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value)


class Rule(NamedTuple):
    """One PolicyRule; the tuples keep the object's order, the sets make matching cheap.

    Made by `make` (or `from_json`), which derives each set from its tuple: equal tuples mean
    equal sets, so the sets change neither equality nor hashing. A NamedTuple rather than a
    frozen dataclass: ~1 ms less at import, and the ~460 rules a start makes are made faster."""

    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()
    verb_set: frozenset[str] = frozenset()
    group_set: frozenset[str] = frozenset()
    resource_set: frozenset[str] = frozenset()
    name_set: frozenset[str] = frozenset()

    @classmethod
    def make(
        cls,
        verbs: tuple[str, ...] | list[str] = (),
        api_groups: tuple[str, ...] | list[str] = (),
        resources: tuple[str, ...] | list[str] = (),
        resource_names: tuple[str, ...] | list[str] = (),
        non_resource_urls: tuple[str, ...] | list[str] = (),
    ) -> Rule:
        return cls(
            tuple(verbs),
            tuple(api_groups),
            tuple(resources),
            tuple(resource_names),
            tuple(non_resource_urls),
            frozenset(verbs),
            frozenset(api_groups),
            frozenset(resources),
            frozenset(resource_names),
        )

    @classmethod
    def from_json(cls, d: Any) -> Rule:
        if not isinstance(d, dict):
            return cls.make()
        return cls.make(
            _strs(d.get("verbs")),
            _strs(d.get("apiGroups")),
            _strs(d.get("resources")),
            _strs(d.get("resourceNames")),
            _strs(d.get("nonResourceURLs")),
        )

    def to_json(self) -> dict[str, list[str]]:
        """The rbac/v1 PolicyRule JSON (verbs always; the rest omitted when empty)."""
        out: dict[str, list[str]] = {"verbs": list(self.verbs)}
        if self.api_groups:
            out["apiGroups"] = list(self.api_groups)
        if self.resources:
            out["resources"] = list(self.resources)
        if self.resource_names:
            out["resourceNames"] = list(self.resource_names)
        if self.non_resource_urls:
            out["nonResourceURLs"] = list(self.non_resource_urls)
        return out

    def compact_string(self) -> str:
        """rbacv1 `PolicyRule.CompactString`: `{APIGroups:["a"], Resources:["b"], Verbs:["c"]}`."""
        parts = []
        for label, values in (
            ("APIGroups", self.api_groups),
            ("Resources", self.resources),
            ("NonResourceURLs", self.non_resource_urls),
            ("ResourceNames", self.resource_names),
            ("Verbs", self.verbs),
        ):
            if values:
                parts.append(f"{label}:{go_quote_list(values)}")
        return "{" + ", ".join(parts) + "}"

    # -- matching (rbac.go RuleAllows) -------------------------------------------------------

    def verb_matches(self, verb: str) -> bool:
        return ALL in self.verb_set or verb in self.verb_set

    def group_matches(self, group: str) -> bool:
        return ALL in self.group_set or group in self.group_set

    def resource_matches(self, combined: str, subresource: str) -> bool:
        if ALL in self.resource_set or combined in self.resource_set:
            return True
        return bool(subresource) and f"*/{subresource}" in self.resource_set

    def name_matches(self, name: str) -> bool:
        return not self.resource_names or name in self.name_set

    def url_matches(self, path: str) -> bool:
        for url in self.non_resource_urls:
            if url in (ALL, path):
                return True
            if url.endswith("*") and path.startswith(url[:-1]):
                return True
        return False

    def allows(self, info: RequestInfo) -> bool:
        if info.is_resource_request:
            combined = f"{info.resource}/{info.subresource}" if info.subresource else info.resource
            return (
                self.verb_matches(info.verb)
                and self.group_matches(info.api_group)
                and self.resource_matches(combined, info.subresource)
                and self.name_matches(info.name)
            )
        return self.verb_matches(info.verb) and self.url_matches(info.path)


class Subject(NamedTuple):
    kind: str
    name: str
    namespace: str = ""

    @classmethod
    def from_json(cls, d: Any) -> Subject:
        if not isinstance(d, dict):
            return cls("", "")
        return cls(
            str(d.get("kind") or ""), str(d.get("name") or ""), str(d.get("namespace") or "")
        )

    def username(self, binding_namespace: str) -> str | None:
        """The username a User / ServiceAccount subject stands for (None: matches nobody)."""
        if self.kind == "User":
            return self.name
        if self.kind == "ServiceAccount":
            ns = self.namespace or binding_namespace
            return f"{SA_PREFIX}{ns}:{self.name}" if ns else None
        return None

    def applies_to(self, user: UserInfo, binding_namespace: str) -> bool:
        """`appliesToUser` of rule.go."""
        if self.kind == "Group":
            return self.name in user.groups
        name = self.username(binding_namespace)
        return name is not None and name == user.name

    def describe(self, binding_namespace: str) -> str:
        """rule.go `describeSubject`: `User "x"`, `ServiceAccount "name/ns"`."""
        if self.kind == "ServiceAccount":
            return (
                f"{self.kind} {go_quote(self.name + '/' + (self.namespace or binding_namespace))}"
            )
        return f"{self.kind} {go_quote(self.name)}"


class Binding(NamedTuple):
    """A RoleBinding (namespace set) or ClusterRoleBinding (namespace "")."""

    namespace: str
    name: str
    role_kind: str
    role_name: str
    subjects: tuple[Subject, ...]

    @property
    def kind(self) -> str:
        return "RoleBinding" if self.namespace else "ClusterRoleBinding"

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Binding:
        md = obj.get("metadata") or {}
        ref = obj.get("roleRef") or {}
        subjects = obj.get("subjects") or []
        kind = str(ref.get("kind") or "")
        api_group = str(ref.get("apiGroup") or RBAC_GROUP)
        if api_group != RBAC_GROUP:
            # Validation refuses such a roleRef; one stored before it did (an older data dir)
            # must not resolve to the RBAC role of the same name.
            kind = f"{kind}.{api_group}"
        return cls(
            str(md.get("namespace") or ""),
            str(md.get("name") or ""),
            kind,
            str(ref.get("name") or ""),
            tuple(Subject.from_json(s) for s in subjects if isinstance(s, dict)),
        )

    def subject_for(self, user: UserInfo) -> Subject | None:
        """The first subject that applies to `user` (what kube's describer names)."""
        for s in self.subjects:
            if s.applies_to(user, self.namespace):
                return s
        return None

    def describe(self, subject: Subject) -> str:
        """rule.go's clusterRoleBindingDescriber / roleBindingDescriber."""
        if self.namespace:
            label = go_quote(f"{self.name}/{self.namespace}")
            return (
                f"RoleBinding {label} of {self.role_kind} {go_quote(self.role_name)} "
                f"to {subject.describe(self.namespace)}"
            )
        return (
            f"ClusterRoleBinding {go_quote(self.name)} of {self.role_kind} "
            f"{go_quote(self.role_name)} to {subject.describe('')}"
        )


def rules_of(obj: dict[str, Any] | None) -> tuple[Rule, ...]:
    if not obj:
        return ()
    return tuple(Rule.from_json(r) for r in (obj.get("rules") or []))


def resource_attributes(
    verb: str,
    *,
    group: str = "",
    resource: str = "",
    subresource: str = "",
    namespace: str = "",
    name: str = "",
    version: str = "*",
) -> RequestInfo:
    """A resource request as the authorizer sees it (ResourceAttributesFrom)."""
    return RequestInfo(
        is_resource_request=True,
        path="",
        verb=verb,
        api_group=group,
        api_version=version,
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
    )


def non_resource_attributes(verb: str, path: str) -> RequestInfo:
    return RequestInfo(is_resource_request=False, path=path, verb=verb)


# -- coverage: does a set of owned rules grant everything a set of rules grants? ----------------


def breakdown(rule: Rule) -> list[Rule]:
    """rbacutil.BreakdownRule: one rule per group x resource x verb (x name), and per URL x verb."""
    out: list[Rule] = []
    for group in rule.api_groups:
        for resource in rule.resources:
            for verb in rule.verbs:
                if rule.resource_names:
                    out.extend(
                        Rule.make([verb], [group], [resource], [n]) for n in rule.resource_names
                    )
                else:
                    out.append(Rule.make([verb], [group], [resource]))
    for url in rule.non_resource_urls:
        for verb in rule.verbs:
            out.append(Rule.make([verb], non_resource_urls=[url]))
    return out


def _has_all(owned: frozenset[str], wanted: tuple[str, ...]) -> bool:
    return all(w in owned for w in wanted)


def _resources_cover(owned: frozenset[str], wanted: tuple[str, ...]) -> bool:
    if ALL in owned or _has_all(owned, wanted):
        return True
    for path in wanted:
        if path in owned:
            continue
        if "/" not in path:
            return False
        if "*/" + path.split("/", 1)[1] not in owned:
            return False
    return True


def _url_covers(owner: str, sub: str) -> bool:
    return owner == sub or (owner.endswith("*") and sub.startswith(owner.rstrip("*")))


def rule_covers(owner: Rule, sub: Rule) -> bool:
    """policy_comparator.go `ruleCovers`."""
    verbs = ALL in owner.verb_set or _has_all(owner.verb_set, sub.verbs)
    groups = ALL in owner.group_set or _has_all(owner.group_set, sub.api_groups)
    resources = _resources_cover(owner.resource_set, sub.resources)
    urls = all(
        any(_url_covers(o, p) for o in owner.non_resource_urls) for p in sub.non_resource_urls
    )
    if not sub.resource_names:
        names = not owner.resource_names
    else:
        names = not owner.resource_names or _has_all(owner.name_set, sub.resource_names)
    return verbs and groups and resources and names and urls


def covers(
    owned: list[Rule] | tuple[Rule, ...], rules: list[Rule] | tuple[Rule, ...]
) -> list[Rule]:
    """validation.Covers: the broken-down rules of `rules` no owned rule covers ([] = covered)."""
    missing: list[Rule] = []
    for rule in rules:
        for sub in breakdown(rule):
            if not any(rule_covers(o, sub) for o in owned):
                missing.append(sub)
    return missing


def compact(rules: list[Rule]) -> list[Rule]:
    """validation.CompactRules: merge the verbs of single group/resource(/name) rules.

    Go appends the merged rules from a map (random order); callers here sort what they print.
    """
    out: list[Rule] = []
    simple: dict[tuple[str, str, bool, str], list[str]] = {}
    for r in rules:
        if (
            len(r.resource_names) <= 1
            and not r.non_resource_urls
            and len(r.api_groups) == 1
            and len(r.resources) == 1
        ):
            key = (
                r.api_groups[0],
                r.resources[0],
                bool(r.resource_names),
                r.resource_names[0] if r.resource_names else "",
            )
            simple.setdefault(key, []).extend(r.verbs)
        else:
            out.append(r)
    for (group, resource, has_name, name), verbs in simple.items():
        out.append(Rule.make(verbs, [group], [resource], [name] if has_name else []))
    return out
