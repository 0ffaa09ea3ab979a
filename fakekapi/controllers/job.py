"""The job controller: Jobs run pods to completion.

As pkg/controller/job/job_controller.go: pods `<job>-<5 random>` (Indexed: `<job>-<index>-...`
with the completion-index annotation and label, hostname `<job>-<index>` and the
JOB_COMPLETION_INDEX variable) carry the `batch.kubernetes.io/job-tracking` finalizer; a finished
pod is first listed in `status.uncountedTerminatedPods`, then its finalizer removed, then counted
in `succeeded`/`failed`. Up to `parallelism` pods run while completions remain; failed pods are
replaced after kube's exponential backoff (10 s, doubling, at most 6 min); more failures than
`backoffLimit` (or restarts past it with restartPolicy OnFailure), or `activeDeadlineSeconds`
passed, fail the Job. From 1.31 the verdict is first an interim condition
(`SuccessCriteriaMet`/`FailureTarget`), then, once no pod is terminating, `Complete`/`Failed`
(kube's delayTerminalCondition); 1.33's reason for a success is CompletionsReached. `suspend`
deletes the active pods and sets the Suspended condition. Events: SuccessfulCreate,
SuccessfulDelete, Completed "Job completed", BackoffLimitExceeded "Job has reached the specified
backoff limit", DeadlineExceeded, Suspended, Resumed.
podFailurePolicy rules (onExitCodes, onPodConditions; FailJob, Ignore, Count) are matched as
pod_failure_policy.go does: FailJob fails the Job with reason PodFailurePolicy, Ignore leaves the
failure out of the backoff count.
Left out: successPolicy, backoffLimitPerIndex (FailIndex), managedBy.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fakekapi.controllers.base import now_rfc3339
from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import NORMAL, WARNING
from fakekapi.controllers.expectations import Expectations
from fakekapi.controllers.index import ControllerIndex
from fakekapi.controllers.labels import selector_matches
from fakekapi.controllers.ownership import controller_of, new_controller_ref
from fakekapi.controllers.pods import (
    FAILED,
    SUCCEEDED,
    is_active,
    is_ready,
    parse_time,
    phase,
    pod_from_template,
)
from fakekapi.controllers.replicaset import slow_start_batch
from fakekapi.controllers.worker import WorkloadController, key_of, split_key
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
DEFAULT_BACKOFF = 10.0
MAX_BACKOFF = 360.0
MAX_POD_CREATE_DELETE_PER_SYNC = 500
MAX_UNCOUNTED_PODS = 500

COMPLETE, FAILED_COND = "Complete", "Failed"
SUCCESS_CRITERIA_MET, FAILURE_TARGET = "SuccessCriteriaMet", "FailureTarget"
SUSPENDED = "Suspended"


def condition_of(job: JSONDict, type_: str) -> JSONDict | None:
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") == type_:
            return dict(c)
    return None


def is_finished(job: JSONDict) -> bool:
    """util.IsJobFinished: a Complete or Failed condition that is True."""
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in (COMPLETE, FAILED_COND) and c.get("status") == "True":
            return True
    return False


def new_condition(type_: str, status: str, reason: str, message: str) -> JSONDict:
    now = now_rfc3339()
    return {
        "type": type_,
        "status": status,
        "lastProbeTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def completion_index(pod: JSONDict) -> int | None:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(COMPLETION_INDEX)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def format_indexes(indexes: Sequence[int]) -> str:
    """orderedIntervals.String(): `1,3-5,7` (two neighbours are written `1,2`)."""
    parts: list[str] = []
    ordered = sorted(set(indexes))
    i = 0
    while i < len(ordered):
        first = last = ordered[i]
        while i + 1 < len(ordered) and ordered[i + 1] == last + 1:
            i += 1
            last = ordered[i]
        if first == last:
            parts.append(str(first))
        elif last == first + 1:
            parts.append(f"{first},{last}")
        else:
            parts.append(f"{first}-{last}")
        i += 1
    return ",".join(parts)


def parse_indexes(text: str, completions: int) -> set[int]:
    out: set[int] = set()
    for part in (text or "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        try:
            lo, hi = int(first), int(last or first)
        except ValueError:
            continue
        out.update(i for i in range(lo, hi + 1) if i < completions)
    return out


@dataclass
class _Backoff:
    failures: int = 0
    last_failure: float = 0.0

    def remaining(self) -> float:
        if self.failures == 0:
            return 0.0
        delay = min(DEFAULT_BACKOFF * float(2 ** (self.failures - 1)), MAX_BACKOFF)
        return max(delay - (time.monotonic() - self.last_failure), 0.0)


class JobController(WorkloadController):
    name = "job-controller"
    service_account = "job-controller"
    component = "job-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        self.rt = ctx.resource("batch", "v1", "jobs")
        self.pod_rt = ctx.resource("", "v1", "pods")
        self.jobs = ctx.informer("batch", "v1", "jobs")
        self.pods = ctx.informer("", "v1", "pods")
        super().__init__(ctx, [self.jobs, self.pods])
        self.pods_by_controller = ControllerIndex(self.pods)
        self.expectations = Expectations()
        self.removed_finalizers: dict[str, set[str]] = {}
        """Per job: pods whose tracking finalizer was removed but whose update the cache may not
        show yet (kube's finalizerExpectations), so they are never counted twice."""
        self.backoffs: dict[str, _Backoff] = {}
        self.delay_terminal = ctx.minor >= 31
        self.jobs.add_handler(self._job_changed)
        self.pods.add_handler(self._pod_changed)

    # -- handlers -----------------------------------------------------------------------------

    def _job_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is None:
            if old is not None:
                key = key_of(old)
                self.expectations.delete(key)
                self.removed_finalizers.pop(key, None)
                self.backoffs.pop(key, None)
            return
        self.queue.add(key_of(new))

    def _job_key(self, pod: JSONDict) -> str | None:
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != "Job":
            return None
        ns = (pod.get("metadata") or {}).get("namespace") or ""
        job = self.jobs.get(ns, str(ref.get("name") or ""))
        if job is None or (job.get("metadata") or {}).get("uid") != ref.get("uid"):
            return None
        return f"{ns}/{ref.get('name')}"

    def _pod_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        pod = new if new is not None else old
        if pod is None:
            return
        key = self._job_key(pod)
        if key is None:
            return
        pod_key = key_of(pod)
        new_md = (new or {}).get("metadata") or {}
        old_md = (old or {}).get("metadata") or {}
        if old is None:
            if new_md.get("deletionTimestamp"):
                self.expectations.deletion_observed(key, pod_key)
            else:
                self.expectations.creation_observed(key)
        elif new is None or (
            new_md.get("deletionTimestamp") and not old_md.get("deletionTimestamp")
        ):
            self.expectations.deletion_observed(key, pod_key)
        removed = self.removed_finalizers.get(key)
        if removed:
            uid = (pod.get("metadata") or {}).get("uid", "")
            if new is None or TRACKING_FINALIZER not in (
                (new.get("metadata") or {}).get("finalizers") or []
            ):
                removed.discard(uid)
        self.queue.add(key)

    # -- sync ---------------------------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        cached = self.jobs.get(ns, name)
        if cached is None:
            self.expectations.delete(key)
            return None
        job: JSONDict = {"apiVersion": "batch/v1", "kind": "Job", **copy.deepcopy(cached)}
        spec = job.setdefault("spec", {})
        if spec.get("managedBy") not in (None, "kubernetes.io/job-controller"):
            return None
        if is_finished(job):
            self.backoffs.pop(key, None)
            return None
        status = job.setdefault("status", {})
        status.setdefault("uncountedTerminatedPods", {})
        satisfied = self.expectations.satisfied(key)
        pods = self._pods_for(job)
        active_pods = [p for p in pods if is_active(p)]
        expected_removed = self.removed_finalizers.get(key, set())
        uncounted = status["uncountedTerminatedPods"]
        unc_succeeded = set(uncounted.get("succeeded") or [])
        unc_failed = set(uncounted.get("failed") or [])
        new_succeeded, new_failed = [], []
        for pod in pods:
            uid = pod["metadata"].get("uid", "")
            if TRACKING_FINALIZER not in (pod["metadata"].get("finalizers") or []):
                continue
            if uid in expected_removed:
                continue
            if phase(pod) == SUCCEEDED and uid not in unc_succeeded:
                new_succeeded.append(pod)
            elif _is_failed(pod, job) and uid not in unc_failed:
                new_failed.append(pod)
        succeeded = int(status.get("succeeded") or 0) + len(new_succeeded) + len(unc_succeeded)
        policy = spec.get("podFailurePolicy")
        counted_failed = [p for p in new_failed if match_failure_policy(policy, p)[1]]
        failed = int(status.get("failed") or 0) + len(counted_failed) + len(unc_failed)
        terminating = sum(
            1
            for p in pods
            if p["metadata"].get("deletionTimestamp") and phase(p) not in (SUCCEEDED, FAILED)
        )
        ready = sum(1 for p in active_pods if is_ready(p))
        suspended = bool(spec.get("suspend"))
        if not status.get("startTime") and not suspended:
            status["startTime"] = now_rfc3339()
        backoff = self.backoffs.setdefault(key, _Backoff())
        if new_failed:
            backoff.failures += len(new_failed)
            backoff.last_failure = time.monotonic()
        elif new_succeeded:
            backoff.failures = 0
        again: float | None = None

        finished: JSONDict | None = None
        if condition_of(job, SUCCESS_CRITERIA_MET) is not None:
            finished = condition_of(job, SUCCESS_CRITERIA_MET)
        if finished is None:
            target = condition_of(job, FAILURE_TARGET)
            if target is not None and target.get("status") == "True":
                finished = new_condition(
                    FAILED_COND, "True", str(target.get("reason")), str(target.get("message"))
                )
            elif policy:
                for pod in pods:
                    if _is_failed(pod, job):
                        message = match_failure_policy(policy, pod)[0]
                        if message is not None:
                            finished = self._failure("PodFailurePolicy", message)
                            break
        backoff_limit = _backoff_limit(spec)
        if finished is None:
            if failed > backoff_limit or _past_backoff_limit_on_failure(job, pods):
                finished = self._failure(
                    "BackoffLimitExceeded", "Job has reached the specified backoff limit"
                )
            elif self._past_deadline(job):
                finished = self._failure(
                    "DeadlineExceeded", "Job was active longer than specified deadline"
                )
            elif spec.get("activeDeadlineSeconds") is not None and not suspended:
                again = self._deadline_left(job)
        indexed = spec.get("completionMode") == "Indexed"
        completions = spec.get("completions")
        succeeded_indexes: set[int] = set()
        if indexed and completions is not None:
            succeeded_indexes = parse_indexes(status.get("completedIndexes", ""), completions)
            for pod in pods:
                ix = completion_index(pod)
                if phase(pod) == SUCCEEDED and ix is not None and 0 <= ix < completions:
                    succeeded_indexes.add(ix)
            succeeded = len(succeeded_indexes)
        active = len(active_pods)
        manage_error: StatusError | None = None
        suspend_changed = False
        if finished is not None:
            deleted, deleted_ready = await self._delete_active(job, active_pods)
            if deleted != active or not satisfied:
                finished = None
            active -= deleted
            terminating += deleted
            ready -= deleted_ready
        else:
            managed = False
            if satisfied and not job["metadata"].get("deletionTimestamp"):
                try:
                    active, ready, terminating, later = await self._manage(
                        key, job, active_pods, succeeded, succeeded_indexes, ready, terminating,
                        backoff,
                    )  # fmt: skip
                    if later is not None:
                        again = later if again is None else min(again, later)
                except StatusError as e:
                    manage_error = e
                managed = True
            complete = (
                succeeded > 0 and active == 0
                if completions is None
                else succeeded >= int(completions) and active == 0
            )
            if complete:
                finished = self._success()
            elif managed:
                suspend_changed = self._suspend_condition(job, suspended)
        needs_flush = (
            suspend_changed
            or active != int(status.get("active") or 0)
            or ready != status.get("ready")
            or terminating != status.get("terminating")
        )
        status["active"] = active
        status["ready"] = ready
        status["terminating"] = terminating
        await self._track(
            key, job, pods, finished, needs_flush, new_succeeded, new_failed, succeeded_indexes
        )
        if manage_error is not None:
            raise manage_error
        return again

    def _pods_for(self, job: JSONDict) -> list[JSONDict]:
        """getPodsForJob: the pods it controls (orphans are not adopted: kube adopts them with
        the tracking finalizer, which a stand-in cluster never needs)."""
        uid = job["metadata"].get("uid")
        selector = (job.get("spec") or {}).get("selector")
        out = []
        for pod in self.pods_by_controller.owned_by(
            job["metadata"].get("namespace") or "", str(uid or "")
        ):
            if selector_matches(selector, (pod.get("metadata") or {}).get("labels")):
                out.append(pod)
        return out

    def _failure(self, reason: str, message: str) -> JSONDict:
        return new_condition(
            FAILURE_TARGET if self.delay_terminal else FAILED_COND, "True", reason, message
        )

    def _success(self) -> JSONDict:
        if self.ctx.minor >= 33:
            reason, message = "CompletionsReached", "Reached expected number of succeeded pods"
        else:
            reason = message = ""
        return new_condition(
            SUCCESS_CRITERIA_MET if self.delay_terminal else COMPLETE, "True", reason, message
        )

    def _past_deadline(self, job: JSONDict) -> bool:
        left = self._deadline_left(job)
        return left is not None and left <= 0 and not (job.get("spec") or {}).get("suspend")

    def _deadline_left(self, job: JSONDict) -> float | None:
        deadline = (job.get("spec") or {}).get("activeDeadlineSeconds")
        started = parse_time((job.get("status") or {}).get("startTime"))
        if deadline is None or started is None:
            return None
        return float(deadline) - (datetime.now(UTC) - started).total_seconds()

    def _suspend_condition(self, job: JSONDict, suspended: bool) -> bool:
        """ensureJobConditionStatus for Suspended, with the Suspended/Resumed events."""
        status = job["status"]
        current = condition_of(job, SUSPENDED)
        if suspended:
            if current is not None and current.get("status") == "True":
                return False
            cond = new_condition(SUSPENDED, "True", "JobSuspended", "Job suspended")
            self.recorder.event(job, NORMAL, "Suspended", "Job suspended")
        else:
            if current is None or current.get("status") == "False":
                return False
            cond = new_condition(SUSPENDED, "False", "JobResumed", "Job resumed")
            self.recorder.event(job, NORMAL, "Resumed", "Job resumed")
            status["startTime"] = now_rfc3339()
        others = [c for c in status.get("conditions") or [] if c.get("type") != SUSPENDED]
        status["conditions"] = [*others, cond]
        return True

    # -- creating and deleting pods (manageJob) -------------------------------------------------

    async def _manage(
        self,
        key: str,
        job: JSONDict,
        active_pods: list[JSONDict],
        succeeded: int,
        succeeded_indexes: set[int],
        ready: int,
        terminating: int,
        backoff: _Backoff,
    ) -> tuple[int, int, int, float | None]:
        spec = job["spec"]
        active = len(active_pods)
        parallelism = int(spec.get("parallelism") if spec.get("parallelism") is not None else 1)
        if spec.get("suspend"):
            self.expectations.expect_deletions(key, [key_of(p) for p in active_pods])
            removed, removed_ready = await self._delete_pods(key, job, active_pods)
            return active - removed, ready - removed_ready, terminating + removed, None
        completions = spec.get("completions")
        if completions is None:
            want = active if succeeded > 0 else parallelism
        else:
            want = max(min(int(completions) - succeeded, parallelism), 0)
        surplus = max(active - want, 0)
        if surplus:
            victims = _for_removal(job, active_pods, surplus)[:MAX_POD_CREATE_DELETE_PER_SYNC]
            self.expectations.expect_deletions(key, [key_of(p) for p in victims])
            removed, removed_ready = await self._delete_pods(key, job, victims)
            return active - removed, ready - removed_ready, terminating + removed, None
        in_flight = terminating if spec.get("podReplacementPolicy") == "Failed" else 0
        diff = want - in_flight - active
        if diff <= 0:
            return active, ready, terminating, None
        wait = backoff.remaining()
        if wait > 0:
            return 0, ready, terminating, wait
        diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
        indexes: list[int | None] = [None] * diff
        if spec.get("completionMode") == "Indexed" and completions is not None:
            taken = succeeded_indexes | {
                ix for p in active_pods if (ix := completion_index(p)) is not None
            }
            pending = [i for i in range(int(completions)) if i not in taken][:diff]
            indexes = list(pending)
            diff = len(indexes)
        if diff == 0:
            return active, ready, terminating, None
        self.expectations.expect_creations(key, diff)
        template = copy.deepcopy(spec.get("template") or {})
        if spec.get("completionMode") == "Indexed":
            _add_index_env(template)
        tmd = template.setdefault("metadata", {})
        finalizers = list(tmd.get("finalizers") or [])
        if TRACKING_FINALIZER not in finalizers:
            finalizers.append(TRACKING_FINALIZER)
        tmd["finalizers"] = finalizers
        queue = list(indexes)
        created = 0

        async def create_one() -> None:
            nonlocal created
            ix = queue.pop(0)
            try:
                await self._create_pod(job, template, ix)
            except StatusError:
                self.expectations.creation_observed(key)
                raise
            created += 1

        try:
            await slow_start_batch(diff, 1, create_one)
        except StatusError:
            for _ in range(len(queue)):
                self.expectations.creation_observed(key)
            raise
        return active + created, ready, terminating, None

    async def _create_pod(self, job: JSONDict, template: JSONDict, index: int | None) -> None:
        md = job["metadata"]
        ref = new_controller_ref(job, "batch/v1", "Job")
        if index is not None:
            template = copy.deepcopy(template)
            tmd = template.setdefault("metadata", {})
            tmd["annotations"] = {**(tmd.get("annotations") or {}), COMPLETION_INDEX: str(index)}
            tmd["labels"] = {**(tmd.get("labels") or {}), COMPLETION_INDEX: str(index)}
            template.setdefault("spec", {})["hostname"] = f"{md['name']}-{index}"
        pod = pod_from_template(template, md["name"], ref)
        if index is not None:
            pod["metadata"]["generateName"] = f"{md['name']}-{index}-"
        await self.create_pod(self.pod_rt, job, pod)

    async def _delete_pods(
        self, key: str, job: JSONDict, pods: Sequence[JSONDict]
    ) -> tuple[int, int]:
        """deleteJobPods: the tracking finalizer first, then the pod."""

        async def one(pod: JSONDict) -> None:
            pmd = pod["metadata"]
            try:
                if TRACKING_FINALIZER in (pmd.get("finalizers") or []):
                    await self._remove_finalizer(pod)
                await self.delete(self.pod_rt, pmd["namespace"], pmd["name"])
            except StatusError:
                self.expectations.deletion_observed(key, key_of(pod))
                raise
            self.recorder.event(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {pmd['name']}")

        results = await asyncio.gather(*(one(p) for p in pods), return_exceptions=True)
        removed = sum(1 for r in results if not isinstance(r, BaseException))
        removed_ready = sum(
            1
            for p, r in zip(pods, results, strict=True)
            if not isinstance(r, BaseException) and is_ready(p)
        )
        for r in results:
            if isinstance(r, BaseException):
                raise r
        return removed, removed_ready

    async def _delete_active(self, job: JSONDict, pods: Sequence[JSONDict]) -> tuple[int, int]:
        """deleteActivePods: deletes keeping the finalizers (they are removed when counted)."""

        async def one(pod: JSONDict) -> None:
            pmd = pod["metadata"]
            await self.delete(self.pod_rt, pmd["namespace"], pmd["name"])
            self.recorder.event(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {pmd['name']}")

        results = await asyncio.gather(*(one(p) for p in pods), return_exceptions=True)
        ok = [p for p, r in zip(pods, results, strict=True) if not isinstance(r, BaseException)]
        return len(ok), sum(1 for p in ok if is_ready(p))

    async def _remove_finalizer(self, pod: JSONDict) -> None:
        pmd = pod["metadata"]
        body: dict[str, Any] = {
            "metadata": {"$deleteFromPrimitiveList/finalizers": [TRACKING_FINALIZER]}
        }
        try:
            await self.patch(self.pod_rt, pmd["namespace"], pmd["name"], body)
        except StatusError as e:
            if e.code != 404:
                raise

    # -- status (trackJobStatusAndRemoveFinalizers) ---------------------------------------------

    async def _track(
        self,
        key: str,
        job: JSONDict,
        pods: list[JSONDict],
        finished: JSONDict | None,
        needs_flush: bool,
        new_succeeded: list[JSONDict],
        new_failed: list[JSONDict],
        succeeded_indexes: set[int],
    ) -> None:
        status = job["status"]
        spec = job["spec"]
        indexed = spec.get("completionMode") == "Indexed"
        uncounted = status["uncountedTerminatedPods"]
        expected_removed = self.removed_finalizers.setdefault(key, set())
        with_finalizer = {
            p["metadata"]["uid"]
            for p in pods
            if TRACKING_FINALIZER in (p["metadata"].get("finalizers") or [])
            and p["metadata"]["uid"] not in expected_removed
        }
        if _clean_uncounted(status, with_finalizer):
            needs_flush = True
        to_remove: list[JSONDict] = []
        for pod in pods:
            uid = pod["metadata"]["uid"]
            if TRACKING_FINALIZER not in (pod["metadata"].get("finalizers") or []):
                continue
            if uid in expected_removed:
                continue
            failed = _is_failed(pod, job)
            if not (
                job["metadata"].get("deletionTimestamp")
                or finished
                or phase(pod) == SUCCEEDED
                or failed
            ):
                continue
            to_remove.append(pod)
            if phase(pod) == SUCCEEDED and uid not in (uncounted.get("failed") or []):
                if not indexed and uid not in (uncounted.get("succeeded") or []):
                    uncounted.setdefault("succeeded", []).append(uid)
                    needs_flush = True
            elif failed or (finished is not None and finished["type"] != SUCCESS_CRITERIA_MET):
                ix = completion_index(pod)
                in_range = not indexed or (
                    ix is not None and ix < int(spec.get("completions") or 0)
                )
                counts = match_failure_policy(spec.get("podFailurePolicy"), pod)[1]
                if uid not in (uncounted.get("failed") or []) and in_range and counts:
                    uncounted.setdefault("failed", []).append(uid)
                    needs_flush = True
            if (
                len(uncounted.get("succeeded") or []) + len(uncounted.get("failed") or [])
                >= MAX_UNCOUNTED_PODS
            ):
                break
        if indexed:
            text = format_indexes(sorted(succeeded_indexes))
            if text != status.get("completedIndexes", ""):
                needs_flush = True
            if text:
                status["completedIndexes"] = text
            else:
                status.pop("completedIndexes", None)
            status["succeeded"] = len(succeeded_indexes)
        if finished is not None and finished["type"] == FAILURE_TARGET:
            if condition_of(job, FAILURE_TARGET) is None:
                status["conditions"] = [*(status.get("conditions") or []), finished]
                needs_flush = True
            finished = new_condition(FAILED_COND, "True", finished["reason"], finished["message"])
        if finished is not None and finished["type"] == SUCCESS_CRITERIA_MET:
            if condition_of(job, SUCCESS_CRITERIA_MET) is None:
                status["conditions"] = [*(status.get("conditions") or []), finished]
                needs_flush = True
            finished = new_condition(COMPLETE, "True", finished["reason"], finished["message"])
        # flushUncountedAndRemoveFinalizers
        if needs_flush:
            await self._write(job)
            needs_flush = False
        if to_remove:
            results = await asyncio.gather(
                *(self._remove_finalizer(p) for p in to_remove), return_exceptions=True
            )
            for pod, r in zip(to_remove, results, strict=True):
                if not isinstance(r, BaseException):
                    expected_removed.add(pod["metadata"]["uid"])
                    with_finalizer.discard(pod["metadata"]["uid"])
            if _clean_uncounted(status, with_finalizer):
                needs_flush = True
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                if needs_flush:
                    await self._write(job)
                raise errors[0]
        done = self._enact_finished(job, finished)
        if done or needs_flush:
            await self._write(job)
            if done and finished is not None:
                if finished["type"] == COMPLETE:
                    completions = spec.get("completions")
                    if completions is not None and int(status.get("succeeded") or 0) > int(
                        completions
                    ):
                        self.recorder.event(
                            job, WARNING, "TooManySucceededPods",
                            "Too many succeeded pods running after completion count reached",
                        )  # fmt: skip
                    self.recorder.event(job, NORMAL, "Completed", "Job completed")
                else:
                    self.recorder.event(job, WARNING, finished["reason"], finished["message"])

    def _enact_finished(self, job: JSONDict, finished: JSONDict | None) -> bool:
        if finished is None:
            return False
        status = job["status"]
        uncounted = status.get("uncountedTerminatedPods") or {}
        if uncounted.get("succeeded") or uncounted.get("failed"):
            return False
        if self.delay_terminal and int(status.get("terminating") or 0) > 0:
            return False
        conditions = [
            c for c in status.get("conditions") or [] if c.get("type") != finished["type"]
        ]
        status["conditions"] = [*conditions, finished]
        if finished["type"] == COMPLETE:
            status["completionTime"] = finished["lastTransitionTime"]
        return True

    async def _write(self, job: JSONDict) -> None:
        # In place: the caller keeps working on the same status dict after a flush.
        ordered = _status_json(job["status"], True)
        job["status"].clear()
        job["status"].update(ordered)
        written = await self.update_status(self.rt, job)
        job["metadata"] = written["metadata"]


def match_failure_policy(policy: Any, pod: JSONDict) -> tuple[str | None, bool]:
    """matchPodFailurePolicy: (the message of a FailJob match, whether the failure counts
    towards backoffLimit) for the first rule the failed pod matches."""
    if not isinstance(policy, dict):
        return None, True
    md = pod.get("metadata") or {}
    status = pod.get("status") or {}
    statuses = [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]
    for index, rule in enumerate(policy.get("rules") or []):
        action = rule.get("action")
        matched: str | None = None
        codes = rule.get("onExitCodes")
        if codes:
            values = codes.get("values") or []
            for cs in statuses:
                term = (cs.get("state") or {}).get("terminated") or {}
                code = term.get("exitCode")
                if not isinstance(code, int) or code == 0:
                    continue
                if codes.get("containerName") and codes["containerName"] != cs.get("name"):
                    continue
                if (code in values) == (codes.get("operator") == "In"):
                    matched = (
                        f"Container {cs.get('name')} for pod {md.get('namespace')}/"
                        f"{md.get('name')} failed with exit code {code} matching {action} rule "
                        f"at index {index}"
                    )
                    break
        for pattern in rule.get("onPodConditions") or []:
            if matched:
                break
            for c in status.get("conditions") or []:
                if c.get("type") == pattern.get("type") and c.get("status") == (
                    pattern.get("status") or "True"
                ):
                    matched = (
                        f"Pod {md.get('namespace')}/{md.get('name')} has condition {c['type']} "
                        f"matching {action} rule at index {index}"
                    )
                    break
        if matched is None:
            continue
        if action == "FailJob":
            return matched, True
        if action == "Ignore":
            return None, False
        return None, True
    return None, True


def _is_failed(pod: JSONDict, job: JSONDict) -> bool:
    """isPodFailed: Failed, or (unless only failed pods are replaced) being deleted while
    not Succeeded."""
    if phase(pod) == FAILED:
        return True
    if (job.get("spec") or {}).get("podReplacementPolicy") == "Failed":
        return False
    return bool((pod.get("metadata") or {}).get("deletionTimestamp")) and phase(pod) != SUCCEEDED


def _backoff_limit(spec: JSONDict) -> int:
    value = spec.get("backoffLimit")
    return int(value) if isinstance(value, int) else 6


def _past_backoff_limit_on_failure(job: JSONDict, pods: Sequence[JSONDict]) -> bool:
    spec = job.get("spec") or {}
    if ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") != "OnFailure":
        return False
    restarts = 0
    for pod in pods:
        if phase(pod) in ("Running", "Pending"):
            st = pod.get("status") or {}
            for c in [
                *(st.get("initContainerStatuses") or []),
                *(st.get("containerStatuses") or []),
            ]:
                restarts += int(c.get("restartCount") or 0)
    limit = _backoff_limit(spec)
    return restarts > 0 if limit == 0 else restarts >= limit


def _for_removal(job: JSONDict, pods: Sequence[JSONDict], count: int) -> list[JSONDict]:
    """activePodsForRemoval: out-of-range or duplicate indexes first, then the cheapest."""
    from fakekapi.controllers.pods import deletion_order

    return sorted(pods, key=deletion_order)[:count]


def _add_index_env(template: JSONDict) -> None:
    spec = template.setdefault("spec", {})
    for field in ("initContainers", "containers"):
        for c in spec.get(field) or []:
            env = c.setdefault("env", [])
            if any(e.get("name") == COMPLETION_INDEX_ENV for e in env):
                continue
            env.append(
                {
                    "name": COMPLETION_INDEX_ENV,
                    "valueFrom": {
                        "fieldRef": {
                            "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']",
                        }
                    },
                }
            )


def _clean_uncounted(status: JSONDict, with_finalizer: set[str]) -> bool:
    """cleanUncountedPodsWithoutFinalizers: uids whose finalizer is gone move to the counters."""
    uncounted = status.setdefault("uncountedTerminatedPods", {})
    changed = False
    for field, counter in (("succeeded", "succeeded"), ("failed", "failed")):
        uids = list(uncounted.get(field) or [])
        kept = [u for u in uids if u in with_finalizer]
        if len(kept) != len(uids):
            changed = True
            status[counter] = int(status.get(counter) or 0) + len(uids) - len(kept)
            if kept:
                uncounted[field] = kept
            else:
                uncounted.pop(field, None)
    return changed


_STATUS_ORDER = (
    "conditions",
    "startTime",
    "completionTime",
    "active",
    "succeeded",
    "failed",
    "terminating",
    "completedIndexes",
    "failedIndexes",
    "uncountedTerminatedPods",
    "ready",
)


def _status_json(status: JSONDict, with_terminating: bool) -> JSONDict:
    """batch/v1 JobStatus as Go writes it: its field order, zero counters omitted
    (`terminating`, `ready` and `uncountedTerminatedPods` are pointers: always present;
    `terminating` with JobPodReplacementPolicy, on by default in every release emulated)."""
    out: JSONDict = {}
    for field in _STATUS_ORDER:
        if field not in status:
            continue
        value = status[field]
        if field in ("active", "succeeded", "failed") and not value:
            continue
        if field == "terminating" and not with_terminating:
            continue
        if field == "conditions" and not value:
            continue
        out[field] = value
    return out


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [JobController(ctx)]
