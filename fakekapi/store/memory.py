"""MemoryStore: the whole store in memory. Used on its own for ephemeral runs and tests, and as the
read/watch cache of SqliteStore (which feeds it through apply() and reset()).

The compact representation (kube's watch cache keeps each object serialized once per encoding, for
the same reason): every object is held once, as its JSON bytes, with its modification revision.
Nothing keeps a decoded copy: `get` and `list` decode on demand (a fresh dict each time, which the
caller may change), while `get_raw`, `list_raw` and the events' `data` hand out the stored bytes
for responses that are written without re-encoding. 10,000 ConfigMaps of 1 KiB cost ~12 MiB here
where the decoded dicts cost several times that.

The history is a list of changes (revision, key, type, bytes after, bytes before) bounded by age,
count and bytes (see `_trim`): it serves watches that start in the past and lists at a past
revision (continue tokens, resourceVersionMatch=Exact), which roll the current state back through
it. Past its window a watch or list gets TooOldError: kube's 410 after etcd compacted.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

import orjson

from fakekapi.core import jsonbytes
from fakekapi.store.base import (
    Event,
    EventType,
    KeyExistsError,
    KeyNotFoundError,
    Obj,
    RawItems,
    RevisionConflict,
    TooOldError,
)
from fakekapi.store.fanout import DEFAULT_MAX_QUEUE, Fanout, QueueWatch
from fakekapi.store.keys import KeyIndex

HISTORY_MIN_SECONDS = 300.0
"""Every change younger than this is kept (within HISTORY_MAX_BYTES): kube-apiserver compacts etcd
every 5 minutes (`--etcd-compaction-interval`), so a continue token or a watch resourceVersion
stays usable at least that long on a cluster."""
HISTORY_MIN_EVENTS = 1_000
"""Past the window, the newest changes kept anyway (within HISTORY_MIN_BYTES) for watch resumes;
kube's watch cache likewise keeps its last events (at least 100) once they are older than 75 s."""
HISTORY_MIN_BYTES = 8 * 1024 * 1024
"""...but never more than this many bytes of them."""
HISTORY_MAX_EVENTS = 100_000
"""Hard cap on the count, whatever their age: a write storm cannot hold old versions forever."""
HISTORY_MAX_BYTES = 128 * 1024 * 1024
"""Hard cap on the bytes of old versions held, whatever their age (300 updates of a 1 MiB object
would otherwise hold 300 MiB for the whole window)."""
BULK_LOAD_HISTORY = 1_000
"""The changes of a bulk load the history keeps (`MemoryStore.bulk_load`)."""


class Change(NamedTuple):
    """One history entry; `data` is the object after the change (for DELETED: its last state
    stamped with the deletion revision), `prev` the bytes before it (None for ADDED)."""

    at: float
    revision: int
    key: str
    type: EventType
    data: bytes
    prev: bytes | None
    prev_revision: int


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


def encode(obj: Obj, revision: int) -> bytes:
    """The bytes the store keeps for obj at revision (raises TypeError for a non-JSON value),
    sized to their content (`core.jsonbytes`: 8.4 -> 1.9 KiB held per 1.5 KiB ConfigMap)."""
    return jsonbytes.dumps(stamp(obj, revision))


def encode_deleted(data: bytes, revision: int) -> bytes:
    """The last state of a deleted object, stamped with the deletion revision."""
    return jsonbytes.dumps(stamp(orjson.loads(data), revision))


def decode(data: bytes) -> Obj:
    out: Obj = orjson.loads(data)
    return out


class MemoryStore:
    """The in-memory Store. All methods run on the event loop thread; writes never await, so each
    is atomic with respect to readers."""

    def __init__(
        self,
        *,
        history_min_events: int = HISTORY_MIN_EVENTS,
        history_min_seconds: float = HISTORY_MIN_SECONDS,
        history_max_events: int = HISTORY_MAX_EVENTS,
        history_min_bytes: int = HISTORY_MIN_BYTES,
        history_max_bytes: int = HISTORY_MAX_BYTES,
        max_watch_queue: int = DEFAULT_MAX_QUEUE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._objects: dict[str, tuple[bytes, int]] = {}
        self._index = KeyIndex()
        self._revision = 0
        self._oldest = 0
        self._loaded = 0
        """The revision of the last `reset`: objects not modified since were read in one go."""
        self._history: deque[Change] = deque()
        self._history_bytes = 0
        self._dropped_bytes = 0
        self._min_events = history_min_events
        self._min_seconds = history_min_seconds
        self._max_events = max(history_max_events, history_min_events)
        self._max_bytes = history_max_bytes
        self._min_bytes = min(history_min_bytes, history_max_bytes)
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

    @property
    def history_bytes(self) -> int:
        """Bytes of object versions held by the history (for metrics and tests)."""
        return self._history_bytes

    @property
    def dropped_bytes(self) -> int:
        """Bytes of versions the history has dropped so far (its owner decides when to hand the
        freed memory back to the OS)."""
        return self._dropped_bytes

    @property
    def history_seconds(self) -> float:
        """The history window: changes younger than this are kept (within the byte cap)."""
        return self._min_seconds

    async def start(self) -> None:
        """Nothing to load."""

    async def sync(self) -> int:
        """The current revision (nothing else writes a MemoryStore; SqliteStore.sync() catches up
        with other processes first)."""
        return self._revision

    async def drained(self) -> None:
        """Nothing is ever queued: every write is done when its call returns."""

    async def close(self) -> None:
        """End every open watch; later watches end at once."""
        self._closed = True
        self._fanout.stop_all()

    def get(self, key: str) -> tuple[Obj, int] | None:
        found = self._objects.get(key)
        return (decode(found[0]), found[1]) if found is not None else None

    def get_raw(self, key: str) -> tuple[bytes, int] | None:
        """The stored bytes and modification revision (nothing decoded)."""
        return self._objects.get(key)

    def revision_of(self, key: str) -> int | None:
        """The modification revision of a key, or None (nothing decoded)."""
        found = self._objects.get(key)
        return found[1] if found is not None else None

    def list(self, prefix: str, start_after: str = "") -> tuple[list[tuple[str, Obj, int]], int]:
        items, revision = self.list_raw(prefix, start_after)
        return [(key, decode(data), rev) for key, data, rev in items], revision

    def list_raw(
        self, prefix: str, start_after: str = "", revision: int | None = None
    ) -> tuple[RawItems, int]:
        """(key, bytes, mod revision) under prefix sorted by key (keys > start_after only), and the
        revision they are current at: the latest one, or `revision` (the state as it was then,
        rolled back through the history; TooOldError when the history no longer reaches it)."""
        objects = self._objects
        keys = self._index.range(prefix, start_after)
        if revision is None or revision >= self._revision:
            return [(key, *objects[key]) for key in keys], self._revision
        if revision < self._oldest:
            raise TooOldError(revision, self._oldest)
        # The state at `revision`: for each key changed since, its state before the oldest of
        # those changes (None: it did not exist then).
        then: dict[str, tuple[bytes, int] | None] = {}
        for change in reversed(self._history):
            if change.revision <= revision:
                break
            key = change.key
            if key.startswith(prefix) and key > start_after:
                then[key] = (change.prev, change.prev_revision) if change.prev is not None else None
        if not then:
            return [(key, *objects[key]) for key in keys], revision
        out: RawItems = []
        for key in sorted({*keys, *then}):
            if key in then:
                past = then[key]
                if past is not None:
                    out.append((key, *past))
            else:
                out.append((key, *objects[key]))
        return out, revision

    async def create(self, key: str, obj: Obj) -> tuple[Obj, int]:
        data, revision = await self.create_raw(key, obj)
        return decode(data), revision

    async def create_raw(self, key: str, obj: Obj) -> tuple[bytes, int]:
        if key in self._objects:
            raise KeyExistsError(key)
        revision = self._revision + 1
        data = encode(obj, revision)
        self.apply("ADDED", key, data, revision)
        return data, revision

    async def update(
        self, key: str, obj: Obj, expected_revision: int | None = None
    ) -> tuple[Obj, int]:
        self._check(key, expected_revision)
        revision = self._revision + 1
        data = encode(obj, revision)
        self.apply("MODIFIED", key, data, revision)
        return decode(data), revision

    async def delete(self, key: str, expected_revision: int | None = None) -> tuple[Obj, int]:
        current = self._check(key, expected_revision)
        revision = self._revision + 1
        data = encode_deleted(current, revision)
        self.apply("DELETED", key, data, revision)
        return decode(data), revision

    def watch(self, prefix: str, after_revision: int, name: str | None = None) -> QueueWatch:
        if after_revision < self._oldest:
            raise TooOldError(after_revision, self._oldest)
        if self._closed:
            return QueueWatch(None, prefix, (), name)
        backlog: list[Event] = []
        for change in reversed(self._history):
            if change.revision <= after_revision:
                break
            if change.key.startswith(prefix):
                backlog.append(_event(change))
        backlog.reverse()
        return self._fanout.open(prefix, backlog, name)

    # -- feeding the cache (SqliteStore) --------------------------------------------------------

    def apply(self, type: EventType, key: str, data: bytes, revision: int) -> Event:
        """Record a change that is already decided (`data`: the object's bytes after it; for
        DELETED its last state stamped with the deletion revision); revision must be newer than
        the current one. Updates the objects, the index, the history and the watchers, and
        returns the event."""
        if revision <= self._revision:
            raise ValueError(f"revision {revision} is not newer than {self._revision}")
        previous = self._objects.get(key)
        prev, prev_revision = previous if previous is not None else (None, 0)
        if type == "DELETED":
            if previous is not None:
                del self._objects[key]
                self._index.remove(key)
        else:
            self._objects[key] = (data, revision)
            if previous is None:
                self._index.add(key)
        self._revision = revision
        change = Change(self._clock(), revision, key, type, data, prev, prev_revision)
        self._history.append(change)
        self._history_bytes += len(data)
        self._trim(change.at)
        event = _event(change)
        self._fanout.publish(event)
        return event

    def reset(self, items: Iterable[tuple[str, bytes, int]], revision: int) -> None:
        """Replace the whole state (load at start, or resync after missing part of another
        process's changes). History restarts at `revision`, so a watch from an earlier revision is
        too old, and every open watch ends: its client re-watches and, if needed, re-lists."""
        self._fanout.stop_all()
        self._objects = {key: (data, rev) for key, data, rev in items}
        self._index.load(list(self._objects))
        self._revision = revision
        self._oldest = revision
        self._loaded = revision
        self._history.clear()
        self._history_bytes = 0

    @contextlib.contextmanager
    def bulk_load(self, keep: int = BULK_LOAD_HISTORY) -> Iterator[None]:
        """Keep only the last `keep` of the changes made inside in the history: a bulk load
        before serving (fixtures), of which no client can have seen a revision but the
        controllers' informers, whose watches resume right after their lists. A watch or a list
        from a revision before them is too old (kube's 410), as after an apiserver restart.

        Why: the history entries of a load (each with its time and revision: ~1.8 MiB of small
        objects for 10,000 fixture ConfigMaps, by a census at ready) are long-lived objects
        allocated between the load's garbage, and kept pymalloc arenas partly used."""
        cap = self._max_events
        self._max_events = keep
        try:
            yield
        finally:
            self._max_events = cap

    def repack(self) -> None:
        """Copy the bytes of the objects written since the store was loaded into fresh memory
        (call after a bulk load, once its garbage is freed, then hand free memory back to the OS).

        Each object's bytes were allocated between a write's temporaries (request bodies, decoded
        dicts, encodings); once those are freed, the long-lived bytes keep nearly every heap page
        partly used and the allocator can return none of them: 10,000 ConfigMaps loaded as
        fixtures held ~190 MiB of RSS for ~15 MiB of objects. Copied now, they fill the holes
        densely and the pages of the old copies become wholly free (measured: 189 -> 75 MiB).
        Objects not written since the store was loaded (`reset`) are left where they are: read
        in one go, they are packed already, and copying them would only leave holes behind (a
        restart with 10,000 ConfigMaps: ~2 MiB more RSS, and 27 MiB copied for nothing)."""
        objects = self._objects
        loaded = self._loaded
        moved: dict[int, bytes] = {}
        written = [(key, data, rev) for key, (data, rev) in objects.items() if rev > loaded]
        for key, data, rev in written:
            copy = bytes(memoryview(data))
            moved[id(data)] = copy
            objects[key] = (copy, rev)
        del written
        if not moved:
            return
        # History entries that hold a current object's bytes share the copy.
        self._history = deque(
            c._replace(data=moved.get(id(c.data), c.data)) if id(c.data) in moved else c
            for c in self._history
        )

    def compact(self) -> int:
        """Drop the changes that have left the history window (writes do this too; an idle store
        needs a periodic call). Returns the bytes released."""
        before = self._history_bytes
        self._trim(self._clock())
        return before - self._history_bytes

    # -- internals ------------------------------------------------------------------------------

    def _check(self, key: str, expected_revision: int | None) -> bytes:
        current = self._objects.get(key)
        if current is None:
            raise KeyNotFoundError(key)
        if expected_revision is not None and expected_revision != current[1]:
            raise RevisionConflict(key, expected_revision, current[1])
        return current[0]

    def _trim(self, now: float) -> None:
        """Drop the oldest changes while the history is over a hard cap (count, bytes), or while
        its oldest change has left the window and the rest is over the floor (count, bytes)."""
        history = self._history
        floor = now - self._min_seconds
        while history:
            size = len(history)
            nbytes = self._history_bytes
            oldest = history[0]
            if not (
                size > self._max_events
                or nbytes > self._max_bytes
                or (oldest.at < floor and (size > self._min_events or nbytes > self._min_bytes))
            ):
                return
            history.popleft()
            self._history_bytes -= len(oldest.data)
            self._dropped_bytes += len(oldest.data)
            self._oldest = oldest.revision


def _event(change: Change) -> Event:
    return Event(
        change.type, change.key, change.data, change.prev, change.revision, change.prev_revision
    )
