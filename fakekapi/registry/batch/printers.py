"""`kubectl get` printers of the batch kinds (Job, CronJob), ported from printers.go.

Missing optional fields are read as kube-apiserver's defaulting would have stored them (a Job's
completions 1, a CronJob's suspend false), since the real server only ever prints defaulted
objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list
from fakekapi.registry.generic.printing import AGE, CONTAINERS, IMAGES, NAME, Printer, Variant, col
from fakekapi.registry.generic.printing.cells import (
    age_of,
    as_int,
    as_str,
    format_label_selector,
    get,
    human_duration,
    layout_container_cells,
    name_of,
    parse_time,
    since,
    template_containers,
)


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
    names, images = layout_container_cells(template_containers(job, "spec", "template"))
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
    variants=(Variant((29, 29), "jobColumnDefinitions gained Status in 1.30", drop=("Status",)),),
)


def _cron_job_row(cj: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(cj.get("spec"))
    last = get(cj, "status", "lastScheduleTime")
    suspend = spec.get("suspend", False)
    names, images = layout_container_cells(
        template_containers(cj, "spec", "jobTemplate", "spec", "template")
    )
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
    variants=(
        Variant((29, 29), "cronJobColumnDefinitions gained Timezone in 1.30", drop=("Timezone",)),
    ),
)


PRINTERS: dict[str, Printer] = {"Job": JOB, "CronJob": CRON_JOB}
"""Kind → printer (1.33's; each printer's variants say how other releases differ)."""
