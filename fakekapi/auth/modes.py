"""`--authorization-mode`: the authorizer chain kube-apiserver builds from its flag.

kube-apiserver (`pkg/kubeapiserver/authorizer/config.go`) always puts the system:masters
privileged-group authorizer first, then one authorizer per mode in the order given; the first Allow
or Deny decides. Modes here: `RBAC` (the default), `AlwaysAllow`, `AlwaysDeny` (which, as in kube,
answers NoOpinion with the reason "Everything is forbidden.", so system:masters still gets through)
and `Node` (accepted so that kubeadm's `Node,RBAC` works; it only concerns kubelets, which do not
exist here, so it never has an opinion).

`ModeAuthorizer` also answers SelfSubjectRulesReview (`rules_for`, the union of the modes' rule
resolvers) and gives every decision a human explanation for the access log: together, the
`ExplainingAuthorizer` protocol the server holds. `Explained` makes one of an authorizer that only
decides (tests' stubs, the fallback policy), answering rules reviews as kube does for an
authorizer without a rule resolver.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

from fakekapi.auth.authz import Authorizer, Decision, PrivilegedGroupAuthorizer
from fakekapi.auth.rbac import RBACAuthorizer, RBACIndex, Verdict, aggregate_errors
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import SYSTEM_MASTERS, UserInfo
from fakekapi.registry.rbac.rules import Rule

RBAC = "RBAC"
ALWAYS_ALLOW = "AlwaysAllow"
ALWAYS_DENY = "AlwaysDeny"
NODE = "Node"
MODES = (ALWAYS_ALLOW, ALWAYS_DENY, NODE, RBAC)
EVERYTHING_FORBIDDEN = "Everything is forbidden."

ALL_RULES = (Rule.make(["*"], ["*"], ["*"]), Rule.make(["*"], non_resource_urls=["*"]))


def parse_modes(values: Iterable[str]) -> tuple[str, ...]:
    """Flag values (each possibly comma-separated) → modes; ValueError for a bad value."""
    modes: list[str] = []
    for value in values:
        for mode in value.split(","):
            mode = mode.strip()
            if not mode:
                continue
            if mode not in MODES:
                raise ValueError(
                    f"authorization-mode {mode!r} is not a valid mode; "
                    f"valid modes are {', '.join(MODES)}"
                )
            if mode in modes:
                raise ValueError(f"authorization-mode {mode!r} has mode specified more than once")
            modes.append(mode)
    return tuple(modes) or (RBAC,)


class RulesResult(NamedTuple):
    """What SelfSubjectRulesReview reports: rules, incomplete, evaluationError."""

    resource_rules: list[Rule]
    non_resource_rules: list[Rule]
    incomplete: bool
    evaluation_error: str


class ModeAuthorizer:
    """system:masters, then each mode in order (`Authorizer` protocol, plus explanations)."""

    def __init__(self, modes: Sequence[str] = (RBAC,), rbac: RBACAuthorizer | None = None) -> None:
        self.modes = parse_modes(modes)
        self.rbac = rbac if rbac is not None else RBACAuthorizer(RBACIndex())
        self.masters = PrivilegedGroupAuthorizer()

    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[Decision, str]:
        v = self.verdict(user, info)
        return v.decision, v.reason

    def verdict(self, user: UserInfo, info: RequestInfo) -> Verdict:
        """The decision, kube's reason, and an explanation for humans."""
        if SYSTEM_MASTERS in user.groups:
            return Verdict(Decision.ALLOW, "", f"allowed: member of group {SYSTEM_MASTERS!r}")
        reasons: list[str] = []
        explanations: list[str] = []
        for mode in self.modes:
            if mode == ALWAYS_ALLOW:
                return Verdict(Decision.ALLOW, "", "allowed by --authorization-mode=AlwaysAllow")
            if mode == ALWAYS_DENY:
                reasons.append(EVERYTHING_FORBIDDEN)
                explanations.append("denied by --authorization-mode=AlwaysDeny")
            elif mode == RBAC:
                v = self.rbac.verdict(user, info)
                if v.decision is not Decision.NO_OPINION:
                    return v
                if v.reason:
                    reasons.append(v.reason)
                explanations.append(v.explanation)
        return Verdict(Decision.NO_OPINION, ", ".join(reasons), "; ".join(explanations))

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        """The union of the modes' RulesFor (AlwaysAllow: everything; others: nothing but RBAC)."""
        resource: list[Rule] = []
        non_resource: list[Rule] = []
        errors: list[str] = []
        for mode in self.modes:
            if mode == ALWAYS_ALLOW:
                resource.append(ALL_RULES[0])
                non_resource.append(ALL_RULES[1])
            elif mode == RBAC:
                rules, errs = self.rbac.rules_for(user, namespace)
                for rule in rules:
                    if rule.resources:
                        resource.append(rule)
                    if rule.non_resource_urls:
                        non_resource.append(rule)
                if errs:
                    errors.append(aggregate_errors(errs))
        return RulesResult(
            resource, non_resource, False, aggregate_errors(errors) if errors else ""
        )


class ExplainingAuthorizer(Protocol):
    """What the server asks of its authorizer: kube's decision, the same decision with a
    human explanation (access log, console), and the rules a user holds (SelfSubjectRulesReview)."""

    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[Decision, str]: ...

    def verdict(self, user: UserInfo, info: RequestInfo) -> Verdict: ...

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult: ...


NO_RULE_RESOLUTION = "authorizer does not support user rule resolution"
"""SelfSubjectRulesReview's evaluationError for an authorizer without a rule resolver (kube's
`authorizer.RuleResolver` absent: `pkg/registry/authorization/selfsubjectrulesreview`)."""


class Explained:
    """An authorizer that only decides, as an `ExplainingAuthorizer`: no explanation beyond its
    reason, and rules reviews answered incomplete with kube's evaluationError."""

    def __init__(self, inner: Authorizer) -> None:
        self.inner = inner

    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[Decision, str]:
        return self.inner.authorize(user, info)

    def verdict(self, user: UserInfo, info: RequestInfo) -> Verdict:
        decision, reason = self.inner.authorize(user, info)
        return Verdict(decision, reason, "")

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        return RulesResult([], [], True, NO_RULE_RESOLUTION)


def build_authorizer(modes: Sequence[str], index: RBACIndex | None = None) -> ModeAuthorizer:
    """The server's authorizer for `--authorization-mode` over the given RBAC index."""
    return ModeAuthorizer(modes, RBACAuthorizer(index if index is not None else RBACIndex()))


__all__ = [
    "ALWAYS_ALLOW",
    "ALWAYS_DENY",
    "MODES",
    "NO_RULE_RESOLUTION",
    "RBAC",
    "Explained",
    "ExplainingAuthorizer",
    "ModeAuthorizer",
    "RulesResult",
    "build_authorizer",
    "parse_modes",
]
