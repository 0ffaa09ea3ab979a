"""Authorization: may this user do this?

Modelled on k8s.io/apiserver `pkg/authorization/authorizer/interfaces.go`: an authorizer answers
Allow, Deny or NoOpinion (plus a reason); a union asks each in turn and the first Allow or Deny
wins; no opinion from anyone means forbidden. The Forbidden Status text is built here too
(`forbidden_error`), word for word as `responsewriters.ForbiddenStatusError`, because the RBAC and
impersonation checks that come later must produce the very same sentence.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Protocol

from fakekapi.core.errors import StatusError, forbidden, go_quote
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import ALL_AUTHENTICATED, SYSTEM_MASTERS, UserInfo


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    NO_OPINION = "no-opinion"


class Authorizer(Protocol):
    """Judges one request: (decision, reason). The reason is appended to a 403's message."""

    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[Decision, str]: ...


class PrivilegedGroupAuthorizer:
    """Members of `system:masters` may do everything (kube's privileged-group authorizer)."""

    def __init__(self, groups: Sequence[str] = (SYSTEM_MASTERS,)) -> None:
        self.groups = frozenset(groups)

    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[Decision, str]:
        if self.groups.intersection(user.groups):
            return Decision.ALLOW, ""
        return Decision.NO_OPINION, ""


PUBLIC_INFO_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version", "/version/"})
"""`system:public-info-viewer`, bound to system:authenticated and system:unauthenticated."""

DISCOVERY_PATHS = (
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/openapi",
    "/openapi/*",
    "/readyz",
    "/version",
    "/version/",
)
"""`system:discovery`, bound to system:authenticated."""

BASIC_USER_RESOURCES = frozenset(
    {
        ("authorization.k8s.io", "selfsubjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectrulesreviews"),
        ("authentication.k8s.io", "selfsubjectreviews"),
    }
)
"""`system:basic-user` (create only), bound to system:authenticated."""


def _path_matches(path: str, rules: Sequence[str]) -> bool:
    """RBAC's NonResourceURLMatches: exact, or a trailing `*` as a prefix match."""
    for rule in rules:
        if rule == path:
            return True
        if rule.endswith("*") and path.startswith(rule[:-1]):
            return True
    return False


class DefaultPolicyAuthorizer:
    """A fixed stand-in for the bootstrap RBAC policy's public roles.

    It grants what every cluster grants by default: public-info paths to everyone, discovery and
    the self-review APIs to authenticated users. It says nothing about anything else, so a union
    ending with it forbids the rest. The RBAC authorizer replaces it.
    """

    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[Decision, str]:
        if not info.is_resource_request:
            if info.verb != "get":
                return Decision.NO_OPINION, ""
            if info.path in PUBLIC_INFO_PATHS:
                return Decision.ALLOW, ""
            if ALL_AUTHENTICATED in user.groups and _path_matches(info.path, DISCOVERY_PATHS):
                return Decision.ALLOW, ""
            return Decision.NO_OPINION, ""
        if (
            ALL_AUTHENTICATED in user.groups
            and info.verb == "create"
            and not info.subresource
            and (info.api_group, info.resource) in BASIC_USER_RESOURCES
        ):
            return Decision.ALLOW, ""
        return Decision.NO_OPINION, ""


class UnionAuthorizer:
    """Ask each authorizer in order; the first Allow or Deny decides (union.go)."""

    def __init__(self, *authorizers: Authorizer) -> None:
        self.authorizers = authorizers

    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[Decision, str]:
        reasons: list[str] = []
        for a in self.authorizers:
            decision, reason = a.authorize(user, info)
            if decision is not Decision.NO_OPINION:
                return decision, reason
            if reason:
                reasons.append(reason)
        return Decision.NO_OPINION, ", ".join(reasons)


def default_authorizer() -> Authorizer:
    """system:masters first, then the default public policy."""
    return UnionAuthorizer(PrivilegedGroupAuthorizer(), DefaultPolicyAuthorizer())


_SANITIZE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def forbidden_message(user: UserInfo, info: RequestInfo) -> str:
    """`User "x" cannot <verb> ...` (responsewriters `forbiddenMessage`), HTML-sanitized."""
    who = go_quote(user.name)
    if not info.is_resource_request:
        msg = f"User {who} cannot {info.verb} path {go_quote(info.path)}"
    else:
        resource = info.resource
        if info.subresource:
            resource = f"{resource}/{info.subresource}"
        msg = (
            f"User {who} cannot {info.verb} resource {go_quote(resource)} "
            f"in API group {go_quote(info.api_group)}"
        )
        if info.namespace:
            msg += f" in the namespace {go_quote(info.namespace)}"
        else:
            msg += " at the cluster scope"
    return msg.translate(_SANITIZE)


def forbidden_error(user: UserInfo, info: RequestInfo, reason: str = "") -> StatusError:
    """The 403 Status of the authorization filter (`ForbiddenStatusError`).

    The authorizer's reason is appended unsanitized, as kube does.
    """
    msg = forbidden_message(user, info)
    if reason:
        msg = f"{msg}: {reason}"
    if not info.is_resource_request:
        return forbidden("", "", "", msg)
    return forbidden(info.resource, info.api_group, info.name, msg)


__all__ = [
    "Authorizer",
    "Decision",
    "DefaultPolicyAuthorizer",
    "PrivilegedGroupAuthorizer",
    "UnionAuthorizer",
    "default_authorizer",
    "forbidden_error",
    "forbidden_message",
]
