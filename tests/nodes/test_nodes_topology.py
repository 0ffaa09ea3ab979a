"""Several nodes (kind's names and the control plane's taint) and none at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.clients import Kubectl, kubectl_path
from polling import until

from fakekapi.testing import ServerHandle, running_server


@pytest.fixture
def kubectl_for(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    def make(server: ServerHandle) -> Kubectl:
        return Kubectl(kubectl_path(33), server.kubeconfig_path, tmp_path_factory.mktemp("k"))

    yield make


def pod_status(kubectl: Kubectl, name: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(kubectl("get", "pod", name, "-o", "json").out)
    return out


def test_three_nodes_named_like_kind(kubectl_for: Any) -> None:
    # 1.33's scheduler names the untolerated taint (1.34's says "taint(s)": see the unit tests).
    with running_server(nodes=3, kubernetes_version="1.33") as server:
        kubectl = kubectl_for(server)
        names = kubectl("get", "nodes", "-o", "name").out.split()
        assert names == [
            "node/fakekapi-control-plane",
            "node/fakekapi-worker",
            "node/fakekapi-worker2",
        ]
        cp = json.loads(kubectl("get", "node", "fakekapi-control-plane", "-o", "json").out)
        assert cp["spec"]["taints"] == [
            {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
        ]
        for i in range(4):
            kubectl("run", f"p{i}", "--image=nginx")
        for i in range(4):
            kubectl("wait", "--for=condition=Ready", f"pod/p{i}", "--timeout=60s")
        nodes = {pod_status(kubectl, f"p{i}")["spec"]["nodeName"] for i in range(4)}
        assert nodes == {"fakekapi-worker", "fakekapi-worker2"}
        ips = {pod_status(kubectl, f"p{i}")["status"]["podIP"] for i in range(4)}
        assert len(ips) == 4
        # Only the control plane's taint stands in the way: a pod tolerating it may land there.
        kubectl(
            "run", "tolerant", "--image=nginx",
            '--overrides={"spec":{"nodeSelector":{"node-role.kubernetes.io/control-plane":""},'
            '"tolerations":[{"key":"node-role.kubernetes.io/control-plane","operator":"Exists"}]}}',
        )  # fmt: skip
        kubectl("wait", "--for=condition=Ready", "pod/tolerant", "--timeout=60s")
        assert pod_status(kubectl, "tolerant")["spec"]["nodeName"] == "fakekapi-control-plane"
        kubectl(
            "run", "intolerant", "--image=nginx",
            '--overrides={"spec":{"nodeSelector":{"node-role.kubernetes.io/control-plane":""}}}',
        )  # fmt: skip
        want = (
            "0/3 nodes are available: 1 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node "
            "affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not "
            "helpful for scheduling."
        )
        until(
            lambda: any(
                c.get("message") == want
                for c in pod_status(kubectl, "intolerant")["status"].get("conditions") or []
            ),
            f"the condition {want!r}",
        )


def test_no_nodes_pods_stay_pending(kubectl_for: Any) -> None:
    with running_server(nodes=0, kubernetes_version="1.33") as server:
        kubectl = kubectl_for(server)
        assert kubectl("get", "nodes", "-o", "name").out.strip() == ""
        kubectl("run", "lonely", "--image=nginx")

        def with_conditions() -> dict[str, Any] | None:
            status: dict[str, Any] = pod_status(kubectl, "lonely")["status"]
            return status if status.get("conditions") else None

        status = until(with_conditions, "the pod's conditions")
        conditions = status["conditions"]
        assert status["phase"] == "Pending"
        assert conditions == [
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": conditions[0]["lastTransitionTime"],
                "reason": "Unschedulable",
                "message": "no nodes available to schedule pods",
            }
        ]
        # An unscheduled pod is deleted at once (no kubelet has anything to stop).
        assert kubectl("delete", "pod", "lonely", "--wait=false").out.strip() == (
            'pod "lonely" deleted'
        )
        assert kubectl("get", "pod", "lonely", check=False).code == 1


def test_restart_keeps_running_pods_as_they_are(kubectl_for: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data_dir=data, ephemeral=False) as server:
        kubectl = kubectl_for(server)
        kubectl("run", "keeper", "--image=nginx")
        kubectl("wait", "--for=condition=Ready", "pod/keeper", "--timeout=60s")
        before = pod_status(kubectl, "keeper")
    with running_server(data_dir=data, ephemeral=False) as server:
        kubectl = kubectl_for(server)
        # The restarted kubelet adopts the running pod (its status is left as it was: see the
        # next test) and stops it when it is deleted.
        kubectl("wait", "--for=condition=Ready", "node/fakekapi-control-plane", "--timeout=60s")
        assert kubectl("delete", "pod", "keeper").out.strip() == 'pod "keeper" deleted'
    assert before["status"]["phase"] == "Running"


def test_restarted_node_reports_its_status_and_lease(kubectl_for: Any, tmp_path: Path) -> None:
    """A node stored by an earlier run is reported beside serving (not before it, as a
    restarted kubelet reports on its own time): its Lease and status are renewed and its
    kubelet records Starting again."""
    data = tmp_path / "data"
    node, lease = "node/fakekapi-control-plane", ("lease", "-n", "kube-node-lease")

    def renewed(kubectl: Kubectl) -> tuple[str, str]:
        got = json.loads(kubectl("get", *lease, "fakekapi-control-plane", "-o", "json").out)
        status = json.loads(kubectl("get", node, "-o", "json").out)["status"]
        ready = next(c for c in status["conditions"] if c["type"] == "Ready")
        return got["spec"]["renewTime"], ready["lastHeartbeatTime"]

    def starting(kubectl: Kubectl) -> int:
        out = kubectl("get", "events", "-o", "json", "--field-selector", "reason=Starting").out
        return len(json.loads(out)["items"])

    with running_server(data_dir=data, ephemeral=False) as server:
        kubectl = kubectl_for(server)
        until(lambda: starting(kubectl) == 1, "the kubelet's Starting event")
        before = renewed(kubectl)
    with running_server(data_dir=data, ephemeral=False) as server:
        kubectl = kubectl_for(server)
        until(lambda: starting(kubectl) == 2, "the restarted kubelet's Starting event")
        after = renewed(kubectl)
        assert after[0] > before[0] and after[1] >= before[1], (before, after)


def test_adopted_pod_status_is_left_alone(tmp_path: Path) -> None:
    import asyncio

    from fakekapi.nodes.kubelet import Kubelet
    from fakekapi.nodes.node import SimNode
    from fakekapi.nodes.podstatus import status_of

    pod: dict[str, Any] = {
        "metadata": {"name": "p", "namespace": "default", "uid": "u1"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}], "nodeName": "n"},
        "status": {},
    }
    sim = SimNode("n", 0, tainted=False)
    kubelet = Kubelet.__new__(Kubelet)
    kubelet.minor = 33

    async def roundtrip() -> None:
        run = kubelet._accept(pod, sim)
        kubelet._advance(pod, sim, run)  # new -> running
        pod["status"] = status_of(pod, run, observed_generation=False)
        adopted = kubelet._adopt(pod, sim)
        assert adopted is not None
        assert status_of(pod, adopted, observed_generation=False) == pod["status"]

    kubelet.recorder = _NoEvents()  # type: ignore[assignment]
    asyncio.run(roundtrip())


class _NoEvents:
    def kubelet(self, *args: Any, **kwargs: Any) -> None:
        pass
