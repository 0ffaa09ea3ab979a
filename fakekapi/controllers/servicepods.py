"""What the endpoints and endpointslice controllers share: a Service's pods and their ports.

As pkg/api/v1/pod FindPort and staging/src/k8s.io/endpointslice/util ShouldPodBeInEndpoints: a
pod belongs in a Service's endpoints once it has an IP and (unless terminal pods are included)
is neither Succeeded nor Failed; a named targetPort resolves to the container port of that name
and protocol.
"""

from __future__ import annotations

from typing import Any

from fakekapi.controllers.index import NamespaceIndex
from fakekapi.controllers.labels import selector_matches
from fakekapi.controllers.pods import FAILED, SUCCEEDED, phase
from fakekapi.core.objects import JSONDict


def selector_of(service: JSONDict) -> dict[str, Any] | None:
    """The Service's selector as a LabelSelector; None for services without one (their
    endpoints are managed by someone else, as `default/kubernetes`'s are)."""
    spec = service.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return None
    selector = spec.get("selector")
    if not selector:
        return None
    return {"matchLabels": selector}


def selects(service: JSONDict, pod: JSONDict) -> bool:
    sel = selector_of(service)
    return sel is not None and selector_matches(sel, (pod.get("metadata") or {}).get("labels"))


def services_of_pod(
    services: NamespaceIndex, old: JSONDict | None, new: JSONDict | None
) -> list[JSONDict]:
    """The Services that select a changed pod, before or after the change (both controllers'
    updatePod: endpointsliceutil.GetPodServiceMemberships of the old and the new pod)."""
    found: list[JSONDict] = []
    for pod in (old, new):
        if pod is None:
            continue
        ns = (pod.get("metadata") or {}).get("namespace") or ""
        found.extend(svc for svc in services.list(ns) if selects(svc, pod))
    return found


def pod_reference(pod: JSONDict) -> JSONDict:
    """An endpoint's targetRef: the pod's ObjectReference (podToEndpointAddressForService,
    endpointslice's podToEndpoint)."""
    pmd = pod.get("metadata") or {}
    return {
        "kind": "Pod",
        "namespace": pmd.get("namespace"),
        "name": pmd.get("name"),
        "uid": pmd.get("uid"),
    }


def pod_ip(pod: JSONDict) -> str:
    status = pod.get("status") or {}
    ip = status.get("podIP")
    if ip:
        return str(ip)
    ips = status.get("podIPs") or []
    return str(ips[0].get("ip") or "") if ips else ""


def should_be_in_endpoints(pod: JSONDict, include_terminal: bool) -> bool:
    if not pod_ip(pod):
        return False
    return include_terminal or phase(pod) not in (SUCCEEDED, FAILED)


def find_port(pod: JSONDict, service_port: JSONDict) -> int | None:
    """FindPort: the targetPort's number (a name is looked up among the containers' ports)."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol") or "TCP"
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                value = port.get("containerPort")
                return int(value) if isinstance(value, int) else None
    return None


def hostname_for(pod: JSONDict, service: JSONDict) -> str:
    """A pod's hostname is published when its subdomain is the Service's name."""
    spec = pod.get("spec") or {}
    name = (service.get("metadata") or {}).get("name")
    if spec.get("hostname") and spec.get("subdomain") == name:
        return str(spec["hostname"])
    return ""
