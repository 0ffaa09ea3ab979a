"""A work queue of keys, as client-go's: deduplicated, one worker per key at a time, with retries.

A key added while it is waiting is queued once; a key added while being processed is processed
again afterwards (never twice at once); failed keys come back after an exponential delay.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from fakekapi.core.errors import StatusError

BASE_DELAY = 0.005
MAX_DELAY = 2.0
"""Retry delays stay short: clients expect the cluster to settle within about a second."""


class WorkQueue:
    def __init__(self) -> None:
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self._processing: set[str] = set()
        self._dirty: set[str] = set()
        self._failures: dict[str, int] = {}
        self._timers: set[asyncio.TimerHandle] = set()

    def add(self, key: str) -> None:
        """Queue `key` unless it is already waiting."""
        if key in self._processing:
            self._dirty.add(key)
            return
        if key not in self._queued:
            self._queued.add(key)
            self._queue.put_nowait(key)

    def add_after(self, key: str, delay: float) -> None:
        """Queue `key` after `delay` seconds."""
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            self.add(key)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    def add_rate_limited(self, key: str) -> None:
        """Queue `key` again after a delay that doubles with each consecutive failure."""
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        self.add_after(key, min(BASE_DELAY * 2.0**n, MAX_DELAY))

    def forget(self, key: str) -> None:
        """Reset the failure count of `key` (it succeeded)."""
        self._failures.pop(key, None)

    async def get(self) -> str:
        """The next key; the caller must call done(key) when finished with it."""
        key = await self._queue.get()
        self._queued.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: str) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._dirty.discard(key)
            self.add(key)

    def __len__(self) -> int:
        return len(self._queued)

    def idle(self) -> bool:
        """Nothing waiting, nothing being processed and no retry pending."""
        return not self._queued and not self._processing and not self._timers

    def shutdown(self) -> None:
        """Cancel pending delayed adds."""
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()


Sync = Callable[[str], Awaitable[float | None]]
"""Brings a key to its desired state; may return a delay after which to look at it again."""


async def work(name: str, queue: WorkQueue, sync: Sync, log: logging.Logger) -> None:
    """One worker over `queue`, until cancelled: client-go's processNextWorkItem loop, which
    every controller and the node components run. A key whose sync fails is logged (on `log`,
    the component's logger) and comes back rate-limited; a 409 is routine (a write raced the
    cache, which has not seen the component's own last write yet; the retry reads the newer
    object), so it is logged at debug level only."""
    while True:
        key = await queue.get()
        try:
            again = await sync(key)
            queue.forget(key)
            if again is not None:
                queue.add_after(key, again)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            if isinstance(e, StatusError) and e.code == 409:
                log.debug("%s: syncing %r: %s", name, key, e.message)
            else:
                level = logging.INFO if isinstance(e, StatusError) else logging.WARNING
                log.log(level, "%s: syncing %r failed: %s", name, key, e, exc_info=True)
            queue.add_rate_limited(key)
        finally:
            queue.done(key)
