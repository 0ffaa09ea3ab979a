"""Concurrent writers without a resourceVersion: kube's GuaranteedUpdate retries them until they
apply, so none of them may fail (issue: 50 concurrent PUTs answered 47x500 "_Retry", 100
concurrent strategic patches 98x409).

The SQLite store is used because its writes await a worker thread: writers that read the same
revision really race, as they do in a served cluster (the memory store's writes never yield).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fakekapi.admission.chain import install
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.sqlite import SqliteStore
from registry.registry_helpers import CATALOG, CONFIGMAPS, NAMESPACES, W, configmap

SMP = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
APPLY = "application/apply-patch+yaml"


@pytest.fixture
async def sqlite_registry(tmp_path: Path) -> AsyncIterator[Registry]:
    store = SqliteStore(tmp_path / "store.db")
    await store.start()
    reg = install(Registry(store, CATALOG))
    await reg.create(NAMESPACES, "", {"metadata": {"name": "default"}}, W)
    yield reg
    await store.close()


async def test_concurrent_unconditional_puts_all_apply(sqlite_registry: Registry) -> None:
    reg = sqlite_registry
    await reg.create(CONFIGMAPS, "default", configmap("cm"), W)

    async def put(i: int) -> dict[str, object]:
        return (await reg.update(CONFIGMAPS, "default", "cm", configmap("cm", i=str(i)), W)).object

    written = await asyncio.gather(*(put(i) for i in range(50)))
    versions = {int(str(o["metadata"]["resourceVersion"])) for o in written}  # type: ignore[index]
    assert len(versions) == 50, "each PUT is its own write"
    last = max(written, key=lambda o: int(str(o["metadata"]["resourceVersion"])))  # type: ignore[index]
    assert (await reg.get(CONFIGMAPS, "default", "cm"))["data"] == last["data"]


async def test_concurrent_puts_with_a_stale_resource_version_still_conflict(
    sqlite_registry: Registry,
) -> None:
    """The retry is only for writes without a precondition: a stale resourceVersion is a 409."""
    reg = sqlite_registry
    created = (await reg.create(CONFIGMAPS, "default", configmap("cm"), W)).object
    rv = created["metadata"]["resourceVersion"]

    async def put(i: int) -> int:
        body = configmap("cm", i=str(i))
        body["metadata"] = {"name": "cm", "resourceVersion": rv}
        try:
            await reg.update(CONFIGMAPS, "default", "cm", body, W)
        except StatusError as e:
            assert (e.code, e.reason) == (409, "Conflict")
            return 409
        return 200

    codes = await asyncio.gather(*(put(i) for i in range(10)))
    assert sorted(codes) == [200] + [409] * 9


@pytest.mark.parametrize("patch_type", [SMP, MERGE])
async def test_concurrent_patches_without_precondition_all_apply(
    sqlite_registry: Registry, patch_type: str
) -> None:
    reg = sqlite_registry
    await reg.create(CONFIGMAPS, "default", configmap("cm"), W)

    async def patch(i: int) -> None:
        body = json.dumps({"metadata": {"labels": {f"l{i}": str(i)}}}).encode()
        await reg.patch(CONFIGMAPS, "default", "cm", patch_type, body, W)

    await asyncio.gather(*(patch(i) for i in range(100)))
    labels = (await reg.get(CONFIGMAPS, "default", "cm"))["metadata"]["labels"]
    assert labels == {f"l{i}": str(i) for i in range(100)}


async def test_concurrent_patches_with_a_stale_resource_version_conflict(
    sqlite_registry: Registry,
) -> None:
    reg = sqlite_registry
    created = (await reg.create(CONFIGMAPS, "default", configmap("cm"), W)).object
    rv = created["metadata"]["resourceVersion"]

    async def patch(i: int) -> int:
        body = json.dumps({"metadata": {"resourceVersion": rv, "labels": {f"l{i}": "x"}}})
        try:
            await reg.patch(CONFIGMAPS, "default", "cm", SMP, body.encode(), W)
        except StatusError as e:
            assert (e.code, e.reason) == (409, "Conflict")
            return 409
        return 200

    codes = await asyncio.gather(*(patch(i) for i in range(10)))
    assert sorted(codes) == [200] + [409] * 9


async def test_concurrent_applies_creating_one_object_all_apply(sqlite_registry: Registry) -> None:
    """Server-side apply of a missing object by many managers: one creates it, the others
    update it (GuaranteedUpdate with ignoreNotFound), none is AlreadyExists."""
    reg = sqlite_registry

    async def apply(i: int) -> None:
        body = json.dumps({**configmap("cm"), "data": {f"k{i}": "v"}})
        opts = WriteOptions(field_manager=f"m{i}", field_manager_given=True)
        await reg.patch(CONFIGMAPS, "default", "cm", APPLY, body.encode(), opts)

    await asyncio.gather(*(apply(i) for i in range(20)))
    data = (await reg.get(CONFIGMAPS, "default", "cm"))["data"]
    assert data == {f"k{i}": "v" for i in range(20)}


async def test_delete_racing_with_updates_succeeds(sqlite_registry: Registry) -> None:
    reg = sqlite_registry
    await reg.create(CONFIGMAPS, "default", configmap("cm"), W)

    async def put(i: int) -> None:
        try:
            await reg.update(CONFIGMAPS, "default", "cm", configmap("cm", i=str(i)), W)
        except StatusError as e:
            assert e.code == 404  # the delete won
            return

    deleted = reg.delete(CONFIGMAPS, "default", "cm", DeleteOptions())
    results = await asyncio.gather(*(put(i) for i in range(20)), deleted)
    outcome = results[-1]
    assert outcome is not None
    assert outcome[1] == 200
