"""The HTTP layer over the real Registry and MemoryStore: what kubectl's common commands see."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from fakekapi import protobuf
from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore
from server.conftest import ADMIN, ClientFactory

Client = TestClient[web.Request, web.Application]
CMS = "/api/v1/namespaces/default/configmaps"
TABLE_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


@pytest.fixture
async def registry(catalog: Catalog) -> AsyncIterator[Registry]:
    store = MemoryStore()
    await store.start()
    reg = install(Registry(store, catalog))
    await bootstrap(reg)
    yield reg
    await store.close()


@pytest.fixture
async def client(make_client: ClientFactory, registry: Registry) -> Client:
    return await make_client(registry)


def cm(name: str, **data: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


async def test_kubectl_get_then_watch(client: Client) -> None:
    assert (await client.post(CMS, json=cm("one", a="1"), headers=ADMIN)).status == 201
    r = await client.get(CMS, params={"limit": "500"}, headers={**ADMIN, "Accept": TABLE_ACCEPT})
    table = await r.json()
    assert [row["cells"][:2] for row in table["rows"]] == [["one", 1]]
    rv = table["metadata"]["resourceVersion"]

    w = await client.get(
        CMS,
        params={"resourceVersion": rv, "watch": "true"},
        headers={**ADMIN, "Accept": TABLE_ACCEPT},
    )
    assert w.status == 200
    assert (await client.post(CMS, json=cm("two"), headers=ADMIN)).status == 201
    assert (await client.delete(f"{CMS}/one", headers=ADMIN)).status == 200
    first = orjson.loads(await asyncio.wait_for(w.content.readline(), 5))
    second = orjson.loads(await asyncio.wait_for(w.content.readline(), 5))
    assert first["type"] == "ADDED" and first["object"]["rows"][0]["cells"][0] == "two"
    assert isinstance(first["object"]["columnDefinitions"], list)
    assert second["type"] == "DELETED" and second["object"]["columnDefinitions"] is None
    w.close()


async def test_conflicts_and_not_found(client: Client) -> None:
    r = await client.post(CMS, json=cm("c"), headers=ADMIN)
    created = await r.json()
    r = await client.post(CMS, json=cm("c"), headers=ADMIN)
    assert r.status == 409
    assert (await r.json())["message"] == 'configmaps "c" already exists'
    stale = {**cm("c", x="y"), "metadata": {"name": "c", "resourceVersion": "1"}}
    r = await client.put(f"{CMS}/c", json=stale, headers=ADMIN)
    assert r.status == 409
    assert (await r.json())["reason"] == "Conflict"
    fresh = {**cm("c", x="y"), "metadata": created["metadata"]}
    assert (await client.put(f"{CMS}/c", json=fresh, headers=ADMIN)).status == 200
    r = await client.get("/apis/apps/v1/namespaces/default/deployments/nope", headers=ADMIN)
    assert (await r.json())["message"] == 'deployments.apps "nope" not found'


async def test_patch_and_dry_run(client: Client) -> None:
    await client.post(CMS, json=cm("p"), headers=ADMIN)
    r = await client.patch(
        f"{CMS}/p",
        data=b'{"metadata":{"labels":{"x":"y"}}}',
        params={"fieldManager": "kubectl-label"},
        headers={**ADMIN, "Content-Type": "application/merge-patch+json"},
    )
    assert r.status == 200
    assert (await r.json())["metadata"]["labels"] == {"x": "y"}
    r = await client.post(CMS, json=cm("dry"), params={"dryRun": "All"}, headers=ADMIN)
    assert r.status == 201
    assert (await client.get(f"{CMS}/dry", headers=ADMIN)).status == 404


async def test_protobuf_create_answers_json(client: Client) -> None:
    r = await client.post(
        CMS,
        params={"fieldManager": "kubectl-create", "fieldValidation": "Strict"},
        data=protobuf.encode(cm("pb", k="v")),
        headers={
            **ADMIN,
            "Content-Type": "application/vnd.kubernetes.protobuf",
            "Accept": "application/vnd.kubernetes.protobuf,application/json",
        },
    )
    assert r.status == 201, await r.text()
    assert r.headers["Content-Type"] == "application/json"
    assert (await r.json())["data"] == {"k": "v"}


async def test_invalid_object_is_422(client: Client) -> None:
    r = await client.post(CMS, json=cm("Bad_Name"), headers=ADMIN)
    assert r.status == 422
    body = await r.json()
    assert body["reason"] == "Invalid"
    assert body["details"]["kind"] == "ConfigMap"


async def test_namespaces_and_cluster_scope(client: Client) -> None:
    r = await client.get("/api/v1/namespaces", headers={**ADMIN, "Accept": TABLE_ACCEPT})
    names = [row["cells"][0] for row in (await r.json())["rows"]]
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= set(names)
    r = await client.get("/api/v1/namespaces/default", headers=ADMIN)
    assert (await r.json())["status"]["phase"] == "Active"
