"""Request attributes, computed once per request by a pure function.

A port of k8s.io/apiserver `pkg/endpoints/request/requestinfo.go` (NewRequestInfo): authorization,
audit, metrics and routing all read the same RequestInfo, so they can never disagree about what a
URL means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

API_PREFIXES = frozenset({"api", "apis"})
GROUPLESS_API_PREFIXES = frozenset({"api"})
SPECIAL_VERBS = frozenset({"proxy", "watch"})
SPECIAL_VERBS_NO_SUBRESOURCES = frozenset({"proxy"})
NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})

_METHOD_VERBS = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}


class RequestInfo(NamedTuple):
    """What a request is about, in kube-apiserver's terms."""

    is_resource_request: bool
    path: str
    verb: str
    """get, list, watch, create, update, patch, delete, deletecollection, proxy; for non-resource
    requests the lower-case HTTP method."""
    api_prefix: str = ""
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    parts: tuple[str, ...] = ()
    """The path after the group-version, a `watch/` or `proxy/` verb and a `namespaces/NS/`
    prefix, as kube's RequestInfo.Parts: what routing reads, so the URL is split once."""
    path_verb: str = ""
    """`watch` or `proxy` when the path named the verb (the deprecated `/watch/` URLs)."""
    namespaced_path: bool = False
    """Whether `namespaces/NS/` was taken off the front of `parts` (a namespaced URL)."""


def _split_path(path: str) -> list[str]:
    path = path.strip("/")
    return path.split("/") if path else []


def _is_watch(values: str | None) -> bool:
    return values is not None and values.lower() not in ("false", "0")


_INVALID_SEGMENTS = (".", "..")


def _valid_path_segment(name: str) -> bool:
    return name not in _INVALID_SEGMENTS and "/" not in name and "%" not in name


_TERM_SPLIT = re.compile(r"(?<!\\),")


def exact_field_match(selector: str, field_name: str) -> str | None:
    """fields.Selector.RequiresExactMatch: the value of a `field=value` / `field==value` term."""
    for term in _TERM_SPLIT.split(selector):
        term = term.strip()
        if not term or "!=" in term:
            continue
        key, sep, value = term.partition("==") if "==" in term else term.partition("=")
        if sep and key.strip() == field_name:
            return value.strip().replace("\\,", ",").replace("\\=", "=").replace("\\\\", "\\")
    return None


def parse_request_info(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    """Compute the RequestInfo of a request; `query` maps each parameter to its first value."""
    method = method.upper()
    non_resource = RequestInfo(is_resource_request=False, path=path, verb=method.lower())
    parts = _split_path(path)
    if len(parts) < 3 or parts[0] not in API_PREFIXES:
        return non_resource
    api_prefix = parts[0]
    parts = parts[1:]
    api_group = ""
    if api_prefix not in GROUPLESS_API_PREFIXES:
        if len(parts) < 3:
            return non_resource
        api_group = parts[0]
        parts = parts[1:]
    api_version = parts[0]
    parts = parts[1:]

    if parts and parts[0] in SPECIAL_VERBS:
        if len(parts) < 2:
            # kube-apiserver errors here; treat it as a plain resource-less request.
            return RequestInfo(True, path, parts[0], api_prefix, api_group, api_version)
        verb = path_verb = parts[0]
        parts = parts[1:]
    else:
        verb = _METHOD_VERBS.get(method, "")
        path_verb = ""

    namespace = ""
    namespaced_path = False
    if parts and parts[0] == "namespaces" and len(parts) > 1:
        namespace = parts[1]
        if len(parts) > 2 and parts[2] not in NAMESPACE_SUBRESOURCES:
            parts = parts[2:]
            namespaced_path = True

    resource = subresource = name = ""
    if len(parts) >= 3 and verb not in SPECIAL_VERBS_NO_SUBRESOURCES:
        subresource = parts[2]
    if len(parts) >= 2:
        name = parts[1]
    if len(parts) >= 1:
        resource = parts[0]

    if not name and verb == "get":
        verb = "watch" if _is_watch(query.get("watch")) else "list"
        selector = query.get("fieldSelector")
        if selector:
            exact = exact_field_match(selector, "metadata.name")
            if exact and _valid_path_segment(exact):
                name = exact
    if not name and verb == "delete":
        verb = "deletecollection"

    return RequestInfo(
        is_resource_request=True,
        path=path,
        verb=verb,
        api_prefix=api_prefix,
        api_group=api_group,
        api_version=api_version,
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
        parts=tuple(parts),
        path_verb=path_verb,
        namespaced_path=namespaced_path,
    )
