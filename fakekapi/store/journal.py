"""The SQLite side of SqliteStore: blocking calls, run on the store's single worker thread.

Schema (store.db, WAL, synchronous=FULL):
    meta(name PRIMARY KEY, value)        "schema" = SCHEMA_VERSION, "revision" = the global counter
    objects(key PRIMARY KEY, revision, value)    current objects, value = orjson bytes
    changes(revision INTEGER PRIMARY KEY, key, type, value)
                                                 the change log; DELETED rows hold the last state
                                                 stamped with the deletion revision
Every batch of writes is one BEGIN IMMEDIATE transaction that reads the counter, checks each
precondition against `objects` (the truth, whatever other processes did), writes the objects, the
change rows and the counter, and commits (one fsync) before returning. Revisions are therefore
contiguous across processes, and any process can follow the others by reading `changes` past the
last revision it applied.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TypeVar

import orjson

from fakekapi.store.base import (
    EventType,
    KeyExistsError,
    KeyNotFoundError,
    Obj,
    RevisionConflict,
    StorageError,
    StoreError,
)
from fakekapi.store.memory import encode, encode_deleted

SCHEMA_VERSION = 1
CHANGELOG_MAX_BYTES = 32 * 1024 * 1024
"""Bytes of change rows a process keeps in the file beyond the current objects (other processes
follow the log; one further behind reloads every object instead)."""
VACUUM_MIN_FREE_BYTES = 1024 * 1024
BUSY_TIMEOUT_SECONDS = 30.0
_SIZE_BITS = 32
"""A change row's size in `Journal._written`: below 4 GiB (objects are bounded far below)."""
_SIZE_MASK = (1 << _SIZE_BITS) - 1

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS objects ("
    " key TEXT PRIMARY KEY, revision INTEGER NOT NULL, value BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS changes ("
    " revision INTEGER PRIMARY KEY, key TEXT NOT NULL, type TEXT NOT NULL, value BLOB NOT NULL)",
    "INSERT OR IGNORE INTO meta (name, value)"
    f" VALUES ('schema', {SCHEMA_VERSION}), ('revision', 0)",
)

Change = tuple[int, str, EventType, bytes]
"""(revision, key, type, stored JSON bytes) as read back from the change log."""


class Snapshot(NamedTuple):
    """Every object and the revision they are current at (for start-up and resync)."""

    items: list[tuple[str, bytes, int]]
    revision: int


@dataclass(slots=True)
class CatchUp:
    """What other processes wrote since our last applied revision: either the changes in order, or
    (when the log no longer reaches back that far) a full snapshot to reset to."""

    changes: list[Change] = field(default_factory=list)
    snapshot: Snapshot | None = None


WriteRequest = tuple[EventType, str, Obj | None, int | None]
"""(type, key, object or None for a delete, expected revision or None)."""


class BatchOutcome(NamedTuple):
    """The catch-up seen inside the write transaction, then per request its change or refusal."""

    catch_up: CatchUp
    results: list[Change | Exception]
    """A StoreError refusal, or the orjson error of an object that is not JSON."""


class Journal:
    """One connection to store.db. Not thread-safe: the caller runs every method on one thread."""

    def __init__(
        self,
        path: Path,
        *,
        changelog_keep: int,
        prune_every: int,
        changelog_max_bytes: int = CHANGELOG_MAX_BYTES,
    ) -> None:
        self.path = path
        self._keep = changelog_keep
        self._prune_every = max(1, prune_every)
        self._max_bytes = changelog_max_bytes
        self._written = array("Q")
        """`revision << 32 | bytes` of each change row this process wrote, from index
        `_written_start` on those not pruned yet: 8 bytes a row in one buffer, where a deque of
        ints held ~40 (10,000 rows: 0.4 MiB of small objects, made amid a fixture load's
        garbage and kept; as tuples of two, 0.9 MiB)."""
        self._written_start = 0
        self._written_bytes = 0
        self._db: sqlite3.Connection | None = None
        self.commits = 0
        """Write transactions committed (each one fsync), for metrics and tests."""

    # -- life cycle -----------------------------------------------------------------------------

    def open(self) -> Snapshot:
        """Open (creating a 0600 file if needed), check it is a usable database, and load it."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
        except OSError as e:
            raise StorageError(f"cannot open store {self.path}: {e.strerror or e}") from e
        try:
            db = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as e:
            raise StorageError(f"cannot open store {self.path}: {e}") from e
        self._db = db
        try:
            # Free pages go back to the file system on `maintain()` (a no-op for a file created
            # before this setting: maintain() converts it with one VACUUM when it has grown).
            db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError(f"store {self.path}: cannot use WAL journal mode (got {mode})")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("BEGIN IMMEDIATE")  # also proves the file is writable
            for statement in _SCHEMA:
                db.execute(statement)
            schema = self._meta("schema")
            db.execute("COMMIT")
            if schema > SCHEMA_VERSION:
                raise StorageError(
                    f"store {self.path} has schema {schema},"
                    f" newer than this fakekapi's ({SCHEMA_VERSION})"
                )
            return self.snapshot()
        except StorageError:
            self.close()
            raise
        except (sqlite3.Error, orjson.JSONDecodeError) as e:
            self.close()
            raise StorageError(f"store {self.path} is unusable: {e}") from e

    def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            with contextlib.suppress(sqlite3.Error):
                db.close()

    # -- reads ----------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """All objects and the counter, read in one transaction."""
        db = self._conn()
        db.execute("BEGIN")
        try:
            revision = self._meta("revision")
            items = [
                (key, bytes(value), rev)
                for key, rev, value in db.execute("SELECT key, revision, value FROM objects")
            ]
        finally:
            db.execute("COMMIT")
        return Snapshot(items, revision)

    def catch_up(self, applied: int) -> CatchUp:
        """Changes after revision `applied` (cheap when there are none: one rowid seek)."""
        try:
            return self._catch_up(applied, None)
        except (sqlite3.Error, orjson.JSONDecodeError) as e:
            raise StorageError(f"cannot read store {self.path}: {e}") from e

    # -- writes ---------------------------------------------------------------------------------

    def write_batch(self, requests: list[WriteRequest], applied: int) -> BatchOutcome:
        """Several writes in one transaction, committed (one fsync) before returning.

        Each request is checked against `objects` as the transaction has changed it so far, so two
        updates of one key in a batch behave as if sent one after the other. A refused request
        (exists, not found, conflict) gets its error and leaves the others alone; a failure of
        SQLite itself rolls the whole batch back and raises StorageError."""
        db = self._conn()
        results: list[Change | Exception] = []
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                current = self._meta("revision")
                catch_up = self._catch_up(applied, current)
                rows, results = _apply_requests(
                    requests, self._stored({key for _, key, _, _ in requests}), current
                )
                if rows:
                    self._write_rows(rows)
                    revision = rows[-1][0]
                    db.execute("UPDATE meta SET value = ? WHERE name = 'revision'", (revision,))
                    self._prune(rows, current, revision)
                    db.execute("COMMIT")
                    self.commits += 1
                else:
                    db.execute("ROLLBACK")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, orjson.JSONDecodeError) as e:
            raise StorageError(f"cannot write store {self.path}: {e}") from e
        return BatchOutcome(catch_up, results)

    def release_memory(self) -> None:
        """Empty this connection's page cache (`PRAGMA shrink_memory`; it refills as reads and
        writes need it, up to SQLite's default 2 MiB). Start-up calls it once its bulk writes
        are done: a fixture load leaves it full of pages it will not read again."""
        try:
            self._conn().execute("PRAGMA shrink_memory")
        except sqlite3.Error as e:
            raise StorageError(f"cannot release memory of store {self.path}: {e}") from e

    def maintain(self) -> bool:
        """Give the space of pruned change rows back to the file system when it is worth it (a
        quarter of the file and at least VACUUM_MIN_FREE_BYTES free), and truncate the WAL.
        Returns whether the file was compacted. Runs on the worker thread between batches."""
        db = self._conn()
        try:
            page_size = self._pragma("page_size")
            pages = self._pragma("page_count")
            free = self._pragma("freelist_count")
            if free * page_size < VACUUM_MIN_FREE_BYTES or free * 4 < pages:
                return False
            if self._pragma("auto_vacuum") == 2:  # INCREMENTAL
                # It frees one page per step, and Python's execute() steps once for a statement
                # without result columns; executescript() runs it to its end.
                db.executescript("PRAGMA incremental_vacuum;")
            else:
                db.execute("PRAGMA auto_vacuum=INCREMENTAL")
                db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return True
        except sqlite3.Error as e:
            raise StorageError(f"cannot compact store {self.path}: {e}") from e

    # -- internals ------------------------------------------------------------------------------

    def _pragma(self, name: str) -> int:
        row = self._conn().execute(f"PRAGMA {name}").fetchone()
        return int(row[0]) if row is not None else 0

    def _prune(self, rows: list[Change], current: int, revision: int) -> None:
        """Keep the change log to its last `changelog_keep` rows, and the rows this process wrote
        to `changelog_max_bytes` (a process further behind than the log reloads every object)."""
        db = self._conn()
        for rev, _, _, data in rows:
            self._written.append(rev << _SIZE_BITS | len(data))
            self._written_bytes += len(data)
        cut = 0
        if revision // self._prune_every != current // self._prune_every:
            cut = revision - self._keep
        written, start = self._written, self._written_start
        while start < len(written) and (
            self._written_bytes > self._max_bytes or written[start] >> _SIZE_BITS <= cut
        ):
            packed = written[start]
            start += 1
            rev, size = packed >> _SIZE_BITS, packed & _SIZE_MASK
            self._written_bytes -= size
            cut = max(cut, rev)
        if start > len(written) // 2:  # the pruned head goes once it is half: O(1) a row
            del written[:start]
            start = 0
        self._written_start = start
        if cut > 0:
            db.execute("DELETE FROM changes WHERE revision <= ?", (cut,))

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StorageError(f"store {self.path} is closed")
        return self._db

    def _meta(self, name: str) -> int:
        row = self._conn().execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row is not None else 0

    def _stored(self, keys: set[str]) -> dict[str, tuple[int, bytes]]:
        """The stored (revision, value) of each of `keys` that exists, read by `_parts` of up to
        _ROWS_PER_STATEMENT keys a statement."""
        db = self._conn()
        ordered = sorted(keys)
        out: dict[str, tuple[int, bytes]] = {}
        for part in _parts(ordered):
            marks = ",".join("?" * len(part))
            query = f"SELECT key, revision, value FROM objects WHERE key IN ({marks})"
            for key, rev, value in db.execute(query, part):
                out[key] = (rev, value)
        return out

    def _write_rows(self, rows: list[Change]) -> None:
        """The objects' new states and the change rows, up to _ROWS_PER_STATEMENT rows a
        statement: the sqlite3 module releases the GIL around each statement, and a statement per
        row made a batch give the GIL up (and wait to get it back from a busy event loop)
        hundreds of times."""
        db = self._conn()
        last: dict[str, Change] = {}
        for row in rows:
            last[row[1]] = row
        gone = [key for key, (_, _, type, _) in last.items() if type == "DELETED"]
        kept = [(key, rev, data) for key, (rev, _, type, data) in last.items() if type != "DELETED"]
        for part in _parts(gone):
            db.execute(f"DELETE FROM objects WHERE key IN ({','.join('?' * len(part))})", part)
        _insert_many(db, "INSERT OR REPLACE INTO objects (key, revision, value)", kept)
        _insert_many(db, "INSERT INTO changes (revision, key, type, value)", rows)

    def _catch_up(self, applied: int, current: int | None) -> CatchUp:
        if current == applied:
            # Inside a write transaction, nothing was written since: no query (after each
            # statement this thread waits for the GIL, which a busy event loop holds).
            return CatchUp()
        rows = self._conn().execute(
            "SELECT revision, key, type, value FROM changes WHERE revision > ? ORDER BY revision",
            (applied,),
        )
        changes: list[Change] = [(rev, key, type, bytes(value)) for rev, key, type, value in rows]
        gap = bool(changes) and changes[0][0] != applied + 1
        if current is not None and current > applied:
            gap = gap or not changes or changes[-1][0] != current
        if gap:
            # The log was pruned past what we applied: start again from the objects themselves.
            if current is not None:  # inside a write transaction: read directly, no nested BEGIN
                return CatchUp(snapshot=Snapshot(self._all_objects(), current))
            return CatchUp(snapshot=self.snapshot())
        return CatchUp(changes=changes)

    def _all_objects(self) -> list[tuple[str, bytes, int]]:
        rows = self._conn().execute("SELECT key, revision, value FROM objects")
        return [(key, bytes(value), rev) for key, rev, value in rows]


_R = TypeVar("_R")

_ROWS_PER_STATEMENT = 128
"""Rows a multi-row statement holds at most (4 columns: 512 host parameters, below the 999
of SQLite before 3.32)."""


def _parts(rows: Sequence[_R]) -> Iterator[Sequence[_R]]:
    """`rows` cut into statements of _ROWS_PER_STATEMENT rows, then the rest in powers of two:
    few distinct statement texts, so the sqlite3 module's statement cache holds a handful of
    prepared statements rather than one per batch size."""
    i, n = 0, len(rows)
    size = _ROWS_PER_STATEMENT
    while i < n:
        while size > n - i:
            size //= 2
        yield rows[i : i + size]
        i += size


def _apply_requests(
    requests: list[WriteRequest], stored: dict[str, tuple[int, bytes]], current: int
) -> tuple[list[Change], list[Change | Exception]]:
    """Each request checked against the objects as the batch has changed them so far, in order:
    the change rows to write (revisions from `current` + 1 on) and each request's outcome."""
    state: dict[str, tuple[int, bytes] | None] = dict(stored)
    revision = current
    rows: list[Change] = []
    results: list[Change | Exception] = []
    for type, key, obj, expected in requests:
        row = state.get(key)
        error = _refusal(type, key, row, expected)
        if error is not None:
            results.append(error)
            continue
        if type == "DELETED":
            assert row is not None
            data = encode_deleted(row[1], revision + 1)
            state[key] = None
        else:
            assert obj is not None
            try:
                data = encode(obj, revision + 1)
            except TypeError as e:  # orjson: not a JSON value
                results.append(e)
                continue
            state[key] = (revision + 1, data)
        revision += 1
        change: Change = (revision, key, type, data)
        rows.append(change)
        results.append(change)
    return rows, results


def _insert_many(db: sqlite3.Connection, insert: str, rows: Sequence[tuple[object, ...]]) -> None:
    """`insert` ("INSERT ... (columns)") of every row, as multi-row VALUES statements."""
    if not rows:
        return
    mark = "(" + ",".join("?" * len(rows[0])) + ")"
    for part in _parts(rows):
        values = [v for row in part for v in row]
        db.execute(f"{insert} VALUES {','.join([mark] * len(part))}", values)


def _refusal(
    type: EventType, key: str, row: tuple[int, bytes] | None, expected: int | None
) -> StoreError | None:
    """The precondition failure of a write against the stored row, if any."""
    if type == "ADDED":
        return KeyExistsError(key) if row is not None else None
    if row is None:
        return KeyNotFoundError(key)
    if expected is not None and expected != row[0]:
        return RevisionConflict(key, expected, row[0])
    return None
