"""Fixtures for the registry tests: a Registry over a fresh MemoryStore and the built-in catalog,
with the `default` namespace (tests/conftest.py guards every async test against leaked tasks)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore
from registry.registry_helpers import CATALOG, NAMESPACES, W


@pytest.fixture
def catalog() -> Catalog:
    return CATALOG


@pytest.fixture
async def registry() -> AsyncIterator[Registry]:
    store = MemoryStore()
    await store.start()
    reg = install(Registry(store, CATALOG))
    reg.too_large_wait = 0.2
    await reg.create(NAMESPACES, "", {"metadata": {"name": "default"}}, W)
    yield reg
    await store.close()
