"""The created-not-stored resources (TokenReview, SelfSubjectReview, the access reviews,
serviceaccounts/token) go through the one resource handler as their group's create-only
strategies: same decoding and field validation as any create, the server's own authenticators
and authorizer behind them, nothing stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from fakekapi.catalog.catalog import Catalog
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore
from fakekapi.testing import ServerHandle, running_server

JSON = {"Content-Type": "application/json"}
TOKENREVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server() as srv:
        yield srv


def post(
    server: ServerHandle, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, str], dict[str, Any]]:
    code, headers, raw = server.request("POST", path, body=json.dumps(body).encode(), headers=JSON)
    return code, headers, json.loads(raw)


def bound_token(server: ServerHandle, namespace: str, name: str) -> str:
    code, _, out = post(
        server,
        f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    assert code == 201, out
    token: str = out["status"]["token"]
    return token


def test_token_request_then_token_review(server: ServerHandle) -> None:
    token = bound_token(server, "default", "default")
    code, _, out = post(
        server,
        TOKENREVIEWS,
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}},
    )
    assert code == 201, out
    assert out["status"]["authenticated"] is True
    assert out["status"]["user"]["username"] == "system:serviceaccount:default:default"
    assert out["metadata"] == {"creationTimestamp": None}


def test_unknown_fields_warn_or_fail_as_on_any_create(server: ServerHandle) -> None:
    """kube decodes these bodies with the same field validation as any create."""
    body = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenReview",
        "spec": {"token": "x", "bogus": 1},
    }
    code, headers, out = post(server, TOKENREVIEWS, body)
    assert code == 201, out
    assert headers.get("Warning") == '299 - "unknown field \\"spec.bogus\\""'
    assert "bogus" not in out["spec"]
    code, _, out = post(server, TOKENREVIEWS + "?fieldValidation=Strict", body)
    assert code == 400
    assert out["message"] == (
        'TokenReview in version "v1" cannot be handled as a TokenReview: strict decoding error: '
        'unknown field "spec.bogus"'
    )


def test_token_request_body_is_decoded_as_its_kind(server: ServerHandle) -> None:
    code, _, out = post(
        server,
        "/api/v1/namespaces/default/serviceaccounts/default/token",
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"audiences": "not-a-list"},
        },
    )
    assert code == 400
    assert out["message"].startswith(
        'TokenRequest in version "v1" cannot be handled as a TokenRequest: '
    )


def test_reviews_are_not_stored(server: ServerHandle) -> None:
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "metadata": {"name": "kept"},
        "spec": {"resourceAttributes": {"verb": "list", "resource": "pods"}},
    }
    code, _, out = post(server, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body)
    assert code == 201, out
    assert out["status"]["allowed"] is True
    assert out["metadata"] == {"name": "kept", "creationTimestamp": None}
    # No item route: a create-only resource has nothing to read back (go-restful's 404).
    code, _, raw = server.request(
        "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/kept"
    )
    assert code == 404
    assert json.loads(raw)["message"] == "the server could not find the requested resource"


def test_v1beta1_self_subject_review_is_answered_but_not_discovered(
    server: ServerHandle,
) -> None:
    code, _, out = post(
        server,
        "/apis/authentication.k8s.io/v1beta1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1beta1", "kind": "SelfSubjectReview"},
    )
    assert code == 201, out
    assert out["apiVersion"] == "authentication.k8s.io/v1beta1"
    assert out["status"]["userInfo"]["username"] == "kubernetes-admin"
    code, _, raw = server.request("GET", "/apis/authentication.k8s.io")
    assert code == 200
    versions = [v["version"] for v in json.loads(raw)["versions"]]
    assert "v1beta1" not in versions
    code, _, _ = server.request("GET", "/apis/authentication.k8s.io/v1beta1")
    assert code == 404


def test_a_registry_without_a_server_answers_kubes_internal_error() -> None:
    """Without the server's authenticators (fixtures check, the offline CLI) a review is a 500
    that says why, never a guess."""
    catalog = Catalog.builtin()
    registry = Registry(MemoryStore(), catalog)
    rt = catalog.lookup("authentication.k8s.io", "v1", "tokenreviews")
    assert rt is not None
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": "t"}}
    with pytest.raises(StatusError) as e:
        asyncio.run(registry.create(rt, "", body, WriteOptions()))
    assert e.value.code == 500
    assert e.value.message == (
        "Internal error occurred: the server's authentication and authorization are not configured"
    )
