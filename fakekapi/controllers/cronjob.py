"""The cronjob controller: CronJobs create Jobs on their schedule.

As pkg/controller/cronjob/cronjob_controllerv2.go: the schedule (standard five fields and the
@yearly/@monthly/@weekly/@daily/@hourly descriptors, parsed with croniter as robfig/cron's
standard parser reads them) is evaluated in `spec.timeZone` (UTC without one); the most recent
unmet time since the last schedule (or the CronJob's creation) starts a Job named
`<cronjob>-<scheduled time in minutes since the epoch>` from the job template, owned by the
CronJob and annotated `batch.kubernetes.io/cronjob-scheduled-timestamp`. concurrencyPolicy
Allow/Forbid/Replace, startingDeadlineSeconds, suspend, status.active, lastScheduleTime and
lastSuccessfulTime, and the history limits (the oldest finished Jobs beyond them are deleted)
behave as kube's; a Job made with `kubectl create job --from=cronjob/x` is owned by the CronJob
but not in its active list, and is reported as kube does (UnexpectedJob). The controller looks
again just after the next scheduled time, so an idle CronJob costs nothing in between. Events:
SuccessfulCreate "Created job X", SawCompletedJob, SuccessfulDelete "Deleted job X", MissingJob,
UnexpectedJob, JobAlreadyActive, MissSchedule, TooManyMissedTimes, InvalidSchedule,
UnknownTimeZone, FailedCreate.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import NORMAL, WARNING
from fakekapi.controllers.index import ControllerIndex
from fakekapi.controllers.job import COMPLETE, FAILED_COND, is_finished
from fakekapi.controllers.ownership import controller_of, new_controller_ref
from fakekapi.controllers.pods import parse_time
from fakekapi.controllers.worker import WorkloadController, split_key
from fakekapi.core import gotime
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict

SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
NEXT_SCHEDULE_DELTA = 0.1
"""Seconds past the scheduled time to look again (kube's nextScheduleDelta)."""
MAX_MISSED = 100
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class ScheduleError(ValueError):
    pass


def parse_schedule(schedule: str) -> str:
    """The five-field expression of a schedule, or ScheduleError with robfig/cron's words."""
    text = schedule.strip()
    if text.startswith("@"):
        expanded = _DESCRIPTORS.get(text)
        if expanded is None:
            raise ScheduleError(f"unrecognized descriptor: {text}")
        return expanded
    fields = text.split()
    if len(fields) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: {text}")
    from croniter import croniter  # on first use: a server without CronJobs never needs it

    if not croniter.is_valid(text):
        raise ScheduleError(f"failed to parse schedule: {text}")
    return text


def next_after(expr: str, after: datetime) -> datetime:
    """The first scheduled time strictly after `after` (aware, in the schedule's zone)."""
    from croniter import croniter

    result: datetime = croniter(expr, after).get_next(datetime)
    return result


def time_zone(name: str | None) -> tzinfo:
    """UTC, or the named zone (ZoneInfoNotFoundError, a KeyError, or ValueError when there is
    none). `zoneinfo` is imported at the first named zone: the server starts without it."""
    if not name:
        return UTC
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def rfc3339(t: datetime) -> str:
    """time.RFC3339: seconds, `Z` for a zero offset, else the offset."""
    text = t.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if t.utcoffset() == timedelta(0) else text


def _utc(t: datetime) -> str:
    return gotime.format_utc(int(t.timestamp()))


class CronJobController(WorkloadController):
    name = "cronjob-controller"
    service_account = "cronjob-controller"
    component = "cronjob-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        self.rt = ctx.resource("batch", "v1", "cronjobs")
        self.job_rt = ctx.resource("batch", "v1", "jobs")
        self.cronjobs = ctx.informer("batch", "v1", "cronjobs")
        self.jobs = ctx.informer("batch", "v1", "jobs")
        super().__init__(ctx, [self.cronjobs, self.jobs])
        self.jobs_by_controller = ControllerIndex(self.jobs)
        self.cronjobs.add_handler(self.enqueue_current)
        self.jobs.add_handler(self.owner_changed("CronJob"))

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        cached = self.cronjobs.get(ns, name)
        if cached is None:
            return None
        cj: JSONDict = {"apiVersion": "batch/v1", "kind": "CronJob", **copy.deepcopy(cached)}
        uid = cj["metadata"].get("uid")
        jobs = self.jobs_by_controller.owned_by(ns, str(uid or ""))
        status = cj.setdefault("status", {})
        before = copy.deepcopy(status)
        self._reconcile_active(cj, jobs)
        if cj["metadata"].get("deletionTimestamp"):
            await self._write_status(cj, before)
            return None
        again = await self._schedule(cj, jobs)
        await self._write_status(cj, before)
        await self._cleanup_finished(cj, jobs)
        return again

    # -- status.active and history --------------------------------------------------------------

    def _reconcile_active(self, cj: JSONDict, jobs: list[JSONDict]) -> None:
        status = cj["status"]
        active: list[JSONDict] = list(status.get("active") or [])
        uids = {j["metadata"]["uid"] for j in jobs}
        for job in jobs:
            jmd = job["metadata"]
            found = any(ref.get("uid") == jmd["uid"] for ref in active)
            finished = is_finished({"status": job.get("status") or {}})
            if not found and not finished:
                self.recorder.event(
                    cj,
                    WARNING,
                    "UnexpectedJob",
                    f"Saw a job that the controller did not create or forgot: {jmd['name']}",
                )
            elif found and finished:
                condition = _finished_type(job)
                active = [ref for ref in active if ref.get("uid") != jmd["uid"]]
                self.recorder.event(
                    cj,
                    NORMAL,
                    "SawCompletedJob",
                    f"Saw completed job: {jmd['name']}, condition: {condition}",
                )
            if finished and _finished_type(job) == COMPLETE:
                done = parse_time((job.get("status") or {}).get("completionTime"))
                last = parse_time(status.get("lastSuccessfulTime"))
                if done is not None and (last is None or done > last):
                    status["lastSuccessfulTime"] = _utc(done)
        for ref in list(active):
            if ref.get("uid") not in uids:
                self.recorder.event(
                    cj, NORMAL, "MissingJob", f"Active job went missing: {ref.get('name')}"
                )
                active = [r for r in active if r.get("uid") != ref.get("uid")]
        if active:
            status["active"] = active
        else:
            status.pop("active", None)

    async def _cleanup_finished(self, cj: JSONDict, jobs: list[JSONDict]) -> None:
        spec = cj.get("spec") or {}
        for kind, limit in (
            (COMPLETE, spec.get("successfulJobsHistoryLimit")),
            (FAILED_COND, spec.get("failedJobsHistoryLimit")),
        ):
            if limit is None:
                continue
            done = [
                j
                for j in jobs
                if is_finished({"status": j.get("status") or {}})
                and _finished_type(j) == kind
                and not j["metadata"].get("deletionTimestamp")
            ]
            if len(done) <= int(limit):
                continue
            done.sort(key=_start_key)
            for job in done[: len(done) - int(limit)]:
                await self._delete_job(cj, job)

    async def _delete_job(self, cj: JSONDict, job: JSONDict) -> None:
        jmd = job["metadata"]
        try:
            if await self.delete(
                self.job_rt, jmd["namespace"], jmd["name"], propagation="Background"
            ):
                self.recorder.event(cj, NORMAL, "SuccessfulDelete", f"Deleted job {jmd['name']}")
        except StatusError as e:
            self.recorder.event(cj, WARNING, "FailedDelete", f"Deleted job: {e.message}")
            raise

    # -- scheduling -----------------------------------------------------------------------------

    async def _schedule(self, cj: JSONDict, jobs: list[JSONDict]) -> float | None:
        spec = cj.get("spec") or {}
        status = cj["status"]
        if spec.get("suspend"):
            return None
        try:
            expr = parse_schedule(str(spec.get("schedule") or ""))
        except ScheduleError as e:
            self.recorder.event(
                cj, WARNING, "InvalidSchedule", f"invalid schedule: {spec.get('schedule')} : {e}"
            )
            return None
        try:
            zone = time_zone(spec.get("timeZone"))
        except (KeyError, ValueError) as e:  # ZoneInfoNotFoundError is a KeyError
            self.recorder.event(
                cj, WARNING, "UnknownTimeZone",
                f'invalid timeZone: "{spec.get("timeZone")}": {e}',
            )  # fmt: skip
            return None
        now = datetime.now(zone)
        scheduled, missed = self._most_recent(cj, expr, now, zone)
        if missed > MAX_MISSED:
            self.recorder.event(
                cj,
                WARNING,
                "TooManyMissedTimes",
                f"too many missed start times: {missed}. Set or decrease "
                ".spec.startingDeadlineSeconds or check clock skew",
            )
        wait = self._next_wait(cj, expr, now, zone)
        if scheduled is None:
            return wait
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and scheduled + timedelta(seconds=int(deadline)) < now:
            self.recorder.event(
                cj,
                WARNING,
                "MissSchedule",
                f"Missed scheduled time to start a job: {rfc3339(scheduled)}",
            )
            return wait
        job_name = f"{cj['metadata']['name']}-{int(scheduled.timestamp()) // 60}"
        if any(ref.get("name") == job_name for ref in status.get("active") or []):
            return wait
        policy = spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and status.get("active"):
            self.recorder.event(
                cj,
                NORMAL,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is "
                "Forbid",
            )
            return wait
        if policy == "Replace":
            for ref in list(status.get("active") or []):
                job = self.jobs.get(cj["metadata"]["namespace"], str(ref.get("name")))
                if job is None:
                    continue
                await self._delete_job(cj, job)
                status["active"] = [
                    r for r in status.get("active") or [] if r.get("uid") != ref.get("uid")
                ]
                if not status["active"]:
                    status.pop("active")
        job = self._job_from_template(cj, scheduled, job_name, zone)
        try:
            created = await self.create(self.job_rt, cj["metadata"]["namespace"], job)
        except StatusError as e:
            if e.reason == "AlreadyExists":
                existing = self.jobs.get(cj["metadata"]["namespace"], job_name)
                if existing is None or (controller_of(existing) or {}).get("uid") != cj[
                    "metadata"
                ].get("uid"):
                    return wait
                created = existing
            else:
                self.recorder.event(cj, WARNING, "FailedCreate", f"Error creating job: {e.message}")
                raise
        else:
            self.recorder.event(
                cj, NORMAL, "SuccessfulCreate", f"Created job {created['metadata']['name']}"
            )
        cmd = created["metadata"]
        ref = {
            "kind": "Job",
            "namespace": cmd["namespace"],
            "name": cmd["name"],
            "uid": cmd["uid"],
            "apiVersion": "batch/v1",
            "resourceVersion": cmd.get("resourceVersion", ""),
        }
        if not any(r.get("uid") == cmd["uid"] for r in status.get("active") or []):
            status["active"] = [*(status.get("active") or []), ref]
        status["lastScheduleTime"] = _utc(scheduled)
        return wait

    def _most_recent(
        self, cj: JSONDict, expr: str, now: datetime, zone: tzinfo
    ) -> tuple[datetime | None, int]:
        """mostRecentScheduleTime: the latest scheduled time in (earliest, now], with the
        number of times missed."""
        earliest = self._earliest(cj, now, zone)
        t = next_after(expr, earliest)
        if t > now:
            return None, 0
        latest = t
        missed = 1
        while True:
            t = next_after(expr, t)
            if t > now:
                return latest, missed
            latest = t
            missed += 1
            if missed > 10_000:  # bounded walk; kube computes the count arithmetically
                return latest, missed

    def _earliest(self, cj: JSONDict, now: datetime, zone: tzinfo) -> datetime:
        status = cj.get("status") or {}
        md = cj.get("metadata") or {}
        start = parse_time(status.get("lastScheduleTime")) or parse_time(
            md.get("creationTimestamp")
        )
        earliest = (start or now).astimezone(zone)
        deadline = (cj.get("spec") or {}).get("startingDeadlineSeconds")
        if deadline is not None:
            floor = now - timedelta(seconds=int(deadline))
            earliest = max(earliest, floor)
        return earliest

    def _next_wait(self, cj: JSONDict, expr: str, now: datetime, zone: tzinfo) -> float:
        """nextScheduleTimeDuration: until just after the next scheduled time."""
        nxt = next_after(expr, now)
        return max((nxt - now).total_seconds(), 0.0) + NEXT_SCHEDULE_DELTA

    def _job_from_template(
        self, cj: JSONDict, scheduled: datetime, name: str, zone: tzinfo
    ) -> JSONDict:
        """getJobFromTemplate2."""
        template = (cj.get("spec") or {}).get("jobTemplate") or {}
        tmd = template.get("metadata") or {}
        annotations = dict(tmd.get("annotations") or {})
        annotations[SCHEDULED_TIMESTAMP] = rfc3339(scheduled.astimezone(zone))
        md: JSONDict = {"name": name}
        if tmd.get("labels"):
            md["labels"] = dict(tmd["labels"])
        md["annotations"] = annotations
        md["ownerReferences"] = [new_controller_ref(cj, "batch/v1", "CronJob")]
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": md,
            "spec": copy.deepcopy(template.get("spec") or {}),
        }

    async def _write_status(self, cj: JSONDict, before: JSONDict) -> None:
        status = cj["status"]
        ordered = {
            k: status[k]
            for k in ("active", "lastScheduleTime", "lastSuccessfulTime")
            if k in status
        }
        if ordered == before:
            return
        cj["status"] = ordered
        written = await self.update_status(self.rt, cj)
        cj["metadata"] = written["metadata"]


def _finished_type(job: JSONDict) -> str:
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in (COMPLETE, FAILED_COND) and c.get("status") == "True":
            return str(c["type"])
    return ""


def _start_key(job: JSONDict) -> Any:
    status = job.get("status") or {}
    return (
        str(status.get("startTime") or job["metadata"].get("creationTimestamp") or ""),
        job["metadata"]["name"],
    )


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [CronJobController(ctx)]
