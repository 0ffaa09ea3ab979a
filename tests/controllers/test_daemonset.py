"""The daemonset controller: one pod per eligible node, pinned by node affinity."""

from __future__ import annotations

from typing import Any

from controllers.controller_harness import create, eventually, items, pod_template, rt
from fakekapi.controllers.daemonset import should_run
from fakekapi.controllers.manager import ControllerManager
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry


def node(name: str, labels: dict[str, str] | None = None, taints: Any = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": {"taints": taints} if taints else {},
    }


def test_eligibility() -> None:
    plain = node("a")
    tainted = node(
        "b", taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    )
    not_ready = node("c", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}])
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "x"}]}
    assert should_run(spec, plain) == (True, True)
    assert should_run(spec, tainted) == (False, True)
    assert should_run(spec, not_ready) == (True, True)  # the daemon tolerations
    tolerant = {
        **spec,
        "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}],
    }
    assert should_run(tolerant, tainted) == (True, True)
    assert should_run({**spec, "nodeSelector": {"disk": "ssd"}}, plain) == (False, False)
    assert should_run({**spec, "nodeSelector": {"disk": "ssd"}}, node("d", {"disk": "ssd"})) == (
        True,
        True,
    )


async def test_one_pod_per_node(registry: Registry, manager: ControllerManager) -> None:
    for n in (node("worker-1"), node("worker-2", {"disk": "ssd"})):
        await create(registry, n)
    ds = await create(
        registry,
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "default"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "template": pod_template({"app": "agent"}),
            },
        },
    )

    async def two_pods() -> list[Any]:
        pods = await items(registry, "", "v1", "pods", "default")
        assert len(pods) == 2
        return pods

    pods = await eventually(two_pods)
    pinned = set()
    for pod in pods:
        assert pod["metadata"]["name"].startswith("agent-")
        assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
        assert pod["metadata"]["labels"]["controller-revision-hash"]
        assert pod["metadata"]["ownerReferences"][0]["uid"] == ds["metadata"]["uid"]
        terms = pod["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ]["nodeSelectorTerms"]
        (field,) = terms[0]["matchFields"]
        pinned.add(field["values"][0])
        keys = {t["key"] for t in pod["spec"]["tolerations"]}
        assert "node.kubernetes.io/not-ready" in keys and "node.kubernetes.io/unschedulable" in keys
    assert pinned == {"worker-1", "worker-2"}

    async def status() -> None:
        got = await registry.get(rt(registry, "apps", "v1", "daemonsets"), "default", "agent")
        s = got["status"]
        assert s["desiredNumberScheduled"] == 2 and s["currentNumberScheduled"] == 2
        assert s["numberMisscheduled"] == 0 and s["numberReady"] == 0
        assert s["updatedNumberScheduled"] == 2 and s["numberUnavailable"] == 2

    await eventually(status)

    # A node selector that only one node meets: the other node's pod goes.
    ds = await registry.get(rt(registry, "apps", "v1", "daemonsets"), "default", "agent")
    ds["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    await registry.update(
        rt(registry, "apps", "v1", "daemonsets"), "default", "agent", ds, WriteOptions()
    )

    async def only_ssd() -> None:
        pods = [
            p
            for p in await items(registry, "", "v1", "pods", "default")
            if not p["metadata"].get("deletionTimestamp")
        ]
        assert len(pods) == 1
        term = pods[0]["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ]
        assert term["nodeSelectorTerms"][0]["matchFields"][0]["values"] == ["worker-2"]
        assert pods[0]["metadata"]["labels"]["pod-template-generation"] == "2"

    await eventually(only_ssd)
