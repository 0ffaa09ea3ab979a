"""Store figures: memory for 10,000 ConfigMap-sized objects, list and get latency, write latency,
watch fan-out, and SqliteStore reload time. Prints numbers; asserts nothing.

    python bench/bench_store.py                  # both stores, each in a fresh process
    python bench/bench_store.py --store sqlite --dir /path/on/the/disk/to/measure
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakekapi.store.memory import MemoryStore
from fakekapi.store.sqlite import SqliteStore

N_OBJECTS = 10_000
N_NAMESPACES = 100  # so one namespace holds 100 of them
N_WATCHERS = 100


def rss_mib() -> float:
    """Current resident set size (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def configmap(ns: str, name: str) -> dict[str, Any]:
    """About 1 KiB of JSON, like a small real ConfigMap."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
            "creationTimestamp": "2025-01-01T00:00:00Z",
            "labels": {"app": name[:20], "tier": "bench"},
        },
        "data": {f"key{i}": "v" * 48 for i in range(15)},
    }


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def show(label: str, samples_s: list[float]) -> None:
    us = [s * 1e6 for s in samples_s]
    print(
        f"  {label:<34} p50 {pct(us, 0.5):8.1f} us   p99 {pct(us, 0.99):8.1f} us"
        f"   mean {statistics.fmean(us):8.1f} us"
    )


async def bench(kind: str, directory: Path) -> None:
    rss0 = rss_mib()
    store: MemoryStore | SqliteStore
    store = MemoryStore() if kind == "memory" else SqliteStore(directory / "store.db")
    await store.start()
    print(f"{kind}: {N_OBJECTS} ConfigMaps in {N_NAMESPACES} namespaces")

    create: list[float] = []
    t_all = time.perf_counter()
    for i in range(N_OBJECTS):
        ns, name = f"ns{i % N_NAMESPACES:03}", f"cm-{i:05}"
        t = time.perf_counter()
        await store.create(f"/core/configmaps/{ns}/{name}", configmap(ns, name))
        create.append(time.perf_counter() - t)
    total = time.perf_counter() - t_all
    print(f"  create x{N_OBJECTS}: {total:.2f} s ({N_OBJECTS / total:,.0f} writes/s)")
    show("create", create)
    print(f"  RSS after create: {rss_mib():.0f} MiB (+{rss_mib() - rss0:.0f} MiB over start)")

    lists: list[float] = []
    for i in range(200):
        t = time.perf_counter()
        items, _ = store.list(f"/core/configmaps/ns{i % N_NAMESPACES:03}/")
        lists.append(time.perf_counter() - t)
        assert len(items) == N_OBJECTS // N_NAMESPACES
    show("list one namespace (100 objects)", lists)
    t = time.perf_counter()
    items, _ = store.list("/core/configmaps/")
    print(f"  list all {len(items)}: {(time.perf_counter() - t) * 1e3:.2f} ms")

    gets: list[float] = []
    for i in range(2000):
        key = f"/core/configmaps/ns{i % N_NAMESPACES:03}/cm-{i:05}"
        t = time.perf_counter()
        store.get(key)
        gets.append(time.perf_counter() - t)
    show("get", gets)

    updates: list[float] = []
    for i in range(1000):
        ns, name = f"ns{i % N_NAMESPACES:03}", f"cm-{i:05}"
        obj = configmap(ns, name)
        obj["data"]["key0"] = f"changed {i}"
        t = time.perf_counter()
        await store.update(f"/core/configmaps/{ns}/{name}", obj)
        updates.append(time.perf_counter() - t)
    show("update", updates)

    watches = [
        store.watch(f"/core/configmaps/ns{i:03}/" if i % 2 else "/core/secrets/", store.revision)
        for i in range(N_WATCHERS)
    ]
    fanout: list[float] = []
    for i in range(1000):
        ns, name = f"ns{i % N_NAMESPACES:03}", f"cm-{i:05}"
        t = time.perf_counter()
        await store.update(f"/core/configmaps/{ns}/{name}", configmap(ns, name))
        fanout.append(time.perf_counter() - t)
    show(f"update with {N_WATCHERS} watchers open", fanout)
    for w in watches:
        w.stop()
    deletes: list[float] = []
    for i in range(1000):
        t = time.perf_counter()
        await store.delete(f"/core/configmaps/ns{i % N_NAMESPACES:03}/cm-{i:05}")
        deletes.append(time.perf_counter() - t)
    show("delete", deletes)
    await store.close()

    if isinstance(store, SqliteStore):
        size = sum(p.stat().st_size for p in directory.iterdir()) / 2**20
        t = time.perf_counter()
        again = SqliteStore(directory / "store.db")
        await again.start()
        print(
            f"  reopen: {(time.perf_counter() - t) * 1e3:.0f} ms for {len(again.list('/')[0])}"
            f" objects; files {size:.1f} MiB"
        )
        await again.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["memory", "sqlite", "both"], default="both")
    parser.add_argument(
        "--dir", type=Path, help="where SqliteStore's file goes (default: a temp dir)"
    )
    args = parser.parse_args()
    if args.store == "both":  # a fresh process each, so RSS figures do not mix
        for kind in ("memory", "sqlite"):
            extra = ["--dir", str(args.dir)] if args.dir else []
            subprocess.run([sys.executable, __file__, "--store", kind, *extra], check=True)
        return
    if args.dir:
        asyncio.run(bench(args.store, args.dir))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(bench(args.store, Path(tmp)))


if __name__ == "__main__":
    main()
