"""Fixtures for the registry tests: a Registry over a fresh MemoryStore and the built-in catalog,
with the `default` namespace, plus a guard against leaked asyncio tasks (watches leak tasks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from fakekapi.catalog.catalog import Catalog
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore
from registry.registry_helpers import CATALOG, NAMESPACES, W


@pytest.fixture
def catalog() -> Catalog:
    return CATALOG


@pytest.fixture
async def no_leaked_tasks() -> AsyncIterator[None]:
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)
    leaked = [t for t in asyncio.all_tasks() - before - {asyncio.current_task()} if not t.done()]
    assert not leaked, leaked


@pytest.fixture
async def registry(no_leaked_tasks: None) -> AsyncIterator[Registry]:
    store = MemoryStore()
    await store.start()
    reg = Registry(store, CATALOG)
    reg.too_large_wait = 0.2
    await reg.create(NAMESPACES, "", {"metadata": {"name": "default"}}, W)
    yield reg
    await store.close()
