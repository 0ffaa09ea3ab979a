"""watch: initial state, resume, 410, selector transitions, bookmarks, timeout, clean close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from fakekapi.admission.chain import install
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import DeleteOptions, ListOptions
from fakekapi.registry.registry import Registry, WatchEvent
from fakekapi.store.memory import MemoryStore
from registry.registry_helpers import CONFIGMAPS, PODS, W, configmap, pod


async def _next(it: AsyncIterator[WatchEvent], timeout: float = 2.0) -> WatchEvent:
    return await asyncio.wait_for(anext(it), timeout)


def _names(events: list[WatchEvent]) -> list[tuple[str, str]]:
    return [(e.type, e.object["metadata"]["name"]) for e in events]


async def test_initial_events_then_changes(registry: Registry) -> None:
    await registry.create(CONFIGMAPS, "default", configmap("a"), W)
    await registry.create(CONFIGMAPS, "default", configmap("b"), W)
    for rv in ("", "0"):
        it = registry.watch(CONFIGMAPS, "default", ListOptions(resource_version=rv))
        got = [await _next(it), await _next(it)]
        assert _names(got) == [("ADDED", "a"), ("ADDED", "b")]
        assert got[0].object["kind"] == "ConfigMap"
        await registry.update(CONFIGMAPS, "default", "a", configmap("a", x="1"), W)
        ev = await _next(it)
        assert (ev.type, ev.object["data"]) == ("MODIFIED", {"x": "1"})
        await it.aclose()  # type: ignore[attr-defined]
        await registry.update(CONFIGMAPS, "default", "a", configmap("a"), W)


async def test_resume_from_resource_version(registry: Registry) -> None:
    await registry.create(CONFIGMAPS, "default", configmap("a"), W)
    listed = await registry.list(CONFIGMAPS, "default", ListOptions())
    rv = listed["metadata"]["resourceVersion"]
    await registry.create(CONFIGMAPS, "default", configmap("b"), W)
    await registry.delete(CONFIGMAPS, "default", "a", DeleteOptions())
    it = registry.watch(CONFIGMAPS, "default", ListOptions(resource_version=rv))
    got = [await _next(it), await _next(it)]
    assert _names(got) == [("ADDED", "b"), ("DELETED", "a")]
    assert got[1].object["metadata"]["resourceVersion"] == str(registry.store.revision)
    await it.aclose()  # type: ignore[attr-defined]


async def test_too_old_resource_version() -> None:
    store = MemoryStore(history_min_events=1, history_min_seconds=0)
    from registry.registry_helpers import CATALOG, NAMESPACES

    reg = install(Registry(store, CATALOG))
    await reg.create(NAMESPACES, "", {"metadata": {"name": "default"}}, W)
    for i in range(5):
        await reg.create(CONFIGMAPS, "default", configmap(f"c{i}"), W)
    it = reg.watch(CONFIGMAPS, "default", ListOptions(resource_version="1"))
    ev = await _next(it)
    assert ev.type == "ERROR"
    assert ev.object == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"too old resource version: 1 ({store.oldest_revision})",
        "reason": "Expired",
        "code": 410,
    }
    with pytest.raises(StopAsyncIteration):
        await _next(it)
    await store.close()


async def test_selector_transitions(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web", app="x"), W)
    it = registry.watch(PODS, "default", ListOptions(label_selector="app=y", resource_version=""))
    relabel = pod("web", app="y")
    await registry.update(PODS, "default", "web", relabel, W)
    ev = await _next(it)
    assert _names([ev]) == [("ADDED", "web")]
    await registry.update(PODS, "default", "web", pod("web", app="z"), W)
    ev = await _next(it)
    assert _names([ev]) == [("DELETED", "web")]
    assert ev.object["metadata"]["labels"] == {"app": "y"}  # the last matching state
    assert ev.object["metadata"]["resourceVersion"] == str(registry.store.revision)
    await it.aclose()  # type: ignore[attr-defined]


async def test_field_selector_watch(registry: Registry) -> None:
    it = registry.watch(
        CONFIGMAPS, "default", ListOptions(field_selector="metadata.name=b", resource_version="0")
    )
    await registry.create(CONFIGMAPS, "default", configmap("a"), W)
    await registry.create(CONFIGMAPS, "default", configmap("b"), W)
    ev = await _next(it)
    assert _names([ev]) == [("ADDED", "b")]
    await it.aclose()  # type: ignore[attr-defined]


async def test_name_selected_watch_sees_only_that_objects_changes(registry: Registry) -> None:
    """Changes to other keys are skipped before decoding: the same events as matching each."""
    selector = "metadata.namespace=default,metadata.name=b"
    since = str(registry.store.revision)
    it = registry.watch(
        CONFIGMAPS, "default", ListOptions(field_selector=selector, resource_version=since)
    )
    for name in ("a", "bb", "b", "ab"):
        await registry.create(CONFIGMAPS, "default", configmap(name), W)
    for name in ("bb", "b", "a"):
        await registry.update(CONFIGMAPS, "default", name, configmap(name, k="v"), W)
    for name in ("a", "bb", "b"):
        await registry.delete(CONFIGMAPS, "default", name, DeleteOptions())
    events = [await _next(it) for _ in range(3)]
    assert _names(events) == [("ADDED", "b"), ("MODIFIED", "b"), ("DELETED", "b")]
    await it.aclose()  # type: ignore[attr-defined]


async def test_bad_options_raise_before_streaming(registry: Registry) -> None:
    with pytest.raises(StatusError) as e:
        registry.watch(PODS, "default", ListOptions(label_selector="a in b"))
    assert e.value.code == 400
    with pytest.raises(StatusError) as e:
        registry.watch(
            PODS,
            "default",
            ListOptions(send_initial_events=True, resource_version_match="NotOlderThan"),
        )
    assert e.value.code == 422


async def test_bookmarks_and_timeout(registry: Registry) -> None:
    registry.bookmark_interval = 0.1
    await registry.create(CONFIGMAPS, "default", configmap("a"), W)
    rv = str(registry.store.revision)
    it = registry.watch(
        CONFIGMAPS,
        "default",
        ListOptions(resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=3),
    )
    ev = await _next(it)
    assert ev == WatchEvent(
        "BOOKMARK", {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"resourceVersion": rv}}
    )
    await it.aclose()  # type: ignore[attr-defined]
    quiet = registry.watch(
        CONFIGMAPS, "default", ListOptions(resource_version=rv, timeout_seconds=1)
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(StopAsyncIteration):
        await _next(quiet, 3)
    assert 0.9 < loop.time() - started < 2


async def test_the_callers_deadline_ends_the_watch_after_a_last_bookmark(
    registry: Registry,
) -> None:
    """Without timeoutSeconds the request's own deadline (the server's one draw of the watch's
    length) ends the stream, with kube's last bookmark two seconds before it; a watch with
    neither runs until it is closed."""
    rv = str(registry.store.revision)
    opts = ListOptions(resource_version=rv, allow_watch_bookmarks=True)
    it = registry.watch(CONFIGMAPS, "default", opts, timeout=2.3)
    assert (await _next(it, 5)).type == "BOOKMARK"
    with pytest.raises(StopAsyncIteration):
        await _next(it, 5)
    registry.bookmark_interval = 0.05
    endless = registry.watch(CONFIGMAPS, "default", opts)
    for _ in range(3):
        assert (await _next(endless, 5)).type == "BOOKMARK"
    await endless.aclose()  # type: ignore[attr-defined]


async def test_no_bookmarks_unless_asked(registry: Registry) -> None:
    registry.bookmark_interval = 0.05
    it = registry.watch(CONFIGMAPS, "default", ListOptions(resource_version="1", timeout_seconds=1))
    with pytest.raises(StopAsyncIteration):
        await _next(it, 3)


async def test_closing_mid_wait_leaks_nothing(registry: Registry) -> None:
    it = registry.watch(CONFIGMAPS, "", ListOptions(resource_version="1"))
    task = asyncio.ensure_future(anext(it))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await it.aclose()  # type: ignore[attr-defined]
    assert registry.store.watch_count == 0  # type: ignore[attr-defined]


async def test_a_name_selected_watch_is_not_handed_other_names_but_bookmarks_pass_them(
    registry: Registry,
) -> None:
    """The store leaves other names' changes out of a watch of one name (nothing queued, no
    wake-up), remembering how far they went: a bookmark carries the last revision passed over,
    from the backlog of a resumed watch as from live writes."""
    store = registry.store
    start = store.revision
    await registry.create(CONFIGMAPS, "default", configmap("a"), W)
    in_backlog = store.revision
    watch = store.watch("/core/configmaps/", start, "b")
    assert watch.poll() is None and watch.passed_over == in_backlog
    await registry.create(CONFIGMAPS, "default", configmap("ab"), W)
    assert watch.poll() is None and watch.passed_over == store.revision
    await registry.create(CONFIGMAPS, "default", configmap("b"), W)
    got = watch.poll()
    assert got is not None and got.key == "/core/configmaps/default/b"
    watch.stop()

    registry.bookmark_interval = 0.1
    await registry.create(CONFIGMAPS, "default", configmap("c"), W)
    last = str(store.revision)
    it = registry.watch(
        CONFIGMAPS,
        "default",
        ListOptions(
            field_selector="metadata.name=b",
            resource_version=str(in_backlog),
            allow_watch_bookmarks=True,
        ),
    )
    first = await _next(it)
    assert _names([first]) == [("ADDED", "b")]
    bookmark = await _next(it)
    assert bookmark.type == "BOOKMARK"
    assert bookmark.object["metadata"]["resourceVersion"] == last
    await it.aclose()  # type: ignore[attr-defined]
