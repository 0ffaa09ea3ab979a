"""Writing many objects at once: run their writes concurrently so the store commits them together.

The durable store group-commits (one transaction and one fsync for every write queued while the
previous batch was being committed), so a deletecollection or a fixture set written chunk by chunk
costs one fsync per chunk rather than one per object. Chunks bound the memory and the latency of
other clients' writes queued behind a bulk operation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any

BULK_CHUNK = 256
"""Writes in flight at once during a bulk operation."""


async def gather_all(coros: Iterable[Awaitable[Any]]) -> None:
    """Run every coroutine (or task) to its end; then raise the first exception (in argument
    order), if any.

    Unlike a bare asyncio.gather, nothing is left running when one of them fails: a bulk write
    stops with all its writes settled, as the sequential loop it replaces did."""
    results = await asyncio.gather(*coros, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
