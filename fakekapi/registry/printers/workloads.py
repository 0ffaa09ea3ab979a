"""Printers of the workload kinds: apps, batch, autoscaling and policy (ported from printers.go).

Missing optional fields are read as kube-apiserver's defaulting would have stored them (replicas 1,
suspend false, ...), since the real server only ever prints defaulted objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list

from .base import AGE, CONTAINERS, IMAGES, NAME, Printer, col
from .util import (
    age_of,
    as_int,
    as_str,
    format_label_selector,
    format_labels,
    get,
    human_duration,
    layout_container_cells,
    name_of,
    parse_time,
    quantity,
    selector_string,
    since,
)


def _containers(obj: JSONDict, *template: str) -> tuple[str, str]:
    return layout_container_cells(as_list(get(obj, *template, "spec", "containers")))


# --- apps ----------------------------------------------------------------------------------------


def _deployment_row(d: JSONDict, now: datetime) -> list[Any]:
    names, images = _containers(d, "spec", "template")
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
    names, images = _containers(rs, "spec", "template")
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
    names, images = _containers(ss, "spec", "template")
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
    names, images = _containers(ds, "spec", "template")
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


# --- batch ---------------------------------------------------------------------------------------


def _job_condition(job: JSONDict, ctype: str) -> bool:
    """hasJobCondition: the first condition of the type decides."""
    for cond in as_list(get(job, "status", "conditions")):
        if get(cond, "type") == ctype:
            return bool(get(cond, "status") == "True")
    return False


def _job_row(job: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(job.get("spec"))
    succeeded = as_int(get(job, "status", "succeeded"))
    completions = spec.get("completions")
    parallelism = spec.get("parallelism")
    if completions is None and parallelism is None:
        completions = 1  # SetDefaults_Job
    if isinstance(completions, int):
        completions_cell = f"{succeeded}/{completions}"
    else:
        par = as_int(parallelism, 1)
        completions_cell = f"{succeeded}/1 of {par}" if par > 1 else f"{succeeded}/1"
    start = parse_time(get(job, "status", "startTime"))
    done = parse_time(get(job, "status", "completionTime"))
    duration = ""
    if start is not None:
        duration = human_duration(start, done if done is not None else now)
    if _job_condition(job, "Complete"):
        status = "Complete"
    elif _job_condition(job, "Failed"):
        status = "Failed"
    elif get(job, "metadata", "deletionTimestamp"):
        status = "Terminating"
    elif _job_condition(job, "Suspended"):
        status = "Suspended"
    elif _job_condition(job, "FailureTarget"):
        status = "FailureTarget"
    else:
        status = "Running"
    names, images = _containers(job, "spec", "template")
    return [
        name_of(job),
        status,
        completions_cell,
        duration,
        age_of(job, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


JOB = Printer(
    (
        NAME,
        col("Status", "string", "Status of the job."),
        col("Completions", "string", "batch.v1.JobStatus.succeeded"),
        col("Duration", "string", "Time required to complete the job."),
        AGE,
        CONTAINERS,
        IMAGES,
        col("Selector", "string", "batch.v1.JobSpec.selector", 1),
    ),
    _job_row,
)


def _cron_job_row(cj: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(cj.get("spec"))
    last = get(cj, "status", "lastScheduleTime")
    suspend = spec.get("suspend", False)
    names, images = _containers(cj, "spec", "jobTemplate", "spec", "template")
    return [
        name_of(cj),
        as_str(spec.get("schedule")),
        as_str(spec.get("timeZone")) if spec.get("timeZone") is not None else "<none>",
        suspend if isinstance(suspend, bool) else "<unset>",
        len(as_list(get(cj, "status", "active"))),
        since(last, now) if last else "<none>",
        age_of(cj, now),
        names,
        images,
        format_label_selector(get(spec, "jobTemplate", "spec", "selector")),
    ]


CRON_JOB = Printer(
    (
        NAME,
        col("Schedule", "string", "batch.v1.CronJobSpec.schedule"),
        col("Timezone", "string", "batch.v1.CronJobSpec.timeZone"),
        col("Suspend", "boolean", "batch.v1.CronJobSpec.suspend"),
        col("Active", "integer", "batch.v1.CronJobStatus.active"),
        col("Last Schedule", "string", "batch.v1.CronJobStatus.lastScheduleTime"),
        AGE,
        CONTAINERS,
        IMAGES,
        col("Selector", "string", "batch.v1.JobSpec.selector", 1),
    ),
    _cron_job_row,
)


# --- autoscaling ---------------------------------------------------------------------------------


def _hpa_v1_metrics(hpa: JSONDict) -> tuple[list[Any], list[Any]]:
    """autoscaling/v1's single CPU target, as the internal type's metric lists."""
    target = get(hpa, "spec", "targetCPUUtilizationPercentage")
    if not isinstance(target, int):
        return [], []
    spec = {
        "type": "Resource",
        "resource": {
            "name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": target},
        },
    }
    current = get(hpa, "status", "currentCPUUtilizationPercentage")
    statuses: list[Any] = []
    if isinstance(current, int):
        statuses = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "current": {"averageUtilization": current}},
            }
        ]
    return [spec], statuses


def _metric_value(spec_src: JSONDict, status_src: Any, fmt_prefix: str) -> str:
    """One External/Object/Resource/ContainerResource target: `current/target` text."""
    target = as_dict(spec_src.get("target"))
    current = as_dict(get(status_src, "current")) if isinstance(status_src, dict) else None
    if target.get("averageValue") is not None:
        cur = "<unknown>"
        if current is not None and current.get("averageValue") is not None:
            cur = quantity(current.get("averageValue"))
        return f"{fmt_prefix}{cur}/{quantity(target.get('averageValue'))}"
    cur = "<unknown>"
    if current is not None:
        cur = quantity(current.get("value"))
    return f"{fmt_prefix}{cur}/{quantity(target.get('value'))}"


def format_hpa_metrics(specs: list[Any], statuses: list[Any]) -> str:
    """printers.go `formatHPAMetrics`: at most two targets, then `+ N more...`."""
    if not specs:
        return "<none>"
    shown: list[str] = []
    for i, spec in enumerate(specs):
        spec = as_dict(spec)
        st = as_dict(statuses[i]) if i < len(statuses) else {}
        mtype = spec.get("type")
        if mtype == "External":
            src = as_dict(spec.get("external"))
            cur = st.get("external")
            text = _metric_value(src, cur, "")
            if as_dict(src.get("target")).get("averageValue") is not None:
                text += " (avg)"
            shown.append(text)
        elif mtype == "Pods":
            src = as_dict(spec.get("pods"))
            cur_src = st.get("pods")
            cur = "<unknown>"
            if isinstance(cur_src, dict):
                cur = quantity(get(cur_src, "current", "averageValue"))
            shown.append(f"{cur}/{quantity(get(src, 'target', 'averageValue'))}")
        elif mtype == "Object":
            src = as_dict(spec.get("object"))
            text = _metric_value(src, st.get("object"), "")
            if as_dict(src.get("target")).get("averageValue") is not None:
                text += " (avg)"
            shown.append(text)
        elif mtype in ("Resource", "ContainerResource"):
            key = "resource" if mtype == "Resource" else "containerResource"
            src = as_dict(spec.get(key))
            cur_src = st.get(key)
            name = as_str(src.get("name"))
            target = as_dict(src.get("target"))
            if target.get("averageValue") is not None:
                cur = "<unknown>"
                if isinstance(cur_src, dict):
                    cur = quantity(get(cur_src, "current", "averageValue"))
                shown.append(f"{name}: {cur}/{quantity(target.get('averageValue'))}")
            else:
                cur = "<unknown>"
                util = get(cur_src, "current", "averageUtilization")
                if isinstance(util, int):
                    cur = f"{util}%"
                want = "<auto>"
                if isinstance(target.get("averageUtilization"), int):
                    want = f"{target['averageUtilization']}%"
                shown.append(f"{name}: {cur}/{want}")
        else:
            shown.append("<unknown type>")
    limit = 2
    if len(shown) > limit:
        return f"{', '.join(shown[:limit])} + {len(shown) - limit} more..."
    return ", ".join(shown)


def _hpa_row(hpa: JSONDict, now: datetime, v1: bool) -> list[Any]:
    if v1:
        specs, statuses = _hpa_v1_metrics(hpa)
    else:
        specs = as_list(get(hpa, "spec", "metrics"))
        statuses = as_list(get(hpa, "status", "currentMetrics"))
    ref = as_dict(get(hpa, "spec", "scaleTargetRef"))
    min_replicas = get(hpa, "spec", "minReplicas")
    return [
        name_of(hpa),
        f"{as_str(ref.get('kind'))}/{as_str(ref.get('name'))}",
        format_hpa_metrics(specs, statuses),
        str(min_replicas) if isinstance(min_replicas, int) else "1",
        as_int(get(hpa, "spec", "maxReplicas")),
        as_int(get(hpa, "status", "currentReplicas")),
        age_of(hpa, now),
    ]


_HPA_COLUMNS = (
    NAME,
    col("Reference", "string", "autoscaling.v2.HorizontalPodAutoscalerSpec.scaleTargetRef"),
    col("Targets", "string", "autoscaling.v2.HorizontalPodAutoscalerSpec.metrics"),
    col("MinPods", "string", "autoscaling.v2.HorizontalPodAutoscalerSpec.minReplicas"),
    col("MaxPods", "string", "autoscaling.v2.HorizontalPodAutoscalerSpec.maxReplicas"),
    col("Replicas", "string", "autoscaling.v2.HorizontalPodAutoscalerStatus.currentReplicas"),
    AGE,
)

HPA_V1 = Printer(_HPA_COLUMNS, lambda o, now: _hpa_row(o, now, v1=True))
HPA_V2 = Printer(_HPA_COLUMNS, lambda o, now: _hpa_row(o, now, v1=False))


# --- policy --------------------------------------------------------------------------------------


def _int_or_string(value: Any) -> str:
    if value is None:
        return "N/A"
    return str(value)


POD_DISRUPTION_BUDGET = Printer(
    (
        NAME,
        col("Min Available", "string", "The minimum number of pods that must be available."),
        col("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
        col(
            "Allowed Disruptions",
            "integer",
            "Calculated number of pods that may be disrupted at this time.",
        ),
        AGE,
    ),
    lambda o, now: [
        name_of(o),
        _int_or_string(get(o, "spec", "minAvailable")),
        _int_or_string(get(o, "spec", "maxUnavailable")),
        as_int(get(o, "status", "disruptionsAllowed")),
        age_of(o, now),
    ],
)
