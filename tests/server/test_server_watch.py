"""Watch streams: framing, Table events, ending conditions, shutdown (reference §2.2)."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from fakekapi.catalog.catalog import Catalog
from fakekapi.core.errors import expired
from fakekapi.server.app import build_app
from fakekapi.server.settings import Settings
from fakekapi.server.state import WATCHES
from server.conftest import ADMIN, ClientFactory, test_authenticator
from server.fakes import Event, FakeRegistry

Client = TestClient[web.Request, web.Application]
PODS = "/api/v1/namespaces/default/pods"
TABLE_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


def pod(name: str, rv: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "default",
            "resourceVersion": rv,
            "creationTimestamp": "2025-01-01T00:00:00Z",
        },
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
async def client(make_client: ClientFactory, registry: FakeRegistry) -> Client:
    return await make_client(registry)


async def _line(r: aiohttp.ClientResponse) -> dict[str, object]:
    raw = await asyncio.wait_for(r.content.readline(), 5)
    assert raw.endswith(b"\n")
    value: dict[str, object] = orjson.loads(raw)
    return value


async def test_framing_one_json_event_per_line(client: Client, registry: FakeRegistry) -> None:
    r = await client.get(PODS, params={"watch": "true", "resourceVersion": "5"}, headers=ADMIN)
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Transfer-Encoding"] == "chunked"
    assert r.headers["Cache-Control"] == "no-cache, private"
    assert registry.watch_opts[-1].resource_version == "5"
    await registry.events.put(Event("ADDED", pod("a", "6")))
    assert await _line(r) == {"type": "ADDED", "object": pod("a", "6")}
    await registry.events.put(Event("MODIFIED", pod("a", "7")))
    assert (await _line(r))["type"] == "MODIFIED"
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "too old resource version: 1 (5)",
        "reason": "Expired",
        "code": 410,
    }
    await registry.events.put(Event("ERROR", status))
    assert await _line(r) == {"type": "ERROR", "object": status}
    await registry.events.put(None)
    assert await asyncio.wait_for(r.content.read(), 5) == b""
    assert registry.open_watches == 0


async def test_table_events(client: Client, registry: FakeRegistry) -> None:
    r = await client.get(PODS, params={"watch": "1"}, headers={**ADMIN, "Accept": TABLE_ACCEPT})
    assert r.status == 200 and r.headers["Content-Type"] == "application/json"
    await registry.events.put(Event("ADDED", pod("a", "6")))
    await registry.events.put(Event("MODIFIED", pod("a", "7")))
    first, second = await _line(r), await _line(r)
    assert first["type"] == "ADDED"
    t1, t2 = first["object"], second["object"]
    assert isinstance(t1, dict) and isinstance(t2, dict)
    assert t1["kind"] == "Table" and isinstance(t1["columnDefinitions"], list)
    assert "columnDefinitions" in t2 and t2["columnDefinitions"] is None
    assert t2["rows"][0]["cells"][0] == "a"
    assert t2["metadata"] == {"resourceVersion": "7"}
    await registry.events.put(None)


async def test_partial_metadata_events(client: Client, registry: FakeRegistry) -> None:
    accept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
    r = await client.get(PODS, params={"watch": "true"}, headers={**ADMIN, "Accept": accept})
    await registry.events.put(Event("ADDED", pod("a", "6")))
    obj = (await _line(r))["object"]
    assert isinstance(obj, dict) and obj["kind"] == "PartialObjectMetadata"
    assert "spec" not in obj
    await registry.events.put(None)


async def test_timeout_seconds_ends_the_stream(client: Client, registry: FakeRegistry) -> None:
    started = time.monotonic()
    r = await client.get(PODS, params={"watch": "true", "timeoutSeconds": "1"}, headers=ADMIN)
    assert await asyncio.wait_for(r.content.read(), 5) == b""
    assert 0.9 < time.monotonic() - started < 4
    assert registry.watch_opts[-1].timeout_seconds == 1
    await asyncio.sleep(0)
    assert registry.open_watches == 0


async def test_legacy_watch_path_by_name(client: Client, registry: FakeRegistry) -> None:
    r = await client.get(
        "/api/v1/watch/namespaces/default/pods/web", params={"timeoutSeconds": "1"}, headers=ADMIN
    )
    assert r.status == 200
    assert registry.watch_opts[-1].field_selector == "metadata.name=web"
    assert registry.watch_opts[-1].watch
    await r.read()
    r = await client.get(
        "/api/v1/watch/namespaces/default/pods/web",
        params={"fieldSelector": "metadata.name=other"},
        headers=ADMIN,
    )
    assert r.status == 400
    assert (await r.json())["message"] == "fieldSelector metadata.name doesn't match requested name"


async def test_yaml_watch_is_406(client: Client) -> None:
    r = await client.get(
        PODS, params={"watch": "true"}, headers={**ADMIN, "Accept": "application/yaml"}
    )
    assert r.status == 406


async def test_close_all_ends_open_watches(client: Client, registry: FakeRegistry) -> None:
    r = await client.get(PODS, params={"watch": "true"}, headers=ADMIN)
    assert r.status == 200
    assert len(client.app[WATCHES]) == 1
    client.app[WATCHES].close_all()
    assert await asyncio.wait_for(r.content.read(), 2) == b""
    await asyncio.sleep(0)
    assert registry.open_watches == 0 and len(client.app[WATCHES]) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_server_shutdown_does_not_wait_for_watches(tmp_path: object) -> None:
    registry = FakeRegistry()
    app = build_app(
        Settings(), registry=registry, catalog=Catalog.builtin(), authenticator=test_authenticator()
    )
    runner = web.AppRunner(app, shutdown_timeout=30)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    async with aiohttp.ClientSession() as session:
        r = await session.get(f"http://127.0.0.1:{port}{PODS}?watch=true", headers=ADMIN)
        assert r.status == 200
        started = time.monotonic()
        await runner.cleanup()
        assert time.monotonic() - started < 5
        assert await asyncio.wait_for(r.content.read(), 2) == b""
        r.release()
    assert registry.open_watches == 0


async def test_errors_during_the_stream_become_error_events(
    client: Client, registry: FakeRegistry
) -> None:
    r = await client.get(PODS, params={"watch": "true"}, headers=ADMIN)
    await registry.events.put(expired("too old resource version: 1 (5)"))
    assert await _line(r) == {
        "type": "ERROR",
        "object": expired("too old resource version: 1 (5)").to_status(),
    }
    assert await asyncio.wait_for(r.content.read(), 5) == b""

    r = await client.get(PODS, params={"watch": "true"}, headers=ADMIN)
    await registry.events.put(RuntimeError("kaput"))
    event = await _line(r)
    assert event["type"] == "ERROR"
    assert event["object"]["message"] == "Internal error occurred: kaput"  # type: ignore[index]
    assert await asyncio.wait_for(r.content.read(), 5) == b""


async def test_head_has_no_body(client: Client) -> None:
    r = await client.head("/version", headers=ADMIN)
    assert r.status == 200
    assert await r.read() == b""
