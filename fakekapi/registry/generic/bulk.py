"""Writing many objects at once: run their writes concurrently so the store commits them together.

The durable store group-commits (one transaction and one fsync for every write queued while the
previous batch was being committed), so a deletecollection or a fixture set written chunk by chunk
costs one fsync per chunk rather than one per object. Chunks bound the memory and the latency of
other clients' writes queued behind a bulk operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Iterable, Iterator
from typing import Any

BULK_CHUNK = 256
"""Writes in flight at once during a bulk operation."""
BULK_SWITCH_INTERVAL = 0.0005
"""The GIL's switch interval while fixtures are applied (`quick_handoffs`)."""


async def gather_all(coros: Iterable[Awaitable[Any]]) -> None:
    """Run every coroutine (or task) to its end; then raise the first exception (in argument
    order), if any.

    Unlike a bare asyncio.gather, nothing is left running when one of them fails: a bulk write
    stops with all its writes settled, as the sequential loop it replaces did."""
    results = await asyncio.gather(*coros, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


@contextlib.contextmanager
def quick_handoffs() -> Iterator[None]:
    """The GIL's switch interval at BULK_SWITCH_INTERVAL for the duration, then as it was.

    While the event loop prepares one batch of a bulk write without a pause, the durable store's
    thread commits the batch before it: it takes the GIL back after each SQLite call (the sqlite3
    module releases it around every step and reset of the ~10 statements of a batch), and each
    time waits until the interpreter makes the busy loop give it up, after the switch interval
    (5 ms by default). A batch of 128 ConfigMaps then took 26-30 ms to commit instead of 17-22 ms
    at 0.5 ms, longer than the loop took to prepare the next batch, which waited for it. Only a
    thread asking for the GIL makes the loop switch, so the loop pays nothing more when the
    store's thread is idle.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, BULK_SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(before)
