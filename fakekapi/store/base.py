"""The Store contract every implementation satisfies (one conformance suite runs against each).

Keys are strings shaped like etcd's: `/<group or "core">/<plural>/<namespace>/<name>` for
namespaced objects and `/<group or "core">/<plural>/<name>` for cluster-scoped ones; a list or watch
takes a key prefix ending in `/`. Values are JSON-able dicts. Objects handed out by the store are
shared and must be treated as read-only by callers (copy before changing).

    Exception
    └── StoreError
        ├── KeyExistsError      create of an existing key
        ├── KeyNotFoundError    update/delete of a missing key
        ├── RevisionConflict    expected_revision did not match the stored object's revision
        ├── TooOldError         watch from a revision older than the retained history
        └── StorageError        the durable storage cannot be opened, read or written (raised by
                                start() for an unusable file, by a write when the disk fails)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal, Protocol

import orjson

Obj = dict[str, Any]
RawItem = tuple[str, bytes, int]
"""(key, stored JSON bytes, modification revision)."""
RawItems = list[RawItem]  # (an alias: inside the store classes `list` is their method)
EventType = Literal["ADDED", "MODIFIED", "DELETED"]


class StoreError(Exception):
    """Base of store errors; the registry turns them into StatusErrors."""

    def __init__(self, key: str, message: str = "") -> None:
        super().__init__(message or key)
        self.key = key


class KeyExistsError(StoreError):
    pass


class KeyNotFoundError(StoreError):
    pass


class RevisionConflict(StoreError):
    def __init__(self, key: str, expected: int, actual: int) -> None:
        super().__init__(key, f"{key}: expected revision {expected}, found {actual}")
        self.expected = expected
        self.actual = actual


class TooOldError(StoreError):
    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__("", f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest


class StorageError(StoreError):
    """The database file is unusable (missing directory, not writable, corrupt, written by a newer
    schema) or a write could not be committed. The message names the file and the cause."""

    def __init__(self, message: str) -> None:
        super().__init__("", message)


class Event:
    """One change: the object after it (the last state for DELETED) and before it.

    The store hands out the stored JSON bytes (`data`, `prev_data`); `object` and `prev` decode
    them on first use and keep the result, so one event fanned out to many watchers is decoded at
    most once, and not at all when every watcher writes the bytes as they are. The decoded values
    are shared: read-only."""

    __slots__ = (
        "_object",
        "_prev",
        "data",
        "key",
        "prev_data",
        "prev_revision",
        "revision",
        "type",
    )

    def __init__(
        self,
        type: EventType,
        key: str,
        data: bytes,
        prev_data: bytes | None,
        revision: int,
        prev_revision: int = 0,
    ) -> None:
        self.type: EventType = type
        self.key = key
        self.data = data
        self.prev_data = prev_data
        self.revision = revision
        self.prev_revision = prev_revision
        """The modification revision of `prev` (0 without one)."""
        self._object: Obj | None = None
        self._prev: Obj | None = None

    @property
    def object(self) -> Obj:
        if self._object is None:
            self._object = orjson.loads(self.data)
        return self._object

    @property
    def prev(self) -> Obj | None:
        if self._prev is None and self.prev_data is not None:
            self._prev = orjson.loads(self.prev_data)
        return self._prev

    def __repr__(self) -> str:
        return f"Event({self.type}, {self.key!r}, revision={self.revision})"


class Watch(Protocol):
    """Events with revision > the start revision, in revision order, for keys under a prefix."""

    def __aiter__(self) -> AsyncIterator[Event]: ...

    def poll(self) -> Event | None:
        """The next event if one is ready now (None: wait for it by iterating)."""

    @property
    def stopped(self) -> bool:
        """Ended (stopped, or ended by the store: a reset, a reader too far behind)."""

    @property
    def passed_over(self) -> int:
        """The revision of the last event under the prefix left out for another name (0:
        none): the watch has followed the store that far, whatever it handed out."""

    def stop(self) -> None:
        """End the iteration (idempotent); the iterator then finishes."""


class Store(Protocol):
    @property
    def revision(self) -> int:
        """The current (latest) revision; 0 for an empty new store."""

    @property
    def oldest_revision(self) -> int:
        """The oldest revision a watch can start from (events after it are all retained)."""

    async def start(self) -> None:
        """Open/load; for durable stores, begin following other processes' writes. An unusable
        file raises StorageError here rather than at the first write."""

    async def close(self) -> None:
        """Stop followers, end every open watch, release files."""

    def get(self, key: str) -> tuple[Obj, int] | None:
        """The object (a fresh copy the caller may change) and its modification revision, from
        memory (never blocks on disk)."""

    def get_raw(self, key: str) -> tuple[bytes, int] | None:
        """The object's stored JSON bytes and its modification revision (nothing decoded)."""

    def revision_of(self, key: str) -> int | None:
        """The modification revision of a key, None if absent (nothing decoded)."""

    def list(self, prefix: str, start_after: str = "") -> tuple[list[tuple[str, Obj, int]], int]:
        """(key, object, mod revision) under prefix sorted by key (keys > start_after only),
        and the current revision. Each object is a fresh copy."""

    def list_raw(
        self, prefix: str, start_after: str = "", revision: int | None = None
    ) -> tuple[RawItems, int]:
        """`list` as stored bytes; with `revision`, the state as it was at that revision (raises
        TooOldError when the history no longer reaches back to it)."""

    async def create(self, key: str, obj: Obj) -> tuple[Obj, int]:
        """Store a new object; sets metadata.resourceVersion to the new revision (as a string).
        Durable before it returns. Raises KeyExistsError.

        The object returned by create, update and delete is decoded afresh from what was
        stored: the caller's own, to change or hand out without copying."""

    async def create_raw(self, key: str, obj: Obj) -> tuple[bytes, int]:
        """`create`, answering the stored JSON bytes (nothing decoded)."""

    async def update(
        self, key: str, obj: Obj, expected_revision: int | None = None
    ) -> tuple[Obj, int]:
        """Replace an object; sets metadata.resourceVersion. Raises KeyNotFoundError,
        RevisionConflict."""

    async def delete(self, key: str, expected_revision: int | None = None) -> tuple[Obj, int]:
        """Remove an object; returns its last state with metadata.resourceVersion set to the
        deletion revision (as kube does for DELETED events). Raises KeyNotFoundError,
        RevisionConflict."""

    async def drained(self) -> None:
        """Return once every write queued so far is being committed (or is done): a bulk writer
        hands a store with a writer thread its next batch only then, so that the batch commits
        while the next one is prepared rather than both being committed together later."""

    def watch(self, prefix: str, after_revision: int, name: str | None = None) -> Watch:
        """Start a watch: events with revision > after_revision under prefix, in revision order;
        with a `name`, only for keys whose last segment is that name (a metadata.name selector).

        Raises TooOldError if after_revision < oldest_revision (the history no longer covers
        after_revision + 1). A revision ahead of the current one is accepted: events start when the
        store gets there (the registry decides whether to wait or refuse). The caller stop()s the
        watch when done; the store may also end it (close(), a reader too far behind, a reload),
        after which the client re-watches from the last revision it saw."""
