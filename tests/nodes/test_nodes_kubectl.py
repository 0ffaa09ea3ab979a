"""The fake nodes, scheduler and kubelet through real kubectl 1.33 and the Python client:
pods become Ready, jobs' pods finish, knobs steer failures, deletion is graceful and quick,
events read like a cluster's, and nodes heartbeat through their Leases.

Every wait polls for a condition with a generous deadline; nothing asserts how fast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import kubernetes
import pytest
import yaml
from e2e.clients import Kubectl, LineReader, kubectl_path
from narrow import present
from polling import until

from fakekapi.testing import ServerHandle, running_server

DEADLINE = 30.0


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server() as s:
        yield s


@pytest.fixture(scope="module")
def kubectl(server: ServerHandle, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(kubectl_path(33), server.kubeconfig_path, tmp_path_factory.mktemp("kubectl"))


@pytest.fixture(scope="module")
def ns(kubectl: Kubectl) -> str:
    kubectl("create", "namespace", "nodes-e2e")
    return "nodes-e2e"


def server_minor(kubectl: Kubectl) -> int:
    return int(json.loads(kubectl("version", "-o", "json").out)["serverVersion"]["minor"])


def pod_json(kubectl: Kubectl, ns: str, name: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(kubectl("-n", ns, "get", "pod", name, "-o", "json").out)
    return out


def apply(kubectl: Kubectl, ns: str, obj: dict[str, Any]) -> None:
    kubectl("-n", ns, "apply", "-f", "-", stdin=yaml.safe_dump(obj))


def pod(name: str, annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "annotations": annotations or {}},
        "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}], **spec},
    }


def test_node_looks_like_a_kind_node(kubectl: Kubectl) -> None:
    node = json.loads(kubectl("get", "node", "fakekapi-control-plane", "-o", "json").out)
    status = node["status"]
    assert node["spec"]["podCIDR"] == "10.244.0.0/24"
    assert [c["type"] for c in status["conditions"]] == [
        "MemoryPressure",
        "DiskPressure",
        "PIDPressure",
        "Ready",
    ]
    ready = status["conditions"][3]
    assert (ready["status"], ready["reason"]) == ("True", "KubeletReady")
    server = json.loads(kubectl("version", "-o", "json").out)["serverVersion"]
    assert status["nodeInfo"]["kubeletVersion"] == server["gitVersion"]
    assert status["allocatable"]["pods"] == "110"
    assert {"type": "InternalIP", "address": "172.18.0.2"} in status["addresses"]
    rows = kubectl("get", "nodes").out.splitlines()
    assert rows[1].split()[:3] == ["fakekapi-control-plane", "Ready", "control-plane"]
    # The kubelet's start-up events, read by describe as on a kind node.
    until(
        lambda: (
            "kubelet          Starting kubelet."
            in kubectl("describe", "node", "fakekapi-control-plane").out
        ),
        "the node's start-up events",
    )
    described = kubectl("describe", "node", "fakekapi-control-plane").out
    assert "Node fakekapi-control-plane status is now: NodeReady" in described
    assert "Registered Node fakekapi-control-plane in Controller" in described


def test_node_lease_is_renewed(kubectl: Kubectl) -> None:
    def renew_time() -> str:
        lease = json.loads(
            kubectl("-n", "kube-node-lease", "get", "lease", "fakekapi-control-plane", "-o",
                    "json").out
        )  # fmt: skip
        assert lease["spec"]["holderIdentity"] == "fakekapi-control-plane"
        assert lease["spec"]["leaseDurationSeconds"] == 40
        assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"
        return str(lease["spec"]["renewTime"])

    first = renew_time()
    until(lambda: renew_time() != first, "a lease renewal")


def test_wait_ready_and_status_shape(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "run", "web", "--image=nginx", "--port=80")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/web", "--timeout=60s")
    p = pod_json(kubectl, ns, "web")
    status = p["status"]
    assert status["phase"] == "Running"
    assert [c["type"] for c in status["conditions"]] == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    assert all(c["status"] == "True" for c in status["conditions"])
    assert status["hostIP"] == "172.18.0.2" and status["hostIPs"] == [{"ip": "172.18.0.2"}]
    assert status["podIP"].startswith("10.244.0.")
    assert status["podIPs"] == [{"ip": status["podIP"]}]
    cs = status["containerStatuses"][0]
    assert cs["image"] == "docker.io/library/nginx:latest"
    assert cs["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert cs["containerID"].startswith("containerd://")
    assert (cs["ready"], cs["started"], cs["restartCount"]) == (True, True, 0)
    assert "startedAt" in cs["state"]["running"]
    assert status["qosClass"] == "BestEffort"
    assert p["spec"]["nodeName"] == "fakekapi-control-plane"


def test_events_show_scheduled_and_started(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "run", "evented", "--image=nginx:1.27")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/evented", "--timeout=60s")

    def reasons() -> set[str] | None:
        out = kubectl(
            "-n", ns, "get", "events", "--field-selector", "involvedObject.name=evented"
        ).out
        found = {line.split()[2] for line in out.splitlines()[1:]}
        return found if {"Scheduled", "Pulling", "Pulled", "Created", "Started"} <= found else None

    until(reasons, "Scheduled..Started events")
    out = kubectl("-n", ns, "get", "events", "--field-selector", "involvedObject.name=evented").out
    assert f"Successfully assigned {ns}/evented to fakekapi-control-plane" in out
    assert "Started container evented" in out
    described = kubectl("-n", ns, "describe", "pod", "evented").out
    assert "default-scheduler  Successfully assigned" in described
    assert 'kubelet            Pulling image "nginx:1.27"' in described


def test_job_style_pod_succeeds(kubectl: Kubectl, ns: str) -> None:
    apply(kubectl, ns, pod("once", restartPolicy="Never"))
    kubectl("-n", ns, "wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/once",
            "--timeout=60s")  # fmt: skip
    status = pod_json(kubectl, ns, "once")["status"]
    term = status["containerStatuses"][0]["state"]["terminated"]
    assert (term["exitCode"], term["reason"]) == (0, "Completed")
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "PodCompleted")
    rows = kubectl("-n", ns, "get", "pod", "once").out.splitlines()
    assert rows[1].split()[1:3] == ["0/1", "Completed"]


def test_exit_code_knob_fails_the_pod(kubectl: Kubectl, ns: str) -> None:
    apply(
        kubectl,
        ns,
        pod("three", {"simulate.fakekapi.dev/exit-code": "3"}, restartPolicy="Never"),
    )
    kubectl("-n", ns, "wait", "--for=jsonpath={.status.phase}=Failed", "pod/three",
            "--timeout=60s")  # fmt: skip
    term = pod_json(kubectl, ns, "three")["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (term["exitCode"], term["reason"]) == (3, "Error")
    described = kubectl("-n", ns, "describe", "pod", "three").out
    assert "Exit Code:    3" in described


def test_exit_code_knob_crash_loops_when_restarted(kubectl: Kubectl, ns: str) -> None:
    apply(kubectl, ns, pod("crash", {"simulate.fakekapi.dev/exit-code": "1"}))

    def backing_off() -> dict[str, Any] | None:
        cs = pod_json(kubectl, ns, "crash")["status"].get("containerStatuses") or [{}]
        waiting = (cs[0].get("state") or {}).get("waiting") or {}
        return cs[0] if waiting.get("reason") == "CrashLoopBackOff" else None

    cs = until(backing_off, "CrashLoopBackOff")
    assert cs["restartCount"] >= 1
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    rows = kubectl("-n", ns, "get", "pod", "crash").out.splitlines()
    assert rows[1].split()[2] == "CrashLoopBackOff"

    # A repeated event is counted on the first one, as client-go's recorder does.
    def started_count() -> int:
        events = json.loads(
            kubectl("-n", ns, "get", "events", "-o", "json", "--field-selector",
                    "involvedObject.name=crash,reason=Started").out
        )["items"]  # fmt: skip
        return len(events) == 1 and int(events[0]["count"])

    assert until(lambda: started_count() >= 2, "Started counted twice")


def test_image_pull_failure(kubectl: Kubectl, ns: str) -> None:
    apply(kubectl, ns, pod("nopull", {"simulate.fakekapi.dev/image-pull": "fail"}))

    def reason() -> str | None:
        cs = pod_json(kubectl, ns, "nopull")["status"].get("containerStatuses") or [{}]
        got = ((cs[0].get("state") or {}).get("waiting") or {}).get("reason")
        return str(got) if got in ("ErrImagePull", "ImagePullBackOff") else None

    until(reason, "ErrImagePull")
    until(lambda: reason() == "ImagePullBackOff", "ImagePullBackOff")
    assert pod_json(kubectl, ns, "nopull")["status"]["phase"] == "Pending"
    rows = kubectl("-n", ns, "get", "pod", "nopull").out.splitlines()
    assert rows[1].split()[2] == "ImagePullBackOff"


def test_ready_false_knob_keeps_the_pod_unready(kubectl: Kubectl, ns: str) -> None:
    apply(kubectl, ns, pod("unready", {"simulate.fakekapi.dev/ready": "false"}))
    until(lambda: pod_json(kubectl, ns, "unready")["status"].get("phase") == "Running", "running")
    status = pod_json(kubectl, ns, "unready")["status"]
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "ContainersNotReady")
    assert ready["message"] == "containers with unready status: [main]"


def test_logs_knob(kubectl: Kubectl, ns: str) -> None:
    apply(kubectl, ns, pod("talker", {"simulate.fakekapi.dev/logs": "hello from talker\n"}))
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/talker", "--timeout=60s")
    assert kubectl("-n", ns, "logs", "talker").out == "hello from talker\n"


def test_init_containers_and_sidecars(kubectl: Kubectl, ns: str) -> None:
    apply(
        kubectl,
        ns,
        pod(
            "initialized",
            initContainers=[
                {"name": "setup", "image": "busybox:1.36"},
                {"name": "proxy", "image": "envoy:v1", "restartPolicy": "Always"},
            ],
        ),
    )
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/initialized", "--timeout=60s")
    status = pod_json(kubectl, ns, "initialized")["status"]
    init = {s["name"]: s for s in status["initContainerStatuses"]}
    assert init["setup"]["state"]["terminated"]["reason"] == "Completed"
    assert "running" in init["proxy"]["state"] and init["proxy"]["ready"] is True
    rows = kubectl("-n", ns, "get", "pod", "initialized").out.splitlines()
    assert rows[1].split()[1:3] == ["2/2", "Running"]


def test_delete_pod_is_graceful_and_quick(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "run", "doomed", "--image=nginx")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/doomed", "--timeout=60s")
    # kubectl waits until the pod is gone: the kubelet stops it and removes it.
    assert kubectl("-n", ns, "delete", "pod", "doomed").out.strip() == 'pod "doomed" deleted'
    assert kubectl("-n", ns, "get", "pod", "doomed", check=False).code == 1
    until(
        lambda: (
            "Stopping container doomed"
            in kubectl(
                "-n", ns, "get", "events", "--field-selector", "involvedObject.name=doomed"
            ).out
        ),
        "a Killing event",
    )


def test_graceful_deletion_with_the_python_client(server: ServerHandle, ns: str) -> None:
    with kubernetes.config.new_client_from_config(
        config_file=str(server.kubeconfig_path)
    ) as client:
        client.set_default_header("Connection", "close")
        api = kubernetes.client.CoreV1Api(client)
        body = kubernetes.client.V1Pod(
            metadata=kubernetes.client.V1ObjectMeta(name="py"),
            spec=kubernetes.client.V1PodSpec(
                containers=[kubernetes.client.V1Container(name="c", image="nginx")]
            ),
        )
        api.create_namespaced_pod(ns, body)
        until(
            lambda: any(
                c.type == "Ready" and c.status == "True"
                for c in present(api.read_namespaced_pod("py", ns).status).conditions or []
            ),
            "Ready",
        )
        deleted = api.delete_namespaced_pod("py", ns)
        # The answer is the pod marked for deletion, with the default grace period.
        assert present(deleted.metadata).deletion_timestamp is not None
        assert present(deleted.metadata).deletion_grace_period_seconds == 30

        def gone() -> bool:
            try:
                api.read_namespaced_pod("py", ns)
            except kubernetes.client.ApiException as e:
                return bool(e.status == 404)
            return False

        until(gone, "the pod to be removed")


def test_unschedulable_message_and_event(kubectl: Kubectl, ns: str) -> None:
    apply(kubectl, ns, pod("picky", nodeSelector={"disktype": "ssd"}))
    # From 1.34 the DynamicResources PostFilter speaks first.
    dra = "no new claims to deallocate, " if server_minor(kubectl) >= 34 else ""
    want = (
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
        f"{dra}preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )

    def condition() -> dict[str, Any] | None:
        for c in pod_json(kubectl, ns, "picky")["status"].get("conditions") or []:
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return dict(c)
        return None

    c = until(condition, "PodScheduled=False")
    assert (c["reason"], c["message"]) == ("Unschedulable", want)
    until(
        lambda: (
            want
            in kubectl("-n", ns, "get", "events", "--field-selector", "reason=FailedScheduling").out
        ),
        "a FailedScheduling event",
    )
    # Labelling the node makes the pod schedulable: the scheduler tries again.
    kubectl("label", "node", "fakekapi-control-plane", "disktype=ssd")
    try:
        kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/picky", "--timeout=60s")
    finally:
        kubectl("label", "node", "fakekapi-control-plane", "disktype-")


def test_resources_beyond_allocatable(kubectl: Kubectl, ns: str) -> None:
    big = pod("huge")
    big["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "64", "memory": "1Gi"}}
    apply(kubectl, ns, big)
    dra = "no new claims to deallocate, " if server_minor(kubectl) >= 34 else ""
    want = (
        "0/1 nodes are available: 1 Insufficient cpu. "
        f"{dra}preemption: 0/1 nodes are available: 1 No preemption victims found for incoming "
        "pod."
    )

    def message() -> str | None:
        for c in pod_json(kubectl, ns, "huge")["status"].get("conditions") or []:
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return str(c["message"])
        return None

    assert until(message, "PodScheduled=False") == want


def test_ready_after_and_run_for_knobs(kubectl: Kubectl, ns: str) -> None:
    columns = (
        "custom-columns=NAME:.metadata.name,PHASE:.status.phase,"
        'READY:.status.conditions[?(@.type=="Ready")].status'
    )
    reader = LineReader(
        kubectl.popen("-n", ns, "get", "pods", "-l", "knobs=watched", "-w", "-o", columns)
    )
    try:
        marker = pod("marker")
        marker["metadata"]["labels"] = {"knobs": "watched"}
        apply(kubectl, ns, marker)
        reader.expect(lambda line: line.startswith("marker"), timeout=DEADLINE)  # watching
        slow = pod("slow", {"simulate.fakekapi.dev/ready-after": "1s"})
        worker = pod("worker", {"simulate.fakekapi.dev/run-for": "1s"}, restartPolicy="OnFailure")
        for p in (slow, worker):
            p["metadata"]["labels"] = {"knobs": "watched"}
            apply(kubectl, ns, p)
        # Each passes through Running-but-unready (slow) or Running (worker) on its way.
        wanted = {
            ("slow", "Running", "False"),
            ("slow", "Running", "True"),
            ("worker", "Running", "True"),
            ("worker", "Succeeded", "False"),
        }
        seen: set[tuple[str, ...]] = set()
        while not wanted <= seen:
            seen.add(tuple(reader.expect(lambda _line: True, timeout=DEADLINE).split()))
    finally:
        reader.close()


def test_changed_image_restarts_the_container(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "run", "upgraded", "--image=nginx:1.26")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/upgraded", "--timeout=60s")
    kubectl("-n", ns, "set", "image", "pod/upgraded", "upgraded=nginx:1.27")

    def restarted() -> dict[str, Any] | None:
        cs = pod_json(kubectl, ns, "upgraded")["status"]["containerStatuses"][0]
        return dict(cs) if cs["image"] == "docker.io/library/nginx:1.27" and cs["ready"] else None

    cs = until(restarted, "the container to run the new image")
    assert cs["restartCount"] == 1
    assert "terminated" in cs["lastState"]
    events = kubectl("-n", ns, "get", "events", "--field-selector",
                     "involvedObject.name=upgraded").out  # fmt: skip
    assert "Container upgraded definition changed, will be restarted" in events


def test_pod_waits_for_its_claim(kubectl: Kubectl, ns: str) -> None:
    with_claim = pod("claimant")
    with_claim["spec"]["volumes"] = [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]
    apply(kubectl, ns, with_claim)
    dra = "no new claims to deallocate, " if server_minor(kubectl) >= 34 else ""
    want = (
        '0/1 nodes are available: persistentvolumeclaim "data" not found. '
        f"{dra}preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )

    def message() -> str | None:
        for c in pod_json(kubectl, ns, "claimant")["status"].get("conditions") or []:
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return str(c["message"])
        return None

    assert until(message, "PodScheduled=False") == want
    # Once the claim exists and the persistentvolume-binder binds it, the pod is placed.
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    apply(kubectl, ns, claim)
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/claimant", "--timeout=60s")


def test_host_ports_conflict(kubectl: Kubectl, ns: str) -> None:
    for name in ("port-a", "port-b"):
        p = pod(name)
        p["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 18080}]
        apply(kubectl, ns, p)
    kubectl("-n", ns, "wait", "--for=condition=PodScheduled", "pod/port-a", "--timeout=60s")
    dra = "no new claims to deallocate, " if server_minor(kubectl) >= 34 else ""
    want = (
        "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. "
        f"{dra}preemption: 0/1 nodes are available: 1 No preemption victims found for incoming "
        "pod."
    )

    def message() -> str | None:
        for c in pod_json(kubectl, ns, "port-b")["status"].get("conditions") or []:
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return str(c["message"])
        return None

    assert until(message, "port-b unschedulable") == want
    # The port is free again once port-a is gone.
    kubectl("-n", ns, "delete", "pod", "port-a")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/port-b", "--timeout=60s")


def test_active_deadline_fails_the_pod(kubectl: Kubectl, ns: str) -> None:
    apply(kubectl, ns, pod("deadline", activeDeadlineSeconds=1))
    kubectl("-n", ns, "wait", "--for=jsonpath={.status.phase}=Failed", "pod/deadline",
            "--timeout=60s")  # fmt: skip
    status = pod_json(kubectl, ns, "deadline")["status"]
    assert (status["reason"], status["message"]) == (
        "DeadlineExceeded",
        "Pod was active on the node longer than the specified deadline",
    )
    term = status["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 137


def test_required_pod_anti_affinity_and_affinity(kubectl: Kubectl, ns: str) -> None:
    dra = "no new claims to deallocate, " if server_minor(kubectl) >= 34 else ""
    hostname = "kubernetes.io/hostname"

    def with_terms(name: str, labels: dict[str, str], kind: str, selects: str) -> dict[str, Any]:
        p = pod(name)
        p["metadata"]["labels"] = labels
        term = {"labelSelector": {"matchLabels": {"app": selects}}, "topologyKey": hostname}
        p["spec"]["affinity"] = {kind: {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
        return p

    def message(name: str) -> str | None:
        for c in pod_json(kubectl, ns, name)["status"].get("conditions") or []:
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return str(c["message"])
        return None

    apply(kubectl, ns, with_terms("lonely-1", {"app": "lonely"}, "podAntiAffinity", "lonely"))
    kubectl("-n", ns, "wait", "--for=condition=PodScheduled", "pod/lonely-1", "--timeout=60s")
    apply(kubectl, ns, with_terms("lonely-2", {"app": "lonely"}, "podAntiAffinity", "lonely"))
    assert until(lambda: message("lonely-2"), "lonely-2 unschedulable") == (
        "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. "
        f"{dra}preemption: 0/1 nodes are available: 1 No preemption victims found for incoming "
        "pod."
    )
    plain = pod("neighbour")
    plain["metadata"]["labels"] = {"app": "lonely"}
    apply(kubectl, ns, plain)
    assert until(lambda: message("neighbour"), "neighbour unschedulable") == (
        "0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules. "
        f"{dra}preemption: 0/1 nodes are available: 1 No preemption victims found for incoming "
        "pod."
    )
    apply(kubectl, ns, with_terms("follower", {"app": "follower"}, "podAffinity", "leader"))
    assert until(lambda: message("follower"), "follower unschedulable") == (
        "0/1 nodes are available: 1 node(s) didn't match pod affinity rules. "
        f"{dra}preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )
    leader = pod("leader")
    leader["metadata"]["labels"] = {"app": "leader"}
    apply(kubectl, ns, leader)
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/follower", "--timeout=60s")


def test_topology_spread_on_a_node_without_zones(kubectl: Kubectl, ns: str) -> None:
    def spread(name: str, key: str) -> dict[str, Any]:
        p = pod(name)
        p["metadata"]["labels"] = {"app": "spread"}
        p["spec"]["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": key,
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": {"app": "spread"}},
            }
        ]
        return p

    # Spread over hostnames: one node is one domain, always within the skew.
    apply(kubectl, ns, spread("by-host", "kubernetes.io/hostname"))
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/by-host", "--timeout=60s")
    # Spread over zones: like kind's nodes, the fake node has no zone label.
    apply(kubectl, ns, spread("by-zone", "topology.kubernetes.io/zone"))
    dra = "no new claims to deallocate, " if server_minor(kubectl) >= 34 else ""

    def message() -> str | None:
        for c in pod_json(kubectl, ns, "by-zone")["status"].get("conditions") or []:
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return str(c["message"])
        return None

    assert until(message, "by-zone unschedulable") == (
        "0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints "
        f"(missing required label). {dra}preemption: 0/1 nodes are available: 1 Preemption is "
        "not helpful for scheduling."
    )


def test_pods_loaded_as_fixtures_are_scheduled_and_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The scheduler starts after the fixtures are applied; its informer, already listed by the
    controllers, hands a late handler every cached pod (client-go's AddEventHandler does): fixture
    pods are placed and run like any other."""
    folder = tmp_path_factory.mktemp("fixtures")
    pods = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fx"}},
        *(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"p{i}", "namespace": "fx"},
                "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]},
            }
            for i in range(3)
        ),
    ]
    (folder / "pods.yaml").write_text(yaml.safe_dump_all(pods))
    with running_server(fixtures=(folder,)) as s:
        kubectl = Kubectl(kubectl_path(33), s.kubeconfig_path, tmp_path_factory.mktemp("k"))

        def phases() -> list[str]:
            listed = json.loads(kubectl("-n", "fx", "get", "pods", "-o", "json").out)
            return [str(p.get("status", {}).get("phase")) for p in listed["items"]]

        until(lambda: phases() == ["Running"] * 3, "the fixture pods running", timeout=DEADLINE)
