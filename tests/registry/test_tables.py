"""Server-side Table output: per-kind cells, column sets, includeObject, watch framing, ages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic import tables
from fakekapi.registry.generic.printing.cells import human_duration_micros
from fakekapi.registry.generic.tables import check_include_object
from fakekapi.registry.strategies import table_printer

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def ts(**ago: float) -> str:
    """An RFC 3339 timestamp `ago` before NOW."""
    return (NOW - timedelta(**ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_table(r: ResourceType, objects: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    """The Table the server answers with: the type's printer from the strategy table."""
    return tables.to_table(r, objects, printer=table_printer(r), **kw)


def watch_table(r: ResourceType, obj: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """One watch event's Table, the type's printer from the strategy table."""
    return tables.watch_table(r, obj, printer=table_printer(r), **kw)


def rt(group: str, version: str, plural: str, kind: str, *, crd: bool = False) -> ResourceType:
    return ResourceType(
        group, version, plural, kind, kind.lower(), True, ("get", "list"), is_crd=crd
    )


def meta(name: str, **extra: Any) -> dict[str, Any]:
    md: dict[str, Any] = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "resourceVersion": "42",
        "creationTimestamp": ts(days=2),
    }
    md.update(extra)
    return md


def cells(r: ResourceType, obj: dict[str, Any]) -> list[Any]:
    table = to_table(r, [obj], resource_version="42", now=NOW)
    row = table["rows"][0]
    assert len(row["cells"]) == len(table["columnDefinitions"])
    return list(row["cells"])


def column_names(r: ResourceType) -> list[tuple[str, str, int]]:
    table = to_table(r, [], resource_version="1", now=NOW)
    return [(c["name"], c["type"], c["priority"]) for c in table["columnDefinitions"]]


# --- HumanDuration -------------------------------------------------------------------------------

S = 1_000_000
M = 60 * S
H = 60 * M
D = 24 * H


@pytest.mark.parametrize(
    ("micros", "expected"),
    [
        (-2 * S, "<invalid>"),
        (-1_500_000, "0s"),
        (-S // 2, "0s"),
        (0, "0s"),
        (45 * S + 999_999, "45s"),
        (119 * S, "119s"),
        (120 * S, "2m"),
        (200 * S, "3m20s"),
        (9 * M + 59 * S, "9m59s"),
        (10 * M, "10m"),
        (10 * M + 30 * S, "10m"),
        (179 * M + 59 * S, "179m"),
        (3 * H, "3h"),
        (3 * H + 10 * M, "3h10m"),
        (7 * H + 59 * M, "7h59m"),
        (8 * H, "8h"),
        (47 * H + 59 * M, "47h"),
        (48 * H, "2d"),
        (3 * D + 4 * H, "3d4h"),
        (7 * D + 23 * H, "7d23h"),
        (8 * D, "8d"),
        (729 * D, "729d"),
        (730 * D, "2y"),
        (760 * D, "2y30d"),
        (8 * 365 * D - 1, "7y364d"),
        (8 * 365 * D, "8y"),
        (9 * 365 * D + 100 * D, "9y"),
    ],
)
def test_human_duration(micros: int, expected: str) -> None:
    assert human_duration_micros(micros) == expected


def test_age_of_missing_timestamp_is_unknown() -> None:
    ns = {"metadata": {"name": "x"}, "status": {"phase": "Active"}}
    assert cells(rt("", "v1", "namespaces", "Namespace"), ns) == ["x", "Active", "<unknown>"]


# --- Pods ----------------------------------------------------------------------------------------

POD_SPEC = {
    "containers": [{"name": "app", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}],
    "nodeName": "node-1",
}


def pod(status: dict[str, Any], spec: dict[str, Any] | None = None, **md: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta("web", **md),
        "spec": spec if spec is not None else POD_SPEC,
        "status": status,
    }


RUNNING = {"running": {"startedAt": ts(days=1)}}

POD_CASES: list[tuple[str, dict[str, Any], list[Any]]] = [
    (
        "two containers, one ready, restarted 5m ago, readiness gates",
        pod(
            {
                "phase": "Running",
                "podIP": "10.0.0.5",
                "podIPs": [{"ip": "10.0.0.5"}],
                "conditions": [
                    {"type": "Ready", "status": "False"},
                    {"type": "example.com/gate-a", "status": "True"},
                    {"type": "example.com/gate-b", "status": "False"},
                ],
                "containerStatuses": [
                    {
                        "name": "app",
                        "ready": True,
                        "restartCount": 3,
                        "state": RUNNING,
                        "lastState": {"terminated": {"exitCode": 1, "finishedAt": ts(minutes=5)}},
                    },
                    {"name": "log", "ready": False, "restartCount": 0, "state": RUNNING},
                ],
            },
            {
                **POD_SPEC,
                "readinessGates": [
                    {"conditionType": "example.com/gate-a"},
                    {"conditionType": "example.com/gate-b"},
                ],
            },
        ),
        ["web", "1/2", "Running", "3 (5m ago)", "2d", "10.0.0.5", "node-1", "<none>", "1/2"],
    ),
    (
        "pending, creating containers, unscheduled",
        pod(
            {
                "phase": "Pending",
                "containerStatuses": [
                    {"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}},
                    {"name": "log", "state": {"waiting": {"reason": "ContainerCreating"}}},
                ],
            },
            {"containers": POD_SPEC["containers"]},
        ),
        ["web", "0/2", "ContainerCreating", "0", "2d", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "crash loop",
        pod(
            {
                "phase": "Running",
                "podIPs": [{"ip": "10.0.0.6"}],
                "nominatedNodeName": "node-2",
                "containerStatuses": [
                    {
                        "name": "app",
                        "restartCount": 7,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        "lastState": {"terminated": {"exitCode": 2, "finishedAt": ts(hours=3)}},
                    },
                    {"name": "log", "ready": True, "state": RUNNING},
                ],
            }
        ),
        [
            "web",
            "1/2",
            "CrashLoopBackOff",
            "7 (3h ago)",
            "2d",
            "10.0.0.6",
            "node-1",
            "node-2",
            "<none>",
        ],
    ),
    (
        "waiting for the first init container",
        pod(
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    {"name": "init", "state": {"waiting": {"reason": "PodInitializing"}}}
                ],
            },
            {**POD_SPEC, "initContainers": [{"name": "init", "image": "busybox"}]},
        ),
        ["web", "0/2", "Init:0/1", "0", "2d", "<none>", "node-1", "<none>", "<none>"],
    ),
    (
        "second init container crash-looping",
        pod(
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {
                        "name": "b",
                        "restartCount": 2,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    },
                ],
            },
            {**POD_SPEC, "initContainers": [{"name": "a"}, {"name": "b"}]},
        ),
        ["web", "0/2", "Init:CrashLoopBackOff", "2", "2d", "<none>", "node-1", "<none>", "<none>"],
    ),
    (
        "init container failed with a signal",
        pod(
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    {"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}},
                ],
            },
            {**POD_SPEC, "initContainers": [{"name": "a"}]},
        ),
        ["web", "0/2", "Init:Signal:9", "0", "2d", "<none>", "node-1", "<none>", "<none>"],
    ),
    (
        "running sidecar counts as a container",
        pod(
            {
                "phase": "Running",
                "conditions": [{"type": "Initialized", "status": "True"}],
                "initContainerStatuses": [
                    {"name": "proxy", "ready": True, "started": True, "state": RUNNING}
                ],
                "containerStatuses": [{"name": "app", "ready": True, "state": RUNNING}],
            },
            {
                "containers": [{"name": "app"}],
                "initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
            },
        ),
        ["web", "2/2", "Running", "0", "2d", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "completed",
        pod(
            {
                "phase": "Succeeded",
                "containerStatuses": [
                    {
                        "name": "app",
                        "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                    },
                ],
            },
            {"containers": [{"name": "app"}]},
        ),
        ["web", "0/1", "Completed", "0", "2d", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "container exited without a reason",
        pod(
            {
                "phase": "Failed",
                "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 3}}}],
            },
            {"containers": [{"name": "app"}]},
        ),
        ["web", "0/1", "ExitCode:3", "0", "2d", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "being deleted",
        pod(
            {
                "phase": "Running",
                "containerStatuses": [{"name": "app", "ready": True, "state": RUNNING}],
            },
            {"containers": [{"name": "app"}]},
            deletionTimestamp=ts(seconds=10),
        ),
        ["web", "1/1", "Terminating", "0", "2d", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "scheduling gated",
        pod(
            {
                "phase": "Pending",
                "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
                ],
            },
            {"containers": [{"name": "app"}], "schedulingGates": [{"name": "example.com/wait"}]},
        ),
        ["web", "0/1", "SchedulingGated", "0", "2d", "<none>", "<none>", "<none>", "<none>"],
    ),
]


@pytest.mark.parametrize(
    ("obj", "expected"), [c[1:] for c in POD_CASES], ids=[c[0] for c in POD_CASES]
)
def test_pod_cells(obj: dict[str, Any], expected: list[Any]) -> None:
    assert cells(rt("", "v1", "pods", "Pod"), obj) == expected


def test_pod_columns_and_row_conditions() -> None:
    pods = rt("", "v1", "pods", "Pod")
    assert column_names(pods) == [
        ("Name", "string", 0),
        ("Ready", "string", 0),
        ("Status", "string", 0),
        ("Restarts", "string", 0),
        ("Age", "string", 0),
        ("IP", "string", 1),
        ("Node", "string", 1),
        ("Nominated Node", "string", 1),
        ("Readiness Gates", "string", 1),
    ]
    done = POD_CASES[7][1]
    table = to_table(pods, [done], resource_version="42", now=NOW)
    row = table["rows"][0]
    assert list(row) == ["cells", "conditions", "object"]
    assert row["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]
    name = table["columnDefinitions"][0]
    assert name["format"] == "name"
    assert name["description"].startswith("Name must be unique within a namespace.")
    assert "conditions" not in to_table(pods, [POD_CASES[0][1]], resource_version="1")["rows"][0]


# --- Other kinds ---------------------------------------------------------------------------------


def obj(kind: str, name: str = "x", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "metadata": meta(name), **fields}


TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {
        "containers": [{"name": "app", "image": "nginx:1.27"}, {"name": "s", "image": "envoy"}]
    },
}
SELECTOR = {"matchLabels": {"app": "web", "tier": "fe"}}

KIND_CASES: list[tuple[str, ResourceType, dict[str, Any], list[Any]]] = [
    (
        "namespace",
        rt("", "v1", "namespaces", "Namespace"),
        obj("Namespace", "dev", status={"phase": "Terminating"}),
        ["dev", "Terminating", "2d"],
    ),
    (
        "configmap counts data and binaryData as a number",
        rt("", "v1", "configmaps", "ConfigMap"),
        obj("ConfigMap", data={"a": "1", "b": "2"}, binaryData={"c": "AA=="}),
        ["x", 3, "2d"],
    ),
    (
        "secret",
        rt("", "v1", "secrets", "Secret"),
        obj("Secret", type="kubernetes.io/tls", data={"tls.crt": "", "tls.key": ""}),
        ["x", "kubernetes.io/tls", 2, "2d"],
    ),
    (
        "serviceaccount",
        rt("", "v1", "serviceaccounts", "ServiceAccount"),
        obj("ServiceAccount", "default"),
        ["default", 0, "2d"],
    ),
    (
        "service ClusterIP",
        rt("", "v1", "services", "Service"),
        obj(
            "Service",
            "web",
            spec={
                "type": "ClusterIP",
                "clusterIP": "10.96.0.10",
                "clusterIPs": ["10.96.0.10"],
                "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
                "selector": {"tier": "fe", "app": "web"},
            },
        ),
        ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "2d", "app=web,tier=fe"],
    ),
    (
        "service NodePort",
        rt("", "v1", "services", "Service"),
        obj(
            "Service",
            "np",
            spec={
                "type": "NodePort",
                "clusterIPs": ["10.96.0.11"],
                "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}],
            },
        ),
        ["np", "NodePort", "10.96.0.11", "<none>", "80:30080/TCP", "2d", "<none>"],
    ),
    (
        "service LoadBalancer pending",
        rt("", "v1", "services", "Service"),
        obj("Service", "lb", spec={"type": "LoadBalancer", "clusterIP": "10.96.0.12"}),
        ["lb", "LoadBalancer", "10.96.0.12", "<pending>", "<none>", "2d", "<none>"],
    ),
    (
        "service LoadBalancer with ingress",
        rt("", "v1", "services", "Service"),
        obj(
            "Service",
            "lb",
            spec={"type": "LoadBalancer", "clusterIP": "None", "externalIPs": ["1.2.3.4"]},
            status={"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example"}]}},
        ),
        ["lb", "LoadBalancer", "None", "5.6.7.8,lb.example,1.2.3.4", "<none>", "2d", "<none>"],
    ),
    (
        "service ExternalName",
        rt("", "v1", "services", "Service"),
        obj("Service", "ext", spec={"type": "ExternalName", "externalName": "db.example.com"}),
        ["ext", "ExternalName", "<none>", "db.example.com", "<none>", "2d", "<none>"],
    ),
    (
        "deployment",
        rt("apps", "v1", "deployments", "Deployment"),
        obj(
            "Deployment",
            "web",
            spec={"replicas": 3, "selector": SELECTOR, "template": TEMPLATE},
            status={"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
        ),
        ["web", "2/3", 3, 2, "2d", "app,s", "nginx:1.27,envoy", "app=web,tier=fe"],
    ),
    (
        "replicaset",
        rt("apps", "v1", "replicasets", "ReplicaSet"),
        obj(
            "ReplicaSet",
            "web-5d4f",
            spec={"replicas": 2, "selector": SELECTOR, "template": TEMPLATE},
            status={"replicas": 2, "readyReplicas": 1},
        ),
        ["web-5d4f", 2, 2, 1, "2d", "app,s", "nginx:1.27,envoy", "app=web,tier=fe"],
    ),
    (
        "statefulset",
        rt("apps", "v1", "statefulsets", "StatefulSet"),
        obj(
            "StatefulSet",
            "db",
            spec={"replicas": 3, "template": TEMPLATE},
            status={"readyReplicas": 3},
        ),
        ["db", "3/3", "2d", "app,s", "nginx:1.27,envoy"],
    ),
    (
        "daemonset",
        rt("apps", "v1", "daemonsets", "DaemonSet"),
        obj(
            "DaemonSet",
            "agent",
            spec={
                "selector": {
                    "matchLabels": {"app": "agent"},
                    "matchExpressions": [
                        {"key": "zone", "operator": "In", "values": ["b", "a"]},
                        {"key": "gpu", "operator": "DoesNotExist"},
                    ],
                },
                "template": {
                    "spec": {
                        "nodeSelector": {"kubernetes.io/os": "linux"},
                        "containers": [{"name": "agent", "image": "agent:1"}],
                    }
                },
            },
            status={
                "desiredNumberScheduled": 3,
                "currentNumberScheduled": 3,
                "numberReady": 2,
                "updatedNumberScheduled": 3,
                "numberAvailable": 2,
            },
        ),
        [
            "agent",
            3,
            3,
            2,
            3,
            2,
            "kubernetes.io/os=linux",
            "2d",
            "agent",
            "agent:1",
            "app=agent,!gpu,zone in (a,b)",
        ],
    ),
    (
        "node",
        rt("", "v1", "nodes", "Node"),
        obj(
            "Node",
            "node-1",
            metadata={
                **meta("node-1"),
                "labels": {
                    "node-role.kubernetes.io/control-plane": "",
                    "node-role.kubernetes.io/worker": "",
                    "kubernetes.io/role": "infra",
                },
            },
            spec={"unschedulable": True},
            status={
                "conditions": [
                    {"type": "MemoryPressure", "status": "False"},
                    {"type": "Ready", "status": "True"},
                ],
                "addresses": [
                    {"type": "InternalIP", "address": "172.18.0.2"},
                    {"type": "Hostname", "address": "node-1"},
                ],
                "nodeInfo": {
                    "kubeletVersion": "v1.33.1",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "kernelVersion": "6.8.0",
                    "containerRuntimeVersion": "",
                },
            },
        ),
        [
            "node-1",
            "Ready,SchedulingDisabled",
            "control-plane,infra,worker",
            "2d",
            "v1.33.1",
            "172.18.0.2",
            "<none>",
            "Debian GNU/Linux 12 (bookworm)",
            "6.8.0",
            "<unknown>",
        ],
    ),
    (
        "node without conditions",
        rt("", "v1", "nodes", "Node"),
        obj("Node", "n2"),
        [
            "n2",
            "Unknown",
            "<none>",
            "2d",
            "",
            "<none>",
            "<none>",
            "<unknown>",
            "<unknown>",
            "<unknown>",
        ],
    ),
    (
        "event",
        rt("", "v1", "events", "Event"),
        obj(
            "Event",
            "web.17f",
            involvedObject={"kind": "Pod", "name": "web", "fieldPath": "spec.containers{app}"},
            reason="BackOff",
            message="  Back-off restarting failed container\n",
            type="Warning",
            source={"component": "kubelet", "host": "node-1"},
            firstTimestamp=ts(hours=1),
            lastTimestamp=ts(seconds=30),
            count=12,
        ),
        [
            "30s",
            "Warning",
            "BackOff",
            "pod/web",
            "spec.containers{app}",
            "kubelet, node-1",
            "Back-off restarting failed container",
            "60m",
            12,
            "web.17f",
        ],
    ),
    (
        "event from the new API: eventTime, no count",
        rt("", "v1", "events", "Event"),
        obj(
            "Event",
            "e2",
            involvedObject={"kind": "Node"},
            reason="Starting",
            type="Normal",
            eventTime="2025-06-01T11:59:00.123456Z",
            reportingComponent="kube-proxy",
        ),
        ["59s", "Normal", "Starting", "node", "", "kube-proxy", "", "59s", 1, "e2"],
    ),
    (
        "events.k8s.io event with a series",
        rt("events.k8s.io", "v1", "events", "Event"),
        obj(
            "Event",
            "e3",
            regarding={"kind": "Deployment", "name": "web"},
            reason="ScalingReplicaSet",
            note="Scaled up",
            type="Normal",
            eventTime=ts(minutes=20),
            series={"count": 4, "lastObservedTime": ts(minutes=2)},
            reportingController="deployment-controller",
            reportingInstance="cp-1",
        ),
        [
            "2m",
            "Normal",
            "ScalingReplicaSet",
            "deployment/web",
            "",
            "deployment-controller, cp-1",
            "Scaled up",
            "20m",
            4,
            "e3",
        ],
    ),
    (
        "rolebinding",
        rt("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
        obj(
            "RoleBinding",
            "rb",
            roleRef={
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "view",
            },
            subjects=[
                {"kind": "User", "name": "alice"},
                {"kind": "User", "name": "bob"},
                {"kind": "Group", "name": "devs"},
                {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"},
                {"kind": "ServiceAccount", "name": "default", "namespace": "default"},
            ],
        ),
        ["rb", "ClusterRole/view", "2d", "alice, bob", "devs", "tools/ci, default/default"],
    ),
    (
        "clusterrolebinding",
        rt("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding"),
        obj(
            "ClusterRoleBinding",
            "crb",
            roleRef={"kind": "ClusterRole", "name": "cluster-admin"},
            subjects=[{"kind": "Group", "name": "system:masters"}],
        ),
        ["crb", "ClusterRole/cluster-admin", "2d", "", "system:masters", ""],
    ),
    (
        "job running with parallelism",
        rt("batch", "v1", "jobs", "Job"),
        obj(
            "Job",
            "pi",
            spec={
                "parallelism": 3,
                "selector": {"matchLabels": {"job-name": "pi"}},
                "template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}},
            },
            status={"startTime": ts(minutes=4), "succeeded": 1},
        ),
        ["pi", "Running", "1/1 of 3", "4m", "2d", "pi", "perl", "job-name=pi"],
    ),
    (
        "job complete",
        rt("batch", "v1", "jobs", "Job"),
        obj(
            "Job",
            "done",
            spec={"completions": 2, "parallelism": 1, "template": {"spec": {"containers": []}}},
            status={
                "startTime": ts(minutes=30),
                "completionTime": ts(minutes=25),
                "succeeded": 2,
                "conditions": [{"type": "Complete", "status": "True"}],
            },
        ),
        ["done", "Complete", "2/2", "5m", "2d", "", "", "<none>"],
    ),
    (
        "cronjob",
        rt("batch", "v1", "cronjobs", "CronJob"),
        obj(
            "CronJob",
            "nightly",
            spec={
                "schedule": "0 3 * * *",
                "suspend": False,
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {"containers": [{"name": "backup", "image": "backup:2"}]}
                        }
                    }
                },
            },
            status={"active": [{"name": "nightly-1"}], "lastScheduleTime": ts(hours=9)},
        ),
        ["nightly", "0 3 * * *", "<none>", False, 1, "9h", "2d", "backup", "backup:2", "<none>"],
    ),
    (
        "ingress",
        rt("networking.k8s.io", "v1", "ingresses", "Ingress"),
        obj(
            "Ingress",
            "web",
            spec={
                "ingressClassName": "nginx",
                "rules": [
                    {"host": "a.example"},
                    {"host": "b.example"},
                    {},
                    {"host": "c.example"},
                    {"host": "d.example"},
                ],
                "tls": [{"hosts": ["a.example"]}],
            },
            status={"loadBalancer": {"ingress": [{"ip": "10.0.0.9"}]}},
        ),
        ["web", "nginx", "a.example,b.example,c.example + 2 more...", "10.0.0.9", "80, 443", "2d"],
    ),
    (
        "persistentvolume",
        rt("", "v1", "persistentvolumes", "PersistentVolume"),
        obj(
            "PersistentVolume",
            "pv1",
            spec={
                "capacity": {"storage": "10Gi"},
                "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Delete",
                "storageClassName": "standard",
                "claimRef": {"namespace": "default", "name": "data"},
                "volumeMode": "Filesystem",
            },
            status={"phase": "Bound"},
        ),
        [
            "pv1",
            "10Gi",
            "RWO,RWX",
            "Delete",
            "Bound",
            "default/data",
            "standard",
            "<unset>",
            "",
            "2d",
            "Filesystem",
        ],
    ),
    (
        "persistentvolumeclaim bound",
        rt("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
        obj(
            "PersistentVolumeClaim",
            "data",
            spec={
                "volumeName": "pv1",
                "storageClassName": "standard",
                "volumeMode": "Block",
                "resources": {"requests": {"storage": "5Gi"}},
            },
            status={
                "phase": "Bound",
                "capacity": {"storage": "10Gi"},
                "accessModes": ["ReadWriteOnce"],
            },
        ),
        ["data", "Bound", "pv1", "10Gi", "RWO", "standard", "<unset>", "2d", "Block"],
    ),
    (
        "persistentvolumeclaim pending",
        rt("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
        obj(
            "PersistentVolumeClaim",
            "p",
            spec={"resources": {"requests": {"storage": "1Gi"}}},
            status={"phase": "Pending"},
        ),
        ["p", "Pending", "", "", "", "", "<unset>", "2d", "Filesystem"],
    ),
    (
        "endpoints",
        rt("", "v1", "endpoints", "Endpoints"),
        obj(
            "Endpoints",
            "web",
            subsets=[
                {
                    "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
                    "ports": [{"port": 80}, {"port": 443}],
                },
            ],
        ),
        ["web", "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...", "2d"],
    ),
    (
        "endpoints empty",
        rt("", "v1", "endpoints", "Endpoints"),
        obj("Endpoints", "none"),
        ["none", "<none>", "2d"],
    ),
    (
        "lease",
        rt("coordination.k8s.io", "v1", "leases", "Lease"),
        obj("Lease", "kube-scheduler", spec={"holderIdentity": "cp-1_abc"}),
        ["kube-scheduler", "cp-1_abc", "2d"],
    ),
    (
        "storageclass default",
        rt("storage.k8s.io", "v1", "storageclasses", "StorageClass"),
        {
            "kind": "StorageClass",
            "metadata": meta(
                "standard", annotations={"storageclass.kubernetes.io/is-default-class": "true"}
            ),
            "provisioner": "rancher.io/local-path",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
        [
            "standard (default)",
            "rancher.io/local-path",
            "Delete",
            "WaitForFirstConsumer",
            False,
            "2d",
        ],
    ),
    (
        "priorityclass",
        rt("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass"),
        obj(
            "PriorityClass",
            "system-node-critical",
            value=2000001000,
            globalDefault=False,
            preemptionPolicy="PreemptLowerPriority",
        ),
        ["system-node-critical", 2000001000, False, "2d", "PreemptLowerPriority"],
    ),
    (
        "horizontalpodautoscaler v2",
        rt("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
        obj(
            "HorizontalPodAutoscaler",
            "web",
            spec={
                "scaleTargetRef": {"kind": "Deployment", "name": "web"},
                "minReplicas": 2,
                "maxReplicas": 10,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 80},
                        },
                    },
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "memory",
                            "target": {"type": "AverageValue", "averageValue": "500Mi"},
                        },
                    },
                ],
            },
            status={
                "currentReplicas": 3,
                "currentMetrics": [
                    {
                        "type": "Resource",
                        "resource": {"name": "cpu", "current": {"averageUtilization": 45}},
                    },
                ],
            },
        ),
        ["web", "Deployment/web", "cpu: 45%/80%, memory: <unknown>/500Mi", "2", 10, 3, "2d"],
    ),
    (
        "horizontalpodautoscaler v1",
        rt("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
        obj(
            "HorizontalPodAutoscaler",
            "web",
            spec={
                "scaleTargetRef": {"kind": "Deployment", "name": "web"},
                "maxReplicas": 5,
                "targetCPUUtilizationPercentage": 50,
            },
        ),
        ["web", "Deployment/web", "cpu: <unknown>/50%", "1", 5, 0, "2d"],
    ),
    (
        "poddisruptionbudget",
        rt("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget"),
        obj(
            "PodDisruptionBudget",
            "pdb",
            spec={"minAvailable": "50%"},
            status={"disruptionsAllowed": 1},
        ),
        ["pdb", "50%", "N/A", 1, "2d"],
    ),
    (
        "networkpolicy",
        rt("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
        obj("NetworkPolicy", "deny-all", spec={"podSelector": {}}),
        ["deny-all", "<none>", "2d"],
    ),
    (
        "resourcequota",
        rt("", "v1", "resourcequotas", "ResourceQuota"),
        obj(
            "ResourceQuota",
            "q",
            status={
                "hard": {
                    "pods": "10",
                    "requests.cpu": "2",
                    "limits.memory": "4Gi",
                    "limits.cpu": "4",
                },
                "used": {"pods": "3", "requests.cpu": "500m"},
            },
        ),
        ["q", "pods: 3/10, requests.cpu: 500m/2", "limits.cpu: 0/4, limits.memory: 0/4Gi", "2d"],
    ),
    (
        "replicationcontroller",
        rt("", "v1", "replicationcontrollers", "ReplicationController"),
        obj(
            "ReplicationController",
            "rc",
            spec={"replicas": 2, "selector": {"app": "web"}, "template": TEMPLATE},
            status={"replicas": 2, "readyReplicas": 2},
        ),
        ["rc", 2, 2, 2, "2d", "app,s", "nginx:1.27,envoy", "app=web"],
    ),
    (
        "limitrange uses the generic convertor",
        rt("", "v1", "limitranges", "LimitRange"),
        obj("LimitRange", "limits"),
        ["limits", ts(days=2)],
    ),
    (
        "role uses the generic convertor",
        rt("rbac.authorization.k8s.io", "v1", "roles", "Role"),
        obj("Role", "reader"),
        ["reader", ts(days=2)],
    ),
    (
        "customresourcedefinition uses the generic convertor",
        rt("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition"),
        obj("CustomResourceDefinition", "widgets.example.com"),
        ["widgets.example.com", ts(days=2)],
    ),
    (
        "custom resource without printer columns shows Age",
        rt("example.com", "v1", "widgets", "Widget", crd=True),
        obj("Widget", "w1"),
        ["w1", "2d"],
    ),
]


@pytest.mark.parametrize(
    ("r", "o", "expected"), [c[1:] for c in KIND_CASES], ids=[c[0] for c in KIND_CASES]
)
def test_kind_cells(r: ResourceType, o: dict[str, Any], expected: list[Any]) -> None:
    got = cells(r, o)
    assert got == expected
    # JSON types exactly as kube emits them: no bool where an int is expected and vice versa.
    assert [type(c) for c in got] == [type(c) for c in expected]


COLUMN_CASES: list[tuple[ResourceType, list[str]]] = [
    (rt("", "v1", "namespaces", "Namespace"), ["Name", "Status", "Age"]),
    (rt("", "v1", "configmaps", "ConfigMap"), ["Name", "Data", "Age"]),
    (rt("", "v1", "secrets", "Secret"), ["Name", "Type", "Data", "Age"]),
    (rt("", "v1", "serviceaccounts", "ServiceAccount"), ["Name", "Secrets", "Age"]),
    (
        rt("", "v1", "services", "Service"),
        ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"],
    ),
    (
        rt("apps", "v1", "deployments", "Deployment"),
        ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"],
    ),
    (
        rt("", "v1", "nodes", "Node"),
        [
            "Name",
            "Status",
            "Roles",
            "Age",
            "Version",
            "Internal-IP",
            "External-IP",
            "OS-Image",
            "Kernel-Version",
            "Container-Runtime",
        ],
    ),
    (
        rt("", "v1", "events", "Event"),
        [
            "Last Seen",
            "Type",
            "Reason",
            "Object",
            "Subobject",
            "Source",
            "Message",
            "First Seen",
            "Count",
            "Name",
        ],
    ),
    (
        rt("batch", "v1", "jobs", "Job"),
        ["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"],
    ),
    (
        rt("batch", "v1", "cronjobs", "CronJob"),
        [
            "Name",
            "Schedule",
            "Timezone",
            "Suspend",
            "Active",
            "Last Schedule",
            "Age",
            "Containers",
            "Images",
            "Selector",
        ],
    ),
    (
        rt("", "v1", "persistentvolumes", "PersistentVolume"),
        [
            "Name",
            "Capacity",
            "Access Modes",
            "Reclaim Policy",
            "Status",
            "Claim",
            "StorageClass",
            "VolumeAttributesClass",
            "Reason",
            "Age",
            "VolumeMode",
        ],
    ),
    (rt("rbac.authorization.k8s.io", "v1", "roles", "Role"), ["Name", "Created At"]),
]


@pytest.mark.parametrize(("r", "names"), COLUMN_CASES, ids=[c[0].plural for c in COLUMN_CASES])
def test_column_sets(r: ResourceType, names: list[str]) -> None:
    assert [c[0] for c in column_names(r)] == names


def test_column_definition_details() -> None:
    events = to_table(rt("", "v1", "events", "Event"), [], resource_version="1")
    defs = {c["name"]: c for c in events["columnDefinitions"]}
    assert defs["Name"] == {**defs["Name"], "format": "name", "priority": 1}
    assert defs["Count"]["priority"] == 1 and defs["Message"]["priority"] == 0
    assert list(defs["Last Seen"]) == ["name", "type", "format", "description", "priority"]
    roles = to_table(
        rt("rbac.authorization.k8s.io", "v1", "roles", "Role"), [], resource_version="1"
    )
    created = roles["columnDefinitions"][1]
    assert created["type"] == "date" and created["format"] == ""
    assert created["description"].startswith("CreationTimestamp is a timestamp")
    deploy = to_table(rt("apps", "v1", "deployments", "Deployment"), [], resource_version="1")
    assert deploy["columnDefinitions"][2]["description"] == (
        "Total number of non-terminating pods targeted by this deployment that have the desired "
        "template spec."
    )
    crd = rt("example.com", "v1", "widgets", "Widget", crd=True)
    age = to_table(crd, [], resource_version="1")["columnDefinitions"][1]
    assert age == {
        "name": "Age",
        "type": "date",
        "format": "",
        "description": "Custom resource definition column (in JSONPath format): "
        ".metadata.creationTimestamp",
        "priority": 0,
    }


def test_custom_resource_printer_columns() -> None:
    crd = rt("example.com", "v1", "widgets", "Widget", crd=True)
    columns: list[dict[str, Any]] = [
        {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
        {
            "name": "Ready",
            "type": "string",
            "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
        },
        {
            "name": "Replicas",
            "type": "integer",
            "jsonPath": ".spec.replicas",
            "priority": 1,
            "description": "Desired replicas",
        },
        {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio"},
        {"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused"},
        {"name": "Missing", "type": "string", "jsonPath": ".status.nothing"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ]
    w = obj(
        "Widget",
        "w1",
        spec={"replicas": 3, "ratio": 1, "paused": "yes"},
        status={
            "phase": "Active",
            "conditions": [
                {"type": "Synced", "status": "False"},
                {"type": "Ready", "status": "True"},
            ],
        },
    )
    table = to_table(crd, [w], resource_version="7", now=NOW, printer_columns=columns)
    assert table["rows"][0]["cells"] == ["w1", "Active", "True", 3, 1.0, None, None, "2d"]
    assert table["columnDefinitions"][3]["description"] == "Desired replicas"
    assert table["columnDefinitions"][3]["priority"] == 1


# --- includeObject, metadata, watch --------------------------------------------------------------

FULL_POD = pod(
    {"phase": "Running"},
    {"containers": [{"name": "app"}]},
    labels={"app": "web"},
    annotations={"note": "x"},
    generateName="web-",
    generation=0,
    finalizers=[],
    ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "r"}],
    managedFields=[{"manager": "kubectl", "operation": "Apply"}],
)


@pytest.mark.parametrize("include", ["Metadata", ""])
def test_include_metadata(include: str) -> None:
    table = to_table(
        rt("", "v1", "pods", "Pod"), [FULL_POD], resource_version="42", include_object=include
    )
    partial = table["rows"][0]["object"]
    assert partial["kind"] == "PartialObjectMetadata"
    assert partial["apiVersion"] == "meta.k8s.io/v1"
    assert list(partial) == ["kind", "apiVersion", "metadata"]
    assert list(partial["metadata"]) == [
        "name",
        "generateName",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "labels",
        "annotations",
        "ownerReferences",
        "managedFields",
    ]
    assert partial["metadata"]["ownerReferences"][0]["name"] == "web-1"


def test_include_metadata_without_creation_timestamp_writes_null() -> None:
    bare = {"kind": "Role", "metadata": {"name": "r"}}
    table = to_table(
        rt("rbac.authorization.k8s.io", "v1", "roles", "Role"), [bare], resource_version="1"
    )
    assert table["rows"][0]["object"]["metadata"] == {"name": "r", "creationTimestamp": None}
    assert table["rows"][0]["cells"] == ["r", "0001-01-01T00:00:00Z"]


def test_include_object_and_none() -> None:
    pods = rt("", "v1", "pods", "Pod")
    whole = to_table(pods, [FULL_POD], resource_version="42", include_object="Object")
    assert whole["rows"][0]["object"] == FULL_POD
    none = to_table(pods, [FULL_POD], resource_version="42", include_object="None")
    assert none["rows"][0]["object"] is None
    assert '"object": null' in json.dumps(none)


@pytest.mark.parametrize("bad", ["x", "metadata", "Self", "none "])
def test_bad_include_object_is_a_400(bad: str) -> None:
    with pytest.raises(StatusError) as exc:
        check_include_object(bad)
    assert exc.value.code == 400
    assert exc.value.reason == "BadRequest"
    assert exc.value.message == (
        "Unable to convert to Table as requested: includeObject: Invalid value: "
        f"\"{bad}\": must be 'Metadata', 'Object', 'None', or empty"
    )
    status = exc.value.to_status()
    assert status["kind"] == "Status" and status["code"] == 400
    with pytest.raises(StatusError):
        to_table(rt("", "v1", "pods", "Pod"), [], resource_version="1", include_object=bad)


@pytest.mark.parametrize(
    ("value", "normal"),
    [("", "Metadata"), ("Metadata", "Metadata"), ("Object", "Object"), ("None", "None")],
)
def test_good_include_object(value: str, normal: str) -> None:
    assert check_include_object(value) == normal


def test_table_shape_and_paging_metadata() -> None:
    pods = rt("", "v1", "pods", "Pod")
    plain = to_table(pods, [], resource_version="100")
    assert list(plain) == ["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]
    assert plain["kind"] == "Table" and plain["apiVersion"] == "meta.k8s.io/v1"
    assert plain["metadata"] == {"resourceVersion": "100"}
    assert plain["rows"] == []
    paged = to_table(
        pods, [FULL_POD], resource_version="100", continue_token="tok", remaining_item_count=0
    )
    assert paged["metadata"] == {
        "resourceVersion": "100",
        "continue": "tok",
        "remainingItemCount": 0,
    }


def test_generic_convertor_empty_list_has_null_rows() -> None:
    table = to_table(
        rt("rbac.authorization.k8s.io", "v1", "roles", "Role"), [], resource_version="5"
    )
    assert table["rows"] is None
    crd = to_table(rt("example.com", "v1", "widgets", "Widget", crd=True), [], resource_version="5")
    assert crd["rows"] == []


def test_watch_tables() -> None:
    pods = rt("", "v1", "pods", "Pod")
    first = watch_table(pods, FULL_POD, with_columns=True, now=NOW)
    later = watch_table(pods, FULL_POD, with_columns=False, now=NOW)
    assert len(first["columnDefinitions"]) == 9
    assert later["columnDefinitions"] is None
    assert '"columnDefinitions": null' in json.dumps(later)
    assert first["metadata"] == {"resourceVersion": "42"}
    assert len(later["rows"]) == 1
    assert later["rows"][0]["cells"][0] == "web"
    assert later["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert first["rows"] == later["rows"]
    none = watch_table(pods, FULL_POD, include_object="None", with_columns=False, now=NOW)
    assert none["rows"][0]["object"] is None
    roles = rt("rbac.authorization.k8s.io", "v1", "roles", "Role")
    generic = watch_table(roles, obj("Role", "r"), with_columns=False)
    assert generic["rows"][0]["cells"] == ["r", ts(days=2)]


def test_watch_status_passes_through() -> None:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "too old resource version: 1 (5)",
        "reason": "Expired",
        "code": 410,
    }
    pods = rt("", "v1", "pods", "Pod")
    assert watch_table(pods, status, with_columns=True) is status
    tabled = watch_table(pods, status, include_object="None", with_columns=True)
    assert tabled["rows"][0]["cells"] == ["Failure", "Expired", "too old resource version: 1 (5)"]
    assert [c["name"] for c in tabled["columnDefinitions"]] == ["Status", "Reason", "Message"]
