"""The garbage collector over a Registry (MemoryStore): the three propagation policies,
cluster-scoped owners, dangling references, the registry's finalizers and kind defaults, and the
order of watch events as kube-apiserver and kube-controller-manager 1.33 produce them
(pkg/controller/garbagecollector, apiserver registry/generic/registry/store.go)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from polling import until_async

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.controllers.garbagecollector import GarbageCollector
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.base import Event
from fakekapi.store.memory import MemoryStore

CATALOG = Catalog.builtin()
W = WriteOptions(field_manager="test")
DEADLINE = 20.0


def rtype(group: str, version: str, plural: str) -> ResourceType:
    rt = CATALOG.lookup(group, version, plural)
    assert rt is not None
    return rt


CM = rtype("", "v1", "configmaps")
NS = rtype("", "v1", "namespaces")
RC = rtype("", "v1", "replicationcontrollers")
CLUSTERROLES = rtype("rbac.authorization.k8s.io", "v1", "clusterroles")


@pytest.fixture
async def registry() -> AsyncIterator[Registry]:
    store = MemoryStore()
    await store.start()
    reg = install(Registry(store, CATALOG))
    await reg.create(NS, "", {"metadata": {"name": "default"}}, W)
    gc = GarbageCollector(reg)
    task = asyncio.create_task(gc.run())
    yield reg
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    gc.queue.shutdown()
    await store.close()


def ref(owner: dict[str, Any], block: bool = False) -> dict[str, Any]:
    out = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    if block:
        out["blockOwnerDeletion"] = True
    return out


async def cm(reg: Registry, name: str, *owners: dict[str, Any]) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name}
    if owners:
        md["ownerReferences"] = list(owners)
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md}
    return (await reg.create(CM, "default", obj, W)).object


async def exists(reg: Registry, rt: ResourceType, ns: str, name: str) -> dict[str, Any] | None:
    try:
        return await reg.get(rt, ns, name)
    except StatusError as e:
        assert e.code == 404
        return None


class Recorder:
    """Every configmap event in order, as (type, name, finalizers, ownerReferences count)."""

    def __init__(self, reg: Registry) -> None:
        self.events: list[tuple[str, str]] = []
        self.watch = reg.store.watch("/core/configmaps/", reg.store.revision)
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for e in self.watch:
            self.events.append(self._describe(e))

    @staticmethod
    def _describe(e: Event) -> tuple[str, str]:
        md = e.object["metadata"]
        detail = ""
        if e.type == "MODIFIED":
            owners = len(md.get("ownerReferences") or [])
            detail = f" finalizers={md.get('finalizers', [])} owners={owners}"
        return e.type, md["name"] + detail

    async def stop(self) -> list[tuple[str, str]]:
        await asyncio.sleep(0.05)
        self.watch.stop()
        await asyncio.gather(self.task, return_exceptions=True)
        return self.events


async def test_background_owner_goes_first(registry: Registry) -> None:
    owner = await cm(registry, "owner")
    await cm(registry, "dep", ref(owner))
    rec = Recorder(registry)
    _, code = await registry.delete(
        CM, "default", "owner", DeleteOptions(propagation_policy="Background")
    )
    assert code == 200
    await until_async(lambda: _absent(registry, "dep"))
    assert await rec.stop() == [("DELETED", "owner"), ("DELETED", "dep")]


async def _absent(reg: Registry, name: str) -> bool:
    return await exists(reg, CM, "default", name) is None


async def test_foreground_waits_for_blocking_dependents(registry: Registry) -> None:
    owner = await cm(registry, "owner")
    await cm(registry, "blocking", ref(owner, block=True))
    await cm(registry, "free", ref(owner))
    rec = Recorder(registry)
    body, code = await registry.delete(
        CM, "default", "owner", DeleteOptions(propagation_policy="Foreground")
    )
    assert code == 200
    assert body["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert body["metadata"]["deletionTimestamp"]
    assert body["metadata"]["deletionGracePeriodSeconds"] == 0
    await until_async(lambda: _absent(registry, "owner"))
    assert not await exists(registry, CM, "default", "blocking")
    assert not await exists(registry, CM, "default", "free")
    events = await rec.stop()
    assert events[0] == ("MODIFIED", "owner finalizers=['foregroundDeletion'] owners=0")
    assert events[-1] == ("DELETED", "owner")
    assert sorted(events[1:-1]) == [("DELETED", "blocking"), ("DELETED", "free")]


async def test_orphan_keeps_dependents(registry: Registry) -> None:
    owner = await cm(registry, "owner")
    other = await cm(registry, "other")
    await cm(registry, "dep", ref(owner), ref(other))
    rec = Recorder(registry)
    body, code = await registry.delete(
        CM, "default", "owner", DeleteOptions(propagation_policy="Orphan")
    )
    assert code == 200 and body["metadata"]["finalizers"] == ["orphan"]
    await until_async(lambda: _absent(registry, "owner"))
    dep = await registry.get(CM, "default", "dep")
    assert dep["metadata"]["ownerReferences"] == [ref(other)]
    assert await rec.stop() == [
        ("MODIFIED", "owner finalizers=['orphan'] owners=0"),
        ("MODIFIED", "dep finalizers=[] owners=1"),
        ("DELETED", "owner"),
    ]


async def test_orphan_dependents_false_answers_202(registry: Registry) -> None:
    owner = await cm(
        registry,
        "owner",
    )
    await cm(registry, "dep", ref(owner))
    await registry.update(
        CM, "default", "owner",
        {**owner, "metadata": {**owner["metadata"], "finalizers": ["example.com/hold"]}}, W,
    )  # fmt: skip
    body, code = await registry.delete(
        CM, "default", "owner", DeleteOptions(orphan_dependents=False)
    )
    assert code == 202
    assert body["metadata"]["finalizers"] == ["example.com/hold"]


async def test_replication_controller_orphans_by_default(registry: Registry) -> None:
    rc = {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "rc"},
        "spec": {
            "selector": {"a": "b"},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }
    created = (await registry.create(RC, "default", rc, W)).object
    await cm(registry, "dep", ref(created))
    body, _ = await registry.delete(RC, "default", "rc", DeleteOptions())
    assert body["metadata"]["finalizers"] == ["orphan"]
    await until_async(lambda: _gone(registry, RC, "rc"))
    assert "ownerReferences" not in (await registry.get(CM, "default", "dep"))["metadata"]


async def _gone(reg: Registry, rt: ResourceType, name: str) -> bool:
    return await exists(reg, rt, "default" if rt.namespaced else "", name) is None


async def test_cluster_scoped_owner(registry: Registry) -> None:
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "gc-owner"}}  # fmt: skip
    owner = (await registry.create(CLUSTERROLES, "", role, W)).object
    await cm(registry, "dep", ref(owner))
    await registry.delete(CLUSTERROLES, "", "gc-owner", DeleteOptions())
    await until_async(lambda: _absent(registry, "dep"))


async def test_dangling_references(registry: Registry) -> None:
    live = await cm(registry, "live")
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost",
             "uid": "00000000-0000-0000-0000-000000000001"}  # fmt: skip
    await cm(registry, "orphaned", ghost)
    await cm(registry, "half", ghost, ref(live))
    # The same name with another uid is not the owner either.
    await cm(registry, "stale", {**ref(live), "uid": "00000000-0000-0000-0000-000000000002"})
    await until_async(lambda: _absent(registry, "orphaned"))
    await until_async(lambda: _absent(registry, "stale"))

    async def half_cleaned() -> bool:
        obj = await registry.get(CM, "default", "half")
        return bool(obj["metadata"]["ownerReferences"] == [ref(live)])

    await until_async(half_cleaned)


async def test_owner_of_an_unknown_kind_is_left_alone(registry: Registry) -> None:
    ghost = {"apiVersion": "nosuch.example.com/v1", "kind": "Thing", "name": "t", "uid": "u"}
    await cm(registry, "dep", ghost)
    owner = await cm(registry, "owner")
    await cm(registry, "dep2", ref(owner))
    await registry.delete(CM, "default", "owner", DeleteOptions())
    await until_async(lambda: _absent(registry, "dep2"))
    assert await exists(registry, CM, "default", "dep") is not None


async def test_foreground_cascades_through_a_chain(registry: Registry) -> None:
    a = await cm(registry, "a")
    b = await cm(registry, "b", ref(a, block=True))
    await cm(registry, "c", ref(b, block=True))
    rec = Recorder(registry)
    await registry.delete(CM, "default", "a", DeleteOptions(propagation_policy="Foreground"))
    await until_async(lambda: _absent(registry, "a"))
    events = await rec.stop()
    # b is deleted in the foreground too (its owner waits for it and it has a dependent).
    assert events == [
        ("MODIFIED", "a finalizers=['foregroundDeletion'] owners=0"),
        ("MODIFIED", "b finalizers=['foregroundDeletion'] owners=1"),
        ("DELETED", "c"),
        ("DELETED", "b"),
        ("DELETED", "a"),
    ]


async def test_events_are_never_collected(registry: Registry) -> None:
    events = rtype("", "v1", "events")
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "gone"}
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "e", "ownerReferences": [ghost]},
        "involvedObject": {"kind": "ConfigMap", "name": "ghost", "namespace": "default"},
    }
    await registry.create(events, "default", event, W)
    await cm(registry, "dep", ghost)
    await until_async(lambda: _absent(registry, "dep"))
    assert await exists(registry, events, "default", "e") is not None


async def test_owner_references_are_validated(registry: Registry) -> None:
    """validateOwnerReference: apiVersion, kind, name and uid are required."""
    bad = {"apiVersion": "a/b/c", "kind": "ConfigMap", "name": "", "uid": ""}
    with pytest.raises(StatusError) as e:
        await cm(registry, "x", bad)
    assert e.value.code == 422
    assert e.value.message == (
        'ConfigMap "x" is invalid: [metadata.ownerReferences[0].apiVersion: Invalid value: '
        '"a/b/c": must be <group>/<version> or <version>, metadata.ownerReferences[0].name: '
        "Required value: must not be empty, metadata.ownerReferences[0].uid: Required value: "
        "must not be empty]"
    )


async def test_owners_are_looked_up_in_the_dependents_namespace(registry: Registry) -> None:
    """An ownerReference names an object in the dependent's own namespace (or a cluster-scoped
    one): an owner of the same name and uid elsewhere does not count; a cluster-scoped object
    naming a namespaced owner is left alone (namespacedOwnerOfClusterScopedObjectErr)."""
    await registry.create(NS, "", {"metadata": {"name": "other"}}, W)
    owner = await cm(registry, "owner")
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "elsewhere", "ownerReferences": [ref(owner)]}}  # fmt: skip
    await registry.create(CM, "other", obj, W)
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "gc-dependent", "ownerReferences": [ref(owner)]}}  # fmt: skip
    await registry.create(CLUSTERROLES, "", role, W)
    marker = await cm(registry, "marker", {**ref(owner), "uid": "gone"})
    assert marker

    async def cleaned() -> bool:
        return await exists(registry, CM, "other", "elsewhere") is None

    await until_async(cleaned)
    await until_async(lambda: _absent(registry, "marker"))
    assert await exists(registry, CLUSTERROLES, "", "gc-dependent") is not None
