"""The endpointslice controller: a Service with a selector gets EndpointSlices of its pods.

As pkg/controller/endpointslice and staging/src/k8s.io/endpointslice/reconciler.go: slices are
named `<service>-<5 random>`, owned by the Service (controller, blockOwnerDeletion), labelled
`kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
endpointslice-controller.k8s.io` (plus the Service's labels and `service.kubernetes.io/headless`
for a headless one), one address type per Service IP family, at most 100 endpoints each. An
endpoint is a pod with an IP (terminal pods left out): its address, conditions (serving = the
pod is Ready, ready = serving and not terminating, terminating = being deleted; all true with
publishNotReadyAddresses), hostname, targetRef, nodeName and the node's zone. Ports are the
Service's, with named targetPorts resolved per pod; pods whose ports resolve differently go to
different slices. A Service with no endpoints keeps one empty slice (kube's placeholder).
Existing slices are updated in place, surplus ones deleted. Services without a selector
(`default/kubernetes`) are left alone. Event: FailedToUpdateEndpointSlices.
"""

from __future__ import annotations

import copy
from typing import Any

from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import WARNING
from fakekapi.controllers.index import Index, NamespaceIndex
from fakekapi.controllers.ownership import controller_of, new_controller_ref
from fakekapi.controllers.pods import is_ready
from fakekapi.controllers.servicepods import (
    find_port,
    hostname_for,
    pod_ip,
    pod_reference,
    selector_of,
    selects,
    services_of_pod,
    should_be_in_endpoints,
)
from fakekapi.controllers.worker import WorkloadController, key_of, split_key
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict

SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
HEADLESS = "service.kubernetes.io/headless"
ZONE = "topology.kubernetes.io/zone"
MAX_ENDPOINTS_PER_SLICE = 100


class EndpointSliceController(WorkloadController):
    name = "endpointslice-controller"
    service_account = "endpointslice-controller"
    component = "endpoint-slice-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        self.slice_rt = ctx.resource("discovery.k8s.io", "v1", "endpointslices")
        self.services = ctx.informer("", "v1", "services")
        self.pods = ctx.informer("", "v1", "pods")
        self.nodes = ctx.informer("", "v1", "nodes")
        self.slices = ctx.informer(
            "discovery.k8s.io", "v1", "endpointslices",
        )  # fmt: skip
        super().__init__(ctx, [self.services, self.pods, self.nodes, self.slices])
        self.services_by_ns = NamespaceIndex(self.services)
        self.pods_by_ns = NamespaceIndex(self.pods)
        self.slices_by_service = Index(self.slices, _service_of_slice)
        self.services.add_handler(self.enqueue_any)
        self.pods.add_handler(self._pod_changed)
        self.slices.add_handler(self._slice_changed)

    def _pod_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        for svc in services_of_pod(self.services_by_ns, old, new):
            self.queue.add(key_of(svc))

    def _slice_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        obj = new if new is not None else old
        if obj is None:
            return
        labels = (obj.get("metadata") or {}).get("labels") or {}
        if labels.get(MANAGED_BY) == CONTROLLER_NAME and labels.get(SERVICE_NAME):
            ns = (obj.get("metadata") or {}).get("namespace") or ""
            self.queue.add(f"{ns}/{labels[SERVICE_NAME]}")

    # -- sync ---------------------------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        service = self.services.get(ns, name)
        if service is None or selector_of(service) is None:
            return None  # slices go with their Service (owner references)
        service = {"apiVersion": "v1", "kind": "Service", **service}
        spec = service.get("spec") or {}
        families = spec.get("ipFamilies") or ["IPv4"]
        existing = [
            s
            for s in self.slices_by_service.get((ns, name))
            if ((s.get("metadata") or {}).get("labels") or {}).get(MANAGED_BY) == CONTROLLER_NAME
            and (controller_of(s) or {}).get("uid") == service["metadata"].get("uid")
        ]
        desired: list[tuple[str, list[JSONDict], list[JSONDict]]] = []
        for family in families:
            groups = self._endpoints_by_ports(service, family)
            if not groups:
                desired.append((family, [], []))
            for ports, endpoints in groups:
                for i in range(0, len(endpoints), MAX_ENDPOINTS_PER_SLICE):
                    desired.append((family, ports, endpoints[i : i + MAX_ENDPOINTS_PER_SLICE]))
        try:
            await self._reconcile(service, existing, desired)
        except StatusError as e:
            if e.code != 409:
                self.recorder.event(
                    service,
                    WARNING,
                    "FailedToUpdateEndpointSlices",
                    f"Error updating Endpoint Slices for Service {ns}/{name}: {e.message}",
                )
            raise
        return None

    def _endpoints_by_ports(
        self, service: JSONDict, family: str
    ) -> list[tuple[list[JSONDict], list[JSONDict]]]:
        spec = service.get("spec") or {}
        publish = bool(spec.get("publishNotReadyAddresses"))
        ns = service["metadata"].get("namespace") or ""
        groups: dict[str, tuple[list[JSONDict], list[JSONDict]]] = {}
        for pod in sorted(self.pods_by_ns.list(ns), key=lambda p: p["metadata"]["name"]):
            if not selects(service, pod) or not should_be_in_endpoints(pod, False):
                continue
            ip = _ip_of_family(pod, family)
            if not ip:
                continue
            ports = self._ports(service, pod)
            serving = publish or is_ready(pod)
            terminating = bool(pod["metadata"].get("deletionTimestamp"))
            endpoint: JSONDict = {
                "addresses": [ip],
                "conditions": {
                    "ready": publish or (serving and not terminating),
                    "serving": serving,
                    "terminating": terminating,
                },
            }
            hostname = hostname_for(pod, service)
            if hostname:
                endpoint["hostname"] = hostname
            endpoint["targetRef"] = pod_reference(pod)
            node_name = (pod.get("spec") or {}).get("nodeName")
            if node_name:
                endpoint["nodeName"] = node_name
                node = self.nodes.get("", node_name)
                zone = ((node or {}).get("metadata") or {}).get("labels", {}).get(ZONE)
                if zone:
                    endpoint["zone"] = zone
            group = groups.setdefault(repr(ports), (ports, []))
            group[1].append(endpoint)
        return list(groups.values())

    @staticmethod
    def _ports(service: JSONDict, pod: JSONDict) -> list[JSONDict]:
        out: list[JSONDict] = []
        for sp in (service.get("spec") or {}).get("ports") or []:
            number = find_port(pod, sp)
            if number is None:
                continue
            port: JSONDict = {
                "name": sp.get("name", ""),
                "protocol": sp.get("protocol") or "TCP",
                "port": number,
            }
            if sp.get("appProtocol"):
                port["appProtocol"] = sp["appProtocol"]
            out.append(port)
        return out

    async def _reconcile(
        self,
        service: JSONDict,
        existing: list[JSONDict],
        desired: list[tuple[str, list[JSONDict], list[JSONDict]]],
    ) -> None:
        smd = service["metadata"]
        ns = smd.get("namespace") or ""
        labels = {**(smd.get("labels") or {})}
        labels[SERVICE_NAME] = smd["name"]
        labels[MANAGED_BY] = CONTROLLER_NAME
        if (service.get("spec") or {}).get("clusterIP") == "None":
            labels[HEADLESS] = ""
        unused = sorted(existing, key=lambda s: s["metadata"]["name"])
        for family, ports, endpoints in desired:
            match = next((s for s in unused if s.get("addressType") == family), None)
            body: JSONDict = {
                "addressType": family,
                "endpoints": endpoints,
                "ports": ports,
            }
            if match is None:
                new: JSONDict = {
                    "apiVersion": "discovery.k8s.io/v1",
                    "kind": "EndpointSlice",
                    "metadata": {
                        "generateName": f"{smd['name']}-",
                        "namespace": ns,
                        "labels": labels,
                        "ownerReferences": [new_controller_ref(service, "v1", "Service")],
                    },
                    **body,
                }
                await self.create(self.slice_rt, ns, new)
                continue
            unused.remove(match)
            if (
                (match.get("endpoints") or []) == endpoints
                and (match.get("ports") or []) == ports
                and (match.get("metadata") or {}).get("labels") == labels
            ):
                continue
            updated = {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                **copy.deepcopy(match),
                **body,
            }
            updated["metadata"]["labels"] = labels
            await self.update(self.slice_rt, updated)
        for stale in unused:
            md = stale["metadata"]
            await self.delete(self.slice_rt, ns, md["name"], uid=md.get("uid"))


def _service_of_slice(obj: JSONDict) -> tuple[str, str] | None:
    """(namespace, Service name) of a slice with the service-name label (kube lists a Service's
    slices by that label)."""
    md = obj.get("metadata") or {}
    name = (md.get("labels") or {}).get(SERVICE_NAME)
    return (str(md.get("namespace") or ""), str(name)) if name else None


def _ip_of_family(pod: JSONDict, family: str) -> str:
    status = pod.get("status") or {}
    candidates: list[Any] = [ip.get("ip") for ip in status.get("podIPs") or []]
    if not candidates:
        candidates = [pod_ip(pod)]
    for ip in candidates:
        if not ip:
            continue
        if (":" in str(ip)) == (family == "IPv6"):
            return str(ip)
    return ""


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [EndpointSliceController(ctx)]
