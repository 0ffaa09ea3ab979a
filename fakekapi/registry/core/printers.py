"""`kubectl get` printers of the core (`v1`) kinds, ported from printers.go (Pod's in
pod_printer.py); PRINTERS maps each kind to its printer for the strategy table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list
from fakekapi.registry.core.pod_printer import POD
from fakekapi.registry.generic.printing import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    Column,
    Printer,
    Variant,
    col,
)
from fakekapi.registry.generic.printing.cells import (
    access_modes,
    age_of,
    as_int,
    as_str,
    format_labels,
    get,
    layout_container_cells,
    load_balancer_addresses,
    name_of,
    quantity,
    since,
)

# --- Namespace, ConfigMap, Secret, ServiceAccount ------------------------------------------------

NAMESPACE = Printer(
    (NAME, col("Status", "string", "The status of the namespace"), AGE),
    lambda o, now: [name_of(o), as_str(get(o, "status", "phase")), age_of(o, now)],
)

CONFIG_MAP = Printer(
    (NAME, col("Data", "string", "core.v1.ConfigMap.data"), AGE),
    lambda o, now: [
        name_of(o),
        len(as_dict(o.get("data"))) + len(as_dict(o.get("binaryData"))),
        age_of(o, now),
    ],
)

SECRET = Printer(
    (
        NAME,
        col("Type", "string", "core.v1.Secret.type"),
        col("Data", "string", "core.v1.Secret.data"),
        AGE,
    ),
    lambda o, now: [
        name_of(o),
        as_str(o.get("type")) or "Opaque",
        len(as_dict(o.get("data"))),
        age_of(o, now),
    ],
)

SERVICE_ACCOUNT = Printer(
    (NAME, col("Secrets", "string", "core.v1.ServiceAccount.secrets"), AGE),
    lambda o, now: [name_of(o), len(as_list(o.get("secrets"))), age_of(o, now)],
    variants=(
        Variant(
            (35, 36),
            "serviceAccountColumnDefinitions lost Secrets in 1.35",
            drop=("Secrets",),
        ),
    ),
)


# --- Service -------------------------------------------------------------------------------------


def _external_ip(svc: JSONDict, svc_type: str) -> str:
    external = [str(x) for x in as_list(get(svc, "spec", "externalIPs"))]
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        lb = load_balancer_addresses(get(svc, "status", "loadBalancer", "ingress"))
        if external:
            return ",".join((lb.split(",") if lb else []) + external)
        return lb or "<pending>"
    if svc_type == "ExternalName":
        return as_str(get(svc, "spec", "externalName"))
    return "<unknown>"


def _ports(ports: Any) -> str:
    pieces = []
    for p in as_list(ports):
        proto = as_str(get(p, "protocol")) or "TCP"
        port = as_int(get(p, "port"))
        node_port = as_int(get(p, "nodePort"))
        pieces.append(f"{port}:{node_port}/{proto}" if node_port > 0 else f"{port}/{proto}")
    return ",".join(pieces) or "<none>"


def _service_row(svc: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(svc.get("spec"))
    svc_type = as_str(spec.get("type")) or "ClusterIP"
    cluster_ip = as_str(spec.get("clusterIP")) or as_str(get(spec, "clusterIPs", 0)) or "<none>"
    return [
        name_of(svc),
        svc_type,
        cluster_ip,
        _external_ip(svc, svc_type),
        _ports(spec.get("ports")),
        age_of(svc, now),
        format_labels(spec.get("selector")),
    ]


SERVICE = Printer(
    (
        NAME,
        col("Type", "string", "core.v1.ServiceSpec.type"),
        col("Cluster-IP", "string", "core.v1.ServiceSpec.clusterIP"),
        col("External-IP", "string", "core.v1.ServiceSpec.externalIPs"),
        col("Port(s)", "string", "core.v1.ServiceSpec.ports"),
        AGE,
        col("Selector", "string", "core.v1.ServiceSpec.selector", 1),
    ),
    _service_row,
)


# --- Endpoints -----------------------------------------------------------------------------------


def _join_host_port(ip: str, port: int) -> str:
    """net.JoinHostPort: brackets around IPv6 literals."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoints(obj: JSONDict) -> str:
    """printers.go `formatEndpoints` with ports=nil: at most 3 addresses, then `+ N more...`."""
    subsets = as_list(obj.get("subsets"))
    if not subsets:
        return "<none>"
    shown: list[str] = []
    limit = 3
    more = False
    count = 0
    for ss in subsets:
        addresses = as_list(get(ss, "addresses"))
        ports = as_list(get(ss, "ports"))
        if not ports:
            count += len(addresses)
            for addr in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(as_str(get(addr, "ip")))
            continue
        for port in ports:
            count += len(addresses)
            for addr in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(_join_host_port(as_str(get(addr, "ip")), as_int(get(port, "port"))))
    text = ",".join(shown)
    if more:
        return f"{text} + {count - limit} more..."
    return text


ENDPOINTS = Printer(
    (NAME, col("Endpoints", "string", "core.v1.Endpoints.subsets"), AGE),
    lambda o, now: [name_of(o), format_endpoints(o), age_of(o, now)],
)


# --- Node ----------------------------------------------------------------------------------------


def _node_roles(labels: Any) -> str:
    roles: set[str] = set()
    for key, value in as_dict(labels).items():
        if key.startswith("node-role.kubernetes.io/"):
            role = key[len("node-role.kubernetes.io/") :]
            if role:
                roles.add(role)
        elif key == "kubernetes.io/role" and value:
            roles.add(str(value))
    return ",".join(sorted(roles)) or "<none>"


def _node_address(node: JSONDict, kind: str) -> str:
    for addr in as_list(get(node, "status", "addresses")):
        if get(addr, "type") == kind:
            return as_str(get(addr, "address"))
    return "<none>"


def _node_row(node: JSONDict, now: datetime) -> list[Any]:
    status: list[str] = []
    ready = None
    for cond in as_list(get(node, "status", "conditions")):
        if get(cond, "type") == "Ready":
            ready = cond  # the map keeps the last entry of a type
    if ready is not None:
        status.append("Ready" if get(ready, "status") == "True" else "NotReady")
    if not status:
        status.append("Unknown")
    if get(node, "spec", "unschedulable") is True:
        status.append("SchedulingDisabled")
    info = as_dict(get(node, "status", "nodeInfo"))
    return [
        name_of(node),
        ",".join(status),
        _node_roles(get(node, "metadata", "labels")),
        age_of(node, now),
        as_str(info.get("kubeletVersion")),
        _node_address(node, "InternalIP"),
        _node_address(node, "ExternalIP"),
        as_str(info.get("osImage")) or "<unknown>",
        as_str(info.get("kernelVersion")) or "<unknown>",
        as_str(info.get("containerRuntimeVersion")) or "<unknown>",
    ]


NODE = Printer(
    (
        NAME,
        col("Status", "string", "The status of the node"),
        col("Roles", "string", "The roles of the node"),
        AGE,
        col("Version", "string", "core.v1.NodeSystemInfo.kubeletVersion"),
        col("Internal-IP", "string", "core.v1.NodeStatus.addresses", 1),
        col("External-IP", "string", "core.v1.NodeStatus.addresses", 1),
        col("OS-Image", "string", "core.v1.NodeSystemInfo.osImage", 1),
        col("Kernel-Version", "string", "core.v1.NodeSystemInfo.kernelVersion", 1),
        col("Container-Runtime", "string", "core.v1.NodeSystemInfo.containerRuntimeVersion", 1),
    ),
    _node_row,
)


# --- Event (core/v1; events.k8s.io/v1 objects are mapped onto it first) --------------------------


def _event_source(ev: JSONDict) -> str:
    """formatEventSource: component (or reportingController), then `, host` when known."""
    component = as_str(get(ev, "source", "component")) or as_str(ev.get("reportingComponent"))
    host = as_str(get(ev, "source", "host")) or as_str(ev.get("reportingInstance"))
    return f"{component}, {host}" if host else component


def _event_row(ev: JSONDict, now: datetime) -> list[Any]:
    first = since(ev.get("firstTimestamp"), now)
    if first == "<unknown>":
        first = since(ev.get("eventTime"), now)
    last = since(ev.get("lastTimestamp"), now)
    if last == "<unknown>":
        last = first
    count = as_int(ev.get("count"))
    series = ev.get("series")
    if isinstance(series, dict):
        last = since(series.get("lastObservedTime"), now)
        count = as_int(series.get("count"))
    elif count == 0:
        count = 1
    kind = as_str(get(ev, "involvedObject", "kind")).lower()
    name = as_str(get(ev, "involvedObject", "name"))
    target = f"{kind}/{name}" if name else kind
    return [
        last,
        as_str(ev.get("type")),
        as_str(ev.get("reason")),
        target,
        as_str(get(ev, "involvedObject", "fieldPath")),
        _event_source(ev),
        as_str(ev.get("message")).strip(),
        first,
        count,
        name_of(ev),
    ]


_EVENT_COLUMNS = (
    col("Last Seen", "string", "core.v1.Event.lastTimestamp"),
    col("Type", "string", "core.v1.Event.type"),
    col("Reason", "string", "core.v1.Event.reason"),
    col("Object", "string", "core.v1.Event.involvedObject"),
    col("Subobject", "string", "core.v1.ObjectReference.fieldPath", 1),
    col("Source", "string", "core.v1.Event.source", 1),
    col("Message", "string", "core.v1.Event.message"),
    col("First Seen", "string", "core.v1.Event.firstTimestamp", 1),
    col("Count", "string", "core.v1.Event.count", 1),
    Column("Name", "string", NAME.description, 1, "name"),
)

EVENT = Printer(_EVENT_COLUMNS, _event_row)


# --- PersistentVolume, PersistentVolumeClaim -----------------------------------------------------

_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


def _storage_class(obj: JSONDict) -> str:
    """helper.GetPersistentVolume(Claim)Class: the beta annotation wins over storageClassName."""
    annotations = as_dict(get(obj, "metadata", "annotations"))
    if _CLASS_ANNOTATION in annotations:
        return as_str(annotations[_CLASS_ANNOTATION])
    return as_str(get(obj, "spec", "storageClassName"))


def _pv_row(pv: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(pv.get("spec"))
    claim = ""
    if isinstance(spec.get("claimRef"), dict):
        claim = (
            f"{as_str(get(spec, 'claimRef', 'namespace'))}/{as_str(get(spec, 'claimRef', 'name'))}"
        )
    phase = as_str(get(pv, "status", "phase")) or "Pending"
    if get(pv, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    return [
        name_of(pv),
        quantity(get(spec, "capacity", "storage")),
        access_modes(spec.get("accessModes")),
        as_str(spec.get("persistentVolumeReclaimPolicy")) or "Retain",
        phase,
        claim,
        _storage_class(pv),
        as_str(spec.get("volumeAttributesClassName")) or "<unset>",
        as_str(get(pv, "status", "reason")),
        age_of(pv, now),
        as_str(spec.get("volumeMode")) or "Filesystem",
    ]


PERSISTENT_VOLUME = Printer(
    (
        NAME,
        col("Capacity", "string", "core.v1.PersistentVolumeSpec.capacity"),
        col("Access Modes", "string", "core.v1.PersistentVolumeSpec.accessModes"),
        col(
            "Reclaim Policy", "string", "core.v1.PersistentVolumeSpec.persistentVolumeReclaimPolicy"
        ),
        col("Status", "string", "core.v1.PersistentVolumeStatus.phase"),
        col("Claim", "string", "core.v1.PersistentVolumeSpec.claimRef"),
        col("StorageClass", "string", "StorageClass of the pv"),
        col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
        col("Reason", "string", "core.v1.PersistentVolumeStatus.reason"),
        AGE,
        col("VolumeMode", "string", "core.v1.PersistentVolumeSpec.volumeMode", 1),
    ),
    _pv_row,
)


def _pvc_row(pvc: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(pvc.get("spec"))
    phase = as_str(get(pvc, "status", "phase")) or "Pending"
    if get(pvc, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    capacity = ""
    modes = ""
    if as_str(spec.get("volumeName")):
        modes = access_modes(get(pvc, "status", "accessModes"))
        capacity = quantity(get(pvc, "status", "capacity", "storage"))
    return [
        name_of(pvc),
        phase,
        as_str(spec.get("volumeName")),
        capacity,
        modes,
        _storage_class(pvc),
        as_str(spec.get("volumeAttributesClassName")) or "<unset>",
        age_of(pvc, now),
        as_str(spec.get("volumeMode")) or "Filesystem",
    ]


PERSISTENT_VOLUME_CLAIM = Printer(
    (
        NAME,
        col("Status", "string", "core.v1.PersistentVolumeClaimStatus.phase"),
        col("Volume", "string", "core.v1.PersistentVolumeClaimSpec.volumeName"),
        col("Capacity", "string", "core.v1.PersistentVolumeClaimStatus.capacity"),
        col("Access Modes", "string", "core.v1.PersistentVolumeClaimStatus.accessModes"),
        col("StorageClass", "string", "StorageClass of the pvc"),
        col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
        AGE,
        col("VolumeMode", "string", "core.v1.PersistentVolumeClaimSpec.volumeMode", 1),
    ),
    _pvc_row,
)


# --- ReplicationController, PodTemplate, ResourceQuota, ComponentStatus --------------------------


def _rc_row(rc: JSONDict, now: datetime) -> list[Any]:
    names, images = layout_container_cells(
        as_list(get(rc, "spec", "template", "spec", "containers"))
    )
    return [
        name_of(rc),
        as_int(get(rc, "spec", "replicas"), 1),
        as_int(get(rc, "status", "replicas")),
        as_int(get(rc, "status", "readyReplicas")),
        age_of(rc, now),
        names,
        images,
        format_labels(get(rc, "spec", "selector")),
    ]


REPLICATION_CONTROLLER = Printer(
    (
        NAME,
        col("Desired", "integer", "core.v1.ReplicationControllerSpec.replicas"),
        col("Current", "integer", "core.v1.ReplicationControllerStatus.replicas"),
        col("Ready", "integer", "core.v1.ReplicationControllerStatus.readyReplicas"),
        AGE,
        CONTAINERS,
        IMAGES,
        col("Selector", "string", "core.v1.ReplicationControllerSpec.selector", 1),
    ),
    _rc_row,
)


def _pod_template_row(obj: JSONDict, now: datetime) -> list[Any]:
    names, images = layout_container_cells(as_list(get(obj, "template", "spec", "containers")))
    return [name_of(obj), names, images, format_labels(get(obj, "template", "metadata", "labels"))]


POD_TEMPLATE = Printer(
    (
        NAME,
        col("Containers", "string", "Names of each container in the template."),
        col("Images", "string", "Images referenced by each container in the template."),
        col("Pod Labels", "string", "The labels for the pod template."),
    ),
    _pod_template_row,
)


def _quota_row(rq: JSONDict, now: datetime) -> list[Any]:
    hard = as_dict(get(rq, "status", "hard"))
    used = as_dict(get(rq, "status", "used"))
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        pieces = resource.split(".")
        target = limits if len(pieces) > 1 and pieces[0] == "limits" else requests
        target.append(f"{resource}: {quantity(used.get(resource))}/{quantity(hard[resource])}")
    return [name_of(rq), ", ".join(requests), ", ".join(limits), age_of(rq, now)]


RESOURCE_QUOTA = Printer(
    (
        NAME,
        col(
            "Request",
            "string",
            "Request represents a minimum amount of cpu/memory that a container may consume.",
        ),
        col(
            "Limit",
            "string",
            "Limits control the maximum amount of cpu/memory that a container may use "
            "independent of contention on the node.",
        ),
        AGE,
    ),
    _quota_row,
    variants=(
        Variant(
            (29, 32),
            "resourceQuotaColumnDefinitions: Age moved after Request and Limit in 1.33",
            order=("Name", "Age", "Request", "Limit"),
        ),
    ),
)


def _component_status_row(obj: JSONDict, now: datetime) -> list[Any]:
    status, message, error = "Unknown", "", ""
    for cond in as_list(obj.get("conditions")):
        if get(cond, "type") == "Healthy":
            status = "Healthy" if get(cond, "status") == "True" else "Unhealthy"
            message = as_str(get(cond, "message"))
            error = as_str(get(cond, "error"))
            break
    return [name_of(obj), status, message, error]


COMPONENT_STATUS = Printer(
    (
        NAME,
        col("Status", "string", "Status of the component conditions"),
        col("Message", "string", "Message of the component conditions"),
        col("Error", "string", "Error of the component conditions"),
    ),
    _component_status_row,
)


PRINTERS: dict[str, Printer] = {
    "Pod": POD,
    "PodTemplate": POD_TEMPLATE,
    "ReplicationController": REPLICATION_CONTROLLER,
    "Service": SERVICE,
    "Endpoints": ENDPOINTS,
    "Node": NODE,
    "Event": EVENT,
    "Namespace": NAMESPACE,
    "Secret": SECRET,
    "ServiceAccount": SERVICE_ACCOUNT,
    "PersistentVolume": PERSISTENT_VOLUME,
    "PersistentVolumeClaim": PERSISTENT_VOLUME_CLAIM,
    "ComponentStatus": COMPONENT_STATUS,
    "ConfigMap": CONFIG_MAP,
    "ResourceQuota": RESOURCE_QUOTA,
}
"""Kind → printer (1.33's; each printer's variants say how other releases differ)."""
