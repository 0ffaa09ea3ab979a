"""core.jsonbytes: orjson's output in bytes that hold only their own length."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import orjson

from fakekapi.core import jsonbytes
from fakekapi.store.memory import MemoryStore

CONFIGMAP: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cm", "namespace": "default"},
    "data": {f"key{i}": "v" * 40 for i in range(30)},
}


def _held_per_value(make: Any, n: int = 200) -> float:
    """Bytes of traced memory each of n values from make() holds."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [make(i) for i in range(n)]
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(kept) == n
    return held / n


def test_dumps_is_orjson_output_at_its_own_size() -> None:
    size = len(orjson.dumps(CONFIGMAP))
    assert jsonbytes.dumps(CONFIGMAP) == orjson.dumps(CONFIGMAP)
    assert 1_000 < size < 2_000
    assert _held_per_value(lambda i: jsonbytes.dumps(CONFIGMAP)) < size + 100


def test_packed_values_are_parsed_fresh_on_each_access() -> None:
    packed = jsonbytes.Packed({"cm": CONFIGMAP, "n": 3})
    first = packed["cm"]
    assert first == CONFIGMAP and first is not CONFIGMAP
    first["data"].clear()
    assert packed["cm"] == CONFIGMAP
    assert packed["n"] == 3
    assert "cm" in packed and "other" not in packed


async def test_the_store_keeps_objects_at_their_size() -> None:
    """Each stored version holds its JSON, not orjson's buffer (8.4 KiB per 1.5 KiB before)."""
    store = MemoryStore(history_max_events=0, history_min_events=0)
    size = len(orjson.dumps(CONFIGMAP))
    await store.create("/core/configmaps/default/warm", CONFIGMAP)

    created: list[int] = []

    async def create_all() -> None:
        for i in range(200):
            created.append(
                (await store.create_raw(f"/core/configmaps/default/c{i:04d}", CONFIGMAP))[1]
            )

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        await create_all()
        held = (tracemalloc.get_traced_memory()[0] - before) / 200
    finally:
        tracemalloc.stop()
    assert len(created) == 200
    assert held < size + 600, held
