"""The replicaset controller: a ReplicaSet keeps `spec.replicas` active pods from its template.

As pkg/controller/replicaset/replica_set.go: pods are counted from the informer cache (active
ones: not Succeeded, Failed or being deleted), orphans matching the selector are adopted and owned
pods that no longer match are released (controller_ref_manager.go), missing pods are created in
slow-start batches (1, 2, 4, ...) named `<replicaset>-<5 random>` with the ReplicaSet as their
controller (blockOwnerDeletion), surplus ones deleted cheapest first (controller.ActivePods),
with expectations so no sync acts on a cache that has not seen its own writes. Status
(replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration and a
ReplicaFailure condition, and from 1.35 terminatingReplicas) is written as kube's
calculateStatus computes it. Events:
SuccessfulCreate "Created pod: NAME", SuccessfulDelete "Deleted pod: NAME", FailedCreate
"Error creating: ERR" (controller_utils.go RealPodControl). The replicationcontroller controller
is this one over ReplicationControllers (pkg/controller/replication wraps it the same way).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from fakekapi.controllers.base import now_rfc3339
from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import NORMAL, WARNING
from fakekapi.controllers.expectations import Expectations
from fakekapi.controllers.index import ControllerIndex, NamespaceIndex
from fakekapi.controllers.labels import selector_matches
from fakekapi.controllers.ownership import (
    adoption_patch,
    controller_of,
    new_controller_ref,
    owner_key,
)
from fakekapi.controllers.pods import (
    FAILED,
    SUCCEEDED,
    condition,
    deletion_order,
    is_active,
    is_available,
    is_ready,
    is_terminating,
    phase,
    pod_from_template,
    seconds_until_available,
)
from fakekapi.controllers.worker import WorkloadController, key_of, spec_replicas, split_key
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.bulk import gather_all

BURST_REPLICAS = 500
"""kube's --concurrent... burstReplicas: at most this many creates or deletes per sync."""


async def slow_start_batch(count: int, initial: int, fn: Callable[[], Awaitable[None]]) -> int:
    """controller.slowStartBatch: run `fn` count times in batches of 1, 2, 4 ...; stop after the
    first batch with a failure. Returns how many succeeded; raises the first error."""
    remaining = count
    successes = 0
    batch = min(remaining, initial)
    while batch > 0:
        results = await asyncio.gather(*(fn() for _ in range(batch)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        successes += batch - len(errors)
        if errors:
            for err in errors:
                if isinstance(err, asyncio.CancelledError):
                    raise err
            raise errors[0]
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes


class ReplicaSetController(WorkloadController):
    name = "replicaset-controller"
    service_account = "replicaset-controller"
    component = "replicaset-controller"
    group, version, plural, kind = "apps", "v1", "replicasets", "ReplicaSet"

    def __init__(self, ctx: ControllerContext) -> None:
        self.rt = ctx.resource(self.group, self.version, self.plural)
        self.pod_rt = ctx.resource("", "v1", "pods")
        self.owners = ctx.informer(self.group, self.version, self.plural)
        self.pods = ctx.informer("", "v1", "pods")
        super().__init__(ctx, [self.owners, self.pods])
        self.pods_by_controller = ControllerIndex(self.pods)
        self.owners_by_ns = NamespaceIndex(self.owners)
        self.expectations = Expectations()
        self.owners.add_handler(self._owner_changed)
        self.pods.add_handler(self._pod_changed)

    # -- the kind's shape (ReplicationController overrides these) ------------------------------

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def selector_of(self, owner: JSONDict) -> Any:
        return (owner.get("spec") or {}).get("selector")

    def selects(self, owner: JSONDict, labels: Any) -> bool:
        sel = self.selector_of(owner)
        if not sel or not isinstance(sel, dict):
            return False  # a nil or empty selector selects nothing for a controller
        if not sel.get("matchLabels") and not sel.get("matchExpressions"):
            return False
        return selector_matches(sel, labels)

    def template_of(self, owner: JSONDict) -> JSONDict:
        return (owner.get("spec") or {}).get("template") or {}

    # -- informer handlers (replica_set.go addPod/updatePod/deletePod) -------------------------

    def _owner_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is None and old is not None:
            self.expectations.delete(key_of(old))
            return
        if new is not None:
            self.queue.add(key_of(new))

    def _owner_key(self, pod: JSONDict) -> str | None:
        return owner_key(pod, self.kind, self.owners.get)

    def _enqueue_matching(self, pod: JSONDict) -> None:
        md = pod.get("metadata") or {}
        for owner in self.owners_by_ns.list(md.get("namespace") or ""):
            if self.selects(owner, md.get("labels")):
                self.queue.add(key_of(owner))

    def _pod_deleted(self, pod: JSONDict) -> None:
        key = self._owner_key(pod)
        if key is not None:
            self.expectations.deletion_observed(key, key_of(pod))
            self.queue.add(key)

    def _pod_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is None:
            if old is not None:
                self._pod_deleted(old)
            return
        if old is None:
            if (new.get("metadata") or {}).get("deletionTimestamp"):
                self._pod_deleted(new)
                return
            key = self._owner_key(new)
            if key is not None:
                self.expectations.creation_observed(key)
                self.queue.add(key)
            elif controller_of(new) is None:
                self._enqueue_matching(new)
            return
        omd, nmd = old.get("metadata") or {}, new.get("metadata") or {}
        if omd.get("resourceVersion") == nmd.get("resourceVersion"):
            return
        labels_changed = omd.get("labels") != nmd.get("labels")
        if nmd.get("deletionTimestamp"):
            self._pod_deleted(new)
            if labels_changed:
                self._pod_deleted(old)
            return
        old_ref, new_ref = controller_of(old), controller_of(new)
        if old_ref is not None and old_ref != new_ref:
            key = self._owner_key(old)
            if key is not None:
                self.queue.add(key)
        key = self._owner_key(new)
        if key is not None:
            self.queue.add(key)
            return
        if new_ref is None and (labels_changed or old_ref != new_ref):
            self._enqueue_matching(new)

    # -- sync ---------------------------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        owner = self.owners.get(ns, name)
        if owner is None:
            self.expectations.delete(key)
            return None
        owner = {"apiVersion": self.api_version, "kind": self.kind, **owner}
        needs_sync = self.expectations.satisfied(key)
        uid = str((owner.get("metadata") or {}).get("uid") or "")
        pods = [p for p in self.pods_by_controller.claimable_by(ns, uid) if is_active(p)]
        pods = await self._claim_pods(owner, pods)
        manage_error: StatusError | None = None
        if needs_sync and not (owner.get("metadata") or {}).get("deletionTimestamp"):
            try:
                await self._manage_replicas(key, owner, pods)
            except StatusError as e:
                manage_error = e
        updated = await self._update_status(owner, pods, manage_error)
        if manage_error is not None:
            raise manage_error
        spec = updated.get("spec") or {}
        status = updated.get("status") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        replicas = spec_replicas(updated)
        if min_ready > 0 and status.get("readyReplicas", 0) == replicas != status.get(
            "availableReplicas", 0
        ):
            waits = [seconds_until_available(p, min_ready) for p in pods]
            pending = [w for w in waits if w is not None]
            return min(pending) + 0.01 if pending else float(min_ready)
        return None

    async def _claim_pods(self, owner: JSONDict, pods: list[JSONDict]) -> list[JSONDict]:
        """ClaimPods: owned pods that match, plus orphans that match (adopted); owned pods that
        no longer match are released."""
        md = owner.get("metadata") or {}
        uid = md.get("uid")
        deleting = bool(md.get("deletionTimestamp"))
        claimed: list[JSONDict] = []
        for pod in pods:
            ref = controller_of(pod)
            matches = self.selects(owner, (pod.get("metadata") or {}).get("labels"))
            if ref is not None:
                if ref.get("uid") != uid:
                    continue
                if matches:
                    claimed.append(pod)
                elif not deleting:
                    await self._release(owner, pod)
                continue
            if not matches or deleting or (pod.get("metadata") or {}).get("deletionTimestamp"):
                continue
            adopted = await self._adopt(owner, pod)
            if adopted is not None:
                claimed.append(adopted)
        return claimed

    async def _adopt(self, owner: JSONDict, pod: JSONDict) -> JSONDict | None:
        ref = new_controller_ref(owner, self.api_version, self.kind)
        pmd = pod.get("metadata") or {}
        try:
            return await self.patch(
                self.pod_rt, pmd.get("namespace", ""), pmd.get("name", ""), adoption_patch(ref, pod)
            )
        except StatusError as e:
            if e.code in (404, 409, 422):
                return None  # gone, changed or claimed by another: the next sync sees it
            raise

    async def _release(self, owner: JSONDict, pod: JSONDict) -> None:
        pmd = pod.get("metadata") or {}
        uid = (owner.get("metadata") or {}).get("uid", "")
        body = {
            "metadata": {
                "ownerReferences": [{"$patch": "delete", "uid": uid}],
                "uid": pmd.get("uid", ""),
            }
        }
        try:
            await self.patch(self.pod_rt, pmd.get("namespace", ""), pmd.get("name", ""), body)
        except StatusError as e:
            if e.code not in (404, 409, 422):
                raise

    async def _manage_replicas(self, key: str, owner: JSONDict, pods: list[JSONDict]) -> None:
        diff = len(pods) - spec_replicas(owner)
        if diff < 0:
            count = min(-diff, BURST_REPLICAS)
            self.expectations.expect_creations(key, count)
            done = 0

            async def create_one() -> None:
                nonlocal done
                await self._create_pod(owner)
                done += 1

            try:
                await slow_start_batch(count, 1, create_one)
            finally:
                for _ in range(count - done):
                    self.expectations.creation_observed(key)
        elif diff > 0:
            count = min(diff, BURST_REPLICAS)
            victims = sorted(pods, key=deletion_order)[:count]
            self.expectations.expect_deletions(key, [key_of(p) for p in victims])
            await gather_all(self._delete_pod(key, owner, p) for p in victims)

    async def _create_pod(self, owner: JSONDict) -> None:
        md = owner.get("metadata") or {}
        ref = new_controller_ref(owner, self.api_version, self.kind)
        pod = pod_from_template(self.template_of(owner), str(md.get("name") or ""), ref)
        if not (pod["metadata"].get("labels")):
            raise StatusError(500, "InternalError", "unable to create pods, no labels")
        await self.create_pod(self.pod_rt, owner, pod)

    async def _delete_pod(self, key: str, owner: JSONDict, pod: JSONDict) -> None:
        pmd = pod.get("metadata") or {}
        name = str(pmd.get("name") or "")
        try:
            gone = not await self.delete(self.pod_rt, str(pmd.get("namespace") or ""), name)
        except StatusError as e:
            self.expectations.deletion_observed(key, key_of(pod))
            self.recorder.event(owner, WARNING, "FailedDelete", f"Error deleting: {e.message}")
            raise
        if gone:
            self.expectations.deletion_observed(key, key_of(pod))
            return
        self.recorder.event(owner, NORMAL, "SuccessfulDelete", f"Deleted pod: {name}")

    def calculate_status(
        self, owner: JSONDict, pods: Sequence[JSONDict], manage_error: StatusError | None
    ) -> JSONDict:
        """calculateStatus, in the JSON shape Go writes (zero counts omitted)."""
        spec = owner.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        template_labels = (self.template_of(owner).get("metadata") or {}).get("labels") or {}
        fully = ready = available = 0
        now = datetime.now(UTC)
        for pod in pods:
            labels = (pod.get("metadata") or {}).get("labels") or {}
            if all(labels.get(k) == v for k, v in template_labels.items()):
                fully += 1
            if is_ready(pod):
                ready += 1
                if is_available(pod, min_ready, now):
                    available += 1
        old = owner.get("status") or {}
        conditions = [dict(c) for c in old.get("conditions") or []]
        failure = condition(owner, "ReplicaFailure")
        if manage_error is not None and failure is None:
            diff = len(pods) - spec_replicas(owner)
            reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
            conditions.append(
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "lastTransitionTime": now_rfc3339(),
                    "reason": reason,
                    "message": manage_error.message,
                }
            )
        elif manage_error is None and failure is not None:
            conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
        status: JSONDict = {"replicas": len(pods)}
        if fully:
            status["fullyLabeledReplicas"] = fully
        if ready:
            status["readyReplicas"] = ready
        if available:
            status["availableReplicas"] = available
        if self.ctx.minor >= 35:
            # DeploymentReplicaSetTerminatingReplicas (beta, on from 1.35): pods of this
            # ReplicaSet being deleted and not yet terminal, always reported (a pointer).
            uid = (owner.get("metadata") or {}).get("uid")
            ns = (owner.get("metadata") or {}).get("namespace") or ""
            status["terminatingReplicas"] = sum(
                1
                for p in self.pods_by_controller.owned_by(ns, str(uid or ""))
                if is_terminating(p) and phase(p) not in (SUCCEEDED, FAILED)
            )
        generation = (owner.get("metadata") or {}).get("generation")
        if generation:
            status["observedGeneration"] = generation
        if conditions:
            status["conditions"] = conditions
        return status

    async def _update_status(
        self, owner: JSONDict, pods: Sequence[JSONDict], manage_error: StatusError | None
    ) -> JSONDict:
        """updateReplicaSetStatus: on a conflict (the cache is behind a spec write of the
        deployment controller) the latest object is read and the status written once more."""
        for attempt in range(2):
            status = self.calculate_status(owner, pods, manage_error)
            if status == (owner.get("status") or {}):
                return owner
            updated = copy.copy(owner)
            updated["status"] = status
            try:
                return await self.update_status(self.rt, updated)
            except StatusError as e:
                if e.code != 409 or attempt:
                    raise
                md = owner.get("metadata") or {}
                latest = await self.registry.get(self.rt, md.get("namespace", ""), md["name"])
                owner = {"apiVersion": self.api_version, "kind": self.kind, **latest}
        return owner


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [ReplicaSetController(ctx)]
