"""Fixtures for the workload controller tests: a registry over a memory store, the controller
manager (`controllers_flag` selects, as `--controllers`), and the stand-in kubelet of
controller_harness.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from controllers.controller_harness import StubKubelet
from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.controllers.manager import ControllerManager
from fakekapi.controllers.names import parse
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore


@pytest.fixture
async def registry() -> AsyncIterator[Registry]:
    store = MemoryStore()
    await store.start()
    reg = install(Registry(store, Catalog.builtin()))
    await bootstrap(reg)
    yield reg
    await store.close()


@pytest.fixture
async def kubelet(registry: Registry) -> AsyncIterator[StubKubelet]:
    k = StubKubelet(registry)
    tasks = [asyncio.create_task(k.informer.run()), asyncio.create_task(k.run())]
    yield k
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
def controllers_flag() -> str:
    """Override in a module to run fewer controllers."""
    return "*"


@pytest.fixture
async def manager(registry: Registry, controllers_flag: str) -> AsyncIterator[ControllerManager]:
    m = ControllerManager.start(registry, parse([controllers_flag]))
    await asyncio.wait_for(m.wait_synced(), 5)
    yield m
    await m.stop()
