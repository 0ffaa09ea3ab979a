"""Watch fan-out: one queue per watcher, and watchers indexed by resource so a write only visits the
watchers that could want it.

A watcher whose prefix names a resource (`/<group>/<plural>/...`) is filed under that bucket; wider
prefixes (`/`, `/<group>/`) are checked on every event. With a hundred watchers spread over resource
types a write therefore touches a handful of them, and pushing is a deque append plus waking the
reader. Everything here runs on the event loop thread.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from fakekapi.store.base import Event
from fakekapi.store.keys import bucket_of

DEFAULT_MAX_QUEUE = 100_000
"""A watcher this far behind is ended (like kube's cacher terminating a blocked watcher); it can
resume from the last revision it saw."""


class QueueWatch:
    """A Watch fed by a Fanout: events arrive in revision order; stop() ends it at once."""

    __slots__ = ("_fanout", "_queue", "_stopped", "_wakeup", "name", "passed_over", "prefix")

    def __init__(
        self,
        fanout: Fanout | None,
        prefix: str,
        backlog: Iterable[Event],
        name: str | None = None,
    ) -> None:
        self.prefix = prefix
        self.name = name
        """Only keys whose last segment is this name (a `metadata.name` field selector)."""
        self.passed_over = 0
        """The revision of the last event under the prefix left out for its name: how far the
        watch has followed the store, for its bookmarks."""
        self._fanout = fanout
        self._queue: deque[Event] = deque()
        for event in backlog:
            if self._other_name(event):
                self.passed_over = event.revision
            else:
                self._queue.append(event)
        self._wakeup = asyncio.Event()
        self._stopped = fanout is None

    @property
    def stopped(self) -> bool:
        return self._stopped

    def __aiter__(self) -> QueueWatch:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._stopped:
                raise StopAsyncIteration
            if self._queue:
                return self._queue.popleft()
            self._wakeup.clear()
            await self._wakeup.wait()

    def poll(self) -> Event | None:
        """The next queued event without waiting; None when none is queued (or stopped)."""
        if self._stopped or not self._queue:
            return None
        return self._queue.popleft()

    def _other_name(self, event: Event) -> bool:
        """An event under the prefix that this watch of one name leaves out."""
        key = event.key
        return self.name is not None and key[key.rfind("/") + 1 :] != self.name

    def push(self, event: Event, max_queue: int) -> None:
        """Queue an event under the prefix (Fanout only), unless it is for another name; a
        reader that fell too far behind is ended."""
        if self._other_name(event):
            self.passed_over = event.revision
            return
        if len(self._queue) >= max_queue:
            self.stop()
            return
        self._queue.append(event)
        self._wakeup.set()

    def stop(self) -> None:
        """End the iteration; queued events are dropped. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._queue.clear()
        self._wakeup.set()
        if self._fanout is not None:
            self._fanout.discard(self)
            self._fanout = None


class Fanout:
    """The set of open watches, filed by bucket."""

    __slots__ = ("_by_bucket", "_count", "_wide", "max_queue")

    def __init__(self, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        self._by_bucket: dict[str, list[QueueWatch]] = {}
        self._wide: list[QueueWatch] = []
        self._count = 0
        self.max_queue = max_queue

    def __len__(self) -> int:
        return self._count

    def open(self, prefix: str, backlog: Iterable[Event], name: str | None = None) -> QueueWatch:
        watch = QueueWatch(self, prefix, backlog, name)
        name = bucket_of(prefix)
        if name is None:
            self._wide.append(watch)
        else:
            self._by_bucket.setdefault(name, []).append(watch)
        self._count += 1
        return watch

    def discard(self, watch: QueueWatch) -> None:
        name = bucket_of(watch.prefix)
        group = self._wide if name is None else self._by_bucket.get(name)
        if group is None or watch not in group:
            return
        group.remove(watch)
        self._count -= 1
        if name is not None and not group:
            del self._by_bucket[name]

    def publish(self, event: Event) -> None:
        """Hand an event to every watcher whose prefix (and name, if it has one) covers its key.

        A watcher of one name is not woken for the others: the root CA publisher watches one
        ConfigMap name in every namespace, and was woken (and re-armed its timer) by every
        ConfigMap write."""
        key = event.key
        name = bucket_of(key) or key
        group = self._by_bucket.get(name)
        # Iterate over copies: a push may stop (and so unregister) a lagging watcher.
        for watchers in (group, self._wide):
            if not watchers:
                continue
            for watch in tuple(watchers):
                if key.startswith(watch.prefix):
                    watch.push(event, self.max_queue)

    def stop_all(self) -> None:
        for group in [*self._by_bucket.values(), self._wide]:
            for watch in tuple(group):
                watch.stop()
