"""`kubectl get` printers of the apps kinds (Deployment, ReplicaSet, StatefulSet, DaemonSet,
ControllerRevision), ported from printers.go.

A missing spec.replicas is read as 1, as kube-apiserver's defaulting would have stored it: the
real server only ever prints defaulted objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list
from fakekapi.registry.generic.printing import AGE, CONTAINERS, IMAGES, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import (
    age_of,
    as_int,
    as_str,
    format_label_selector,
    format_labels,
    get,
    layout_container_cells,
    name_of,
    selector_string,
    template_containers,
)


def _deployment_row(d: JSONDict, now: datetime) -> list[Any]:
    names, images = layout_container_cells(template_containers(d, "spec", "template"))
    return [
        name_of(d),
        f"{as_int(get(d, 'status', 'readyReplicas'))}/{as_int(get(d, 'spec', 'replicas'), 1)}",
        as_int(get(d, "status", "updatedReplicas")),
        as_int(get(d, "status", "availableReplicas")),
        age_of(d, now),
        names,
        images,
        selector_string(get(d, "spec", "selector")),
    ]


DEPLOYMENT = Printer(
    (
        NAME,
        col("Ready", "string", "Number of the pod with ready state"),
        col("Up-to-date", "string", "apps.v1.DeploymentStatus.updatedReplicas"),
        col("Available", "string", "apps.v1.DeploymentStatus.availableReplicas"),
        AGE,
        CONTAINERS,
        IMAGES,
        col("Selector", "string", "apps.v1.DeploymentSpec.selector", 1),
    ),
    _deployment_row,
)


def _replica_set_row(rs: JSONDict, now: datetime) -> list[Any]:
    names, images = layout_container_cells(template_containers(rs, "spec", "template"))
    return [
        name_of(rs),
        as_int(get(rs, "spec", "replicas"), 1),
        as_int(get(rs, "status", "replicas")),
        as_int(get(rs, "status", "readyReplicas")),
        age_of(rs, now),
        names,
        images,
        format_label_selector(get(rs, "spec", "selector")),
    ]


REPLICA_SET = Printer(
    (
        NAME,
        col("Desired", "integer", "apps.v1.ReplicaSetSpec.replicas"),
        col("Current", "integer", "apps.v1.ReplicaSetStatus.replicas"),
        col("Ready", "integer", "apps.v1.ReplicaSetStatus.readyReplicas"),
        AGE,
        CONTAINERS,
        IMAGES,
        col("Selector", "string", "apps.v1.ReplicaSetSpec.selector", 1),
    ),
    _replica_set_row,
)


def _stateful_set_row(ss: JSONDict, now: datetime) -> list[Any]:
    names, images = layout_container_cells(template_containers(ss, "spec", "template"))
    ready = as_int(get(ss, "status", "readyReplicas"))
    return [
        name_of(ss),
        f"{ready}/{as_int(get(ss, 'spec', 'replicas'), 1)}",
        age_of(ss, now),
        names,
        images,
    ]


STATEFUL_SET = Printer(
    (
        NAME,
        col("Ready", "string", "Number of the pod with ready state"),
        AGE,
        CONTAINERS,
        IMAGES,
    ),
    _stateful_set_row,
)


def _daemon_set_row(ds: JSONDict, now: datetime) -> list[Any]:
    names, images = layout_container_cells(template_containers(ds, "spec", "template"))
    status = as_dict(ds.get("status"))
    return [
        name_of(ds),
        as_int(status.get("desiredNumberScheduled")),
        as_int(status.get("currentNumberScheduled")),
        as_int(status.get("numberReady")),
        as_int(status.get("updatedNumberScheduled")),
        as_int(status.get("numberAvailable")),
        format_labels(get(ds, "spec", "template", "spec", "nodeSelector")),
        age_of(ds, now),
        names,
        images,
        format_label_selector(get(ds, "spec", "selector")),
    ]


DAEMON_SET = Printer(
    (
        NAME,
        col("Desired", "integer", "apps.v1.DaemonSetStatus.desiredNumberScheduled"),
        col("Current", "integer", "apps.v1.DaemonSetStatus.currentNumberScheduled"),
        col("Ready", "integer", "apps.v1.DaemonSetStatus.numberReady"),
        col("Up-to-date", "integer", "apps.v1.DaemonSetStatus.updatedNumberScheduled"),
        col("Available", "integer", "apps.v1.DaemonSetStatus.numberAvailable"),
        col("Node Selector", "string", "core.v1.PodSpec.nodeSelector"),
        AGE,
        CONTAINERS,
        IMAGES,
        col("Selector", "string", "apps.v1.DaemonSetSpec.selector", 1),
    ),
    _daemon_set_row,
)


def controller_name(obj: JSONDict) -> str:
    """The controlling ownerReference as `kind.group/name` (lower-cased), `<none>` without one."""
    for ref in as_list(get(obj, "metadata", "ownerReferences")):
        if get(ref, "controller") is True:
            api_version = as_str(get(ref, "apiVersion"))
            group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
            kind = as_str(get(ref, "kind"))
            name = as_str(get(ref, "name"))
            if not kind and not group:
                return name
            group_kind = f"{kind}.{group}" if group else kind
            return f"{group_kind.lower()}/{name}"
    return "<none>"


CONTROLLER_REVISION = Printer(
    (
        NAME,
        col("Controller", "string", "Controller of the object"),
        col("Revision", "string", "apps.v1.ControllerRevision.revision"),
        AGE,
    ),
    lambda o, now: [name_of(o), controller_name(o), as_int(o.get("revision")), age_of(o, now)],
)


PRINTERS: dict[str, Printer] = {
    "Deployment": DEPLOYMENT,
    "ReplicaSet": REPLICA_SET,
    "StatefulSet": STATEFUL_SET,
    "DaemonSet": DAEMON_SET,
    "ControllerRevision": CONTROLLER_REVISION,
}
"""Kind → printer."""
