"""The endpoints controller: a Service with a selector gets an Endpoints object of its pods.

As pkg/controller/endpoint/endpoints_controller.go: the Endpoints is named as the Service,
carries its labels plus `endpointslice.kubernetes.io/skip-mirror: "true"` (and
`service.kubernetes.io/headless` for a headless Service); pods with an IP are listed under
`addresses` when ready and `notReadyAddresses` otherwise (all under `addresses` with
publishNotReadyAddresses), with nodeName, hostname and a targetRef; the ports are the Service's
with targetPorts resolved per pod, and subsets are packed by port set with addresses sorted
(endpoints.RepackSubsets). Services without a selector (such as `default/kubernetes`, whose
endpoints the API server keeps) are left alone. Events: FailedToCreateEndpoint,
FailedToUpdateEndpoint.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import WARNING
from fakekapi.controllers.index import NamespaceIndex
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

SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
HEADLESS = "service.kubernetes.io/headless"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"


def _ip_key(address: JSONDict) -> Any:
    try:
        return (0, ipaddress.ip_address(address["ip"]))
    except ValueError:
        return (1, address["ip"])


class EndpointsController(WorkloadController):
    name = "endpoints-controller"
    service_account = "endpoint-controller"
    component = "endpoint-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        self.svc_rt = ctx.resource("", "v1", "services")
        self.ep_rt = ctx.resource("", "v1", "endpoints")
        self.services = ctx.informer("", "v1", "services")
        self.pods = ctx.informer("", "v1", "pods")
        self.endpoints = ctx.informer("", "v1", "endpoints")
        super().__init__(ctx, [self.services, self.pods, self.endpoints])
        self.services_by_ns = NamespaceIndex(self.services)
        self.pods_by_ns = NamespaceIndex(self.pods)
        self.services.add_handler(self.enqueue_any)
        self.pods.add_handler(self._pod_changed)
        self.endpoints.add_handler(self._endpoints_changed)

    def _pod_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        for svc in services_of_pod(self.services_by_ns, old, new):
            self.queue.add(key_of(svc))

    def _endpoints_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is None and old is not None:
            self.queue.add(key_of(old))

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        service = self.services.get(ns, name)
        if service is None:
            return None  # the Endpoints goes with its Service (the garbage collector's job)
        if selector_of(service) is None:
            return None
        spec = service.get("spec") or {}
        tolerate_unready = bool(spec.get("publishNotReadyAddresses"))
        subsets: dict[tuple[Any, ...], JSONDict] = {}
        for pod in sorted(self.pods_by_ns.list(ns), key=lambda p: p["metadata"]["name"]):
            if not selects(service, pod):
                continue
            ip = pod_ip(pod)
            if not ip:
                continue
            if not tolerate_unready and pod["metadata"].get("deletionTimestamp"):
                continue
            address: JSONDict = {"ip": ip}
            hostname = hostname_for(pod, service)
            if hostname:
                address["hostname"] = hostname
            node = (pod.get("spec") or {}).get("nodeName")
            if node:
                address["nodeName"] = node
            address["targetRef"] = pod_reference(pod)
            ports: list[JSONDict] = []
            for sp in spec.get("ports") or []:
                number = find_port(pod, sp)
                if number is None:
                    continue
                port: JSONDict = {}
                if sp.get("name"):
                    port["name"] = sp["name"]
                port["port"] = number
                port["protocol"] = sp.get("protocol") or "TCP"
                if sp.get("appProtocol"):
                    port["appProtocol"] = sp["appProtocol"]
                ports.append(port)
            if not ports and spec.get("ports"):
                continue
            ready = tolerate_unready or is_ready(pod)
            if not ready and not should_be_in_endpoints(pod, False):
                continue
            group = tuple(sorted((p.get("name", ""), p["port"], p["protocol"]) for p in ports))
            subset = subsets.setdefault(group, {"ports": ports})
            field = "addresses" if ready else "notReadyAddresses"
            subset.setdefault(field, []).append(address)
        packed = []
        for subset in subsets.values():
            out: JSONDict = {}
            for field in ("addresses", "notReadyAddresses"):
                if subset.get(field):
                    out[field] = sorted(subset[field], key=_ip_key)
            if subset["ports"]:
                out["ports"] = subset["ports"]
            packed.append(out)
        packed.sort(key=lambda s: str(s.get("ports")))
        await self._write(service, packed)
        return None

    async def _write(self, service: JSONDict, subsets: list[JSONDict]) -> None:
        smd = service["metadata"]
        ns, name = smd.get("namespace") or "", smd["name"]
        current = self.endpoints.get(ns, name)
        labels = dict(smd.get("labels") or {})
        labels[SKIP_MIRROR] = "true"
        if (service.get("spec") or {}).get("clusterIP") == "None":
            labels[HEADLESS] = ""
        if current is not None:
            if (
                current.get("subsets", []) == subsets
                and ((current.get("metadata") or {}).get("labels") or {}) == labels
            ):
                return
            updated = {"apiVersion": "v1", "kind": "Endpoints", **copy.deepcopy(current)}
            updated["metadata"]["labels"] = labels
            if subsets:
                updated["subsets"] = subsets
            else:
                updated.pop("subsets", None)
            try:
                await self.update(self.ep_rt, updated)
            except StatusError as e:
                if e.code != 409:
                    self.recorder.event(
                        {"apiVersion": "v1", "kind": "Service", **service},
                        WARNING,
                        "FailedToUpdateEndpoint",
                        f"Failed to update endpoint {ns}/{name}: {e.message}",
                    )
                raise
            return
        new: JSONDict = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
        }
        if subsets:
            new["subsets"] = subsets
        try:
            await self.create(self.ep_rt, ns, new)
        except StatusError as e:
            if e.reason == "AlreadyExists":
                return  # the watch brings it; the next sync updates it
            self.recorder.event(
                {"apiVersion": "v1", "kind": "Service", **service},
                WARNING,
                "FailedToCreateEndpoint",
                f"Failed to create endpoint for service {ns}/{name}: {e.message}",
            )
            raise


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [EndpointsController(ctx)]
