"""GET, LIST and watch write the store's bytes as they are: byte for byte what encoding the
decoded objects gave before (the previous path: dicts through `encode_json`), for a corpus of
objects with the characters Go escapes, non-ASCII text, nested kinds and unusual key orders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.generic import rawlist
from fakekapi.registry.registry import Registry
from fakekapi.server.responses import encode_json
from fakekapi.store.memory import MemoryStore
from server.conftest import ADMIN, ClientFactory

Client = TestClient[web.Request, web.Application]
NS = "/api/v1/namespaces/default"

CORPUS: list[tuple[str, dict[str, Any]]] = [
    (
        f"{NS}/configmaps",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "escapes", "labels": {"a": "b"}},
            "data": {"html": "<b>&amp;</b>", "seps": "a\u2028b\u2029c", "uni": "naïve ☃ 日本"},
        },
    ),
    (
        f"{NS}/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "empty"}},
    ),
    (
        f"{NS}/secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s", "annotations": {"x": '{"kind":"Fake"}'}},
            "type": "Opaque",
            "data": {"k": "dmFsdWU="},
        },
    ),
    (
        f"{NS}/pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "p",
                "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u-1"}
                ],
            },
            "spec": {"containers": [{"name": "c", "image": "nginx", "args": ["<&>"]}]},
        },
    ),
    (
        f"{NS}/serviceaccounts",
        {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "sa"}},
    ),
    (
        "/apis/apps/v1/namespaces/default/deployments",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {
                "selector": {"matchLabels": {"app": "d"}},
                "template": {
                    "metadata": {"labels": {"app": "d"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        },
    ),
]

ODD_ORDER = {"metadata": {"name": "odd", "namespace": "default"}, "kind": "ConfigMap",
             "data": {"k": "v"}, "apiVersion": "v1"}  # fmt: skip
"""Written to the store directly: TypeMeta not leading, so a list item cannot be a slice."""


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


async def _fill(client: Client, registry: Registry) -> list[str]:
    paths = []
    for collection, obj in CORPUS:
        r = await client.post(collection, json=obj, headers=ADMIN)
        assert r.status == 201, await r.text()
        paths.append(f"{collection}/{obj['metadata']['name']}")
    await registry.store.create("/core/configmaps/default/odd", ODD_ORDER)
    paths.append(f"{NS}/configmaps/odd")
    return paths


def _previous_list(registry: Registry, prefix: str, kind: str, api_version: str) -> bytes:
    """What the list path produced before: decoded items without TypeMeta, through encode_json."""
    items, rev = registry.store.list(prefix)
    out = []
    for _, obj, _ in items:
        obj.pop("kind", None)
        obj.pop("apiVersion", None)
        out.append(obj)
    body = {"kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": str(rev)}}
    return encode_json({**body, "items": out})


async def test_get_answers_the_stored_bytes(client: Client, registry: Registry) -> None:
    for path in await _fill(client, registry):
        r = await client.get(path, headers=ADMIN)
        assert r.status == 200
        body = await r.read()
        obj = orjson.loads(body)
        assert body == encode_json(obj)
        key = registry.store.get_raw(
            "/apps/deployments/default/d" if "deployments" in path else _key(path)
        )
        assert key is not None
        assert orjson.dumps(orjson.loads(key[0])) == key[0], "stored bytes are orjson's"
        assert body == encode_json(orjson.loads(key[0])), path


async def test_create_answers_the_stored_bytes(client: Client, registry: Registry) -> None:
    """A create's compact JSON answer is what it stored, as GET writes it (nothing decoded);
    pretty JSON and YAML are still encoded from the object, as before."""
    for collection, obj in CORPUS:
        created = await client.post(collection, json=obj, headers=ADMIN)
        assert created.status == 201, await created.text()
        assert created.headers["Content-Type"] == "application/json"
        body = await created.read()
        path = f"{collection}/{obj['metadata']['name']}"
        r = await client.get(path, headers=ADMIN)
        assert body == await r.read(), path
        stored = registry.store.get_raw(
            "/apps/deployments/default/d" if "deployments" in path else _key(path)
        )
        assert stored is not None
        assert body == encode_json(orjson.loads(stored[0])), path
    again = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "p-"}}
    pretty = await client.post(f"{NS}/configmaps?pretty=true", json=again, headers=ADMIN)
    assert pretty.status == 201
    text = await pretty.read()
    assert text == encode_json(orjson.loads(text), pretty=True)
    yaml = await client.post(
        f"{NS}/configmaps", json=again, headers={**ADMIN, "Accept": "application/yaml"}
    )
    assert yaml.status == 201
    assert yaml.headers["Content-Type"] == "application/yaml"
    assert (await yaml.read()).startswith(b"apiVersion: v1\nkind: ConfigMap\n")


def _key(path: str) -> str:
    parts = path.split("/")  # /api/v1/namespaces/default/<plural>/<name>
    return f"/core/{parts[5]}/default/{parts[6]}"


async def test_list_is_the_stored_items_joined(client: Client, registry: Registry) -> None:
    await _fill(client, registry)
    for collection, prefix, kind, version in (
        (f"{NS}/configmaps", "/core/configmaps/default/", "ConfigMapList", "v1"),
        ("/api/v1/configmaps", "/core/configmaps/", "ConfigMapList", "v1"),
        (f"{NS}/secrets", "/core/secrets/default/", "SecretList", "v1"),
        (f"{NS}/pods", "/core/pods/default/", "PodList", "v1"),
        ("/apis/apps/v1/deployments", "/apps/deployments/", "DeploymentList", "apps/v1"),
        ("/api/v1/namespaces", "/core/namespaces/", "NamespaceList", "v1"),
    ):
        r = await client.get(collection, headers=ADMIN)
        assert r.status == 200
        assert await r.read() == _previous_list(registry, prefix, kind, version), collection


async def test_a_list_written_in_pieces_is_the_same_body(
    client: Client, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big list goes out a piece at a time (`write_stored_json`): the same bytes, with a
    Content-Length, whatever the pieces' size and wherever the escaped characters fall."""
    await _fill(client, registry)
    for i in range(40):
        obj = {"metadata": {"name": f"many-{i:02d}"}, "data": {"k": "<&>" * i}}
        r = await client.post(f"{NS}/configmaps", json=obj, headers=ADMIN)
        assert r.status == 201, await r.text()
    expected = _previous_list(registry, "/core/configmaps/", "ConfigMapList", "v1")
    for size in (1, 100, 1000, 1 << 20):
        monkeypatch.setattr(rawlist, "CHUNK_BYTES", size)
        r = await client.get("/api/v1/configmaps", headers=ADMIN)
        assert r.status == 200
        assert r.headers["Content-Length"] == str(len(expected))
        assert r.headers["Content-Type"] == "application/json"
        assert await r.read() == expected, size
        head = await client.head("/api/v1/configmaps", headers=ADMIN)
        assert head.status == 200
        assert head.headers["Content-Length"] == str(len(expected))


def test_list_pieces_join_to_the_list() -> None:
    items = [orjson.dumps({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": n}})
             for n in ("a", "b", "c")]  # fmt: skip
    items.insert(1, orjson.dumps({"metadata": {"name": "odd"}, "kind": "ConfigMap"}))
    for strip in (True, False):
        raw = rawlist.RawList("ConfigMapList", "v1", {"resourceVersion": "7"}, items, strip)
        whole = raw.to_json()
        assert orjson.loads(whole)["items"] == [orjson.loads(i) for i in raw.items]
        for size in (1, 10, 60, 1000):
            assert b"".join(raw.json_chunks(size)) == whole
        assert len(raw.json_chunks(1)) == len(items) + 1
    empty = rawlist.RawList("ConfigMapList", "v1", {}, [], True)
    assert empty.json_chunks() == [
        b'{"kind":"ConfigMapList","apiVersion":"v1","metadata":{},"items":[]}'
    ]


async def test_watch_lines_are_the_stored_bytes(client: Client, registry: Registry) -> None:
    await _fill(client, registry)
    r = await client.get(
        f"{NS}/configmaps",
        params={"watch": "1", "resourceVersion": "0", "timeoutSeconds": "1"},
        headers=ADMIN,
    )
    lines = (await r.read()).splitlines(keepends=True)
    items, _ = registry.store.list("/core/configmaps/default/")
    assert lines == [encode_json({"type": "ADDED", "object": obj}) for _, obj, _ in items]

    rv = str(registry.store.revision)
    w = await client.get(
        f"{NS}/configmaps",
        params={"watch": "1", "resourceVersion": rv, "timeoutSeconds": "2"},
        headers=ADMIN,
    )
    patch = {"data": {"html": "<i>&</i>\u2028"}}
    r = await client.patch(
        f"{NS}/configmaps/escapes",
        json=patch,
        headers={**ADMIN, "Content-Type": "application/merge-patch+json"},
    )
    assert r.status == 200
    assert (await client.delete(f"{NS}/configmaps/empty", headers=ADMIN)).status == 200
    line1 = await w.content.readline()
    line2 = await w.content.readline()
    w.close()
    events = registry.store.watch("/core/configmaps/default/", int(rv))
    try:
        it = events.__aiter__()
        e1, e2 = await it.__anext__(), await it.__anext__()
    finally:
        events.stop()
    assert line1 == encode_json({"type": "MODIFIED", "object": e1.object})
    assert line2 == encode_json({"type": "DELETED", "object": e2.object})
