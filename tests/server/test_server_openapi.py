"""/openapi/v3 hash semantics and /openapi/v2 content types (reference §9)."""

from __future__ import annotations

import hashlib
from typing import Any

from fakekapi.catalog import openapi
from fakekapi.catalog.catalog import Catalog
from fakekapi.server.app import build_app
from fakekapi.server.settings import Settings
from server.conftest import JANE, ClientFactory, test_authenticator
from server.fakes import FakeRegistry


async def test_v3_index_links_current_hashes(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/openapi/v3", headers={**JANE, "Accept": "application/json, */*"})
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    body = await r.read()
    assert r.headers["Etag"] == '"' + hashlib.sha512(body).hexdigest().upper() + '"'
    paths = (await r.json())["paths"]
    assert (
        paths["api/v1"]["serverRelativeURL"]
        == f"/openapi/v3/api/v1?hash={openapi.v3_hash('api/v1')}"
    )


async def test_v3_document_hash_contract(make_client: ClientFactory) -> None:
    c = await make_client()
    current = openapi.v3_hash("apis/apps/v1")
    r = await c.get(
        f"/openapi/v3/apis/apps/v1?hash={current}", headers={**JANE, "Accept": "application/json"}
    )
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Etag"] == f'"{current}"'
    assert r.headers["Vary"] == "Accept"
    assert r.headers["Cache-Control"] == "public, immutable"
    assert "Expires" in r.headers
    assert hashlib.sha512(await r.read()).hexdigest().upper() == current

    r = await c.get("/openapi/v3/apis/apps/v1?hash=STALE", headers=JANE, allow_redirects=False)
    assert r.status == 301
    assert r.headers["Location"] == f"/openapi/v3/apis/apps/v1?hash={current}"

    r = await c.get("/openapi/v3/apis/apps/v1", headers=JANE)
    assert r.status == 200
    assert r.headers["Cache-Control"] == "no-cache, private"
    assert "Expires" not in r.headers

    r = await c.get("/openapi/v3/apis/apps/v1", headers={**JANE, "If-None-Match": f'"{current}"'})
    assert r.status == 304


async def test_v3_unknown_key_is_empty_200(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/openapi/v3/apis/nope.example/v1", headers=JANE)
    assert r.status == 200
    assert await r.read() == b""


async def test_v2_protobuf_for_kubectl_1_27(make_client: ClientFactory) -> None:
    c = await make_client()
    for accept in (
        "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
        "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
    ):
        r = await c.get("/openapi/v2", headers={**JANE, "Accept": accept})
        assert r.status == 200
        assert (
            r.headers["Content-Type"]
            == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
        )
        body = await r.read()
        # The default server does not serve the beta and alpha APIs the reference document has.
        assert body == openapi.v2_protobuf_for(_default_served())
        assert len(body) < len(openapi.v2_protobuf())


async def test_v2_json_otherwise(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/openapi/v2", headers={**JANE, "Accept": "application/json"})
    assert r.status == 200 and r.headers["Content-Type"] == "application/json"
    assert (await r.json())["swagger"] == "2.0"
    r = await c.get("/openapi/v2", headers={**JANE, "Accept": "text/html"})
    assert r.status == 406


def _default_served() -> frozenset[tuple[str, str]]:
    catalog = Catalog.builtin()
    served = {(g, v) for g, versions in catalog.group_versions() for v in versions}
    return frozenset({*served, ("", "v1")})


async def test_disabled_apis_have_no_openapi(make_client: ClientFactory) -> None:
    c = await make_client()
    index = (await (await c.get("/openapi/v3", headers=JANE)).json())["paths"]
    assert "apis/apps/v1" in index and "apis/certificates.k8s.io/v1" in index
    assert "apis/resource.k8s.io/v1" in index  # GA since 1.34, the default release is newer
    for key in (
        "apis/resource.k8s.io/v1beta2",
        "apis/certificates.k8s.io/v1beta1",
        "apis/storagemigration.k8s.io",
        "apis/storagemigration.k8s.io/v1beta1",
    ):
        assert key not in index
        r = await c.get(f"/openapi/v3/{key}", headers=JANE)
        assert r.status == 200 and await r.read() == b""
    doc = await (await c.get("/openapi/v2", headers={**JANE, "Accept": "application/json"})).json()
    assert not [p for p in doc["paths"] if p.startswith("/apis/resource.k8s.io/v1beta")]
    assert "/apis/certificates.k8s.io/v1/certificatesigningrequests" in doc["paths"]
    assert "io.k8s.api.resource.v1beta2.ResourceClaim" not in doc["definitions"]
    assert "io.k8s.api.apps.v1.Deployment" in doc["definitions"]


async def test_everything_enabled_serves_the_reference_openapi(
    aiohttp_client: Any, tmp_path: Any
) -> None:
    settings = Settings(data_dir=tmp_path, runtime_config=("api/all=true",))
    app = build_app(
        settings,
        registry=FakeRegistry(),
        catalog=Catalog.builtin(settings.runtime_config),
        authenticator=test_authenticator(),
    )
    c = await aiohttp_client(app)
    r = await c.get("/openapi/v2", headers={**JANE, "Accept": "application/json"})
    assert await r.read() == openapi.v2_json()
    assert await (await c.get("/openapi/v3", headers=JANE)).read() == openapi.v3_index()
