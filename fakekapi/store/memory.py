"""MemoryStore: the whole store in memory. Used on its own for ephemeral runs and tests, and as the
read/watch cache of SqliteStore (which feeds it through apply() and reset()).

State: objects by key (get is one dict lookup), a KeyIndex for sorted lists, one revision counter,
a bounded history of events for watches that start in the past, and the watch Fanout.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

import orjson

from fakekapi.store.base import (
    Event,
    EventType,
    KeyExistsError,
    KeyNotFoundError,
    Obj,
    RevisionConflict,
    TooOldError,
)
from fakekapi.store.fanout import DEFAULT_MAX_QUEUE, Fanout, QueueWatch
from fakekapi.store.keys import KeyIndex

HISTORY_MIN_EVENTS = 10_000
"""Always keep at least this many recent events (kube's watch cache capacity is of this order)."""
HISTORY_MIN_SECONDS = 75.0
"""...and every event younger than this (kube's DefaultEventFreshDuration)."""
HISTORY_MAX_EVENTS = 100_000
"""Hard cap so a write storm cannot hold old object versions forever."""


def stamp(obj: Obj, revision: int) -> Obj:
    """A shallow copy of obj (and of its metadata) with metadata.resourceVersion set.

    Nested values stay shared; that is fine for objects the store already owns.
    """
    out = dict(obj)
    md = out.get("metadata")
    md = dict(md) if isinstance(md, dict) else {}
    md["resourceVersion"] = str(revision)
    out["metadata"] = md
    return out


def owned_copy(obj: Obj, revision: int) -> tuple[Obj, bytes]:
    """The stamped object as the store keeps it: a deep copy made by a JSON round trip (so callers
    can go on changing their input, and memory holds exactly what a durable store would reload),
    together with its JSON bytes."""
    data = orjson.dumps(stamp(obj, revision))
    return orjson.loads(data), data


class MemoryStore:
    """The in-memory Store. All methods run on the event loop thread; writes never await, so each
    is atomic with respect to readers."""

    def __init__(
        self,
        *,
        history_min_events: int = HISTORY_MIN_EVENTS,
        history_min_seconds: float = HISTORY_MIN_SECONDS,
        history_max_events: int = HISTORY_MAX_EVENTS,
        max_watch_queue: int = DEFAULT_MAX_QUEUE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._objects: dict[str, tuple[Obj, int]] = {}
        self._index = KeyIndex()
        self._revision = 0
        self._oldest = 0
        self._history: deque[tuple[float, Event]] = deque()
        self._min_events = history_min_events
        self._min_seconds = history_min_seconds
        self._max_events = max(history_max_events, history_min_events)
        self._clock = clock
        self._fanout = Fanout(max_watch_queue)
        self._closed = False

    # -- Store protocol -------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def oldest_revision(self) -> int:
        return self._oldest

    @property
    def watch_count(self) -> int:
        """Open watches (for metrics and tests)."""
        return len(self._fanout)

    async def start(self) -> None:
        """Nothing to load."""

    async def sync(self) -> int:
        """The current revision (nothing else writes a MemoryStore; SqliteStore.sync() catches up
        with other processes first)."""
        return self._revision

    async def close(self) -> None:
        """End every open watch; later watches end at once."""
        self._closed = True
        self._fanout.stop_all()

    def get(self, key: str) -> tuple[Obj, int] | None:
        return self._objects.get(key)

    def list(self, prefix: str, start_after: str = "") -> tuple[list[tuple[str, Obj, int]], int]:
        objects = self._objects
        return [
            (key, *objects[key]) for key in self._index.range(prefix, start_after)
        ], self._revision

    async def create(self, key: str, obj: Obj) -> tuple[Obj, int]:
        if key in self._objects:
            raise KeyExistsError(key)
        revision = self._revision + 1
        stored, _ = owned_copy(obj, revision)
        self.apply("ADDED", key, stored, revision)
        return stored, revision

    async def update(
        self, key: str, obj: Obj, expected_revision: int | None = None
    ) -> tuple[Obj, int]:
        self._check(key, expected_revision)
        revision = self._revision + 1
        stored, _ = owned_copy(obj, revision)
        self.apply("MODIFIED", key, stored, revision)
        return stored, revision

    async def delete(self, key: str, expected_revision: int | None = None) -> tuple[Obj, int]:
        current = self._check(key, expected_revision)
        revision = self._revision + 1
        last = stamp(current, revision)
        self.apply("DELETED", key, last, revision)
        return last, revision

    def watch(self, prefix: str, after_revision: int) -> QueueWatch:
        if after_revision < self._oldest:
            raise TooOldError(after_revision, self._oldest)
        if self._closed:
            return QueueWatch(None, prefix, ())
        backlog: list[Event] = []
        for _, event in reversed(self._history):
            if event.revision <= after_revision:
                break
            if event.key.startswith(prefix):
                backlog.append(event)
        backlog.reverse()
        return self._fanout.open(prefix, backlog)

    # -- feeding the cache (SqliteStore) --------------------------------------------------------

    def apply(self, type: EventType, key: str, obj: Obj, revision: int) -> Event:
        """Record a change that is already decided: obj is owned by the store from now on (never
        changed again) and revision must be newer than the current one. Updates the objects, the
        index, the history and the watchers, and returns the event."""
        if revision <= self._revision:
            raise ValueError(f"revision {revision} is not newer than {self._revision}")
        previous = self._objects.get(key)
        prev = previous[0] if previous is not None else None
        if type == "DELETED":
            if previous is not None:
                del self._objects[key]
                self._index.remove(key)
        else:
            self._objects[key] = (obj, revision)
            if previous is None:
                self._index.add(key)
        self._revision = revision
        event = Event(type, key, obj, prev, revision)
        self._remember(event)
        self._fanout.publish(event)
        return event

    def reset(self, items: Iterable[tuple[str, Obj, int]], revision: int) -> None:
        """Replace the whole state (load at start, or resync after missing part of another
        process's changes). History restarts at `revision`, so a watch from an earlier revision is
        too old, and every open watch ends: its client re-watches and, if needed, re-lists."""
        self._fanout.stop_all()
        self._objects = {key: (obj, rev) for key, obj, rev in items}
        self._index.load(list(self._objects))
        self._revision = revision
        self._oldest = revision
        self._history.clear()

    # -- internals ------------------------------------------------------------------------------

    def _check(self, key: str, expected_revision: int | None) -> Obj:
        current = self._objects.get(key)
        if current is None:
            raise KeyNotFoundError(key)
        if expected_revision is not None and expected_revision != current[1]:
            raise RevisionConflict(key, expected_revision, current[1])
        return current[0]

    def _remember(self, event: Event) -> None:
        now = self._clock()
        history = self._history
        history.append((now, event))
        floor = now - self._min_seconds
        while len(history) > self._min_events and (
            history[0][0] < floor or len(history) > self._max_events
        ):
            _, dropped = history.popleft()
            self._oldest = dropped.revision
