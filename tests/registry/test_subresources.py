"""pods/eviction, pods/binding and `bindings`, pods/log, and unknown subresource routes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.registry.admission import Attributes
from fakekapi.registry.registry import Registry
from registry.registry_helpers import CONFIGMAPS, DEPLOYMENTS, PODS, W, pod, rtype

BINDINGS = rtype("", "v1", "bindings")
PDBS = rtype("policy", "v1", "poddisruptionbudgets")
SUCCESS = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def eviction(name: str) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}}


def binding(name: str, node: str = "node-1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name},
        "target": {"kind": "Node", "name": node},
    }


async def _running(registry: Registry, name: str, **labels: str) -> None:
    await registry.create(PODS, "default", pod(name, **labels), W)
    current = await registry.get(PODS, "default", name)
    current["status"] = {"phase": "Running"}
    await registry.update(PODS, "default", name, current, W, subresource="status")


async def test_eviction_deletes_the_pod(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    out = await registry.create_subresource(PODS, "default", "web", "eviction", eviction("web"), W)
    assert out.object == SUCCESS
    with pytest.raises(StatusError) as e:
        await registry.get(PODS, "default", "web")
    assert e.value.code == 404


async def test_eviction_errors(registry: Registry) -> None:
    with pytest.raises(StatusError) as e:
        await registry.create_subresource(PODS, "default", "gone", "eviction", eviction("gone"), W)
    assert (e.value.code, e.value.message) == (404, 'pods "gone" not found')
    with pytest.raises(StatusError) as e:
        await registry.create_subresource(PODS, "default", "a", "eviction", eviction("b"), W)
    assert (e.value.code, e.value.message) == (
        400,
        "name in URL does not match name in Eviction object",
    )


async def test_eviction_respects_disruption_budgets(registry: Registry) -> None:
    await _running(registry, "db", app="db")
    pdb = {
        "metadata": {"name": "db"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}},
    }
    await registry.create(PDBS, "default", pdb, W)
    with pytest.raises(StatusError) as e:
        await registry.create_subresource(PODS, "default", "db", "eviction", eviction("db"), W)
    err = e.value
    assert (err.code, err.reason) == (429, "TooManyRequests")
    assert err.message == "Cannot evict pod as it would violate the pod's disruption budget."
    assert err.details is not None
    assert err.details["causes"] == [
        {
            "reason": "DisruptionBudget",
            "message": "The disruption budget db is still being processed by the server.",
        }
    ]
    current = await registry.get(PDBS, "default", "db")
    current["status"] = {
        "observedGeneration": 1,
        "disruptionsAllowed": 1,
        "currentHealthy": 2,
        "desiredHealthy": 1,
        "expectedPods": 2,
    }
    await registry.update(PDBS, "default", "db", current, W, subresource="status")
    out = await registry.create_subresource(PODS, "default", "db", "eviction", eviction("db"), W)
    assert out.object == SUCCESS
    after = await registry.get(PDBS, "default", "db")
    assert after["status"]["disruptionsAllowed"] == 0
    assert "db" in after["status"]["disruptedPods"]


async def test_binding_assigns_a_node_once(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    out = await registry.create_subresource(PODS, "default", "web", "binding", binding("web"), W)
    assert out.object == SUCCESS
    bound = await registry.get(PODS, "default", "web")
    assert bound["spec"]["nodeName"] == "node-1"
    assert bound["status"]["conditions"][0]["type"] == "PodScheduled"
    with pytest.raises(StatusError) as e:
        await registry.create(BINDINGS, "default", binding("web", "node-2"), W)
    assert (e.value.code, e.value.message) == (
        409,
        'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to '
        'node "node-1"',
    )


async def test_bindings_resource_and_validation(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    out = await registry.create(BINDINGS, "default", binding("web"), W)
    assert out.object == SUCCESS and out.created
    bad = binding("web")
    bad["target"] = {"kind": "Node"}
    with pytest.raises(StatusError) as e:
        await registry.create_subresource(PODS, "default", "web", "binding", bad, W)
    assert e.value.message == 'Binding "web" is invalid: target.name: Required value'


async def pod_log(registry: Registry, name: str, query: dict[str, str]) -> str:
    """GET pods/NAME/log through the registry: the text the server sends."""
    streamed = await registry.stream_subresource(PODS, "default", name, "log", query)
    assert streamed is not None
    assert streamed.content_type == "text/plain"
    return streamed.body.decode()


async def test_only_pods_log_is_streamed(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    assert await registry.stream_subresource(PODS, "default", "web", "status", {}) is None


async def test_pod_log(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    assert await pod_log(registry, "web", {}) == ""  # not on a node yet: empty
    await registry.create_subresource(PODS, "default", "web", "binding", binding("web"), W)
    with pytest.raises(StatusError) as e:
        await pod_log(registry, "web", {})
    assert (e.value.code, e.value.message) == (
        400,
        'container "c" in pod "web" is waiting to start: ContainerCreating',
    )
    with pytest.raises(StatusError) as e:
        await pod_log(registry, "web", {"container": "x"})
    assert e.value.message == "container x is not valid for pod web"
    two = pod("two")
    two["spec"]["containers"].append({"name": "d", "image": "busybox"})  # type: ignore[index]
    await registry.create(PODS, "default", two, W)
    with pytest.raises(StatusError) as e:
        await pod_log(registry, "two", {})
    assert e.value.message == "a container name must be specified for pod two, choose one of: [c d]"
    running = await registry.get(PODS, "default", "web")
    running["status"]["containerStatuses"] = [{"name": "c", "state": {"running": {}}}]
    await registry.update(PODS, "default", "web", running, W, subresource="status")
    assert await pod_log(registry, "web", {}) == ""


async def test_unknown_subresource_is_a_route_miss(registry: Registry) -> None:
    await registry.create(CONFIGMAPS, "default", {"metadata": {"name": "cm"}}, W)
    with pytest.raises(StatusError) as e:
        await registry.update(
            CONFIGMAPS, "default", "cm", {"metadata": {"name": "cm"}}, W, subresource="scale"
        )
    assert (e.value.code, e.value.message) == (
        404,
        "the server could not find the requested resource",
    )


async def test_scale_patches_racing_other_writes_all_apply(registry: Registry) -> None:
    """A Scale patch that sets no resourceVersion retries when another write wins the race, as
    kube's patcher does (GuaranteedUpdate re-applies the patch to the fresh object); the
    current Scale's own resourceVersion is no precondition. (The kubelet and controllers write
    a Deployment while `kubectl scale` patches it.)"""
    await registry.create(DEPLOYMENTS, "default", _race_deployment(), W)

    async def interleave(attrs: Attributes) -> None:
        await asyncio.sleep(0)

    registry.admission.append(interleave)

    async def scale(i: int) -> object:
        body = b'{"spec":{"replicas":%d}}' % i
        return await registry.patch(
            DEPLOYMENTS, "default", "web", "application/merge-patch+json", body, W,
            subresource="scale",
        )  # fmt: skip

    async def label(i: int) -> object:
        body = b'{"metadata":{"labels":{"l%d":"x"}}}' % i
        return await registry.patch(
            DEPLOYMENTS, "default", "web", "application/merge-patch+json", body, W
        )

    results = await asyncio.gather(
        *[f(i) for i in range(20) for f in (scale, label)], return_exceptions=True
    )
    assert [r for r in results if isinstance(r, BaseException)] == []


def _race_deployment() -> dict[str, object]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "w"}},
            "template": {
                "metadata": {"labels": {"app": "w"}},
                "spec": {"containers": [{"name": "c", "image": "x"}]},
            },
        },
    }
