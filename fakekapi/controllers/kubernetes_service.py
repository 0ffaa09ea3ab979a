"""The `kubernetes` Service in `default`, as kube-apiserver's bootstrap controller keeps it.

kube-apiserver itself (pkg/controlplane/controller/kubernetesservice) creates the Service
`default/kubernetes` (ClusterIP 10.96.0.1, the first address of the service range, port 443
named `https` → the server's secure port) and reconciles its Endpoints (labelled
`endpointslice.kubernetes.io/skip-mirror`) and EndpointSlice (`kubernetes.io/service-name`) to
the server's own address; all are recreated if deleted and repaired if changed. Here the address
is the one the server listens on (loopback for wildcard binds), known once the socket is bound:
`ApiEndpoint.set()` releases the controller.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import TYPE_CHECKING, Any

from fakekapi.controllers.base import Controller
from fakekapi.core.errors import StatusError
from fakekapi.registry.core.service_alloc import KUBERNETES_SERVICE_IP
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

__all__ = ["ApiEndpoint", "KubernetesServiceController"]

log = logging.getLogger(__name__)

NAMESPACE = "default"
NAME = "kubernetes"
FIELD_MANAGER = "kube-apiserver"
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


class ApiEndpoint:
    """Where clients reach the server (host, port); the port may only be known after binding.

    `known` is set once the server listens (`set`, from run.py): the controller reconciles the
    `kubernetes` Service then, as kube-apiserver's bootstrap controller starts in a post-start
    hook, rather than during start-up (its first writes cost ~15 M instructions of a warm
    start's ~1,650 M to ready on a new port, bench_scale's warm row)."""

    def __init__(self, host: str = "", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.known = asyncio.Event()

    def set(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.known.set()

    @property
    def ip(self) -> str:
        """The address published in Endpoints: an IP (wildcards and names become loopback)."""
        host = self.host.strip("[]")
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            return "127.0.0.1"
        if addr.is_unspecified:
            return "::1" if addr.version == 6 else "127.0.0.1"
        return str(addr)


def desired_service(port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": NAME,
            "namespace": NAMESPACE,
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": KUBERNETES_SERVICE_IP,
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
            "sessionAffinity": "None",
        },
    }


def desired_endpoints(ip: str, port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": {SKIP_MIRROR_LABEL: "true"}},
        "subsets": [
            {
                "addresses": [{"ip": ip}],
                "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
            }
        ],
    }


def desired_endpointslice(ip: str, port: int) -> dict[str, Any]:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": {SERVICE_NAME_LABEL: NAME}},
        "addressType": "IPv6" if ":" in ip else "IPv4",
        "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    }


class KubernetesServiceController(Controller):
    """Keeps default/kubernetes and its endpoints; looks again every `interval` seconds."""

    name = "kubernetes-service-controller"
    interval = 2.0

    def __init__(
        self,
        registry: Registry,
        endpoint: ApiEndpoint,
        types: tuple[ResourceType, ResourceType, ResourceType],
    ) -> None:
        super().__init__(registry, [])
        self.endpoint = endpoint
        self.services, self.endpoints, self.slices = types

    async def run(self) -> None:
        await self.endpoint.known.wait()
        while True:
            try:
                await self.reconcile()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                level = logging.INFO if isinstance(e, StatusError) else logging.WARNING
                log.log(level, "%s: reconcile failed: %s", self.name, e, exc_info=True)
            await asyncio.sleep(self.interval)

    async def reconcile(self) -> None:
        """Create what is missing, put back what was changed."""
        ip, port = self.endpoint.ip, self.endpoint.port
        await self._ensure(self.services, desired_service(port), self._service_differs)
        await self._ensure(self.endpoints, desired_endpoints(ip, port), self._fields_differ)
        await self._ensure(self.slices, desired_endpointslice(ip, port), self._fields_differ)

    @staticmethod
    def _service_differs(current: dict[str, Any], want: dict[str, Any]) -> dict[str, Any] | None:
        """CreateOrUpdateMasterServiceIfNeeded: only the ports and the type are put back."""
        spec = current.get("spec") or {}
        wspec = want["spec"]
        if spec.get("ports") == wspec["ports"] and spec.get("type") == wspec["type"]:
            return None
        new = dict(current)
        new["spec"] = {**spec, "ports": wspec["ports"], "type": wspec["type"]}
        return new

    @staticmethod
    def _fields_differ(current: dict[str, Any], want: dict[str, Any]) -> dict[str, Any] | None:
        md = current.get("metadata") or {}
        labels = md.get("labels") or {}
        same = all(current.get(k) == v for k, v in want.items() if k not in ("metadata",))
        wanted_labels = want["metadata"]["labels"]
        if same and all(labels.get(k) == v for k, v in wanted_labels.items()):
            return None
        new = {**current, **{k: v for k, v in want.items() if k != "metadata"}}
        new["metadata"] = {**md, "labels": {**labels, **wanted_labels}}
        return new

    async def _ensure(self, rt: ResourceType, want: dict[str, Any], differs: Any) -> None:
        opts = WriteOptions(field_manager=FIELD_MANAGER)
        try:
            current = await self.registry.get(rt, NAMESPACE, NAME)
        except StatusError as e:
            if e.code != 404:
                raise
            try:
                await self.registry.create(rt, NAMESPACE, want, opts)
            except StatusError as err:
                if err.reason != "AlreadyExists":
                    raise
            return
        changed = differs(current, want)
        if changed is not None:
            await self.registry.update(rt, NAMESPACE, NAME, changed, opts)
