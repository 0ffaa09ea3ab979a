"""Strategic merge patch driven by the generated v1.33 schema: which lists merge and by which key
depends on where the list is (Container.ports by containerPort, ServiceSpec.ports by port), and
server-side apply merges by the list-map keys."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from fakekapi.catalog.schemas import LIST, STRUCT, kind_type
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.patch import apply_merge, strategic_merge_patch
from fakekapi.registry.registry import Registry
from registry.registry_helpers import DEPLOYMENTS, PODS, SERVICES, W, pod

POD = kind_type("", "v1", "Pod")
SERVICE = kind_type("", "v1", "Service")
DEPLOYMENT = kind_type("apps", "v1", "Deployment")
SMP = "application/strategic-merge-patch+json"

LIVE_POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "labels": {"app": "x"}, "finalizers": ["a", "b"]},
    "spec": {
        "containers": [
            {
                "name": "c",
                "image": "nginx:1",
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "ports": [{"containerPort": 80}, {"containerPort": 8080}],
            },
            {"name": "d", "image": "busybox:1"},
        ],
        "tolerations": [{"key": "k1"}, {"key": "k2"}],
        "volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "configMap": {"name": "cm"}}],
    },
    "status": {"conditions": [{"type": "Ready", "status": "False"}]},
}

# kubectl client-side apply's three-way patch (reference §2.4): labels replaced, env and a port
# removed, containers reordered.
KUBECTL_APPLY_PATCH = {
    "metadata": {
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"},
        "labels": {"app": None, "tier": "fe"},
    },
    "spec": {
        "$setElementOrder/containers": [{"name": "d"}, {"name": "c"}],
        "containers": [
            {"image": "busybox:2", "name": "d"},
            {
                "$setElementOrder/env": [{"name": "B"}],
                "$setElementOrder/ports": [{"containerPort": 8080}],
                "env": [{"name": "B", "value": "3"}, {"$patch": "delete", "name": "A"}],
                "image": "nginx:2",
                "name": "c",
                "ports": [{"containerPort": 8080}, {"$patch": "delete", "containerPort": 80}],
            },
        ],
    },
}

CASES: list[tuple[str, dict[str, Any], str, Any]] = [
    (
        "kubectl apply patch: containers",
        KUBECTL_APPLY_PATCH,
        "spec.containers",
        [
            {"name": "d", "image": "busybox:2"},
            {
                "name": "c",
                "image": "nginx:2",
                "env": [{"name": "B", "value": "3"}],
                "ports": [{"containerPort": 8080}],
            },
        ],
    ),
    (
        "kubectl apply patch: labels",
        KUBECTL_APPLY_PATCH,
        "metadata.labels",
        {"tier": "fe"},
    ),
    (
        "container ports merge by containerPort",
        {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "h"}]}]}},
        "spec.containers.0.ports",
        [{"containerPort": 80, "name": "h"}, {"containerPort": 8080}],
    ),
    (
        "$patch: delete removes a container by name",
        {"spec": {"containers": [{"name": "d", "$patch": "delete"}]}},
        "spec.containers",
        [LIVE_POD["spec"]["containers"][0]],
    ),
    (
        "env merges by name",
        {"spec": {"containers": [{"name": "c", "env": [{"name": "C", "value": "3"}]}]}},
        "spec.containers.0.env",
        [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
    ),
    (
        "tolerations are atomic",
        {"spec": {"tolerations": [{"key": "k3"}]}},
        "spec.tolerations",
        [{"key": "k3"}],
    ),
    (
        "volumes merge by name; $retainKeys clears the other source",
        {
            "spec": {
                "volumes": [
                    {"name": "v", "$retainKeys": ["name", "hostPath"], "hostPath": {"path": "/x"}}
                ]
            }
        },
        "spec.volumes",
        [{"name": "v", "hostPath": {"path": "/x"}}, {"name": "w", "configMap": {"name": "cm"}}],
    ),
    (
        "finalizers merge as a set",
        {"metadata": {"finalizers": ["b", "c"]}},
        "metadata.finalizers",
        ["a", "b", "c"],
    ),
    (
        "$deleteFromPrimitiveList",
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}},
        "metadata.finalizers",
        ["b"],
    ),
    (
        "status conditions merge by type",
        {"status": {"conditions": [{"type": "Scheduled", "status": "True"}]}},
        "status.conditions",
        [{"type": "Ready", "status": "False"}, {"type": "Scheduled", "status": "True"}],
    ),
    (
        "$patch: replace on a list",
        {"spec": {"containers": [{"name": "z", "image": "z"}, {"$patch": "replace"}]}},
        "spec.containers",
        [{"name": "z", "image": "z"}],
    ),
    (
        "$patch: replace on a map",
        {"metadata": {"labels": {"$patch": "replace", "only": "me"}}},
        "metadata.labels",
        {"only": "me"},
    ),
    (
        "null deletes a key",
        {"spec": {"volumes": None}},
        "spec",
        {k: v for k, v in LIVE_POD["spec"].items() if k != "volumes"},
    ),
]


def at(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj[int(part)] if part.isdigit() else obj[part]
    return obj


@pytest.mark.parametrize(("name", "patch", "path", "expected"), CASES, ids=[c[0] for c in CASES])
def test_pod_strategic_merge(name: str, patch: dict[str, Any], path: str, expected: Any) -> None:
    live = copy.deepcopy(LIVE_POD)
    out = strategic_merge_patch(live, json.dumps(patch).encode(), POD)
    assert at(out, path) == expected
    assert live == LIVE_POD  # the input is not changed


def test_service_ports_merge_by_port() -> None:
    live = {"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}}
    patch = {"spec": {"ports": [{"port": 443, "targetPort": 8443}, {"port": 9000}]}}
    out = strategic_merge_patch(live, json.dumps(patch).encode(), SERVICE)
    assert out["spec"]["ports"] == [
        {"port": 80, "name": "http"},
        {"port": 443, "name": "https", "targetPort": 8443},
        {"port": 9000},
    ]
    # a Container's ports would have been merged by containerPort: these have none
    with pytest.raises(StatusError) as e:
        strategic_merge_patch(
            {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 1}]}]}},
            json.dumps({"spec": {"containers": [{"name": "c", "ports": [{"port": 2}]}]}}).encode(),
            POD,
        )
    assert (e.value.code, e.value.reason) == (500, "InternalError")
    assert e.value.message == (
        "Internal error occurred: map: map[port:2] does not contain declared merge key: "
        "containerPort"
    )


def test_pod_template_lists_follow_pod_spec() -> None:
    live = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}],
                    "tolerations": [{"key": "x"}],
                }
            }
        }
    }
    patch = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "b", "image": "2"}], "tolerations": []},
            }
        }
    }
    out = strategic_merge_patch(live, json.dumps(patch).encode(), DEPLOYMENT)
    assert out["spec"]["template"]["spec"] == {
        "containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}],
        "tolerations": [],
    }


def test_without_schema_lists_are_replaced() -> None:
    out = strategic_merge_patch(
        copy.deepcopy(LIVE_POD), json.dumps({"spec": {"containers": []}}).encode(), None
    )
    assert out["spec"]["containers"] == []


def test_apply_merge_uses_list_map_keys() -> None:
    live = {
        "spec": {
            "containers": [
                {"name": "c", "image": "1", "ports": [{"containerPort": 53, "protocol": "TCP"}]}
            ]
        }
    }
    applied = {
        "spec": {
            "containers": [
                {"name": "c", "ports": [{"containerPort": 53, "protocol": "UDP", "name": "dns"}]}
            ]
        }
    }
    out = apply_merge(live, applied, POD)
    assert out["spec"]["containers"][0]["ports"] == [
        {"containerPort": 53, "protocol": "TCP"},
        {"containerPort": 53, "protocol": "UDP", "name": "dns"},
    ]
    assert out["spec"]["containers"][0]["image"] == "1"


def test_schema_metadata_by_path() -> None:
    assert POD is not None and SERVICE is not None
    container = POD.fields()["spec"].type.fields()["containers"]
    assert container.type.kind == LIST and container.merge_key == "name"
    assert container.type.item is not None and container.type.item.kind == STRUCT
    cports = container.type.item.fields()["ports"]
    assert (cports.merge_key, cports.map_keys) == ("containerPort", ("containerPort", "protocol"))
    sports = SERVICE.fields()["spec"].type.fields()["ports"]
    assert (sports.merge_key, sports.map_keys) == ("port", ("port", "protocol"))
    volumes = POD.fields()["spec"].type.fields()["volumes"]
    assert volumes.patch_strategy == ("merge", "retainKeys")
    tolerations = POD.fields()["spec"].type.fields()["tolerations"]
    assert (tolerations.patch_strategy, tolerations.list_type) == ((), "atomic")
    assert kind_type("example.com", "v1", "Widget") is None


# -- through the registry -------------------------------------------------------------------------


async def test_registry_kubectl_apply_twice(registry: Registry) -> None:
    """A changed container list patched the way kubectl apply does, twice."""
    await registry.create(PODS, "default", pod("web"), W)
    first = {
        "spec": {"containers": [{"name": "c", "image": "nginx:2"}, {"name": "s", "image": "x"}]}
    }
    out = await registry.patch(PODS, "default", "web", SMP, json.dumps(first).encode(), W)
    assert [c["name"] for c in out.object["spec"]["containers"]] == ["c", "s"]
    second = {
        "spec": {
            "$setElementOrder/containers": [{"name": "s"}],
            "containers": [{"name": "c", "$patch": "delete"}, {"name": "s", "image": "y"}],
        }
    }
    out = await registry.patch(PODS, "default", "web", SMP, json.dumps(second).encode(), W)
    assert [(c["name"], c["image"]) for c in out.object["spec"]["containers"]] == [("s", "y")]


async def test_registry_service_ports(registry: Registry) -> None:
    svc = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "name": "http"}]}}
    await registry.create(SERVICES, "default", svc, W)
    body = {"spec": {"ports": [{"port": 443, "name": "https"}]}}
    out = await registry.patch(SERVICES, "default", "s", SMP, json.dumps(body).encode(), W)
    assert [p["port"] for p in out.object["spec"]["ports"]] == [80, 443]


async def test_registry_deployment_strategy_retain_keys(registry: Registry) -> None:
    dep = {
        "metadata": {"name": "d"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }
    await registry.create(DEPLOYMENTS, "default", dep, W)
    body = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    out = await registry.patch(DEPLOYMENTS, "default", "d", SMP, json.dumps(body).encode(), W)
    assert out.object["spec"]["strategy"] == {"type": "Recreate"}
