"""The replicaset and replicationcontroller controllers over a real registry."""

from __future__ import annotations

from typing import Any

from controllers.controller_harness import StubKubelet, create, eventually, items, pod_template
from fakekapi.controllers.manager import ControllerManager
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry


def replicaset(name: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": pod_template({"app": name}),
        },
    }


async def test_replicaset_creates_owned_pods_and_reports_status(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    rs = await create(registry, replicaset("web", 3))

    async def settled() -> dict[str, Any]:
        got = await registry.get(rs_type(registry), "default", "web")
        assert got["status"] == {
            "replicas": 3,
            "fullyLabeledReplicas": 3,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "observedGeneration": 1,
        }
        return got

    await eventually(settled)
    pods = await items(registry, "", "v1", "pods", "default")
    assert len(pods) == 3
    for pod in pods:
        md = pod["metadata"]
        assert md["name"].startswith("web-") and len(md["name"]) == len("web-") + 5
        assert md["ownerReferences"] == [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web",
                "uid": rs["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    events = await items(registry, "", "v1", "events", "default")
    created = [e for e in events if e["reason"] == "SuccessfulCreate"]
    assert len(created) == 3
    assert {e["message"] for e in created} == {
        f"Created pod: {p['metadata']['name']}" for p in pods
    }
    assert created[0]["source"] == {"component": "replicaset-controller"}
    assert created[0]["involvedObject"]["kind"] == "ReplicaSet"


async def test_replicaset_scales_down_and_replaces_deleted_pods(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, replicaset("web", 2))

    async def count(n: int) -> list[Any]:
        pods = [
            p
            for p in await items(registry, "", "v1", "pods", "default")
            if not p["metadata"].get("deletionTimestamp")
        ]
        assert len(pods) == n
        return pods

    pods = await eventually(lambda: count(2))
    from fakekapi.registry.generic.options import DeleteOptions

    pod_rt = registry.catalog.lookup("", "v1", "pods")
    assert pod_rt is not None
    await registry.delete(pod_rt, "default", pods[0]["metadata"]["name"], DeleteOptions())
    again = await eventually(lambda: count(2))
    assert pods[0]["metadata"]["name"] not in {p["metadata"]["name"] for p in again}

    current = await registry.get(rs_type(registry), "default", "web")
    current["spec"]["replicas"] = 1
    await registry.update(rs_type(registry), "default", "web", current, WriteOptions())
    await eventually(lambda: count(1))

    async def recorded() -> None:
        events = await items(registry, "", "v1", "events", "default")
        assert any(e["reason"] == "SuccessfulDelete" for e in events)

    await eventually(recorded)


async def test_replicationcontroller(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    rc = await create(
        registry,
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"name": "old", "namespace": "default"},
            "spec": {"replicas": 2, "template": pod_template({"app": "old"})},
        },
    )
    rc_rt = registry.catalog.lookup("", "v1", "replicationcontrollers")
    assert rc_rt is not None

    async def settled() -> None:
        got = await registry.get(rc_rt, "default", "old")
        assert got["status"]["readyReplicas"] == 2

    await eventually(settled)
    pods = await items(registry, "", "v1", "pods", "default")
    assert {p["metadata"]["ownerReferences"][0]["uid"] for p in pods} == {rc["metadata"]["uid"]}

    async def recorded() -> None:
        events = await items(registry, "", "v1", "events", "default")
        assert len(events) == 2
        assert {e["source"]["component"] for e in events} == {"replication-controller"}

    await eventually(recorded)


def rs_type(registry: Registry) -> Any:
    rt = registry.catalog.lookup("apps", "v1", "replicasets")
    assert rt is not None
    return rt


async def test_a_relabelled_pod_is_released_and_replaced(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, replicaset("web", 1))
    pod_rt = registry.catalog.lookup("", "v1", "pods")
    assert pod_rt is not None

    async def one() -> list[Any]:
        pods = await items(registry, "", "v1", "pods", "default")
        assert len(pods) == 1
        return pods

    (pod,) = await eventually(one)
    pod["metadata"]["labels"] = {"app": "debug"}
    await registry.update(pod_rt, "default", pod["metadata"]["name"], pod, WriteOptions())

    async def replaced() -> None:
        pods = {
            p["metadata"]["name"]: p for p in await items(registry, "", "v1", "pods", "default")
        }
        assert len(pods) == 2
        assert not pods[pod["metadata"]["name"]]["metadata"].get("ownerReferences")

    await eventually(replaced)


async def test_a_matching_orphan_is_adopted(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(
        registry,
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "stray", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    )
    rs = await create(registry, replicaset("web", 2))

    async def adopted() -> None:
        pods = {
            p["metadata"]["name"]: p for p in await items(registry, "", "v1", "pods", "default")
        }
        assert len(pods) == 2
        assert pods["stray"]["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]

    await eventually(adopted)
