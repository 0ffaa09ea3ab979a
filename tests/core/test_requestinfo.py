"""parse_request_info against a table of URLs, as requestinfo_test.go does."""

from __future__ import annotations

import pytest

from fakekapi.core.requestinfo import exact_field_match, parse_request_info

# method, path, query, (resource?, verb, group, version, namespace, resource, subresource, name)
CASES = [
    ("GET", "/api/v1/namespaces", {}, (True, "list", "", "v1", "", "namespaces", "", "")),
    (
        "GET",
        "/api/v1/namespaces/other",
        {},
        (True, "get", "", "v1", "other", "namespaces", "", "other"),
    ),
    ("GET", "/api/v1/namespaces/other/pods", {}, (True, "list", "", "v1", "other", "pods", "", "")),
    (
        "GET",
        "/api/v1/namespaces/other/pods/foo",
        {},
        (True, "get", "", "v1", "other", "pods", "", "foo"),
    ),
    (
        "HEAD",
        "/api/v1/namespaces/other/pods/foo",
        {},
        (True, "get", "", "v1", "other", "pods", "", "foo"),
    ),
    ("GET", "/api/v1/pods", {}, (True, "list", "", "v1", "", "pods", "", "")),
    ("GET", "/api/v1/pods", {"watch": "true"}, (True, "watch", "", "v1", "", "pods", "", "")),
    ("GET", "/api/v1/pods", {"watch": "false"}, (True, "list", "", "v1", "", "pods", "", "")),
    ("GET", "/api/v1/pods", {"watch": "0"}, (True, "list", "", "v1", "", "pods", "", "")),
    ("GET", "/api/v1/watch/pods", {}, (True, "watch", "", "v1", "", "pods", "", "")),
    (
        "GET",
        "/api/v1/watch/namespaces/other/pods",
        {},
        (True, "watch", "", "v1", "other", "pods", "", ""),
    ),
    (
        "GET",
        "/api/v1/namespaces/other/pods/foo/log",
        {},
        (True, "get", "", "v1", "other", "pods", "log", "foo"),
    ),
    (
        "POST",
        "/api/v1/namespaces/other/pods",
        {},
        (True, "create", "", "v1", "other", "pods", "", ""),
    ),
    (
        "PUT",
        "/api/v1/namespaces/other/pods/foo/status",
        {},
        (True, "update", "", "v1", "other", "pods", "status", "foo"),
    ),
    (
        "PATCH",
        "/apis/apps/v1/namespaces/d/deployments/x/scale",
        {},
        (True, "patch", "apps", "v1", "d", "deployments", "scale", "x"),
    ),
    (
        "DELETE",
        "/api/v1/namespaces/other/pods/foo",
        {},
        (True, "delete", "", "v1", "other", "pods", "", "foo"),
    ),
    (
        "DELETE",
        "/api/v1/namespaces/other/pods",
        {},
        (True, "deletecollection", "", "v1", "other", "pods", "", ""),
    ),
    (
        "PUT",
        "/api/v1/namespaces/other/finalize",
        {},
        (True, "update", "", "v1", "other", "namespaces", "finalize", "other"),
    ),
    (
        "GET",
        "/api/v1/namespaces/other/status",
        {},
        (True, "get", "", "v1", "other", "namespaces", "status", "other"),
    ),
    (
        "GET",
        "/apis/extensions/v1beta1/namespaces/other/foo",
        {},
        (True, "list", "extensions", "v1beta1", "other", "foo", "", ""),
    ),
    (
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        {},
        (True, "create", "authorization.k8s.io", "v1", "", "selfsubjectaccessreviews", "", ""),
    ),
    (
        "GET",
        "/api/v1/namespaces/d/pods",
        {"fieldSelector": "metadata.name=web"},
        (True, "list", "", "v1", "d", "pods", "", "web"),
    ),
    (
        "GET",
        "/api/v1/namespaces/d/pods",
        {"fieldSelector": "spec.nodeName=n,metadata.name==web", "watch": "1"},
        (True, "watch", "", "v1", "d", "pods", "", "web"),
    ),
    (
        "GET",
        "/api/v1/namespaces/d/pods",
        {"fieldSelector": "metadata.name!=web"},
        (True, "list", "", "v1", "d", "pods", "", ""),
    ),
    (
        "GET",
        "/api/v1/namespaces/d/pods",
        {"fieldSelector": "metadata.name=.."},
        (True, "list", "", "v1", "d", "pods", "", ""),
    ),
    # Non-resource requests keep the lower-case HTTP method as verb.
    ("GET", "/api", {}, (False, "get", "", "", "", "", "", "")),
    ("GET", "/api/v1", {}, (False, "get", "", "", "", "", "", "")),
    ("GET", "/apis", {}, (False, "get", "", "", "", "", "", "")),
    ("GET", "/apis/apps", {}, (False, "get", "", "", "", "", "", "")),
    ("GET", "/apis/apps/v1", {}, (False, "get", "", "", "", "", "", "")),
    ("GET", "/healthz", {}, (False, "get", "", "", "", "", "", "")),
    ("POST", "/foo/bar/baz", {}, (False, "post", "", "", "", "", "", "")),
]


@pytest.mark.parametrize(("method", "path", "query", "want"), CASES)
def test_parse_request_info(
    method: str, path: str, query: dict[str, str], want: tuple[object, ...]
) -> None:
    info = parse_request_info(method, path, query)
    got = (
        info.is_resource_request,
        info.verb,
        info.api_group,
        info.api_version,
        info.namespace,
        info.resource,
        info.subresource,
        info.name,
    )
    assert got == want
    assert info.path == path


def test_exact_field_match_ignores_other_terms() -> None:
    assert exact_field_match("a=b,metadata.name=x", "metadata.name") == "x"
    assert exact_field_match("metadata.name!=x", "metadata.name") is None
    assert exact_field_match("", "metadata.name") is None


@pytest.mark.parametrize(
    ("path", "parts", "path_verb", "namespaced_path"),
    [
        ("/api/v1/namespaces/ns/pods/p/log", ("pods", "p", "log"), "", True),
        ("/api/v1/namespaces/ns", ("namespaces", "ns"), "", False),
        ("/api/v1/namespaces/ns/finalize", ("namespaces", "ns", "finalize"), "", False),
        ("/api/v1/watch/namespaces/ns/pods", ("pods",), "watch", True),
        ("/apis/apps/v1/proxy/deployments/d", ("deployments", "d"), "proxy", False),
        ("/apis/apps/v1/deployments", ("deployments",), "", False),
    ],
)
def test_parts_are_what_routing_reads(
    path: str, parts: tuple[str, ...], path_verb: str, namespaced_path: bool
) -> None:
    """The resource handler routes on these, so the URL is split once per request."""
    info = parse_request_info("GET", path, {})
    assert (info.parts, info.path_verb, info.namespaced_path) == (
        parts,
        path_verb,
        namespaced_path,
    )
