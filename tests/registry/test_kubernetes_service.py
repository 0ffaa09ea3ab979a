"""The `kubernetes` Service controller: created, repaired and recreated like kube-apiserver's."""

from __future__ import annotations

import asyncio

from polling import until_async

from fakekapi.controllers.kubernetes_service import (
    ApiEndpoint,
    KubernetesServiceController,
)
from fakekapi.registry.generic.options import DeleteOptions
from fakekapi.registry.registry import Registry
from registry.registry_helpers import SERVICES, W, rtype

ENDPOINTS = rtype("", "v1", "endpoints")
SLICES = rtype("discovery.k8s.io", "v1", "endpointslices")


def test_endpoint_address() -> None:
    assert ApiEndpoint("0.0.0.0", 1).ip == "127.0.0.1"
    assert ApiEndpoint("::", 1).ip == "::1"
    assert ApiEndpoint("localhost", 1).ip == "127.0.0.1"
    assert ApiEndpoint("10.1.2.3", 1).ip == "10.1.2.3"
    assert not ApiEndpoint("127.0.0.1", 0).known.is_set()


def test_endpoint_known_once_the_server_listens() -> None:
    """Reconciled once bound, whatever the port (kube-apiserver's bootstrap controller is a
    post-start hook), not while starting."""
    for port in (6443, 0):
        endpoint = ApiEndpoint("127.0.0.1", port)
        assert not endpoint.known.is_set()
        endpoint.set("127.0.0.1", port or 40123)
        assert (endpoint.known.is_set(), endpoint.port) == (True, port or 40123)


async def test_kubernetes_service_lifecycle(registry: Registry) -> None:
    endpoint = ApiEndpoint("127.0.0.1", 0)
    controller = KubernetesServiceController(registry, endpoint, (SERVICES, ENDPOINTS, SLICES))
    controller.interval = 0.05
    task = asyncio.create_task(controller.run())
    try:
        await asyncio.sleep(0.1)
        assert registry.store.get("/core/services/default/kubernetes") is None  # port unknown
        endpoint.set("127.0.0.1", 16443)

        async def present() -> bool:
            return (
                registry.store.get("/discovery.k8s.io/endpointslices/default/kubernetes")
                is not None
            )

        await until_async(present)
        svc = await registry.get(SERVICES, "default", "kubernetes")
        assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}
        assert svc["spec"]["clusterIP"] == "10.96.0.1"
        assert svc["spec"]["ports"] == [
            {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 16443}
        ]
        eps = await registry.get(ENDPOINTS, "default", "kubernetes")
        assert eps["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "true"}
        assert eps["subsets"][0]["addresses"] == [{"ip": "127.0.0.1"}]
        slc = await registry.get(SLICES, "default", "kubernetes")
        assert slc["addressType"] == "IPv4"
        assert slc["ports"] == [{"name": "https", "port": 16443, "protocol": "TCP"}]
        stable = svc["metadata"]["resourceVersion"]
        await asyncio.sleep(0.2)
        svc = await registry.get(SERVICES, "default", "kubernetes")
        assert svc["metadata"]["resourceVersion"] == stable  # nothing rewritten when in shape

        # Changed ports are put back; a deleted Service comes back.
        svc["spec"]["ports"][0]["port"] = 8443
        await registry.update(SERVICES, "default", "kubernetes", svc, W)

        async def repaired() -> bool:
            cur = await registry.get(SERVICES, "default", "kubernetes")
            return bool(cur["spec"]["ports"][0]["port"] == 443)

        await until_async(repaired)
        await registry.delete(SERVICES, "default", "kubernetes", DeleteOptions())

        async def recreated() -> bool:
            return registry.store.get("/core/services/default/kubernetes") is not None

        await until_async(recreated)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
