"""The informer and worker machinery on their own, with a scripted stand-in registry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, cast

import pytest

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.client.informer import Informer
from fakekapi.client.workqueue import WorkQueue
from fakekapi.controllers.base import Controller
from fakekapi.controllers.namespace import (
    ContentTotals,
    deletable_types,
    new_conditions,
    update_conditions,
)
from fakekapi.core.errors import StatusError, expired
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.generic.options import ListOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore

RT = ResourceType(
    group="",
    version="v1",
    plural="things",
    kind="Thing",
    singular="thing",
    namespaced=True,
    verbs=("delete", "deletecollection", "get", "list", "watch"),
)


@dataclass
class Ev:
    type: str
    object: dict[str, Any]


def obj(name: str, rv: int) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": str(rv)}}


class Scripted:
    """list() answers and watch() streams, one per call; a None stream blocks until cancelled."""

    def __init__(self, lists: list[Any], watches: list[Any]) -> None:
        self.lists = lists
        self.watches = watches
        self.watched_from: list[str] = []

    async def list(
        self,
        rt: ResourceType,
        namespace: str,
        opts: ListOptions,
        *,
        each: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        answer = self.lists.pop(0)
        if isinstance(answer, Exception):
            raise answer
        items, rv = answer
        if each is not None:
            for item in items:
                each(item)
        return {"items": items, "metadata": {"resourceVersion": str(rv)}}

    def watch(self, rt: ResourceType, namespace: str, opts: ListOptions) -> AsyncIterator[Ev]:
        self.watched_from.append(opts.resource_version)
        script = self.watches.pop(0) if self.watches else None
        return self._stream(script)

    async def _stream(self, script: Any) -> AsyncIterator[Ev]:
        if script is None:
            await asyncio.Event().wait()
        if isinstance(script, Exception):
            raise script
        for ev in script:
            yield ev


async def run_informer(fake: Scripted, until: Any) -> list[tuple[str | None, str | None]]:
    informer = Informer(cast(Any, fake), RT)
    seen: list[tuple[str | None, str | None]] = []

    def record(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        seen.append(
            (old["metadata"]["name"] if old else None, new["metadata"]["name"] if new else None)
        )

    informer.add_handler(record)
    task = asyncio.create_task(informer.run())
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2
        while not until(fake, informer) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        assert until(fake, informer)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    return seen


async def test_expired_watch_event_relists_and_diffs_the_cache() -> None:
    gone = {
        "kind": "Status",
        "code": 410,
        "reason": "Expired",
        "message": "too old resource version",
    }
    fake = Scripted(
        lists=[([obj("a", 1)], 1), ([obj("b", 2), obj("c", 4)], 4)],
        watches=[[Ev("ADDED", obj("b", 2)), Ev("BOOKMARK", obj("", 3)), Ev("ERROR", gone)]],
    )
    seen = await run_informer(fake, lambda f, i: len(f.watched_from) >= 2)
    assert fake.watched_from == ["1", "4"]
    assert seen == [(None, "a"), (None, "b"), (None, "c"), ("a", None)]


async def test_raised_410_relists_and_ended_watches_resume() -> None:
    fake = Scripted(
        lists=[([obj("a", 1)], 1), ([obj("a", 5)], 5)],
        watches=[
            [Ev("MODIFIED", obj("a", 2))],  # ends normally: resume from 2
            [Ev("DELETED", obj("a", 3))],
            expired("too old resource version: 3 (4)"),
        ],
    )
    seen = await run_informer(fake, lambda f, i: len(f.watched_from) >= 4)
    assert fake.watched_from == ["1", "2", "3", "5"]
    assert seen == [(None, "a"), ("a", "a"), ("a", None), (None, "a")]


async def test_informer_survives_errors() -> None:
    fake = Scripted(lists=[RuntimeError("boom"), ([obj("a", 1)], 1)], watches=[])
    seen = await run_informer(fake, lambda f, i: i.synced.is_set())
    assert seen == [(None, "a")]


class Flaky(Controller):
    name = "flaky"

    def __init__(self) -> None:
        super().__init__(cast(Any, None), [])
        self.calls: list[str] = []

    async def sync(self, key: str) -> float | None:
        self.calls.append(key)
        if len(self.calls) < 3:
            raise StatusError(500, "InternalError", "not yet")
        return None


async def test_worker_retries_failed_keys() -> None:
    c = Flaky()
    task = asyncio.create_task(c.run())
    c.queue.add("k")
    try:
        for _ in range(200):
            if len(c.calls) >= 3 and c.queue.idle():
                break
            await asyncio.sleep(0.01)
        assert c.calls == ["k", "k", "k"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        c.queue.shutdown()


async def test_queue_dedupes_and_reprocesses_keys_added_while_busy() -> None:
    q = WorkQueue()
    q.add("a")
    q.add("a")
    q.add("b")
    assert len(q) == 2
    assert await q.get() == "a"
    q.add("a")  # while processing: comes back after done()
    assert len(q) == 1
    q.done("a")
    assert await q.get() == "b"
    q.done("b")
    assert await q.get() == "a"
    q.done("a")
    assert q.idle()


def test_deletable_types_one_version_each() -> None:
    v2 = RT._replace(version="v2")
    cluster = RT._replace(plural="globals", namespaced=False)
    create_only = RT._replace(plural="reviews", verbs=("create",))
    assert deletable_types([RT, v2, cluster, create_only]) == [RT]


def test_conditions_follow_kube() -> None:
    status: dict[str, Any] = {"phase": "Terminating"}
    totals = ContentTotals()
    totals.remaining[("apps", "deployments")] = 2
    totals.remaining[("", "pods")] = 1
    totals.finalizers["x/y"] = 2
    assert update_conditions(status, new_conditions(totals))
    by_type = {c["type"]: c for c in status["conditions"]}
    assert [c["type"] for c in status["conditions"]] == [
        "NamespaceDeletionDiscoveryFailure",
        "NamespaceDeletionGroupVersionParsingFailure",
        "NamespaceDeletionContentFailure",
        "NamespaceContentRemaining",
        "NamespaceFinalizersRemaining",
    ]
    assert by_type["NamespaceContentRemaining"]["message"] == (
        "Some resources are remaining: deployments.apps has 2 resource instances, "
        "pods. has 1 resource instances"
    )
    assert by_type["NamespaceFinalizersRemaining"]["reason"] == "SomeFinalizersRemain"
    assert by_type["NamespaceDeletionContentFailure"] == {
        "type": "NamespaceDeletionContentFailure",
        "status": "False",
        "lastTransitionTime": by_type["NamespaceDeletionContentFailure"]["lastTransitionTime"],
        "reason": "ContentDeleted",
        "message": "All content successfully deleted, may be waiting on finalization",
    }
    assert not update_conditions(status, new_conditions(totals))
    assert update_conditions(status, new_conditions(ContentTotals()))
    assert by_type["NamespaceContentRemaining"]["status"] == "False"
    assert by_type["NamespaceFinalizersRemaining"]["message"] == (
        "All content-preserving finalizers finished"
    )


async def test_the_cache_drops_managed_fields_and_writes_of_cached_objects_keep_them() -> None:
    """As kube-controller-manager's shared informers (`WithTransform(trim)`): cached objects
    carry no managedFields, and a controller's update of one leaves the stored entries to the
    server, which keeps them (a body without managedFields keeps the live ones)."""
    catalog = Catalog.builtin()
    registry = install(Registry(MemoryStore(), catalog))
    await bootstrap(registry)
    cms = catalog.lookup("", "v1", "configmaps")
    assert cms is not None
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}}
    await registry.create(cms, "default", cm, WriteOptions(field_manager="first"))
    informer = Informer(registry, cms)
    task = asyncio.create_task(informer.run())
    try:
        await asyncio.wait_for(informer.synced.wait(), 5)
        cached = informer.get("default", "a")
        assert cached is not None and "managedFields" not in cached["metadata"]
        changed = {**cached, "data": {"k": "v", "more": "x"}}
        await registry.update(cms, "default", "a", changed, WriteOptions(field_manager="second"))
        stored = await registry.get(cms, "default", "a")
        assert [e["manager"] for e in stored["metadata"]["managedFields"]] == ["first", "second"]
        for _ in range(100):  # the watch brings the update, trimmed too
            now = informer.get("default", "a")
            if now is not None and "more" in now.get("data", {}):
                break
            await asyncio.sleep(0.01)
        assert now is not None and "more" in now["data"]
        assert "managedFields" not in now["metadata"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_a_handler_added_after_the_first_list_hears_of_every_cached_object() -> None:
    reg = Scripted([([obj("a", 1), obj("b", 2)], 2)], [None])
    inf = Informer(cast(Any, reg), RT)
    task = asyncio.create_task(inf.run())
    try:
        await asyncio.wait_for(inf.synced.wait(), 5)
        seen: list[tuple[Any, Any]] = []
        inf.add_handler(lambda old, new: seen.append((old, new)))
        assert sorted(new["metadata"]["name"] for old, new in seen if old is None) == ["a", "b"]
        assert len(seen) == 2
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
