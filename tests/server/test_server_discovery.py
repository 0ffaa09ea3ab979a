"""/version, /api, /apis and the group-version documents (reference §1)."""

from __future__ import annotations

import hashlib

import pytest
import yaml

from fakekapi.catalog import releases
from fakekapi.core.version import version_info
from server.conftest import ADMIN, JANE, ClientFactory

V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
ACCEPT_1_27 = f"{V2BETA1},application/json"
ACCEPT_1_33 = f"{V2},{V2BETA1},application/json"


async def test_version_is_indented_json(make_client: ClientFactory) -> None:
    c = await make_client()
    for path in ("/version", "/version/"):
        r = await c.get(
            path, params={"timeout": "32s"}, headers={"Accept": "application/json, */*"}
        )
        assert r.status == 200
        assert r.headers["Content-Type"] == "application/json"
        text = await r.text()
        assert text.startswith('{\n  "major": "1",\n')
        info = await r.json()
        release = releases.default()
        commit, date, go = releases.build(release)
        assert info == version_info(
            releases.git_version(release),
            git_commit=commit,
            build_date=date,
            go_version=go,
            platform=info["platform"],
        )


@pytest.mark.parametrize("path", ["/api", "/apis"])
async def test_kubectl_1_33_gets_aggregated_v2(make_client: ClientFactory, path: str) -> None:
    c = await make_client()
    r = await c.get(path, headers={**JANE, "Accept": ACCEPT_1_33})
    assert r.status == 200
    assert r.headers["Content-Type"] == V2
    body = await r.read()
    assert r.headers["ETag"] == '"' + hashlib.sha512(body.rstrip(b"\n")).hexdigest().upper() + '"'
    assert r.headers["Vary"] == "Accept"
    assert r.headers["Cache-Control"] == "public"
    doc = await r.json()
    assert doc["kind"] == "APIGroupDiscoveryList"
    assert doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    if path == "/api":
        assert [i["metadata"] for i in doc["items"]] == [{"creationTimestamp": None}]
    else:
        assert doc["items"][0]["metadata"]["name"]
    r2 = await c.get(
        path, headers={**JANE, "Accept": ACCEPT_1_33, "If-None-Match": r.headers["ETag"]}
    )
    assert r2.status == 304
    assert await r2.read() == b""


@pytest.mark.parametrize(("path", "kind"), [("/api", "APIVersions"), ("/apis", "APIGroupList")])
async def test_v2beta1_only_clients_get_legacy(
    make_client: ClientFactory, path: str, kind: str
) -> None:
    c = await make_client()
    r = await c.get(path, headers={**JANE, "Accept": ACCEPT_1_27})
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    assert "ETag" not in r.headers
    assert (await r.json())["kind"] == kind


async def test_v2beta1_alone_is_406(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/apis", headers={**JANE, "Accept": V2BETA1})
    assert r.status == 406
    assert (await r.json())["message"] == (
        "only the following media types are accepted: application/json, application/yaml, "
        "application/vnd.kubernetes.protobuf"
    )


async def test_legacy_documents(make_client: ClientFactory) -> None:
    c = await make_client()
    core = await (await c.get("/api/v1", headers=JANE)).json()
    assert core["kind"] == "APIResourceList" and "apiVersion" not in core
    assert core["groupVersion"] == "v1"
    assert any(r["name"] == "pods" for r in core["resources"])
    apps = await (await c.get("/apis/apps", headers=JANE)).json()
    assert apps["kind"] == "APIGroup" and apps["preferredVersion"]["groupVersion"] == "apps/v1"
    appsv1 = await (await c.get("/apis/apps/v1", headers=JANE)).json()
    assert appsv1["apiVersion"] == "v1" and appsv1["groupVersion"] == "apps/v1"


@pytest.mark.parametrize(
    "path", ["/api/v2", "/apis/nope.example.com", "/apis/apps/v9", "/apis/nope/v1/things", "/nope"]
)
async def test_unknown_group_version_is_plain_404(make_client: ClientFactory, path: str) -> None:
    c = await make_client()
    r = await c.get(path, headers=ADMIN)
    assert r.status == 404
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert await r.text() == "404 page not found\n"


@pytest.mark.parametrize("path", ["/api/v1/foos", "/apis/apps/v1/foos", "/api/v1/watch"])
async def test_unknown_resource_under_served_gv_is_status(
    make_client: ClientFactory, path: str
) -> None:
    c = await make_client()
    r = await c.get(path, headers=ADMIN)
    assert r.status == 404
    assert await r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server could not find the requested resource",
        "reason": "NotFound",
        "details": {},
        "code": 404,
    }


async def test_yaml_and_pretty(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/apis/apps", headers={**JANE, "Accept": "application/yaml"})
    assert r.headers["Content-Type"] == "application/yaml"
    assert yaml.safe_load(await r.text())["kind"] == "APIGroup"
    r = await c.get("/apis/apps", headers={**JANE, "User-Agent": "curl/8.5.0"})
    assert (await r.text()).startswith('{\n  "kind": "APIGroup",')
    r = await c.get(
        "/apis/apps", params={"pretty": "false"}, headers={**JANE, "User-Agent": "curl/8"}
    )
    assert (await r.text()).startswith('{"kind":"APIGroup"')
    r = await c.get("/apis/apps", params={"pretty": "true"}, headers=JANE)
    assert (await r.text()).startswith("{\n")
    compact = await (await c.get("/apis/apps", headers=JANE)).text()
    assert compact.endswith("}\n")


async def test_protobuf_only_is_406_not_a_hang(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/api/v1", headers={**JANE, "Accept": "application/vnd.kubernetes.protobuf"})
    assert r.status == 406
    body = await r.json()
    assert body["reason"] == "NotAcceptable" and "details" not in body
    r = await c.get(
        "/api/v1",
        headers={**JANE, "Accept": "application/vnd.kubernetes.protobuf,application/json"},
    )
    assert r.status == 200 and r.headers["Content-Type"] == "application/json"


async def test_root_index_lists_paths(make_client: ClientFactory) -> None:
    c = await make_client()
    assert (await c.get("/", headers=JANE)).status == 403
    r = await c.get("/", headers=ADMIN)
    paths = (await r.json())["paths"]
    assert paths == sorted(paths)
    for p in (
        "/api",
        "/api/v1",
        "/apis",
        "/apis/apps/v1",
        "/healthz",
        "/metrics",
        "/openapi/v2",
        "/openapi/v3",
        "/readyz/ping",
        "/version",
    ):
        assert p in paths


async def test_method_on_get_only_route_is_405(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.post("/version", headers=ADMIN)
    assert r.status == 405
    assert (await r.json())["message"] == (
        "the server does not allow this method on the requested resource"
    )
