"""Pure parts of the nodes package: knobs, quantities and requests, scheduler filters and
messages, pod phases and image names."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from fakekapi.core.nodeaffinity import fits_affinity, tolerations_tolerate
from fakekapi.core.quantity import amount
from fakekapi.nodes.knobs import Knobs, knobs_of, parse_duration
from fakekapi.nodes.kubelet import go_millis, go_seconds
from fakekapi.nodes.node import node_names
from fakekapi.nodes.podstatus import ContainerRun, PodRun, image_id, normalize_image, phase_of
from fakekapi.nodes.resources import pod_requests
from fakekapi.nodes.scheduler import Rejection, Scheduler


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("1.5s", 1.5), ("300ms", 0.3), ("1h30m", 5400.0), ("2", 2.0), ("x", None),
     ("", None), ("-1", None), ("1d", None)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_knobs() -> None:
    assert knobs_of({"metadata": {}}) == Knobs()
    pod = {
        "metadata": {
            "annotations": {
                "simulate.fakekapi.dev/exit-code": "3",
                "simulate.fakekapi.dev/run-for": "2s",
                "simulate.fakekapi.dev/ready-after": "500ms",
                "simulate.fakekapi.dev/ready": "False",
                "simulate.fakekapi.dev/image-pull": "fail",
                "simulate.fakekapi.dev/logs": "hi\n",
            }
        }
    }
    assert knobs_of(pod) == Knobs(3, 2.0, 0.5, False, True, "hi\n")
    bad = {"metadata": {"annotations": {"simulate.fakekapi.dev/exit-code": "three"}}}
    assert knobs_of(bad).exit_code is None


@pytest.mark.parametrize(
    ("value", "number"),
    [("100m", Fraction(1, 10)), ("0.5", Fraction(1, 2)), ("128Mi", Fraction(128 * 2**20)),
     ("1G", Fraction(10**9)), ("1e3", Fraction(1000)), (2, Fraction(2)), ("bogus", Fraction(0))],
)  # fmt: skip
def test_quantity_amount(value: Any, number: Fraction) -> None:
    assert amount(value) == number


def test_pod_requests_take_the_larger_of_containers_and_init_containers() -> None:
    spec = {
        "containers": [
            {"resources": {"requests": {"cpu": "100m"}}},
            {"resources": {"limits": {"cpu": "200m", "memory": "1Gi"}}},
        ],
        "initContainers": [
            {"resources": {"requests": {"cpu": "1"}}},
            {"restartPolicy": "Always", "resources": {"requests": {"cpu": "50m"}}},
        ],
    }
    req = pod_requests(spec)
    assert req["cpu"] == Fraction(1)
    assert req["memory"] == Fraction(2**30)


def test_node_names_follow_kind() -> None:
    assert node_names(0) == []
    assert node_names(3) == ["fakekapi-control-plane", "fakekapi-worker", "fakekapi-worker2"]


@pytest.mark.parametrize(
    ("tolerations", "taint", "ok"),
    [
        ([], {"key": "a", "effect": "NoSchedule"}, False),
        ([{"operator": "Exists"}], {"key": "a", "effect": "NoSchedule"}, True),
        ([{"key": "a", "operator": "Exists"}], {"key": "a", "effect": "NoSchedule"}, True),
        ([{"key": "a", "value": "x"}], {"key": "a", "value": "x", "effect": "NoSchedule"}, True),
        ([{"key": "a", "value": "y"}], {"key": "a", "value": "x", "effect": "NoSchedule"}, False),
        (
            [{"key": "a", "operator": "Exists", "effect": "NoExecute"}],
            {"key": "a", "effect": "NoSchedule"},
            False,
        ),
    ],
)
def test_tolerations(tolerations: list[Any], taint: dict[str, Any], ok: bool) -> None:
    assert tolerations_tolerate(tolerations, taint) is ok


def test_node_affinity() -> None:
    node = {"metadata": {"name": "n1", "labels": {"zone": "a", "size": "4"}}}

    def affinity(*terms: dict[str, Any]) -> dict[str, Any]:
        required = {"nodeSelectorTerms": list(terms)}
        return {
            "affinity": {
                "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": required}
            }
        }

    assert fits_affinity({"nodeSelector": {"zone": "a"}}, node)
    assert not fits_affinity({"nodeSelector": {"zone": "b"}}, node)
    expr = {"key": "zone", "operator": "In", "values": ["a", "b"]}
    assert fits_affinity(affinity({"matchExpressions": [expr]}), node)
    gt = {"key": "size", "operator": "Gt", "values": ["8"]}
    assert not fits_affinity(affinity({"matchExpressions": [gt]}), node)
    name = {"key": "metadata.name", "operator": "In", "values": ["n1"]}
    assert fits_affinity(affinity({"matchExpressions": [gt]}, {"matchFields": [name]}), node)


def test_fit_error_messages() -> None:
    scheduler = Scheduler.__new__(Scheduler)
    scheduler.minor = 33
    rejections = [
        Rejection(
            ("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",), True
        ),
        Rejection(("Insufficient cpu", "Insufficient memory"), False),
        Rejection(("Insufficient cpu",), False),
    ]
    assert scheduler.fit_error({"spec": {}}, rejections) == (
        "0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes "
        "are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims "
        "found for incoming pod."
    )
    never = scheduler.fit_error({"spec": {"preemptionPolicy": "Never"}}, rejections[:1])
    assert never.endswith(". preemption: not eligible due to preemptionPolicy=Never.")
    scheduler.minor = 34
    taint = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
    newer = [Rejection((scheduler._taint_reason(taint),), True)]
    assert scheduler.fit_error({"spec": {}}, newer) == (
        "0/1 nodes are available: 1 node(s) had untolerated taint(s). no new claims to "
        "deallocate, preemption: 0/1 nodes are available: 1 Preemption is not helpful for "
        "scheduling."
    )


def _run(*containers: ContainerRun) -> PodRun:
    return PodRun("uid", "n", "1.2.3.4", "t", list(containers), [])


@pytest.mark.parametrize(
    ("policy", "state", "code", "phase"),
    [
        ("Always", "running", 0, "Running"),
        ("Always", "waiting", 0, "Pending"),
        ("Never", "terminated", 0, "Succeeded"),
        ("Never", "terminated", 3, "Failed"),
        ("OnFailure", "terminated", 3, "Running"),
        ("Always", "terminated", 0, "Running"),
    ],
)
def test_phase(policy: str, state: str, code: int, phase: str) -> None:
    c = ContainerRun("c", "img", state=state, exit_code=code)
    assert phase_of({"restartPolicy": policy}, _run(c)) == phase


def test_image_names_as_containerd_reports_them() -> None:
    assert normalize_image("nginx") == "docker.io/library/nginx:latest"
    assert normalize_image("nginx:1.27") == "docker.io/library/nginx:1.27"
    assert normalize_image("bitnami/redis") == "docker.io/bitnami/redis:latest"
    assert normalize_image("registry.k8s.io/pause:3.10") == "registry.k8s.io/pause:3.10"
    assert normalize_image("localhost:5000/app") == "localhost:5000/app:latest"
    assert image_id("nginx").startswith("docker.io/library/nginx@sha256:")
    assert image_id("nginx") == image_id("nginx")


def test_go_durations() -> None:
    assert go_millis(0.4123) == "412ms"
    assert go_millis(1.1611) == "1.161s"
    assert go_millis(2.0) == "2s"
    assert (go_seconds(10), go_seconds(80), go_seconds(300)) == ("10s", "1m20s", "5m0s")


def test_inter_pod_affinity_terms() -> None:
    from fakekapi.nodes.interpod import ANTI_AFFINITY_REASON, InterPodAffinity

    def mk(name: str, ns: str, labels: dict[str, str], **spec: Any) -> dict[str, Any]:
        return {"metadata": {"name": name, "namespace": ns, "labels": labels}, "spec": spec}

    term = {
        "labelSelector": {"matchLabels": {"app": "db"}},
        "topologyKey": "zone",
        "namespaceSelector": {"matchLabels": {"team": "a"}},
        "matchLabelKeys": ["tier"],
    }
    incoming = mk(
        "x", "n1", {"tier": "gold"},
        affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}},
    )  # fmt: skip
    teams = {"n1": {"team": "b"}, "n2": {"team": "a"}}
    placed = [
        (mk("db-1", "n2", {"app": "db", "tier": "gold"}), {"zone": "z1"}),
        (mk("db-2", "n2", {"app": "db", "tier": "silver"}), {"zone": "z2"}),
        (mk("db-3", "n1", {"app": "db", "tier": "gold"}), {"zone": "z3"}),
    ]
    state = InterPodAffinity(incoming, placed, lambda ns: teams.get(ns, {}))
    assert state.check({"zone": "z1"}) == (ANTI_AFFINITY_REASON, False)
    assert state.check({"zone": "z2"}) is None  # tier differs (matchLabelKeys)
    assert state.check({"zone": "z3"}) is None  # namespace n1 is not team a
    assert state.check({}) is None  # no zone label: no domain to share


def test_topology_spread() -> None:
    from fakekapi.nodes.spread import MISSING_LABEL_REASON, SKEW_REASON, TopologySpread

    def node(name: str, **labels: str) -> dict[str, Any]:
        return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}}}

    nodes = [node("a", zone="z1"), node("b", zone="z2"), node("c")]
    constraint = {
        "maxSkew": 1,
        "topologyKey": "zone",
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "web"}},
    }
    incoming = {
        "metadata": {"name": "w3", "namespace": "d", "labels": {"app": "web"}},
        "spec": {"topologySpreadConstraints": [constraint]},
    }
    web = {"metadata": {"namespace": "d", "labels": {"app": "web"}}}
    other_ns = {"metadata": {"namespace": "e", "labels": {"app": "web"}}}
    placed = [(web, "a"), (other_ns, "b"), (other_ns, "b")]
    state = TopologySpread(incoming, nodes, placed, lambda n: True)
    assert state.check(nodes[0]["metadata"]["labels"]) == (SKEW_REASON, False)  # 1+1-0 > 1
    assert state.check(nodes[1]["metadata"]["labels"]) is None
    assert state.check(nodes[2]["metadata"]["labels"]) == (MISSING_LABEL_REASON, True)
    anyway = {**incoming, "spec": {"topologySpreadConstraints": [
        {**constraint, "whenUnsatisfiable": "ScheduleAnyway"}]}}  # fmt: skip
    assert TopologySpread(anyway, nodes, placed, lambda n: True).check({}) is None
