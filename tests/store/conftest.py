"""Fixtures for the store tests: one factory per Store implementation, and a guard that fails a
test which leaves asyncio tasks behind (watches and followers are where tasks leak)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from fakekapi.store.memory import MemoryStore
from fakekapi.store.sqlite import SqliteStore

AnyStore = MemoryStore | SqliteStore


class StoreFactory(Protocol):
    """Builds and starts a store; keyword arguments are the history knobs both stores take."""

    async def __call__(self, **kwargs: Any) -> AnyStore: ...


@pytest.fixture(params=["memory", "sqlite"])
async def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """A factory, so a test can pass history sizes; every store made is closed afterwards."""
    made: list[AnyStore] = []
    kind: str = request.param

    async def factory(**kwargs: Any) -> AnyStore:
        store: AnyStore
        if kind == "memory":
            store = MemoryStore(**kwargs)
        else:
            store = SqliteStore(tmp_path / f"store{len(made)}.db", **kwargs)
        await store.start()
        made.append(store)
        return store

    yield factory
    for store in made:
        await store.close()


@pytest.fixture
async def store(make_store: StoreFactory) -> AnyStore:
    return await make_store()


class SqliteFactory(Protocol):
    async def __call__(self, **kwargs: Any) -> SqliteStore: ...


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
async def open_sqlite(db_path: Path) -> AsyncIterator[SqliteFactory]:
    """Started SqliteStores on one file (db_path), all closed at the end (close is idempotent)."""
    made: list[SqliteStore] = []

    async def factory(**kwargs: Any) -> SqliteStore:
        store = SqliteStore(db_path, **kwargs)
        await store.start()
        made.append(store)
        return store

    yield factory
    for store in made:
        await store.close()
