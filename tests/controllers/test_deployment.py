"""The deployment controller over a real registry, with the stand-in kubelet."""

from __future__ import annotations

import copy
from typing import Any

from controllers.controller_harness import StubKubelet, create, eventually, items, pod_template, rt
from fakekapi.controllers.manager import ControllerManager
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry

REVISION = "deployment.kubernetes.io/revision"


def deployment(name: str, replicas: int, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": pod_template({"app": name}),
            **spec,
        },
    }


async def get(registry: Registry, name: str) -> dict[str, Any]:
    return await registry.get(rt(registry, "apps", "v1", "deployments"), "default", name)


async def put(registry: Registry, obj: dict[str, Any]) -> dict[str, Any]:
    result = await registry.update(
        rt(registry, "apps", "v1", "deployments"), "default", obj["metadata"]["name"], obj,
        WriteOptions(),
    )  # fmt: skip
    return result.object


async def complete(registry: Registry, name: str, replicas: int) -> dict[str, Any]:
    """kubectl rollout status's test, plus the NewReplicaSetAvailable condition."""

    async def check() -> dict[str, Any]:
        d = await get(registry, name)
        s = d["status"]
        assert s.get("observedGeneration") == d["metadata"]["generation"]
        assert s.get("updatedReplicas", 0) == replicas
        assert s.get("replicas", 0) == replicas
        assert s.get("availableReplicas", 0) == replicas
        progressing = {c["type"]: c for c in s["conditions"]}["Progressing"]
        assert progressing["reason"] == "NewReplicaSetAvailable", progressing
        return d

    return await eventually(check)


async def replicasets(registry: Registry) -> dict[str, dict[str, Any]]:
    return {
        rs["metadata"]["name"]: rs
        for rs in await items(registry, "apps", "v1", "replicasets", "default")
    }


async def test_rollout_creates_a_hashed_replicaset_and_completes(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    d = await create(registry, deployment("web", 3))
    done = await complete(registry, "web", 3)
    assert done["metadata"]["generation"] == 1
    assert done["metadata"]["annotations"][REVISION] == "1"
    conds = {c["type"]: c for c in done["status"]["conditions"]}
    assert [c["type"] for c in done["status"]["conditions"]] == ["Available", "Progressing"]
    assert conds["Available"]["reason"] == "MinimumReplicasAvailable"
    assert conds["Available"]["message"] == "Deployment has minimum availability."
    (rs,) = (await replicasets(registry)).values()
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert (
        conds["Progressing"]["message"]
        == f'ReplicaSet "web-{pod_hash}" has successfully progressed.'
    )
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {
        REVISION: "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
    }
    assert rs["metadata"]["ownerReferences"][0]["uid"] == d["metadata"]["uid"]
    assert done["status"]["readyReplicas"] == 3

    async def recorded() -> None:
        events = await items(registry, "", "v1", "events", "default")
        scaling = [e for e in events if e["reason"] == "ScalingReplicaSet"]
        assert [e["message"] for e in scaling] == [
            f"Scaled up replica set web-{pod_hash} from 0 to 3"
        ]
        assert scaling[0]["source"]["component"] == "deployment-controller"

    await eventually(recorded)


async def test_new_image_rolls_out_and_undo_goes_back(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, deployment("web", 4))
    first = await complete(registry, "web", 4)
    (old_name,) = await replicasets(registry)
    first["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    await put(registry, first)
    second = await complete(registry, "web", 4)
    assert second["metadata"]["annotations"][REVISION] == "2"
    rss = await replicasets(registry)
    assert len(rss) == 2
    assert rss[old_name]["spec"]["replicas"] == 0
    (new_name,) = set(rss) - {old_name}
    assert rss[new_name]["metadata"]["annotations"][REVISION] == "2"
    pods = await items(registry, "", "v1", "pods", "default")
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    assert {p["spec"]["containers"][0]["image"] for p in live} == {"nginx:1.28"}

    # kubectl rollout undo: the deployment gets the old ReplicaSet's template back.
    undo = copy.deepcopy(second)
    template = copy.deepcopy(rss[old_name]["spec"]["template"])
    del template["metadata"]["labels"]["pod-template-hash"]
    undo["spec"]["template"] = template
    await put(registry, undo)
    third = await complete(registry, "web", 4)
    assert third["metadata"]["annotations"][REVISION] == "3"
    rss = await replicasets(registry)
    assert len(rss) == 2
    assert rss[old_name]["metadata"]["annotations"][REVISION] == "3"
    assert (
        rss[old_name]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    )
    assert rss[old_name]["spec"]["replicas"] == 4
    assert rss[new_name]["spec"]["replicas"] == 0


async def test_scale_and_pause(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, deployment("web", 2))
    d = await complete(registry, "web", 2)
    d["spec"]["replicas"] = 5
    await put(registry, d)
    d = await complete(registry, "web", 5)
    (rs,) = (await replicasets(registry)).values()
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "5"

    d["spec"]["paused"] = True
    await put(registry, d)

    async def paused() -> dict[str, Any]:
        got = await get(registry, "web")
        cond = {c["type"]: c for c in got["status"]["conditions"]}["Progressing"]
        assert (cond["status"], cond["reason"], cond["message"]) == (
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused",
        )
        return got

    d = await eventually(paused)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    d["spec"]["paused"] = False
    await put(registry, d)
    await complete(registry, "web", 5)
    assert len(await replicasets(registry)) == 2


async def test_recreate(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, deployment("web", 2, strategy={"type": "Recreate"}))
    d = await complete(registry, "web", 2)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    await put(registry, d)
    await complete(registry, "web", 2)
    rss = await replicasets(registry)
    assert sorted(rs["spec"]["replicas"] for rs in rss.values()) == [0, 2]


async def test_terminating_replicas_are_reported_from_1_35(
    registry: Registry, kubelet: StubKubelet
) -> None:
    import asyncio

    from fakekapi.controllers.names import parse

    m = ControllerManager.start(registry, parse(["*"]), kubernetes_version="1.36")
    try:
        await asyncio.wait_for(m.wait_synced(), 5)
        await create(registry, deployment("web", 2))
        d = await complete(registry, "web", 2)
        assert d["status"]["terminatingReplicas"] == 0
        (rs,) = (await replicasets(registry)).values()
        assert list(rs["status"]) == [
            "replicas",
            "fullyLabeledReplicas",
            "readyReplicas",
            "availableReplicas",
            "terminatingReplicas",
            "observedGeneration",
        ]
    finally:
        await m.stop()
