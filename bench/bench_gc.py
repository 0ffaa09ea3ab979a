"""The garbage collector's cost, next to a baseline without it in the same run.

Over a Registry on a MemoryStore (no HTTP): creating N ConfigMaps without ownerReferences with no
garbage collector, then with one following the store (the cost every write pays for it), the
graph's first build over N stored objects (start-up), and a background cascade: one owner with
M dependents deleted, until the last dependent is gone.

Usage: python bench/bench_gc.py [--objects N] [--dependents M]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.controllers.garbagecollector import GarbageCollector
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore

W = WriteOptions(field_manager="bench")
CATALOG = Catalog.builtin()
CM = CATALOG.lookup("", "v1", "configmaps")
NS = CATALOG.lookup("", "v1", "namespaces")


async def _registry() -> Registry:
    store = MemoryStore()
    await store.start()
    reg = install(Registry(store, CATALOG))
    assert NS is not None
    await reg.create(NS, "", {"metadata": {"name": "default"}}, W)
    return reg


def _cm(name: str, owners: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name}
    if owners:
        md["ownerReferences"] = owners
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": {"k": "v" * 200}}


async def _create_many(reg: Registry, n: int, prefix: str) -> float:
    assert CM is not None
    start = time.process_time()
    for i in range(n):
        await reg.create(CM, "default", _cm(f"{prefix}{i}"), W)
    await asyncio.sleep(0)
    return time.process_time() - start


async def _idle(gc: GarbageCollector) -> None:
    while len(gc.queue) or not gc.queue.idle():
        await asyncio.sleep(0.001)


async def main(n: int, m: int) -> None:
    assert CM is not None
    base = await _registry()
    without = await _create_many(base, n, "a")
    reg = await _registry()
    gc = GarbageCollector(reg)
    task = asyncio.create_task(gc.run())
    await gc.synced.wait()
    with_gc = await _create_many(reg, n, "a")
    await asyncio.sleep(0.1)
    print(
        f"create {n} ConfigMaps without ownerReferences: {without * 1e6 / n:.0f} CPU-us each "
        f"without the garbage collector, {with_gc * 1e6 / n:.0f} with it"
    )

    start = time.process_time()
    gc2 = GarbageCollector(reg)
    task2 = asyncio.create_task(gc2.run())
    await gc2.synced.wait()
    print(
        f"graph build over {len(reg.store.list('/')[0])} stored objects: "
        f"{(time.process_time() - start) * 1e3:.0f} ms CPU"
    )
    task2.cancel()
    await asyncio.gather(task2, return_exceptions=True)

    owner = (await reg.create(CM, "default", _cm("owner"), W)).object
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
           "uid": owner["metadata"]["uid"]}  # fmt: skip
    for i in range(m):
        await reg.create(CM, "default", _cm(f"dep{i}", [ref]), W)
    await _idle(gc)
    wall, cpu = time.monotonic(), time.process_time()
    await reg.delete(CM, "default", "owner", DeleteOptions(propagation_policy="Background"))
    while reg.store.get(f"/core/configmaps/default/dep{m - 1}") is not None or len(gc.queue):
        await asyncio.sleep(0.001)
    print(
        f"background cascade of {m} dependents: {(time.monotonic() - wall) * 1e3:.0f} ms wall, "
        f"{(time.process_time() - cpu) * 1e3:.0f} ms CPU"
    )
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--dependents", type=int, default=1_000)
    args = parser.parse_args()
    asyncio.run(main(args.objects, args.dependents))
