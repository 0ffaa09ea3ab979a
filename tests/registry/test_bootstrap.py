"""bootstrap(): the system namespaces, as kube-apiserver creates them, and only once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.registry.bootstrap import SYSTEM_NAMESPACES, bootstrap, namespace_object
from fakekapi.registry.generic.options import ListOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore


@pytest.fixture
async def registry() -> AsyncIterator[Registry]:
    store = MemoryStore()
    await store.start()
    yield install(Registry(store, Catalog.builtin()))
    await store.close()


async def test_bootstrap_creates_the_system_namespaces(registry: Registry) -> None:
    await bootstrap(registry)
    rt = registry.catalog.lookup("", "v1", "namespaces")
    assert rt is not None
    listed = await registry.list(rt, "", ListOptions())
    names = sorted(item["metadata"]["name"] for item in listed["items"])
    assert names == sorted(SYSTEM_NAMESPACES)
    for name in SYSTEM_NAMESPACES:
        ns = await registry.get(rt, "", name)
        assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": name}
        assert ns["spec"] == {"finalizers": ["kubernetes"]}
        assert ns["status"] == {"phase": "Active"}
        assert ns["metadata"]["uid"]
        assert ns["metadata"]["creationTimestamp"]


async def test_bootstrap_is_idempotent(registry: Registry) -> None:
    await bootstrap(registry)
    rt = registry.catalog.lookup("", "v1", "namespaces")
    assert rt is not None
    before = await registry.list(rt, "", ListOptions())
    await bootstrap(registry)
    after = await registry.list(rt, "", ListOptions())
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert after["items"] == before["items"]


async def test_bootstrap_recreates_only_what_is_missing(registry: Registry) -> None:
    rt = registry.catalog.lookup("", "v1", "namespaces")
    assert rt is not None
    await bootstrap(registry)
    public = await registry.get(rt, "", "kube-public")
    # A store that only has some of them (e.g. an older data dir) gets the rest.
    store = MemoryStore()
    await store.start()
    try:
        partial = install(Registry(store, Catalog.builtin()))
        await partial.create(rt, "", namespace_object("default"), WriteOptions())
        await bootstrap(partial)
        listed = await partial.list(rt, "", ListOptions())
        assert len(listed["items"]) == 4
    finally:
        await store.close()
    assert (await registry.get(rt, "", "kube-public")) == public
