"""A work queue of keys, as client-go's: deduplicated, one worker per key at a time, with retries.

A key added while it is waiting is queued once; a key added while being processed is processed
again afterwards (never twice at once); failed keys come back after an exponential delay.
"""

from __future__ import annotations

import asyncio

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
