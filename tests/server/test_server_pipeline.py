"""The middleware order, as clients observe it (reference §3, §3.1; style.md pipeline test)."""

from __future__ import annotations

import io
import logging
import uuid

import pytest

from fakekapi.server import middleware
from server.conftest import ADMIN, JANE, ClientFactory


def test_pipeline_is_declared_in_kube_order() -> None:
    names = [m.__name__ for m in middleware.PIPELINE]
    assert names == [
        "observe",
        "errors",
        "request_info",
        "authentication",
        "audit",
        "impersonation",
        "max_in_flight",
        "authorization",
    ]


async def test_invalid_credential_is_401_even_for_unknown_path(make_client: ClientFactory) -> None:
    c = await make_client()
    for path in ("/nope", "/api/v1/foos", "/apis/nope.example/v1/things", "/healthz"):
        r = await c.get(path, headers={"Authorization": "Bearer wrong"})
        assert r.status == 401, path
        assert r.headers["Content-Type"] == "application/json"
        assert await r.json() == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Unauthorized",
            "reason": "Unauthorized",
            "code": 401,
        }


async def test_anonymous_unknown_path_is_403_not_404(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/nope")
    assert r.status == 403
    body = await r.json()
    assert body["message"] == 'forbidden: User "system:anonymous" cannot get path "/nope"'
    assert body["details"] == {}
    assert r.headers["X-Content-Type-Options"] == "nosniff"


async def test_anonymous_resource_is_403_before_existence(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/api/v1/namespaces/default/pods/nonexistent")
    assert r.status == 403
    assert (await r.json())["message"] == (
        'pods "nonexistent" is forbidden: User "system:anonymous" cannot get resource "pods" '
        'in API group "" in the namespace "default"'
    )


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz", "/version", "/version/"])
async def test_public_paths_are_anonymous(make_client: ClientFactory, path: str) -> None:
    c = await make_client()
    assert (await c.get(path)).status == 200


async def test_discovery_needs_authentication(make_client: ClientFactory) -> None:
    c = await make_client()
    assert (await c.get("/api")).status == 403
    assert (await c.get("/api", headers=JANE)).status == 200
    assert (await c.get("/metrics", headers=JANE)).status == 403
    assert (await c.get("/metrics", headers=ADMIN)).status == 200


async def test_forbidden_write_is_refused_before_the_body_is_read(
    make_client: ClientFactory,
) -> None:
    c = await make_client()
    big = b"{" + b" " * (4 * 1024 * 1024) + b"}"
    url = "/api/v1/namespaces/default/configmaps"
    r = await c.post(url, data=io.BytesIO(big), headers=JANE)
    assert r.status == 403  # a read body would have been 413
    r = await c.post(url, data=io.BytesIO(big), headers=ADMIN)
    assert r.status == 413
    assert await r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Request entity too large: limit is 3145728",
        "reason": "RequestEntityTooLarge",
        "code": 413,
    }


async def test_common_headers(make_client: ClientFactory) -> None:
    c = await make_client()
    for r in (
        await c.get("/version"),
        await c.get("/nope"),
        await c.get("/api", headers={"Authorization": "Bearer x"}),
    ):
        uuid.UUID(r.headers["Audit-Id"])
        assert r.headers["Cache-Control"] == "no-cache, private"


async def test_one_log_line_per_request_without_tokens(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    c = await make_client()
    with caplog.at_level(logging.INFO, logger="fakekapi.server.access"):
        await c.get("/api/v1/pods", headers=JANE)
        await c.get("/api", headers={"Authorization": "Bearer secret-token-value"})
    lines = [r.getMessage() for r in caplog.records if r.name == "fakekapi.server.access"]
    assert len(lines) == 2
    assert lines[0].startswith("GET /api/v1/pods 403 ")
    assert 'user="jane" authn=token authz=forbid' in lines[0]
    assert lines[1].startswith("GET /api 401 ")
    assert 'authn_error="invalid bearer token"' in lines[1]
    assert "secret-token-value" not in "".join(lines)


async def test_client_audit_id_is_echoed(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/version", headers={"Audit-ID": "my-audit-id"})
    assert r.headers["Audit-Id"] == "my-audit-id"
