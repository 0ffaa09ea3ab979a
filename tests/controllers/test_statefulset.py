"""The statefulset controller over a real registry, with the stand-in kubelet."""

from __future__ import annotations

from typing import Any

from controllers.controller_harness import StubKubelet, create, eventually, items, pod_template, rt
from fakekapi.controllers.manager import ControllerManager
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry


def statefulset(name: str, replicas: int, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": pod_template({"app": name}),
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "www"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
            **spec,
        },
    }


async def rolled_out(registry: Registry, name: str, replicas: int) -> dict[str, Any]:
    """kubectl rollout status's test for a RollingUpdate StatefulSet without a partition."""

    async def check() -> dict[str, Any]:
        sts = await registry.get(rt(registry, "apps", "v1", "statefulsets"), "default", name)
        s = sts["status"]
        assert s.get("observedGeneration") == sts["metadata"]["generation"]
        assert s.get("readyReplicas", 0) == replicas
        assert s["updateRevision"] == s["currentRevision"]
        assert s.get("updatedReplicas", 0) == replicas
        return sts

    return await eventually(check)


async def test_ordered_pods_with_claims_and_a_rolling_update(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, statefulset("web", 3))
    sts = await rolled_out(registry, "web", 3)
    rev1 = sts["status"]["currentRevision"]
    assert rev1.startswith("web-")
    assert sts["status"]["availableReplicas"] == 3 and sts["status"]["collisionCount"] == 0
    pods = {p["metadata"]["name"]: p for p in await items(registry, "", "v1", "pods", "default")}
    assert sorted(pods) == ["web-0", "web-1", "web-2"]
    web1 = pods["web-1"]
    assert web1["metadata"]["labels"] == {
        "app": "web",
        "statefulset.kubernetes.io/pod-name": "web-1",
        "apps.kubernetes.io/pod-index": "1",
        "controller-revision-hash": rev1,
    }
    assert web1["spec"]["hostname"] == "web-1" and web1["spec"]["subdomain"] == "web"
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}} in web1["spec"][
        "volumes"
    ]
    claims = {
        c["metadata"]["name"]: c
        for c in await items(registry, "", "v1", "persistentvolumeclaims", "default")
    }
    assert sorted(claims) == ["www-web-0", "www-web-1", "www-web-2"]
    assert claims["www-web-0"]["metadata"]["labels"] == {"app": "web"}
    (revision,) = await items(registry, "apps", "v1", "controllerrevisions", "default")
    assert revision["metadata"]["name"] == rev1 and revision["revision"] == 1

    async def recorded() -> None:
        events = await items(registry, "", "v1", "events", "default")
        messages = [e["message"] for e in events if e["involvedObject"]["kind"] == "StatefulSet"]
        assert "create Pod web-0 in StatefulSet web successful" in messages
        assert "create Claim www-web-0 Pod web-0 in StatefulSet web success" in messages

    await eventually(recorded)

    sts["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    await registry.update(
        rt(registry, "apps", "v1", "statefulsets"), "default", "web", sts, WriteOptions()
    )
    after = await rolled_out(registry, "web", 3)
    assert after["status"]["currentRevision"] != rev1
    pods = {p["metadata"]["name"]: p for p in await items(registry, "", "v1", "pods", "default")}
    assert {p["spec"]["containers"][0]["image"] for p in pods.values()} == {"nginx:1.28"}
    assert len(await items(registry, "apps", "v1", "controllerrevisions", "default")) == 2


async def test_partition_and_parallel_scale(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(
        registry,
        statefulset(
            "db",
            3,
            podManagementPolicy="Parallel",
            updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}},
        ),
    )
    sts_rt = rt(registry, "apps", "v1", "statefulsets")

    async def ready(n: int) -> dict[str, Any]:
        got = await registry.get(sts_rt, "default", "db")
        assert got["status"].get("readyReplicas", 0) == n
        assert got["status"].get("observedGeneration") == got["metadata"]["generation"]
        return got

    sts = await eventually(lambda: ready(3))
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    await registry.update(sts_rt, "default", "db", sts, WriteOptions())

    async def partitioned() -> None:
        got = await registry.get(sts_rt, "default", "db")
        assert got["status"].get("updatedReplicas", 0) == 1
        assert got["status"].get("readyReplicas", 0) == 3
        pods = {
            p["metadata"]["name"]: p for p in await items(registry, "", "v1", "pods", "default")
        }
        images = {n: p["spec"]["containers"][0]["image"] for n, p in pods.items()}
        assert images == {"db-0": "nginx:1.27", "db-1": "nginx:1.27", "db-2": "nginx:1.28"}

    await eventually(partitioned)
    sts = await registry.get(sts_rt, "default", "db")
    sts["spec"]["replicas"] = 1
    await registry.update(sts_rt, "default", "db", sts, WriteOptions())

    async def scaled() -> None:
        pods = [p for p in await items(registry, "", "v1", "pods", "default")]
        assert [p["metadata"]["name"] for p in pods] == ["db-0"]

    await eventually(scaled)
