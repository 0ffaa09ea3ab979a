"""The endpoints and endpointslice controllers: a Service's pods as Endpoints and slices."""

from __future__ import annotations

from typing import Any

from controllers.controller_harness import create, eventually, items, rt
from fakekapi.controllers.base import now_rfc3339
from fakekapi.controllers.manager import ControllerManager
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry


async def pod(registry: Registry, name: str, ip: str, *, ready: bool) -> dict[str, Any]:
    created = await create(
        registry,
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
            "spec": {
                "nodeName": "node-a",
                "containers": [
                    {
                        "name": "c",
                        "image": "nginx",
                        "ports": [{"name": "http", "containerPort": 8080}],
                    }
                ],
            },
        },
    )
    created["status"] = {
        "phase": "Running",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "conditions": [
            {
                "type": "Ready",
                "status": "True" if ready else "False",
                "lastTransitionTime": now_rfc3339(),
            }
        ],
    }
    result = await registry.update(
        rt(registry, "", "v1", "pods"),
        "default",
        name,
        created,
        WriteOptions(),
        subresource="status",
    )
    return result.object


async def test_slices_and_endpoints_list_the_pods_by_readiness(
    registry: Registry, manager: ControllerManager
) -> None:
    svc = await create(
        registry,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default", "labels": {"tier": "front"}},
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        },
    )
    pods = [
        await pod(registry, "web-1", "10.244.0.11", ready=True),
        await pod(registry, "web-2", "10.244.0.2", ready=True),
        await pod(registry, "web-3", "10.244.0.3", ready=False),
    ]

    async def slices() -> dict[str, Any]:
        found = [
            s
            for s in await items(registry, "discovery.k8s.io", "v1", "endpointslices", "default")
            if s["metadata"]["labels"].get("kubernetes.io/service-name") == "web"
        ]
        assert len(found) == 1
        (slice_,) = found
        assert len(slice_["endpoints"]) == 3
        return slice_

    slice_ = await eventually(slices)
    assert slice_["metadata"]["name"].startswith("web-")
    assert slice_["metadata"]["labels"] == {
        "tier": "front",
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    assert slice_["metadata"]["ownerReferences"][0]["uid"] == svc["metadata"]["uid"]
    assert slice_["addressType"] == "IPv4"
    assert slice_["ports"] == [{"name": "http", "protocol": "TCP", "port": 8080}]
    ready = {e["targetRef"]["name"] for e in slice_["endpoints"] if e["conditions"]["ready"]}
    assert ready == {"web-1", "web-2"}
    web1 = next(e for e in slice_["endpoints"] if e["targetRef"]["name"] == "web-1")
    assert web1 == {
        "addresses": ["10.244.0.11"],
        "conditions": {"ready": True, "serving": True, "terminating": False},
        "targetRef": {
            "kind": "Pod",
            "namespace": "default",
            "name": "web-1",
            "uid": pods[0]["metadata"]["uid"],
        },
        "nodeName": "node-a",
    }

    async def endpoints() -> dict[str, Any]:
        ep = await registry.get(rt(registry, "", "v1", "endpoints"), "default", "web")
        assert len(ep["subsets"][0]["addresses"]) == 2
        return ep

    ep = await eventually(endpoints)
    assert ep["metadata"]["labels"] == {
        "tier": "front",
        "endpointslice.kubernetes.io/skip-mirror": "true",
    }
    (subset,) = ep["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.0.2", "10.244.0.11"]
    assert [a["targetRef"]["name"] for a in subset["notReadyAddresses"]] == ["web-3"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]


async def test_the_kubernetes_service_is_left_alone(
    registry: Registry, manager: ControllerManager
) -> None:
    await create(
        registry,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "manual", "namespace": "default"},
            "spec": {"ports": [{"port": 80}]},
        },
    )
    await create(
        registry,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "after", "namespace": "default"},
            "spec": {"selector": {"x": "y"}, "ports": [{"port": 80}]},
        },
    )

    async def placeholder() -> None:
        found = await items(registry, "discovery.k8s.io", "v1", "endpointslices", "default")
        names = {s["metadata"]["labels"].get("kubernetes.io/service-name") for s in found}
        assert names == {"after"}

    # The selector-less Service got nothing, while the later one got its (empty) slice.
    await eventually(placeholder)
    assert not [
        e
        for e in await items(registry, "", "v1", "endpoints", "default")
        if e["metadata"]["name"] == "manual"
    ]
