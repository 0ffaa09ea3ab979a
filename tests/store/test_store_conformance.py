"""The Store contract (fakekapi/store/base.py), run against every implementation."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from fakekapi.store.base import (
    Event,
    KeyExistsError,
    KeyNotFoundError,
    RevisionConflict,
    TooOldError,
    Watch,
)
from fakekapi.store.memory import MemoryStore
from fakekapi.store.sqlite import SqliteStore

AnyStore = MemoryStore | SqliteStore
StoreFactory = Callable[..., Awaitable[AnyStore]]

CM = "/core/configmaps/"


def cm(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


async def take(watch: Watch, n: int, timeout: float = 5.0) -> list[Event]:
    """The next n events of a watch (fails the test if they do not come)."""
    out: list[Event] = []

    async def collect() -> None:
        async for event in watch:
            out.append(event)
            if len(out) == n:
                return

    await asyncio.wait_for(collect(), timeout)
    return out


async def nothing_more(watch: Watch) -> None:
    """No event is pending on the watch (after letting the loop run)."""
    for _ in range(3):
        await asyncio.sleep(0)
    it = watch.__aiter__()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(it.__anext__(), 0.05)


# -- create / get ---------------------------------------------------------------------------------


async def test_new_store_is_empty(store: AnyStore) -> None:
    assert store.revision == 0
    assert store.oldest_revision == 0
    assert store.get(CM + "default/a") is None
    assert store.list("/") == ([], 0)


async def test_create_stamps_resource_version_and_copies_input(store: AnyStore) -> None:
    given = cm("a", x="1")
    obj, rev = await store.create(CM + "default/a", given)
    assert rev == 1 == store.revision
    assert obj["metadata"] == {"name": "a", "resourceVersion": "1"}
    assert obj["data"] == {"x": "1"}
    assert "resourceVersion" not in given["metadata"], "the caller's object is not changed"
    given["data"]["x"] = "changed later"
    got = store.get(CM + "default/a")
    assert got is not None
    assert got[1] == 1
    assert got[0]["data"] == {"x": "1"}, "the store keeps its own copy"
    assert got[0] == obj


async def test_written_objects_are_the_callers_own(store: AnyStore) -> None:
    """What create, update and delete return is decoded afresh: changing it changes nothing
    stored (the registry hands it out without copying it again)."""
    created, r1 = await store.create(CM + "default/a", cm("a", x="1"))
    created["data"]["x"] = "changed"
    updated, _ = await store.update(CM + "default/a", cm("a", x="2"))
    updated["data"]["x"] = "changed"
    got = store.get(CM + "default/a")
    assert got is not None
    assert got[0]["data"] == {"x": "2"}
    last, _ = await store.delete(CM + "default/a")
    last["data"]["x"] = "changed"
    watch = store.watch(CM, r1 - 1)
    try:
        events = await take(watch, 3)
        assert [e.object["data"]["x"] for e in events] == ["1", "2", "2"]
    finally:
        watch.stop()


async def test_create_without_metadata(store: AnyStore) -> None:
    obj, rev = await store.create("/core/namespaces/ns1", {"kind": "Namespace"})
    assert obj == {"kind": "Namespace", "metadata": {"resourceVersion": str(rev)}}


async def test_create_existing_key_fails(store: AnyStore) -> None:
    await store.create(CM + "default/a", cm("a"))
    with pytest.raises(KeyExistsError) as e:
        await store.create(CM + "default/a", cm("a", x="2"))
    assert e.value.key == CM + "default/a"
    assert store.revision == 1, "a refused write takes no revision"
    got = store.get(CM + "default/a")
    assert got is not None and got[0]["data"] == {}


async def test_non_json_value_is_refused_without_a_revision(store: AnyStore) -> None:
    with pytest.raises(TypeError):
        await store.create(CM + "default/a", {"metadata": {}, "data": {1: object()}})
    assert store.revision == 0 and store.get(CM + "default/a") is None
    assert await store.sync() == 0


# -- update ---------------------------------------------------------------------------------------


async def test_update(store: AnyStore) -> None:
    _, r1 = await store.create(CM + "default/a", cm("a", x="1"))
    obj, r2 = await store.update(CM + "default/a", cm("a", x="2"), expected_revision=r1)
    assert r2 == r1 + 1
    assert obj["metadata"]["resourceVersion"] == str(r2)
    assert store.get(CM + "default/a") == (obj, r2)
    obj3, r3 = await store.update(CM + "default/a", cm("a", x="3"))  # unconditional
    assert r3 == r2 + 1 and obj3["data"] == {"x": "3"}


async def test_update_overrides_stale_resource_version_in_body(store: AnyStore) -> None:
    await store.create(CM + "default/a", cm("a"))
    body = cm("a", x="2")
    body["metadata"]["resourceVersion"] = "999"
    obj, r2 = await store.update(CM + "default/a", body)
    assert obj["metadata"]["resourceVersion"] == str(r2)
    assert body["metadata"]["resourceVersion"] == "999"


async def test_update_conflict(store: AnyStore) -> None:
    _, r1 = await store.create(CM + "default/a", cm("a"))
    await store.update(CM + "default/a", cm("a", x="2"))
    with pytest.raises(RevisionConflict) as e:
        await store.update(CM + "default/a", cm("a", x="3"), expected_revision=r1)
    assert (e.value.key, e.value.expected, e.value.actual) == (CM + "default/a", r1, r1 + 1)
    assert store.revision == r1 + 1
    got = store.get(CM + "default/a")
    assert got is not None and got[0]["data"] == {"x": "2"}


async def test_update_missing_key(store: AnyStore) -> None:
    with pytest.raises(KeyNotFoundError):
        await store.update(CM + "default/nope", cm("nope"))
    with pytest.raises(KeyNotFoundError):
        await store.update(CM + "default/nope", cm("nope"), expected_revision=1)
    assert store.revision == 0


# -- delete ---------------------------------------------------------------------------------------


async def test_delete_returns_last_state_at_deletion_revision(store: AnyStore) -> None:
    created, r1 = await store.create(CM + "default/a", cm("a", x="1"))
    last, r2 = await store.delete(CM + "default/a")
    assert r2 == r1 + 1 == store.revision
    assert last["metadata"]["resourceVersion"] == str(r2)
    assert last["data"] == {"x": "1"}
    assert created["metadata"]["resourceVersion"] == str(r1), "stored objects are never mutated"
    assert store.get(CM + "default/a") is None
    assert store.list(CM) == ([], r2)
    again, r3 = await store.create(CM + "default/a", cm("a", x="new"))
    assert r3 == r2 + 1 and again["data"] == {"x": "new"}


async def test_delete_missing_and_conflict(store: AnyStore) -> None:
    with pytest.raises(KeyNotFoundError):
        await store.delete(CM + "default/a")
    _, r1 = await store.create(CM + "default/a", cm("a"))
    with pytest.raises(RevisionConflict):
        await store.delete(CM + "default/a", expected_revision=r1 + 5)
    assert store.get(CM + "default/a") is not None
    _, r2 = await store.delete(CM + "default/a", expected_revision=r1)
    assert r2 == r1 + 1


# -- revisions ------------------------------------------------------------------------------------


async def test_revisions_strictly_increase_across_keys(store: AnyStore) -> None:
    seen = []
    for i in range(5):
        seen.append((await store.create(f"{CM}ns{i % 2}/c{i}", cm(f"c{i}")))[1])
        seen.append((await store.create(f"/apps/deployments/ns/d{i}", {"kind": "Deployment"}))[1])
        seen.append((await store.update(f"{CM}ns{i % 2}/c{i}", cm(f"c{i}", v="2")))[1])
    seen.append((await store.delete(f"{CM}ns0/c0"))[1])
    assert seen == list(range(1, len(seen) + 1))
    assert store.revision == seen[-1]
    got = store.get("/apps/deployments/ns/d4")
    assert got is not None and got[1] == 14


async def test_concurrent_writes_get_distinct_revisions(store: AnyStore) -> None:
    results = await asyncio.gather(*(store.create(f"{CM}ns/c{i:03}", cm("c")) for i in range(60)))
    revisions = sorted(rev for _, rev in results)
    assert revisions == list(range(1, 61))
    for obj, rev in results:
        assert obj["metadata"]["resourceVersion"] == str(rev)


# -- list -----------------------------------------------------------------------------------------


async def test_list_sorted_prefix_and_start_after(store: AnyStore) -> None:
    names = ["b", "a", "c", "aa", "a-b"]
    for ns in ["ab", "a", "b"]:
        for n in names:
            await store.create(f"{CM}{ns}/{n}", cm(n))
    await store.create("/core/configmapsx/a/z", cm("z"))
    await store.create("/core/namespaces/a", {"kind": "Namespace"})

    items, rev = store.list(CM + "a/")
    assert rev == store.revision
    assert [k for k, _, _ in items] == [f"{CM}a/{n}" for n in sorted(names)]
    for key, obj, mod in items:
        assert obj["metadata"]["resourceVersion"] == str(mod)
        assert store.get(key) == (obj, mod)

    keys_all_ns = [k for k, _, _ in store.list(CM)[0]]
    assert keys_all_ns == sorted(f"{CM}{ns}/{n}" for ns in ["ab", "a", "b"] for n in names)

    after, _ = store.list(CM, start_after=f"{CM}a/b")
    assert [k for k, _, _ in after] == keys_all_ns[keys_all_ns.index(f"{CM}a/b") + 1 :]
    after_missing, _ = store.list(CM + "a/", start_after=f"{CM}a/ab")  # not a stored key
    assert [k for k, _, _ in after_missing] == [f"{CM}a/b", f"{CM}a/c"]
    assert store.list(CM + "a/", start_after=f"{CM}a/c")[0] == []
    assert store.list(CM + "zz/")[0] == []
    assert store.list("/nothing/here/")[0] == []


async def test_list_wider_than_one_resource(store: AnyStore) -> None:
    keys = [
        "/core/pods/ns/p",
        "/core/configmaps/ns/c",
        "/core/namespaces/ns",
        "/apps/deployments/ns/d",
        "/core/configmaps/other/c",
        "/rbac.authorization.k8s.io/clusterroles/admin",
    ]
    for key in keys:
        await store.create(key, {"kind": "X"})
    assert [k for k, _, _ in store.list("/")[0]] == sorted(keys)
    assert [k for k, _, _ in store.list("/core/")[0]] == sorted(k for k in keys if "/core/" in k)
    after = [k for k, _, _ in store.list("/", start_after="/core/configmaps/ns/c")[0]]
    assert after == [k for k in sorted(keys) if k > "/core/configmaps/ns/c"]


async def test_list_matches_a_sorted_scan(store: AnyStore) -> None:
    """Random creates and deletes over a few resources: list() equals filtering a sorted copy."""
    rng = random.Random(7)
    live: set[str] = set()
    resources = ["/core/pods/", "/core/configmaps/", "/apps/deployments/", "/core/nodes/"]
    for _ in range(400):
        res = rng.choice(resources)
        key = res + (
            f"n{rng.randrange(40)}"
            if res == "/core/nodes/"
            else f"ns{rng.randrange(4)}/o{rng.randrange(30)}"
        )
        if key in live and rng.random() < 0.4:
            await store.delete(key)
            live.discard(key)
        elif key not in live:
            await store.create(key, {"k": key})
            live.add(key)
    every = sorted(live)
    prefixes = ["/", "/core/", "/core/p", *resources, "/core/pods/ns1/", "/core/pods/ns1/o1"]
    for prefix in prefixes:
        expected = [k for k in every if k.startswith(prefix)]
        assert [k for k, _, _ in store.list(prefix)[0]] == expected, prefix
        for start_after in [rng.choice(every), prefix + "o15", "/zzz", ""]:
            got = [k for k, _, _ in store.list(prefix, start_after)[0]]
            assert got == [k for k in expected if k > start_after], (prefix, start_after)


# -- watch ----------------------------------------------------------------------------------------


async def test_watch_from_a_revision_sees_only_later_events(store: AnyStore) -> None:
    _, r1 = await store.create(CM + "ns/a", cm("a", v="1"))
    obj2, r2 = await store.update(CM + "ns/a", cm("a", v="2"))
    watch = store.watch(CM, r1)
    try:
        obj3, r3 = await store.update(CM + "ns/a", cm("a", v="3"))
        last, r4 = await store.delete(CM + "ns/a")
        events = await take(watch, 3)
        assert [(e.type, e.revision) for e in events] == [
            ("MODIFIED", r2),
            ("MODIFIED", r3),
            ("DELETED", r4),
        ]
        assert events[0].object == obj2 and events[0].prev is not None
        assert events[0].prev["data"] == {"v": "1"}
        assert events[1].object == obj3 and events[1].prev == obj2
        assert events[2].object == last and events[2].prev == obj3
        assert events[2].object["metadata"]["resourceVersion"] == str(r4)
        await nothing_more(watch)
    finally:
        watch.stop()


async def test_watch_from_current_revision_gets_future_events(store: AnyStore) -> None:
    await store.create(CM + "ns/old", cm("old"))
    watch = store.watch("/", store.revision)
    try:
        await nothing_more(watch)
        obj, rev = await store.create(CM + "ns/new", cm("new"))
        (event,) = await take(watch, 1)
        assert (event.type, event.key, event.object, event.prev, event.revision) == (
            "ADDED",
            CM + "ns/new",
            obj,
            None,
            rev,
        )
    finally:
        watch.stop()


async def test_watch_from_zero_replays_everything_retained(store: AnyStore) -> None:
    for i in range(5):
        await store.create(f"{CM}ns/c{i}", cm("c"))
    watch = store.watch(CM, 0)
    try:
        events = await take(watch, 5)
        assert [e.revision for e in events] == [1, 2, 3, 4, 5]
    finally:
        watch.stop()


async def test_watch_only_its_prefix(store: AnyStore) -> None:
    ns_a = store.watch(CM + "a/", 0)
    cms = store.watch(CM, 0)
    core = store.watch("/core/", 0)
    try:
        await store.create(CM + "a/x", cm("x"))
        await store.create(CM + "ab/x", cm("x"))  # "ab/" does not start with "a/"
        await store.create("/core/secrets/a/x", {"kind": "Secret"})
        await store.create("/apps/deployments/a/x", {"kind": "Deployment"})
        await store.create(CM + "a/y", cm("y"))
        assert [e.key for e in await take(ns_a, 2)] == [CM + "a/x", CM + "a/y"]
        assert [e.revision for e in await take(cms, 3)] == [1, 2, 5]
        assert [e.revision for e in await take(core, 4)] == [1, 2, 3, 5]
        for w in (ns_a, cms, core):
            await nothing_more(w)
    finally:
        for w in (ns_a, cms, core):
            w.stop()


async def test_too_old(make_store: StoreFactory) -> None:
    store = await make_store(history_min_events=5, history_min_seconds=0.0)
    for i in range(20):
        await store.create(f"{CM}ns/c{i}", cm("c"))
    oldest = store.oldest_revision
    assert 0 < oldest <= 15
    with pytest.raises(TooOldError) as e:
        store.watch(CM, oldest - 1)
    assert (e.value.requested, e.value.oldest) == (oldest - 1, oldest)
    with pytest.raises(TooOldError):
        store.watch(CM, 0)
    watch = store.watch(CM, oldest)
    try:
        events = await take(watch, 20 - oldest)
        assert [e.revision for e in events] == list(range(oldest + 1, 21))
    finally:
        watch.stop()


async def test_bulk_load_keeps_its_last_changes(make_store: StoreFactory) -> None:
    """A bulk load (fixtures before serving) leaves only its last changes in the history, however
    young: a watch from before them is too old, one from among them resumes; afterwards the
    history keeps everything in its window again."""
    store = await make_store(history_min_seconds=3600.0)
    await store.create(CM + "ns/before", cm("before"))
    live = store.watch(CM, store.revision)
    try:
        with store.bulk_load(keep=5):
            for i in range(30):
                await store.create(f"{CM}ns/c{i}", cm("c"))
        loaded = store.revision
        assert store.oldest_revision == loaded - 5
        with pytest.raises(TooOldError):
            store.watch(CM, 1)
        resumed = store.watch(CM, store.oldest_revision)
        try:
            events = await take(resumed, loaded - store.oldest_revision)
            assert events[-1].revision == loaded
        finally:
            resumed.stop()
        # Open watches had every change.
        assert len(await take(live, loaded - 1)) == loaded - 1
        for i in range(10):
            await store.create(f"{CM}ns/after{i}", cm("after"))
        assert store.oldest_revision == loaded - 5
    finally:
        live.stop()


async def test_history_keeps_recent_events_by_age(make_store: StoreFactory) -> None:
    store = await make_store(history_min_events=2, history_min_seconds=3600.0)
    for i in range(50):
        await store.create(f"{CM}ns/c{i}", cm("c"))
    assert store.oldest_revision == 0, "nothing is older than an hour"
    watch = store.watch(CM, 0)
    watch.stop()


async def test_history_is_bounded_by_bytes(make_store: StoreFactory) -> None:
    """Within the window, the byte cap still drops old versions (300 updates of a big object)."""
    store = await make_store(
        history_min_events=1, history_min_seconds=3600.0, history_max_bytes=100_000
    )
    await store.create(CM + "ns/big", cm("big"))
    for i in range(50):
        await store.update(CM + "ns/big", cm("big", v=str(i) * 10_000))
    assert store.history_bytes <= 100_000
    assert store.oldest_revision > 1
    with pytest.raises(TooOldError):
        store.watch(CM, 0)


async def test_history_past_the_window_keeps_a_small_floor(make_store: StoreFactory) -> None:
    now = [0.0]
    store = await make_store(
        history_min_events=3,
        history_min_seconds=10.0,
        history_min_bytes=1_000_000,
        clock=lambda: now[0],
    )
    for i in range(20):
        await store.create(f"{CM}ns/c{i:02}", cm("c"))
    assert store.oldest_revision == 0, "all within the window"
    now[0] = 11.0
    assert store.compact() > 0, "an idle store drops what left the window"
    assert store.oldest_revision == 17, "the newest few are kept for resumes"


# -- raw bytes and past states --------------------------------------------------------------------


async def test_raw_reads_are_the_stored_bytes(store: AnyStore) -> None:
    obj, rev = await store.create(CM + "ns/a", cm("a", x="<&>"))
    raw = store.get_raw(CM + "ns/a")
    assert raw is not None and raw[1] == rev
    assert orjson.loads(raw[0]) == obj
    assert raw[0] == orjson.dumps(obj), "the bytes orjson makes of the object, made once"
    assert store.revision_of(CM + "ns/a") == rev and store.revision_of(CM + "ns/b") is None
    items, current = store.list_raw(CM)
    assert items == [(CM + "ns/a", raw[0], rev)] and current == rev
    got = store.get(CM + "ns/a")
    assert got is not None
    got[0]["data"]["x"] = "changed"
    assert store.get(CM + "ns/a") == (obj, rev), "get hands out a fresh copy"
    watch = store.watch(CM, 0)
    try:
        (event,) = await take(watch, 1)
        assert event.data == raw[0] and event.object == obj
    finally:
        watch.stop()


async def test_list_at_a_past_revision(store: AnyStore) -> None:
    """The state at revision r, whatever happened since: creations gone, updates undone,
    deletions back; keys after start_after only; the list's revision is r."""
    for name in "abcd":
        await store.create(f"{CM}ns/{name}", cm(name, v="1"))
    _, then = await store.update(CM + "ns/b", cm("b", v="2"))
    before = store.list_raw(CM)[0]
    await store.update(CM + "ns/b", cm("b", v="3"))
    await store.delete(CM + "ns/c")
    await store.create(CM + "ns/bb", cm("bb"))
    await store.create(CM + "ns/e", cm("e"))
    await store.delete(CM + "ns/a")
    await store.create(CM + "ns/a", cm("a", v="again"))
    assert store.list_raw(CM, revision=then) == (before, then)
    assert store.list_raw(CM, CM + "ns/b", revision=then) == (before[2:], then)
    assert store.list_raw("/core/secrets/", revision=then) == ([], then)
    now = store.list_raw(CM)
    assert store.list_raw(CM, revision=store.revision) == now
    assert [k for k, _, _ in now[0]] == [f"{CM}ns/{n}" for n in ("a", "b", "bb", "d", "e")]


async def test_repack_keeps_every_object_and_the_history(store: AnyStore) -> None:
    for i in range(5):
        await store.create(f"{CM}ns/c{i}", cm(f"c{i}", v=str(i)))
    await store.update(CM + "ns/c1", cm("c1", v="new"))
    before = store.list_raw(CM)
    past = store.list_raw(CM, revision=3)
    store.repack()
    assert store.list_raw(CM) == before
    assert store.list_raw(CM, revision=3) == past
    watch = store.watch(CM, 0)
    try:
        assert [e.revision for e in await take(watch, 6)] == list(range(1, 7))
    finally:
        watch.stop()


async def test_list_before_the_history_is_too_old(make_store: StoreFactory) -> None:
    store = await make_store(history_min_events=2, history_min_seconds=0.0)
    for i in range(10):
        await store.create(f"{CM}ns/c{i}", cm("c"))
    with pytest.raises(TooOldError):
        store.list_raw(CM, revision=store.oldest_revision - 1)
    items, rev = store.list_raw(CM, revision=store.oldest_revision)
    assert rev == store.oldest_revision and len(items) == rev


async def test_many_watchers(store: AnyStore) -> None:
    namespaces = [f"ns{i}" for i in range(10)]
    prefixes = [CM + ns + "/" for ns in namespaces] + [CM, "/core/", "/", "/apps/deployments/"]
    watches = [(p, store.watch(p, store.revision)) for p in prefixes for _ in range(12)]
    assert len(watches) >= 150
    try:
        keys = []
        for i in range(200):
            ns = namespaces[i % len(namespaces)]
            key = f"{CM}{ns}/c{i}" if i % 3 else f"/apps/deployments/{ns}/d{i}"
            await store.create(key, {"i": i})
            keys.append(key)
        for prefix, watch in watches:
            expected = [k for k in keys if k.startswith(prefix)]
            got = await take(watch, len(expected))
            assert [e.key for e in got] == expected
            assert [e.revision for e in got] == sorted(e.revision for e in got)
    finally:
        for _, watch in watches:
            watch.stop()


async def test_stop_ends_iteration(store: AnyStore) -> None:
    watch = store.watch(CM, 0)
    received: list[Event] = []

    async def consume() -> None:
        async for event in watch:
            received.append(event)

    task = asyncio.create_task(consume())
    await store.create(CM + "ns/a", cm("a"))
    for _ in range(50):
        if received:
            break
        await asyncio.sleep(0.01)
    watch.stop()
    await asyncio.wait_for(task, 2)
    watch.stop()  # idempotent
    assert [e.revision for e in received] == [1]
    await store.create(CM + "ns/b", cm("b"))
    assert [e async for e in watch] == []


async def test_stop_drops_queued_events(store: AnyStore) -> None:
    watch = store.watch(CM, 0)
    await store.create(CM + "ns/a", cm("a"))
    watch.stop()
    assert [e async for e in watch] == []


async def test_close_ends_every_watch(make_store: StoreFactory) -> None:
    store = await make_store()
    watches = [store.watch("/", 0) for _ in range(3)]
    tasks = [asyncio.create_task(_drain(w)) for w in watches]
    await asyncio.sleep(0)
    await store.close()
    assert await asyncio.wait_for(asyncio.gather(*tasks), 2) == [0, 0, 0]


async def test_slow_watcher_is_ended(make_store: StoreFactory) -> None:
    store = await make_store(max_watch_queue=3)
    slow = store.watch(CM, 0)
    for i in range(5):
        await store.create(f"{CM}ns/c{i}", cm("c"))
    assert [e async for e in slow] == [], "a watcher that fell behind is ended"
    resumed = store.watch(CM, 0)
    try:
        assert [e.revision for e in await take(resumed, 3)] == [1, 2, 3]
    finally:
        resumed.stop()


async def _drain(watch: Watch) -> int:
    return len([e async for e in watch])
