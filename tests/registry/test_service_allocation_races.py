"""Service allocations under concurrent writes on the durable store: a write shows in the store
only once committed, so the Registry runs Service writes one at a time (kube's allocators are
atomic); two creates never share a cluster IP or a node port."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.core.errors import StatusError
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore
from fakekapi.store.sqlite import SqliteStore
from registry.registry_helpers import SERVICES

W = WriteOptions(field_manager="test")


def service(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"ports": [{"port": 80}], **spec},
    }


async def test_concurrent_creates_asking_for_one_address(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    await store.start()
    try:
        registry = install(Registry(store, Catalog.builtin()))
        await bootstrap(registry)
        results = await asyncio.gather(
            *(
                registry.create(SERVICES, "default", service(f"s{i}", clusterIP="10.96.7.7"), W)
                for i in range(4)
            ),
            return_exceptions=True,
        )
        created = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, StatusError)]
        assert len(created) == 1
        assert len(refused) == 3
        assert all("provided IP is already allocated" in e.message for e in refused)

        ports = await asyncio.gather(
            *(
                registry.create(
                    SERVICES,
                    "default",
                    service(f"np{i}", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]),
                    W,
                )
                for i in range(3)
            ),
            return_exceptions=True,
        )
        assert sum(not isinstance(r, BaseException) for r in ports) == 1
        with pytest.raises(StatusError) as e:
            await registry.create(SERVICES, "default", service("late", clusterIP="10.96.7.7"), W)
        assert e.value.code == 422
    finally:
        await store.close()


async def test_allocations_follow_updates_and_deletes(tmp_path: Path) -> None:
    """What each stored Service holds is remembered by its revision: an address or node port
    is taken while a Service holds it and free again once it is changed or gone."""
    store = SqliteStore(tmp_path / "store.db")
    await store.start()
    try:
        registry = install(Registry(store, Catalog.builtin()))
        await bootstrap(registry)
        a = service(
            "a", type="NodePort", clusterIP="10.96.9.9", ports=[{"port": 80, "nodePort": 30090}]
        )
        await registry.create(SERVICES, "default", a, W)
        for clash in (
            service("b", clusterIP="10.96.9.9"),
            service("b", type="NodePort", ports=[{"port": 80, "nodePort": 30090}]),
        ):
            with pytest.raises(StatusError, match="already allocated"):
                await registry.create(SERVICES, "default", clash, W)
        # a gives its node port back by becoming a ClusterIP Service
        current = await registry.get(SERVICES, "default", "a")
        current["spec"]["type"] = "ClusterIP"
        for p in current["spec"]["ports"]:
            p.pop("nodePort", None)
        await registry.update(SERVICES, "default", "a", current, W)
        b = service("b", type="NodePort", ports=[{"port": 80, "nodePort": 30090}])
        assert (await registry.create(SERVICES, "default", b, W)).created
        with pytest.raises(StatusError, match="already allocated"):
            await registry.create(SERVICES, "default", service("c", clusterIP="10.96.9.9"), W)
        await registry.delete(SERVICES, "default", "a", DeleteOptions())
        c = await registry.create(SERVICES, "default", service("c", clusterIP="10.96.9.9"), W)
        assert c.object["spec"]["clusterIP"] == "10.96.9.9"
    finally:
        await store.close()


async def test_allocations_read_again_after_the_store_resyncs() -> None:
    """What Services hold is kept current from a watch; when the store ends its watches (a
    reset: a resync after missing another process's writes) it is read again, so a Service that
    arrived with the reset holds its address and node port like any other."""
    store = MemoryStore()
    registry = install(Registry(store, Catalog.builtin()))
    await bootstrap(registry)
    await registry.create(SERVICES, "default", service("a", clusterIP="10.96.9.9"), W)
    other = service("b", type="NodePort", clusterIP="10.96.8.8")
    other["spec"]["ports"] = [{"port": 80, "nodePort": 30088, "protocol": "TCP"}]
    other["metadata"].update(namespace="default", uid="u-b", resourceVersion="1")
    items, revision = store.list_raw("/")
    store.reset(
        [*items, ("/core/services/default/b", orjson.dumps(other), revision + 1)], revision + 1
    )
    for clash in (
        service("c", clusterIP="10.96.9.9"),
        service("c", clusterIP="10.96.8.8"),
        service("c", type="NodePort", ports=[{"port": 80, "nodePort": 30088}]),
    ):
        with pytest.raises(StatusError, match="already allocated"):
            await registry.create(SERVICES, "default", clash, W)
    # b's own update keeps what it holds; a's delete frees its address
    current = await registry.get(SERVICES, "default", "b")
    current["metadata"]["labels"] = {"x": "y"}
    await registry.update(SERVICES, "default", "b", current, W)
    await registry.delete(SERVICES, "default", "a", DeleteOptions())
    c = await registry.create(SERVICES, "default", service("c", clusterIP="10.96.9.9"), W)
    assert c.object["spec"]["clusterIP"] == "10.96.9.9"
