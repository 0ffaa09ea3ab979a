"""Big YAML bodies and responses never freeze the server: `/readyz` keeps answering meanwhile.

The attack (issue: a 1.8 MiB YAML POST made `/readyz` wait 8.7 s, a 10k-item LIST as YAML took
22.7 s with the whole server stalled): any user allowed to create or list could freeze every
client. The work now runs on worker threads (`fakekapi.server.offload`), written a slice at a
time, so the event loop only stalls for short moments (a garbage collection, the registry's own
work on the object).

How it is measured without timing flakes: a thread probes `/readyz` over its own keep-alive
connection for as long as the big request runs. When the loop is blocked for the whole work, the
probe that arrives during it waits about as long as the big request takes; when it is free, the
longest probe is a small part of it. The bound is therefore relative to the big request's own
duration (which scales with the machine's load as the stalls do), with a floor of one second for
small requests on a slow machine.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.registry.generic.keys import object_key
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.server.app import build_app
from fakekapi.server.settings import Settings
from fakekapi.store.memory import MemoryStore
from server.conftest import ADMIN, test_authenticator
from server.readyz_probe import ReadyzProbe

W = WriteOptions(field_manager="test")
LIST_ITEMS = 10_000
CM_PATH = "/api/v1/namespaces/default/configmaps"


class Probe(ReadyzProbe):
    """The prober as an async context manager, for a server running on the test's own loop."""

    def __init__(self, port: int) -> None:
        super().__init__(lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=120))

    async def __aenter__(self) -> Probe:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        # The server runs on this loop: wait for the probe's last answer without blocking it.
        await asyncio.to_thread(self.stop)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[TestServer, Registry]]:
    store = MemoryStore()
    await store.start()
    catalog = Catalog.builtin()
    registry = install(Registry(store, catalog))
    namespaces = catalog.lookup("", "v1", "namespaces")
    assert namespaces is not None
    await registry.create(namespaces, "", {"metadata": {"name": "default"}}, W)
    app = build_app(
        Settings(data_dir=tmp_path),
        registry=registry,
        catalog=catalog,
        authenticator=test_authenticator(),
    )
    srv = TestServer(app)
    await srv.start_server()
    try:
        yield srv, registry
    finally:
        await srv.close()
        await store.close()


async def _seed_configmaps(registry: Registry, n: int) -> None:
    """n ConfigMaps as the registry stores them, written to the store directly (the registry's
    create path for 10,000 objects would take most of the test's time)."""
    rt = registry.catalog.lookup("", "v1", "configmaps")
    assert rt is not None
    for i in range(n):
        name = f"cm-{i:05d}"
        obj = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": name,
                "namespace": "default",
                "uid": str(uuid.uuid4()),
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"app": "load", "index": str(i)},
            },
            "data": {"config.yaml": f"key: value-{i}\nlist:\n- a\n- b\n", "plain": "x" * 40},
        }
        await registry.store.create(object_key(rt, "default", name), obj)


async def _timed_with_probe(
    srv: TestServer, method: str, path: str, **kwargs: Any
) -> tuple[int, bytes, float, Probe]:
    assert srv.port is not None
    async with ClientSession(headers=ADMIN) as session, Probe(srv.port) as probe:
        # The probe's first answer shows the loop serves it before the load starts.
        while not probe.latencies:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        async with session.request(method, str(srv.make_url(path)), **kwargs) as resp:
            body = await resp.read()
        duration = time.monotonic() - started
    return resp.status, body, duration, probe


def _assert_loop_stayed_free(probe: Probe, duration: float) -> None:
    assert not probe.failures, probe.failures
    longest = max(probe.latencies)
    bound = max(1.0, duration / 2)
    assert longest < bound, (
        f"/readyz waited {longest:.2f}s while the request took {duration:.2f}s: "
        f"the event loop was blocked (latencies: {sorted(probe.latencies)[-5:]})"
    )


async def test_readyz_answers_during_a_10k_item_yaml_list(
    server: tuple[TestServer, Registry],
) -> None:
    srv, registry = server
    await _seed_configmaps(registry, LIST_ITEMS)
    status, body, duration, probe = await _timed_with_probe(
        srv, "GET", CM_PATH, headers={"Accept": "application/yaml"}
    )
    assert status == 200
    listed = yaml.load(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert listed["kind"] == "ConfigMapList"
    assert len(listed["items"]) == LIST_ITEMS
    assert listed["items"][-1]["data"]["plain"] == "x" * 40
    _assert_loop_stayed_free(probe, duration)


async def test_readyz_answers_during_a_2mib_yaml_post(
    server: tuple[TestServer, Registry],
) -> None:
    srv, _ = server
    data = {f"key-{i:05d}": f"value {i} " + "y" * 80 for i in range(22_000)}
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": data}
    body = yaml.safe_dump(manifest).encode()
    assert 2 * 1024 * 1024 <= len(body) < 3 * 1024 * 1024
    status, answer, duration, probe = await _timed_with_probe(
        srv, "POST", CM_PATH, data=io.BytesIO(body), headers={"Content-Type": "application/yaml"}
    )
    assert status == 201, answer[:300]
    _assert_loop_stayed_free(probe, duration)


async def test_yaml_list_answer_is_the_one_call_encoding(
    server: tuple[TestServer, Registry],
) -> None:
    """The sliced, threaded encoding is byte for byte what one dump of the list writes."""
    from fakekapi.server import yamlout

    srv, registry = server
    await _seed_configmaps(registry, 300)
    async with ClientSession(headers=ADMIN) as session:
        url = str(srv.make_url(CM_PATH))
        async with session.get(url, headers={"Accept": "application/yaml"}) as resp:
            as_yaml = await resp.read()
        async with session.get(url) as resp:
            as_json = await resp.json()
    assert as_yaml.decode() == yamlout.dump(as_json)
