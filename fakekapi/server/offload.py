"""CPU-heavy request work on worker threads, so the event loop keeps answering meanwhile.

A 2 MiB YAML body took 9 s to read and a 10k-item LIST 23 s to write as YAML, and while the
event loop did that no other request was answered: `/readyz` waited 8 s, every watch stalled.
Go's apiserver serves each request on its own goroutine; here the work that grows with the size
of a body or a response (YAML reading and writing, protobuf decoding, Table conversion and
encoding of big lists) runs on a small pool of threads instead.

Why threads help despite the GIL: a thread running Python code gives the GIL up every
`sys.getswitchinterval()` (5 ms), and the loop, which wants it only briefly, gets it then. C code
that keeps the GIL for a whole call (orjson) would still block the loop for that call: big JSON
lists are therefore encoded a slice of items at a time (`responses.encode_json_list`).

The pool has two workers: more would not run faster (one GIL) but would hold more huge
intermediate values (a YAML document's nodes) in memory at once; further work waits its turn.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from aiohttp import web

WORKERS = 2
YAML_BYTES = 4 * 1024
"""YAML bodies from this size on are read on a worker (smaller ones take well under 1 ms)."""
PROTOBUF_BYTES = 64 * 1024
"""Protobuf bodies from this size on are decoded on a worker (the decoder is Python)."""
LIST_ITEMS = 500
"""Lists of this many items are converted and encoded on a worker."""

P = ParamSpec("P")
T = TypeVar("T")


class Offloader:
    """The app's worker pool; `run` awaits a function called on it."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on a worker thread; its exception, if any, is raised here.

        `fn` must not touch the event loop's objects other than to read them (the objects it
        is given are not changed by anyone while it runs: stored objects are immutable)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="fakekapi-work")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Stop the workers once their current call ends; queued calls are dropped."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def cleanup_ctx(self, _app: web.Application) -> AsyncIterator[None]:
        yield
        self.close()


OFFLOAD: web.AppKey[Offloader] = web.AppKey("offload", Offloader)


def offloader(request: web.Request) -> Offloader:
    """The request's app's pool (a private one for apps built without `build_app`)."""
    pool = request.app.get(OFFLOAD)
    if pool is None:
        pool = _FALLBACK
    return pool


_FALLBACK = Offloader(1)


def big_list(obj: Any) -> bool:
    """Whether `obj` is a list object with enough items to be worth a worker."""
    if not isinstance(obj, dict):
        return False
    items = obj.get("items")
    return isinstance(items, list) and len(items) >= LIST_ITEMS
