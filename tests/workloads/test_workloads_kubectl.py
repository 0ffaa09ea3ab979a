"""kube-controller-manager's controllers through real kubectl 1.33: rollouts finish, jobs
complete and fail, a CronJob's job runs, Services' EndpointSlices follow readiness, deleting a
Deployment takes its ReplicaSets and pods along, and `--controllers` switches them.

These run with the real simulated kubelet (fakekapi.nodes). Every wait polls for a condition with
a generous deadline (`kubectl rollout status`/`wait --timeout` or `until`); nothing asserts how
fast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from e2e.clients import Kubectl, kubectl_path
from polling import until

from fakekapi.testing import ServerHandle, running_server

DEADLINE = 60.0
TIMEOUT = "--timeout=120s"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server() as s:
        yield s


@pytest.fixture(scope="module")
def kubectl(server: ServerHandle, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(kubectl_path(33), server.kubeconfig_path, tmp_path_factory.mktemp("kubectl"))


@pytest.fixture
def ns(kubectl: Kubectl, request: pytest.FixtureRequest) -> str:
    name: str = request.node.name.removeprefix("test_").replace("_", "-")[:40].strip("-")
    kubectl("create", "namespace", name)
    return name


def get(kubectl: Kubectl, ns: str, *what: str) -> Any:
    return json.loads(kubectl("-n", ns, "get", *what, "-o", "json").out)


def apply(kubectl: Kubectl, ns: str, obj: dict[str, Any]) -> None:
    kubectl("-n", ns, "apply", "-f", "-", stdin=yaml.safe_dump(obj))


def rollout(kubectl: Kubectl, ns: str, what: str) -> str:
    return kubectl("-n", ns, "rollout", "status", what, TIMEOUT, timeout=150).out


def test_deployment_rollouts_scale_set_image_and_undo(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    out = rollout(kubectl, ns, "deployment/web")
    assert out.strip().endswith('deployment "web" successfully rolled out')
    kubectl("-n", ns, "scale", "deployment/web", "--replicas=5")
    rollout(kubectl, ns, "deployment/web")
    d = get(kubectl, ns, "deployment", "web")
    assert d["status"]["readyReplicas"] == d["status"]["availableReplicas"] == 5
    kubectl("-n", ns, "set", "image", "deployment/web", "nginx=nginx:1.28")
    rollout(kubectl, ns, "deployment/web")
    images = {
        p["spec"]["containers"][0]["image"]
        for p in get(kubectl, ns, "pods", "-l", "app=web")["items"]
        if not p["metadata"].get("deletionTimestamp")
    }
    assert images == {"nginx:1.28"}
    history = kubectl("-n", ns, "rollout", "history", "deployment/web").out
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]
    kubectl("-n", ns, "rollout", "undo", "deployment/web")
    rollout(kubectl, ns, "deployment/web")
    d = get(kubectl, ns, "deployment", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    conditions = {c["type"]: c["reason"] for c in d["status"]["conditions"]}
    assert conditions == {
        "Available": "MinimumReplicasAvailable",
        "Progressing": "NewReplicaSetAvailable",
    }
    rs = get(kubectl, ns, "replicasets")["items"]
    assert sorted(r["spec"]["replicas"] for r in rs) == [0, 5]
    events = kubectl(
        "-n", ns, "get", "events", "--field-selector", "involvedObject.kind=Deployment"
    ).out
    assert "ScalingReplicaSet" in events
    described = kubectl("-n", ns, "describe", "deployment", "web").out
    assert "NewReplicaSetAvailable" in described and "Scaled up replica set web-" in described


def test_statefulset_with_claims_rolls_out(kubectl: Kubectl, ns: str) -> None:
    apply(
        kubectl,
        ns,
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db"},
            "spec": {
                "replicas": 2,
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {"containers": [{"name": "db", "image": "postgres:16"}]},
                },
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1Gi"}},
                        },
                    }
                ],
            },
        },
    )
    out = rollout(kubectl, ns, "statefulset/db")
    assert "partitioned roll out complete: 2 new pods have been updated" in out
    claims = get(kubectl, ns, "pvc")["items"]
    assert sorted(c["metadata"]["name"] for c in claims) == ["data-db-0", "data-db-1"]
    until(
        lambda: all(c["status"]["phase"] == "Bound" for c in get(kubectl, ns, "pvc")["items"]),
        "claims bound",
    )
    pods = {p["metadata"]["name"] for p in get(kubectl, ns, "pods")["items"]}
    assert pods == {"db-0", "db-1"}


def test_daemonset_rolls_out(kubectl: Kubectl, ns: str) -> None:
    apply(
        kubectl,
        ns,
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "template": {
                    "metadata": {"labels": {"app": "agent"}},
                    "spec": {"containers": [{"name": "agent", "image": "fluentd:v1"}]},
                },
            },
        },
    )
    out = rollout(kubectl, ns, "daemonset/agent")
    assert 'daemon set "agent" successfully rolled out' in out
    nodes = get(kubectl, ns, "nodes")["items"]
    pods = get(kubectl, ns, "pods", "-l", "app=agent")["items"]
    assert sorted(p["spec"]["nodeName"] for p in pods) == sorted(
        n["metadata"]["name"] for n in nodes
    )


def job(name: str, *, annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "template": {
                "metadata": {"annotations": annotations or {}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "work", "image": "busybox:1.36"}],
                },
            },
            **spec,
        },
    }


def test_job_completes_and_a_failing_one_fails(kubectl: Kubectl, ns: str) -> None:
    apply(kubectl, ns, job("ok", completions=2, parallelism=2))
    kubectl("-n", ns, "wait", "--for=condition=complete", "job/ok", TIMEOUT, timeout=150)
    ok = get(kubectl, ns, "job", "ok")
    assert ok["status"]["succeeded"] == 2
    apply(
        kubectl,
        ns,
        job("bad", backoffLimit=0, annotations={"simulate.fakekapi.dev/exit-code": "3"}),
    )
    kubectl("-n", ns, "wait", "--for=condition=failed", "job/bad", TIMEOUT, timeout=150)
    bad = get(kubectl, ns, "job", "bad")
    failed = next(c for c in bad["status"]["conditions"] if c["type"] == "Failed")
    assert failed["reason"] == "BackoffLimitExceeded"
    (pod,) = get(kubectl, ns, "pods", "-l", "job-name=bad")["items"]
    assert pod["status"]["phase"] == "Failed"
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3


def test_a_job_from_a_cronjob_completes(kubectl: Kubectl, ns: str) -> None:
    kubectl(
        "-n", ns, "create", "cronjob", "nightly", "--image=busybox:1.36", "--schedule=0 3 * * *"
    )
    kubectl("-n", ns, "create", "job", "--from=cronjob/nightly", "manual-run")
    kubectl("-n", ns, "wait", "--for=condition=complete", "job/manual-run", TIMEOUT, timeout=150)
    j = get(kubectl, ns, "job", "manual-run")
    assert j["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert j["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"


def test_endpointslice_lists_exactly_the_ready_pods(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "create", "deployment", "api", "--image=nginx", "--replicas=2", "--port=80")
    rollout(kubectl, ns, "deployment/api")
    apply(
        kubectl,
        ns,
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "api-never-ready",
                "labels": {"app": "api"},
                "annotations": {"simulate.fakekapi.dev/ready": "false"},
            },
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
        },
    )
    kubectl("-n", ns, "expose", "deployment", "api", "--port=8080", "--target-port=80")

    def slice_endpoints() -> Any:
        slices = get(kubectl, ns, "endpointslices", "-l", "kubernetes.io/service-name=api")
        if len(slices["items"]) != 1:
            return None
        endpoints = slices["items"][0].get("endpoints") or []
        return endpoints if len(endpoints) == 3 else None

    endpoints = until(slice_endpoints, "three endpoints")
    ready_pods = {
        p["metadata"]["name"]
        for p in get(kubectl, ns, "pods", "-l", "app=api")["items"]
        if any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"])
    }
    listed_ready = {e["targetRef"]["name"] for e in endpoints if e["conditions"]["ready"]}
    assert listed_ready == ready_pods
    assert len(ready_pods) == 2 and "api-never-ready" not in ready_pods
    ep = get(kubectl, ns, "endpoints", "api")
    assert {a["targetRef"]["name"] for a in ep["subsets"][0]["addresses"]} == ready_pods


def test_deleting_a_deployment_removes_its_replicasets_and_pods(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "create", "deployment", "gone", "--image=nginx", "--replicas=2")
    rollout(kubectl, ns, "deployment/gone")
    kubectl("-n", ns, "delete", "deployment", "gone")
    until(lambda: not get(kubectl, ns, "replicasets")["items"], "no ReplicaSets")
    until(lambda: not get(kubectl, ns, "pods")["items"], "no pods")


def test_only_the_named_controllers_run(tmp_path_factory: pytest.TempPathFactory) -> None:
    with running_server(controllers="namespace,serviceaccount-token") as s:
        k = Kubectl(kubectl_path(33), s.kubeconfig_path, tmp_path_factory.mktemp("kubectl-sw"))
        k("create", "namespace", "quiet")
        k("create", "namespace", "doomed")
        k("-n", "quiet", "create", "deployment", "web", "--image=nginx")
        # The namespace controller runs: once it has emptied and removed `doomed` (asked for
        # after the Deployment was created), a deployment controller would have acted too.
        k("delete", "namespace", "doomed", "--timeout=60s", timeout=90)
        assert get(k, "quiet", "replicasets")["items"] == []
        d = get(k, "quiet", "deployment", "web")
        assert "observedGeneration" not in (d.get("status") or {})


def test_a_deleted_pod_is_replaced(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "create", "deployment", "keep", "--image=nginx", "--replicas=2")
    rollout(kubectl, ns, "deployment/keep")
    before = {p["metadata"]["name"] for p in get(kubectl, ns, "pods", "-l", "app=keep")["items"]}
    victim = sorted(before)[0]
    kubectl("-n", ns, "delete", "pod", victim, TIMEOUT, timeout=150)

    def replaced() -> set[str] | None:
        pods = get(kubectl, ns, "pods", "-l", "app=keep")["items"]
        ready = {
            p["metadata"]["name"]
            for p in pods
            if not p["metadata"].get("deletionTimestamp")
            and any(
                c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"]
            )
        }
        return ready if len(ready) == 2 and victim not in ready else None

    after = until(replaced, "a Ready replacement")
    assert len(after - before) == 1


def test_pod_disruption_budget_status_gates_evictions(
    kubectl: Kubectl, ns: str, server: ServerHandle
) -> None:
    """Bare pods (nothing replaces an evicted one), so the outcome depends on no timing."""
    for i in range(3):
        kubectl("-n", ns, "run", f"guarded-{i}", "--image=nginx", "--labels=app=guarded")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod", "-l", "app=guarded", TIMEOUT,
            timeout=150)  # fmt: skip
    kubectl("-n", ns, "create", "pdb", "guard", "--selector=app=guarded", "--min-available=2")

    def allowed() -> Any:
        status = get(kubectl, ns, "pdb", "guard").get("status") or {}
        return status if status.get("disruptionsAllowed") == 1 else None

    status = until(allowed, "the budget's status")
    assert (status["currentHealthy"], status["desiredHealthy"], status["expectedPods"]) == (3, 2, 3)
    (cond,) = status["conditions"]
    assert (cond["type"], cond["status"], cond["reason"]) == (
        "DisruptionAllowed", "True", "SufficientPods",
    )  # fmt: skip

    def evict(pod: str) -> int:
        body = json.dumps(
            {
                "apiVersion": "policy/v1",
                "kind": "Eviction",
                "metadata": {"name": pod, "namespace": ns},
            }
        ).encode()
        code, _, _ = server.request(
            "POST", f"/api/v1/namespaces/{ns}/pods/{pod}/eviction", body=body,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        return code

    assert evict("guarded-0") == 201
    assert evict("guarded-1") == 429  # the budget is spent: 2 healthy, 2 needed

    def spent() -> Any:
        status = get(kubectl, ns, "pdb", "guard").get("status") or {}
        ok = status.get("currentHealthy") == 2 and status.get("disruptionsAllowed") == 0
        return status if ok else None

    status = until(spent, "the budget to count two healthy pods")
    assert status["conditions"][0]["reason"] == "InsufficientPods"
    kubectl("-n", ns, "run", "guarded-3", "--image=nginx", "--labels=app=guarded")
    until(allowed, "a disruption allowed again")
    assert evict("guarded-1") == 201
