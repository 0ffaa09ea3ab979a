"""SqliteStore only: durability, restarts, other processes sharing the file, unusable files."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import stat
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from polling import until_async

from fakekapi.store.base import Event, StorageError, TooOldError, Watch
from fakekapi.store.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[2]
CM = "/core/configmaps/"
SqliteFactory = Callable[..., Awaitable[SqliteStore]]


def cm(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


async def next_event(watch: Watch, timeout: float) -> Event:
    return await asyncio.wait_for(watch.__aiter__().__anext__(), timeout)


async def spawn(db: Path, body: str, *args: str) -> asyncio.subprocess.Process:
    """A second process running `body` inside `async def main(store)` against the same file."""
    script = (
        "import asyncio, json, sys\n"
        "from pathlib import Path\n"
        "from fakekapi.store.sqlite import SqliteStore\n"
        "async def main(store):\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "\nasync def run():\n"
        "    options = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}\n"
        "    store = SqliteStore(Path(sys.argv[1]), **options)\n"
        "    await store.start()\n"
        "    try:\n"
        "        await main(store)\n"
        "    finally:\n"
        "        await store.close()\n"
        "asyncio.run(run())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        str(db),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )


async def finish(proc: asyncio.subprocess.Process) -> list[str]:
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    return out.decode().split()


# -- restart --------------------------------------------------------------------------------------


async def test_restart_keeps_objects_and_revisions(open_sqlite: SqliteFactory) -> None:
    store = await open_sqlite()
    a, ra = await store.create(CM + "ns/a", cm("a", v="1"))
    await store.create(CM + "ns/b", cm("b"))
    await store.update(CM + "ns/b", cm("b", v="2"))
    await store.create("/core/namespaces/ns", {"kind": "Namespace"})
    await store.delete("/core/namespaces/ns")
    before = store.list("/")
    assert before[1] == 5
    await store.close()

    again = await open_sqlite()
    assert again.list("/") == before
    assert again.get(CM + "ns/a") == (a, ra)
    assert again.revision == 5
    assert again.oldest_revision == 5, "history restarts at the reload"
    with pytest.raises(TooOldError):
        again.watch(CM, 4)
    watch = again.watch(CM, 5)
    try:
        _, rev = await again.create(CM + "ns/c", cm("c"))
        assert rev == 6, "the counter continues, deletions included"
        assert (await next_event(watch, 2)).revision == 6
    finally:
        watch.stop()


async def test_file_is_private(open_sqlite: SqliteFactory, db_path: Path) -> None:
    store = await open_sqlite()
    await store.create(CM + "ns/a", cm("a"))
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


async def test_write_is_committed_before_it_returns(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    store = await open_sqlite()
    _, rev = await store.create(CM + "ns/a", cm("a"))
    with sqlite3.connect(db_path) as db:
        row = db.execute("SELECT revision FROM objects WHERE key = ?", (CM + "ns/a",)).fetchone()
    assert row == (rev,)


async def test_release_memory_between_writes_keeps_everything(open_sqlite: SqliteFactory) -> None:
    """Emptying SQLite's page cache (start-up does it after a bulk load) loses nothing: writes
    in flight still commit, and reads and writes go on (the cache refills from the file)."""
    store = await open_sqlite()
    names = [f"c{i:04d}" for i in range(300)]
    writes = [store.create(CM + "ns/" + n, cm(n, v=n * 20)) for n in names]
    released = asyncio.ensure_future(store.release_memory())
    await asyncio.gather(*writes, released)
    _, rev = await store.update(CM + "ns/c0000", cm("c0000", v="again"))
    await store.release_memory()
    await store.close()

    again = await open_sqlite()
    items, revision = again.list(CM)
    assert revision == rev == 301
    assert [o["data"]["v"] for _, o, _ in items] == ["again"] + [n * 20 for n in names[1:]]
    await again.release_memory()
    assert (await again.create(CM + "ns/after", cm("after")))[1] == 302


async def test_write_after_close_fails(open_sqlite: SqliteFactory) -> None:
    store = await open_sqlite()
    await store.close()
    with pytest.raises(StorageError):
        await store.create(CM + "ns/a", cm("a"))


# -- group commit ---------------------------------------------------------------------------------


async def test_concurrent_writes_share_transactions(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    store = await open_sqlite()
    results = await asyncio.gather(*(store.create(f"{CM}ns/c{i:03}", cm("c")) for i in range(200)))
    assert sorted(rev for _, rev in results) == list(range(1, 201))
    assert store.commits < 200, "concurrent writes were batched"
    with sqlite3.connect(db_path) as db:
        (rows,) = db.execute("SELECT count(*) FROM objects").fetchone()
    assert rows == 200


async def test_a_batch_checks_each_write_against_the_ones_before_it(
    open_sqlite: SqliteFactory,
) -> None:
    """Two updates of one key with the same precondition in one batch: the second conflicts, as if
    they had been sent one after the other; a refused or unencodable write fails alone."""
    store = await open_sqlite()
    _, rev = await store.create(CM + "ns/a", cm("a"))
    outcomes = await asyncio.gather(
        store.update(CM + "ns/a", cm("a", v="1"), expected_revision=rev),
        store.update(CM + "ns/a", cm("a", v="2"), expected_revision=rev),
        store.create(CM + "ns/a", cm("a")),
        store.create(CM + "ns/bad", {"metadata": {}, "data": {1: "not a JSON key"}}),
        store.delete(CM + "ns/missing"),
        store.create(CM + "ns/b", cm("b")),
        return_exceptions=True,
    )
    kinds = [type(o).__name__ for o in outcomes]
    assert kinds == [
        "tuple",
        "RevisionConflict",
        "KeyExistsError",
        "TypeError",
        "KeyNotFoundError",
        "tuple",
    ]
    assert store.get(CM + "ns/a") is not None
    assert store.get(CM + "ns/a")[0]["data"] == {"v": "1"}  # type: ignore[index]
    assert [r for _, _, r in store.list(CM)[0]] == [rev + 1, rev + 2]


async def test_drained_returns_once_the_writer_took_the_queued_writes(
    open_sqlite: SqliteFactory,
) -> None:
    """A bulk writer waits for `drained` before queueing its next batch: the writes queued so
    far are then in a transaction of their own, and the next ones wait for the one after it."""
    store = await open_sqlite()
    await store.drained()  # nothing queued
    first = [asyncio.create_task(store.create(f"{CM}ns/a{i}", cm("a"))) for i in range(10)]
    await asyncio.sleep(0)  # the tasks queue their writes
    await store.drained()
    assert not any(t.done() for t in first)  # taken, not yet committed
    commits = store.commits
    second = [asyncio.create_task(store.create(f"{CM}ns/b{i}", cm("b"))) for i in range(10)]
    await asyncio.gather(*first, *second)
    assert store.commits == commits + 2


async def test_close_commits_the_writes_already_queued(open_sqlite: SqliteFactory) -> None:
    store = await open_sqlite()
    writes = [asyncio.create_task(store.create(f"{CM}ns/c{i}", cm("c"))) for i in range(20)]
    await asyncio.sleep(0)
    await store.close()
    done = await asyncio.gather(*writes, return_exceptions=True)
    committed = [d for d in done if isinstance(d, tuple)]
    again = await open_sqlite()
    assert len(again.list(CM)[0]) == len(committed)
    assert all(isinstance(d, (tuple, StorageError)) for d in done)


async def test_change_log_is_bounded_and_the_file_compacted(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    """Big objects created, updated and deleted: the change log keeps a bounded number of bytes,
    and the follower gives the freed pages back to the file system (the file shrinks)."""
    store = await open_sqlite(
        changelog_max_bytes=1_000_000, maintain_interval=0.05, poll_interval=0.01
    )
    for i in range(40):
        await store.create(f"{CM}ns/big{i}", cm("big", v=str(i % 10) * 200_000))
    peak = db_path.stat().st_size
    assert peak > 8_000_000
    for i in range(40):
        await store.update(f"{CM}ns/big{i}", cm("big", v=str(i % 10) * 100_000))
    for i in range(40):
        await store.delete(f"{CM}ns/big{i}")
    with sqlite3.connect(db_path) as db:
        (logged,) = db.execute("SELECT sum(length(value)) FROM changes").fetchone()
    assert logged <= 1_000_000 + 200_100
    deadline = time.monotonic() + 30
    while db_path.stat().st_size > 3_000_000 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert db_path.stat().st_size <= 3_000_000, f"the file was compacted (peak {peak})"
    assert store.list(CM)[0] == []


# -- other processes ------------------------------------------------------------------------------


async def test_other_process_write_reaches_readers_and_watchers(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    store = await open_sqlite()
    await store.create(CM + "ns/mine", cm("mine"))
    watch = store.watch(CM, store.revision)
    try:
        proc = await spawn(
            db_path,
            """
            obj, rev = await store.create("/core/configmaps/ns/theirs", {"metadata": {}})
            print(rev, flush=True)
            """,
        )
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        written_at = time.monotonic()
        assert int(line) == 2, "revisions continue across processes"
        event = await next_event(watch, 5)
        seen_after = time.monotonic() - written_at
        assert (event.type, event.key, event.revision) == ("ADDED", CM + "ns/theirs", 2)
        assert seen_after < 1.0, f"seen {seen_after:.2f}s after the other process wrote"
        got = store.get(CM + "ns/theirs")
        assert got is not None and got[1] == 2
        await finish(proc)
        _, rev = await store.create(CM + "ns/next", cm("next"))
        assert rev == 3
    finally:
        watch.stop()


async def test_a_write_first_applies_what_others_wrote(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    """Without waiting for the follower, our next write brings the other process's change in first,
    so watchers see revisions in order and preconditions see the other process's object."""
    store = await open_sqlite(poll_interval=3600)
    watch = store.watch(CM, 0)
    try:
        await finish(
            await spawn(
                db_path,
                """
                await store.create("/core/configmaps/ns/theirs", {"metadata": {}})
                await store.create("/core/configmaps/ns/taken", {"metadata": {}})
                """,
            )
        )
        assert store.get(CM + "ns/theirs") is None, "the follower is not running this test"
        _, rev = await store.create(CM + "ns/mine", cm("mine"))
        assert rev == 3
        events = [await next_event(watch, 2) for _ in range(3)]
        assert [(e.key, e.revision) for e in events] == [
            (CM + "ns/theirs", 1),
            (CM + "ns/taken", 2),
            (CM + "ns/mine", 3),
        ]
        with pytest.raises(Exception, match="taken"):
            await store.create(CM + "ns/taken", cm("taken"))
    finally:
        watch.stop()


async def test_two_processes_writing_at_once_share_one_ordered_history(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    """Both processes write while the other does; the interleaving is arranged by conditions
    (each side waits to see the other's write), not hoped for from timing, so the test holds on
    a loaded machine: their bulk starts after our first write, and our second half waits for one
    of theirs, so at least one of their revisions falls between our first and last."""
    store = await open_sqlite(poll_interval=0.01)
    watch = store.watch(CM, 0)
    try:
        proc = await spawn(
            db_path,
            """
            await store.create("/core/configmaps/theirs/c00", {"metadata": {}})
            print("started", flush=True)
            deadline = asyncio.get_running_loop().time() + 30
            while store.get("/core/configmaps/mine/c00") is None:
                assert asyncio.get_running_loop().time() < deadline, "never saw mine/c00"
                await store.sync()
                await asyncio.sleep(0.005)
            for i in range(1, 100):
                await store.create(f"/core/configmaps/theirs/c{i:02}", {"metadata": {}})
                await asyncio.sleep(0.002)
            """,
        )
        assert proc.stdout is not None
        assert await asyncio.wait_for(proc.stdout.readline(), 30) == b"started\n"
        mine = [(await store.create(f"{CM}mine/c{i:02}", cm("c")))[1] for i in range(30)]
        await until_async(lambda: store.get(f"{CM}theirs/c01") is not None, "theirs/c01")
        mine += [(await store.create(f"{CM}mine/c{i:02}", cm("c")))[1] for i in range(30, 60)]
        await finish(proc)
        await store.sync()
        events = [await next_event(watch, 2) for _ in range(160)]
        assert [e.revision for e in events] == list(range(1, 161)), "no gap, no duplicate"
        theirs_c01 = store.get(f"{CM}theirs/c01")
        assert theirs_c01 is not None and mine[0] < theirs_c01[1] < mine[-1], "interleaved"
        assert len(store.list(CM)[0]) == 160
    finally:
        watch.stop()


async def test_sync_applies_other_processes_changes(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    store = await open_sqlite(poll_interval=3600)
    await store.create(CM + "ns/a", cm("a"))
    await finish(
        await spawn(
            db_path,
            """
            await store.update("/core/configmaps/ns/a", {"metadata": {}, "data": {"by": "them"}})
            await store.delete("/core/configmaps/ns/a")
            """,
        )
    )
    watch = store.watch(CM, 1)
    try:
        assert await store.sync() == 3
        events = [await next_event(watch, 2) for _ in range(2)]
        assert [(e.type, e.revision) for e in events] == [("MODIFIED", 2), ("DELETED", 3)]
        assert events[1].prev is not None and events[1].prev["data"] == {"by": "them"}
        assert store.get(CM + "ns/a") is None
    finally:
        watch.stop()


async def test_lagging_past_the_pruned_log_reloads(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    """A process that missed more changes than the log keeps reloads every object, ends its
    watches (their clients re-watch and get TooOld, then re-list) and carries on."""
    store = await open_sqlite(poll_interval=3600)
    await store.create(CM + "ns/gone", cm("gone"))
    watch = store.watch(CM, store.revision)
    await finish(
        await spawn(
            db_path,
            """
            await store.delete("/core/configmaps/ns/gone")
            for i in range(30):
                await store.create(f"/core/configmaps/ns/c{i:02}", {"metadata": {}})
            """,
            json.dumps({"changelog_keep": 5, "prune_every": 1}),
        )
    )
    with sqlite3.connect(db_path) as db:
        (rows,) = db.execute("SELECT count(*) FROM changes").fetchone()
    assert rows <= 6, "the change log is pruned"
    assert await store.sync() == 32
    assert [e async for e in watch] == [], "open watches end"
    assert store.get(CM + "ns/gone") is None
    assert [k for k, _, _ in store.list(CM)[0]] == [f"{CM}ns/c{i:02}" for i in range(30)]
    assert store.oldest_revision == 32
    with pytest.raises(TooOldError):
        store.watch(CM, 1)
    _, rev = await store.create(CM + "ns/after", cm("after"))
    assert rev == 33


async def test_write_waits_for_another_process_holding_the_lock(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    """A write blocked by another writer waits on the worker thread; the event loop keeps going."""
    store = await open_sqlite()
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        write = asyncio.create_task(store.create(CM + "ns/a", cm("a")))
        ticks = 0
        while ticks < 20:  # the loop is not blocked while the write waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert not write.done()
        other.execute("COMMIT")
        _, rev = await asyncio.wait_for(write, 10)
        assert rev == 1
    finally:
        other.close()


KILL_TRIALS = 20


async def test_kill_9_during_a_concurrent_burst_loses_no_acknowledged_write(
    open_sqlite: SqliteFactory, db_path: Path
) -> None:
    """20 times: 16 concurrent writers (creates, updates, deletes: batches of all kinds) in a
    child process, killed with SIGKILL after a varying number of acknowledgements; every write
    the child saw acknowledged is in the file afterwards, in its acknowledged state."""
    acknowledged: dict[str, str | None] = {}  # key -> data value last acknowledged (None: deleted)
    for trial in range(KILL_TRIALS):
        proc = await spawn(
            db_path,
            f"""
            async def writer(w):
                for i in range(100000):
                    key = f"/core/configmaps/t{trial}/w{{w:02}}-{{i // 3:06}}"
                    if i % 3 == 0:
                        await store.create(key, {{"metadata": {{}}, "data": {{"v": "a" * 200}}}})
                        print(f"{{key}} a", flush=True)
                    elif i % 3 == 1:
                        await store.update(key, {{"metadata": {{}}, "data": {{"v": "b"}}}})
                        print(f"{{key}} b", flush=True)
                    elif i % 6 == 5:
                        await store.delete(key)
                        print(f"{{key}} -", flush=True)
            await asyncio.gather(*(writer(w) for w in range(16)))
            """,
        )
        assert proc.stdout is not None
        lines = 0
        while lines < 30 + 17 * trial:  # kill at a different point of the burst each time
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, "the writer ended early"
            key, value = line.decode().split()
            acknowledged[key] = None if value == "-" else value
            lines += 1
        proc.send_signal(signal.SIGKILL)
        rest, _ = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == -signal.SIGKILL
        # Acknowledged before the kill, read after it (a line cut short was not acknowledged).
        for tail in rest.decode().splitlines(keepends=True):
            if not tail.endswith("\n"):
                break
            key, value = tail.split()
            acknowledged[key] = None if value == "-" else value

    # Each key goes a -> b, and every other key is then deleted. A write may have committed
    # without its acknowledgement getting out before the kill: the key's state must be the
    # acknowledged one or a later one of its sequence, never an earlier one.
    store = await open_sqlite()
    wrong = []
    for key, acked in acknowledged.items():
        got = store.get(key)
        sequence: list[str | None] = ["a", "b"] + ([None] if int(key[-6:]) % 2 else [])
        state = got[0]["data"]["v"][0] if got is not None else None
        if state not in sequence[sequence.index(acked) :]:
            wrong.append((key, acked, state))
    assert not wrong, f"{len(wrong)} acknowledged writes lost, e.g. {wrong[:3]}"
    assert len(acknowledged) > 20 * 30
    assert store.revision >= len(acknowledged)


# -- unusable files -------------------------------------------------------------------------------


async def test_corrupt_file_fails_at_start(db_path: Path) -> None:
    db_path.write_bytes(b"this is not a database" * 200)
    store = SqliteStore(db_path)
    with pytest.raises(StorageError, match=r"store\.db"):
        await store.start()
    await store.close()


async def test_missing_directory_fails_at_start(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "absent" / "store.db")
    with pytest.raises(StorageError, match="No such file or directory"):
        await store.start()


async def test_directory_instead_of_file_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="store"):
        await SqliteStore(tmp_path).start()


async def test_read_only_file_fails_at_start(
    db_path: Path, open_sqlite: SqliteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await (await open_sqlite()).close()
    # File modes don't stop root (CI runs as root), so open the database read-only instead:
    # the write probe at start-up must turn SQLite's refusal into a StorageError.
    real_connect = sqlite3.connect

    def read_only(path: str | Path, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = real_connect(f"file:{path}?mode=ro", uri=True, **kwargs)
        return connection

    monkeypatch.setattr("fakekapi.store.journal.sqlite3.connect", read_only)
    with pytest.raises(StorageError, match=r"readonly|read-only"):
        await SqliteStore(db_path).start()


async def test_newer_schema_fails_at_start(db_path: Path, open_sqlite: SqliteFactory) -> None:
    await (await open_sqlite()).close()
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE meta SET value = 99 WHERE name = 'schema'")
    with pytest.raises(StorageError, match="schema 99"):
        await SqliteStore(db_path).start()
