"""The ttl-after-finished controller: finished Jobs with ttlSecondsAfterFinished are deleted.

As pkg/controller/ttlafterfinished/ttlafterfinished_controller.go: a Job whose Complete or Failed
condition is True expires `ttlSecondsAfterFinished` after it finished (its completionTime, or the
Failed condition's transition time); the controller looks again exactly then (no polling) and
deletes it with a UID precondition and foreground propagation, so its pods go first (the garbage
collector does that part; without it the deletion is in the background). kube records no events
here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.job import COMPLETE, FAILED_COND, is_finished
from fakekapi.controllers.pods import parse_time
from fakekapi.controllers.worker import WorkloadController, key_of, split_key
from fakekapi.core.objects import JSONDict


def finish_time(job: JSONDict) -> datetime | None:
    status = job.get("status") or {}
    for c in status.get("conditions") or []:
        if c.get("status") != "True":
            continue
        if c.get("type") == COMPLETE:
            return parse_time(status.get("completionTime")) or parse_time(
                c.get("lastTransitionTime")
            )
        if c.get("type") == FAILED_COND:
            return parse_time(c.get("lastTransitionTime"))
    return None


class TTLAfterFinishedController(WorkloadController):
    name = "ttl-after-finished-controller"
    service_account = "ttl-after-finished-controller"
    component = "ttl-after-finished-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        self.rt = ctx.resource("batch", "v1", "jobs")
        self.jobs = ctx.informer("batch", "v1", "jobs")
        super().__init__(ctx, [self.jobs])
        self.foreground = ctx.enabled("garbage-collector-controller")
        self.jobs.add_handler(self._job_changed)

    def _job_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is None:
            return
        if (new.get("spec") or {}).get("ttlSecondsAfterFinished") is None:
            return
        if is_finished(new) and not (new.get("metadata") or {}).get("deletionTimestamp"):
            self.queue.add(key_of(new))

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        job = self.jobs.get(ns, name)
        if job is None or (job.get("metadata") or {}).get("deletionTimestamp"):
            return None
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        finished = finish_time(job)
        if ttl is None or finished is None:
            return None
        left = finished.timestamp() + int(ttl) - datetime.now(UTC).timestamp()
        if left > 0:
            return left
        md = job["metadata"]
        await self.delete(
            self.rt,
            ns,
            name,
            propagation="Foreground" if self.foreground else "Background",
            uid=md.get("uid"),
        )
        return None


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [TTLAfterFinishedController(ctx)]
