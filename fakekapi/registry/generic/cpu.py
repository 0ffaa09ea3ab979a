"""A big object's decoding, validation and managedFields work on a worker thread.

A 2 MiB ConfigMap (22,000 keys) took the registry about 110 ms of pure-Python work to create
(typed decoding, key validation, the managedFields field set, the Go encoding of what is stored),
and the event loop answered nothing else meanwhile: every watch and `/readyz` waited. kube-apiserver
serves each request on its own goroutine. Here the steps whose cost grows with the object run
on a thread when the object is big (`HEAVY_ENTRIES`), so the loop gets the GIL back every
`sys.getswitchinterval()` and keeps answering; small objects stay on the loop, where the thread
hop (~0.1 ms) would cost more than the work.

What runs here only reads shared state (catalog, schemas) and changes the request's own object,
which no other task sees; the store write stays on the loop, and an update's write is still
conditioned on the revision it read, so work done meanwhile by other writers is retried, never
lost. One worker: more would not run faster under one GIL, but would hold more huge objects at once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from .watch import copy_obj

HEAVY_ENTRIES = 2_000
"""Objects whose maps and lists hold this many entries in all are processed on the worker
(a Pod has ~100-300; the work for 2,000 entries is ~10 ms)."""

P = ParamSpec("P")
T = TypeVar("T")

_POOL: ThreadPoolExecutor | None = None


def heavy(entries: int) -> bool:
    """Whether an object of `entries` entries (`nesting.check`) is processed on the worker."""
    return entries >= HEAVY_ENTRIES


async def run(on_worker: bool, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)`: on the worker when `on_worker`, else right here."""
    if not on_worker:
        return fn(*args, **kwargs)
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(1, thread_name_prefix="fakekapi-registry")
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_POOL, functools.partial(fn, *args, **kwargs))


async def copy(on_worker: bool, obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a JSON object. A big one is copied on the worker, in Python, sharing its
    strings and numbers (immutable): orjson's round trip (`copy_obj`) is faster for small
    objects but keeps the GIL for the whole call, ~15-40 ms for 2 MiB."""
    if not on_worker:
        return copy_obj(obj)
    return await run(True, _json_copy, obj)


def _json_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_copy(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return [_json_copy(v) if isinstance(v, dict | list) else v for v in value]
    return value
