"""Impersonation headers → the user a request acts as (apiserver `filters/impersonation.go`).

Pure: `plan(headers)` turns the `Impersonate-*` headers into the target user and the list of
`impersonate` checks, in kube's order (user or serviceaccount, groups, extras, uid); `apply` runs
the checks through an authorizer for the *requesting* user and returns the new user, or raises
kube's 403 for the first denial. Groups, extras or a uid without `Impersonate-User` are the
plain-text 500 `Internal Server Error: "<URI>": requested [...] without impersonating a user`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import unquote

from fakekapi.auth.authz import Authorizer, Decision, forbidden_error
from fakekapi.auth.serviceaccount import sa_groups, split_username
from fakekapi.core.errors import PlainHTTPError, go_quote
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, UserInfo

USER_HEADER = "Impersonate-User"
GROUP_HEADER = "Impersonate-Group"
UID_HEADER = "Impersonate-Uid"
EXTRA_PREFIX = "Impersonate-Extra-"
AUTHN_GROUP = "authentication.k8s.io"
_SANITIZE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
"""responsewriters' sanitizer: only these three characters are escaped."""


class Reference(NamedTuple):
    """One element asked for (kube builds a v1.ObjectReference per element)."""

    kind: str
    """ServiceAccount, User, Group, UserExtra or UID."""
    name: str
    namespace: str = ""
    api_version: str = ""
    field_path: str = ""
    """For UserExtra: the extra key."""

    def go_string(self) -> str:
        """`%v` of the ObjectReference: its seven string fields, space-separated, in braces."""
        fields = (self.kind, self.namespace, self.name, "", self.api_version, "", self.field_path)
        return "{" + " ".join(fields) + "}"

    def check(self) -> RequestInfo:
        """The `impersonate` request the authorizer judges for this element."""
        resource, group, ns, sub = "", "", "", ""
        if self.kind == "ServiceAccount":
            resource, ns = "serviceaccounts", self.namespace
        elif self.kind == "User":
            resource = "users"
        elif self.kind == "Group":
            resource = "groups"
        elif self.kind == "UserExtra":
            resource, group, sub = "userextras", AUTHN_GROUP, self.field_path
        else:
            resource, group = "uids", AUTHN_GROUP
        return RequestInfo(
            is_resource_request=True,
            path="",
            verb="impersonate",
            api_group=group,
            api_version="v1",
            namespace=ns,
            resource=resource,
            subresource=sub,
            name=self.name,
        )


class Plan(NamedTuple):
    """What the headers ask for: the checks to pass and the user that results."""

    references: tuple[Reference, ...]
    user: UserInfo
    header_names: tuple[str, ...] = ()
    """The headers to remove before the request proceeds."""


class _Headers:
    """Case-insensitive multi-valued view over whatever mapping the caller has."""

    def __init__(self, headers: object) -> None:
        self.items: list[tuple[str, str]] = []
        raw_items = getattr(headers, "items", None)
        if raw_items is not None:
            self.items = [(str(k), str(v)) for k, v in raw_items()]

    def getall(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self.items if k.lower() == lname]

    def first(self, name: str) -> str:
        values = self.getall(name)
        return values[0] if values else ""


def _unescape_extra_key(key: str) -> str:
    """`unescapeExtraKey`: percent-decoding; an undecodable key is kept as it is."""
    try:
        return unquote(key, errors="strict")
    except UnicodeDecodeError:
        return key


def plan(headers: object, request_uri: str = "") -> Plan | None:
    """The impersonation a request asks for, or None when it has no Impersonate-* header.

    `headers` is any mapping with `.items()` yielding every (name, value) pair (aiohttp's
    CIMultiDict, a list-backed dict in tests). Raises the plain-text 500 for groups/extra/uid
    without a user.
    """
    h = _Headers(headers)
    refs: list[Reference] = []
    names: list[str] = []
    requested_user = h.first(USER_HEADER)
    if requested_user:
        names.append(USER_HEADER)
        ns, name = split_username(requested_user)
        if ns:
            refs.append(Reference("ServiceAccount", name, namespace=ns))
        else:
            refs.append(Reference("User", requested_user))
    groups_given = h.getall(GROUP_HEADER)
    if groups_given:
        names.append(GROUP_HEADER)
    for g in groups_given:
        refs.append(Reference("Group", g))
    has_extra = False
    seen_extra: list[str] = []
    for k, _ in h.items:
        if k.lower().startswith(EXTRA_PREFIX.lower()) and k.lower() not in seen_extra:
            seen_extra.append(k.lower())
    for lower_name in seen_extra:
        has_extra = True
        names.append(lower_name)
        key = _unescape_extra_key(lower_name[len(EXTRA_PREFIX) :])
        for value in h.getall(lower_name):
            refs.append(
                Reference(
                    "UserExtra", value, api_version="authentication.k8s.io/v1", field_path=key
                )
            )
    requested_uid = h.first(UID_HEADER)
    if requested_uid:
        names.append(UID_HEADER)
        refs.append(Reference("UID", requested_uid, api_version="authentication.k8s.io/v1"))
    if (groups_given or has_extra or requested_uid) and not requested_user:
        listed = "[" + " ".join(r.go_string() for r in refs) + "]"
        err = f"requested {listed} without impersonating a user"
        raise internal_error(request_uri, err)
    if not refs:
        return None
    return Plan(tuple(refs), _target_user(refs), tuple(names))


def internal_error(request_uri: str, err: str) -> PlainHTTPError:
    """responsewriters.InternalError: `Internal Server Error: %q: %v`, HTML-escaped, plain text."""
    text = f"Internal Server Error: {go_quote(request_uri)}: {err}"
    return PlainHTTPError(
        500, text.translate(_SANITIZE) + "\n", {"X-Content-Type-Options": "nosniff"}
    )


def _target_user(refs: Iterable[Reference]) -> UserInfo:
    username = ""
    uid = ""
    groups: list[str] = []
    extra: dict[str, list[str]] = {}
    refs = list(refs)
    groups_specified = any(r.kind == "Group" for r in refs)
    for r in refs:
        if r.kind == "ServiceAccount":
            username = f"system:serviceaccount:{r.namespace}:{r.name}"
            if not groups_specified:
                groups = list(sa_groups(r.namespace))
        elif r.kind == "User":
            username = r.name
        elif r.kind == "Group":
            groups.append(r.name)
        elif r.kind == "UserExtra":
            extra.setdefault(r.field_path, []).append(r.name)
        elif r.kind == "UID":
            uid = r.name
    if username != ANONYMOUS_USER:
        if not any(g in (ALL_AUTHENTICATED, ALL_UNAUTHENTICATED) for g in groups):
            groups.append(ALL_AUTHENTICATED)
    elif ALL_UNAUTHENTICATED not in groups:
        groups.append(ALL_UNAUTHENTICATED)
    return UserInfo(
        name=username, uid=uid, groups=tuple(groups), extra={k: tuple(v) for k, v in extra.items()}
    )


def apply(p: Plan, requester: UserInfo, authorizer: Authorizer) -> UserInfo:
    """Authorize every element for `requester` (verb impersonate); the target user, or the 403."""
    for ref in p.references:
        info = ref.check()
        decision, reason = authorizer.authorize(requester, info)
        if decision is not Decision.ALLOW:
            raise forbidden_error(requester, info, reason)
    return p.user


__all__ = ["Plan", "Reference", "apply", "internal_error", "plan"]
