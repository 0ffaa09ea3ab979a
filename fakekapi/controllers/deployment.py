"""The deployment controller: Deployments roll out through ReplicaSets.

As pkg/controller/deployment (deployment_controller.go, sync.go, rolling.go, recreate.go,
progress.go): the ReplicaSets a Deployment controls are claimed by selector (orphans adopted),
the one whose template equals the Deployment's is the new one, else one is created named
`<deployment>-<pod-template-hash>` with that label added to its selector and template. Revisions
live in `deployment.kubernetes.io/revision` annotations (a rollback, as `kubectl rollout undo`
makes it, gives the old ReplicaSet the next revision and a revision-history), desired/max
replicas annotations drive proportional scaling. RollingUpdate honours maxSurge and
maxUnavailable, Recreate scales the old ReplicaSets to zero and waits for their pods to be gone.
A paused Deployment only scales. Status (observedGeneration, replicas, updatedReplicas,
readyReplicas, availableReplicas, unavailableReplicas) and the Available/Progressing conditions
carry kube's reasons and messages; a rollout that makes no progress within
progressDeadlineSeconds gets ProgressDeadlineExceeded. Events: ScalingReplicaSet ("Scaled up
replica set X from 0 to N", "Scaled down replica set X from A to B"), SelectingAll.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from fakekapi.controllers import deploymentutil as du
from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import NORMAL, WARNING
from fakekapi.controllers.index import ControllerIndex, NamespaceIndex
from fakekapi.controllers.labels import selector_matches, selects_all
from fakekapi.controllers.ownership import (
    adoption_patch,
    controller_of,
    new_controller_ref,
    owner_key,
)
from fakekapi.controllers.pods import FAILED, SUCCEEDED, phase
from fakekapi.controllers.worker import WorkloadController, key_of, spec_replicas, split_key
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict

Status = JSONDict


class _Requeue(Exception):
    """The sync wrote something whose watch event will bring the deployment back."""


class DeploymentController(WorkloadController):
    name = "deployment-controller"
    service_account = "deployment-controller"
    component = "deployment-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        self.rt = ctx.resource("apps", "v1", "deployments")
        self.rs_rt = ctx.resource("apps", "v1", "replicasets")
        self.deployments = ctx.informer("apps", "v1", "deployments")
        self.replicasets = ctx.informer("apps", "v1", "replicasets")
        self.pods = ctx.informer("", "v1", "pods")
        super().__init__(ctx, [self.deployments, self.replicasets, self.pods])
        self.deployments_by_ns = NamespaceIndex(self.deployments)
        self.rs_by_controller = ControllerIndex(self.replicasets)
        self.pods_by_controller = ControllerIndex(self.pods)
        self.deployments.add_handler(self.enqueue_any)
        self.replicasets.add_handler(self._rs_changed)
        self.pods.add_handler(self._pod_changed)

    # -- handlers -----------------------------------------------------------------------------

    def _owner_of(self, rs: JSONDict) -> str | None:
        return owner_key(rs, "Deployment", self.deployments.get)

    def _rs_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        for obj in (old, new):
            if obj is None:
                continue
            key = self._owner_of(obj)
            if key is not None:
                self.queue.add(key)
            elif new is not None and obj is new and controller_of(new) is None:
                md = new.get("metadata") or {}
                for d in self.deployments_by_ns.list(md.get("namespace") or ""):
                    if selector_matches((d.get("spec") or {}).get("selector"), md.get("labels")):
                        self.queue.add(key_of(d))

    def _pod_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        """deletePod: a Recreate rollout waits for the old pods to be gone."""
        if new is not None or old is None:
            return
        ref = controller_of(old)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        ns = (old.get("metadata") or {}).get("namespace") or ""
        rs = self.replicasets.get(ns, str(ref.get("name") or ""))
        if rs is None:
            return
        key = self._owner_of(rs)
        if key is None:
            return
        d = self.deployments.get(*split_key(key))
        if (
            d is not None
            and ((d.get("spec") or {}).get("strategy") or {}).get("type") == "Recreate"
        ):
            self.queue.add(key)

    # -- sync (syncDeployment) ----------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        cached = self.deployments.get(ns, name)
        if cached is None:
            return None
        d: JSONDict = {"apiVersion": "apps/v1", "kind": "Deployment", **copy.deepcopy(cached)}
        spec = d.get("spec") or {}
        if selects_all(spec.get("selector")):
            self.recorder.event(
                d,
                WARNING,
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
            )
            status = d.get("status") or {}
            generation = d["metadata"].get("generation", 0)
            if status.get("observedGeneration", 0) < generation:
                d["status"] = {**status, "observedGeneration": generation}
                await self.update_status(self.rt, d)
            return None
        try:
            rs_list = await self._replica_sets_for(d)
            if d["metadata"].get("deletionTimestamp"):
                return await self._sync_status_only(d, rs_list)
            await self._check_paused_conditions(d)
            if spec.get("paused"):
                return await self._sync(d, rs_list)
            if await self._is_scaling_event(d, rs_list):
                return await self._sync(d, rs_list)
            if (spec.get("strategy") or {}).get("type") == "Recreate":
                return await self._rollout_recreate(d, rs_list)
            return await self._rollout_rolling(d, rs_list)
        except _Requeue:
            return None

    async def _replica_sets_for(self, d: JSONDict) -> list[JSONDict]:
        """getReplicaSetsForDeployment: claimed ReplicaSets (orphans adopted, mismatches
        released), copied so the sync may change them."""
        md = d["metadata"]
        selector = (d.get("spec") or {}).get("selector")
        uid = md.get("uid")
        out: list[JSONDict] = []
        for rs in self.rs_by_controller.claimable_by(md.get("namespace") or "", str(uid or "")):
            rmd = rs.get("metadata") or {}
            ref = controller_of(rs)
            matches = selector_matches(selector, rmd.get("labels"))
            if ref is not None:
                if ref.get("uid") != uid:
                    continue
                if matches:
                    out.append(copy.deepcopy(rs))
                continue
            if not matches or md.get("deletionTimestamp") or rmd.get("deletionTimestamp"):
                continue
            cref = new_controller_ref(d, "apps/v1", "Deployment")
            try:
                adopted = await self.patch(
                    self.rs_rt, rmd.get("namespace", ""), rmd.get("name", ""),
                    adoption_patch(cref, rs),
                )  # fmt: skip
            except StatusError as e:
                if e.code in (404, 409, 422):
                    continue
                raise
            out.append(adopted)
        return out

    def _pods_by_rs(self, d: JSONDict, rs_list: Sequence[JSONDict]) -> dict[str, list[JSONDict]]:
        uids = {rs["metadata"]["uid"]: [] for rs in rs_list}  # type: dict[str, list[JSONDict]]
        selector = (d.get("spec") or {}).get("selector")
        ns = d["metadata"].get("namespace") or ""
        for uid, pods in uids.items():
            for pod in self.pods_by_controller.owned_by(ns, uid):
                if selector_matches(selector, (pod.get("metadata") or {}).get("labels")):
                    pods.append(pod)
        return uids

    # -- status helpers -----------------------------------------------------------------------

    async def _write_status(self, d: JSONDict, status: Status) -> JSONDict:
        d["status"] = status
        written = await self.update_status(self.rt, d)
        d["metadata"] = written.get("metadata") or d["metadata"]
        return written

    async def _check_paused_conditions(self, d: JSONDict) -> None:
        if not du.has_progress_deadline(d):
            return
        status = copy.deepcopy(d.get("status") or {})
        cond = du.get_condition(status, du.PROGRESSING)
        if cond is not None and cond.get("reason") == du.TIMED_OUT:
            return
        paused_exists = cond is not None and cond.get("reason") == du.PAUSED
        paused = bool((d.get("spec") or {}).get("paused"))
        if paused and not paused_exists:
            new = du.new_condition(du.PROGRESSING, "Unknown", du.PAUSED, "Deployment is paused")
        elif not paused and paused_exists:
            new = du.new_condition(du.PROGRESSING, "Unknown", du.RESUMED, "Deployment is resumed")
        else:
            return
        du.set_condition(status, new)
        await self._write_status(d, status)

    def _calculate_status(
        self, all_rss: Sequence[JSONDict | None], new_rs: JSONDict | None, d: JSONDict
    ) -> Status:
        """calculateStatus, in Go's JSON (zero counts omitted)."""
        available = du.available_count(all_rss)
        total = du.replica_count(all_rss)
        old = d.get("status") or {}
        status: Status = {}
        counts = (
            ("observedGeneration", int(d["metadata"].get("generation") or 0)),
            ("replicas", du.actual_count(all_rss)),
            ("updatedReplicas", du.actual_count([new_rs])),
            ("readyReplicas", du.ready_count(all_rss)),
            ("availableReplicas", available),
            ("unavailableReplicas", max(total - available, 0)),
        )
        for field, value in counts:
            if value:
                status[field] = value
        if self.ctx.minor >= 35:
            # GetTerminatingReplicaCountForReplicaSets: known once every ReplicaSet reports it.
            reported: list[Any] = [
                (rs.get("status") or {}).get("terminatingReplicas")
                for rs in all_rss
                if rs is not None
            ]
            counts_known = [n for n in reported if isinstance(n, int)]
            if len(counts_known) == len(reported):
                status["terminatingReplicas"] = sum(counts_known)
        conditions = [dict(c) for c in old.get("conditions") or []]
        if conditions:
            status["conditions"] = conditions
        if spec_replicas(d) - du.max_unavailable(d) <= available:
            cond = du.new_condition(
                du.AVAILABLE, "True", du.MIN_AVAILABLE, "Deployment has minimum availability."
            )
        else:
            cond = du.new_condition(
                du.AVAILABLE,
                "False",
                du.MIN_UNAVAILABLE,
                "Deployment does not have minimum availability.",
            )
        du.set_condition(status, cond)
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        return status

    def _replica_failures(
        self, all_rss: Sequence[JSONDict | None], new_rs: JSONDict | None
    ) -> list[JSONDict]:
        def failures(rs: JSONDict) -> list[JSONDict]:
            return [
                {
                    "type": du.REPLICA_FAILURE,
                    "status": c.get("status"),
                    "lastUpdateTime": c.get("lastTransitionTime"),
                    "lastTransitionTime": c.get("lastTransitionTime"),
                    "reason": c.get("reason"),
                    "message": c.get("message"),
                }
                for c in (rs.get("status") or {}).get("conditions") or []
                if c.get("type") == "ReplicaFailure"
            ]

        if new_rs is not None and (found := failures(new_rs)):
            return found
        return [c for rs in all_rss if rs is not None for c in failures(rs)]

    async def _sync_rollout_status(
        self, all_rss: Sequence[JSONDict | None], new_rs: JSONDict | None, d: JSONDict
    ) -> float | None:
        """syncRolloutStatus (progress.go)."""
        status = self._calculate_status(all_rss, new_rs, d)
        if not du.has_progress_deadline(d):
            du.remove_condition(status, du.PROGRESSING)
        current = du.get_condition(d.get("status") or {}, du.PROGRESSING)
        complete = (
            status.get("replicas", 0) == status.get("updatedReplicas", 0)
            and current is not None
            and current.get("reason") == du.NEW_RS_AVAILABLE
        )
        name = d["metadata"]["name"]
        if du.has_progress_deadline(d) and not complete:
            if du.deployment_complete(d, status):
                msg = f'Deployment "{name}" has successfully progressed.'
                if new_rs is not None:
                    msg = f'ReplicaSet "{new_rs["metadata"]["name"]}" has successfully progressed.'
                du.set_condition(
                    status, du.new_condition(du.PROGRESSING, "True", du.NEW_RS_AVAILABLE, msg)
                )
            elif du.deployment_progressing(d, status):
                msg = f'Deployment "{name}" is progressing.'
                if new_rs is not None:
                    msg = f'ReplicaSet "{new_rs["metadata"]["name"]}" is progressing.'
                cond = du.new_condition(du.PROGRESSING, "True", du.RS_UPDATED, msg)
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    du.remove_condition(status, du.PROGRESSING)
                du.set_condition(status, cond)
            elif du.deployment_timed_out(d, status):
                msg = f'Deployment "{name}" has timed out progressing.'
                if new_rs is not None:
                    msg = f'ReplicaSet "{new_rs["metadata"]["name"]}" has timed out progressing.'
                du.set_condition(
                    status, du.new_condition(du.PROGRESSING, "False", du.TIMED_OUT, msg)
                )
        failures = self._replica_failures(all_rss, new_rs)
        if failures:
            du.set_condition(status, failures[0])
        else:
            du.remove_condition(status, du.REPLICA_FAILURE)
        if _same_status(d.get("status") or {}, status):
            return self._requeue_stuck(d, status)
        await self._write_status(d, status)
        return None

    def _requeue_stuck(self, d: JSONDict, status: Status) -> float | None:
        """requeueStuckDeployment: look again when the progress deadline passes."""
        current = du.get_condition(d.get("status") or {}, du.PROGRESSING)
        if not du.has_progress_deadline(d) or current is None:
            return None
        if du.deployment_complete(d, status) or current.get("reason") == du.TIMED_OUT:
            return None
        left = du.seconds_to_deadline(d, d.get("status") or {})
        if left is None:
            return None
        return max(left, 0.0) + 1.0

    async def _sync_status_only(self, d: JSONDict, rs_list: list[JSONDict]) -> float | None:
        new_rs, old_rss = await self._all_replica_sets(d, rs_list, create=False)
        return await self._sync_deployment_status([*old_rss, new_rs], new_rs, d)

    async def _sync_deployment_status(
        self, all_rss: Sequence[JSONDict | None], new_rs: JSONDict | None, d: JSONDict
    ) -> float | None:
        status = self._calculate_status(all_rss, new_rs, d)
        if not _same_status(d.get("status") or {}, status):
            await self._write_status(d, status)
        return None

    # -- replica sets (getAllReplicaSetsAndSyncRevision / getNewReplicaSet) --------------------

    async def _all_replica_sets(
        self, d: JSONDict, rs_list: list[JSONDict], *, create: bool
    ) -> tuple[JSONDict | None, list[JSONDict]]:
        old_rss = du.find_old(d, rs_list)
        new_rs = await self._new_replica_set(d, rs_list, old_rss, create)
        return new_rs, old_rss

    async def _new_replica_set(
        self, d: JSONDict, rs_list: list[JSONDict], old_rss: list[JSONDict], create: bool
    ) -> JSONDict | None:
        existing = du.find_new(d, rs_list)
        new_revision = str(du.max_revision(old_rss) + 1)
        spec = d.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        if existing is not None:
            rs = copy.deepcopy(existing)
            changed = du.set_new_replica_set_annotations(d, rs, new_revision, True)
            rs_spec = rs.setdefault("spec", {})
            if int(rs_spec.get("minReadySeconds") or 0) != min_ready:
                rs_spec["minReadySeconds"] = min_ready
                changed = True
            if changed:
                rs = await self.update(self.rs_rt, rs)
                _replace(rs_list, rs)
            rev = du.annotations_of(rs).get(du.REVISION, "")
            needs_update = _set_revision(d, rev)
            status = copy.deepcopy(d.get("status") or {})
            if du.has_progress_deadline(d) and du.get_condition(status, du.PROGRESSING) is None:
                msg = f'Found new replica set "{rs["metadata"]["name"]}"'
                du.set_condition(
                    status, du.new_condition(du.PROGRESSING, "True", du.FOUND_NEW_RS, msg)
                )
                needs_update = True
            if needs_update:
                await self._write_status(d, status)
            return rs
        if not create:
            return None
        collision = (d.get("status") or {}).get("collisionCount")
        template = copy.deepcopy(spec.get("template") or {})
        pod_hash = du.compute_hash(template, collision)
        tmd = template.setdefault("metadata", {})
        tmd["labels"] = {**(tmd.get("labels") or {}), du.POD_TEMPLATE_HASH: pod_hash}
        selector = copy.deepcopy(spec.get("selector") or {})
        selector["matchLabels"] = {
            **(selector.get("matchLabels") or {}),
            du.POD_TEMPLATE_HASH: pod_hash,
        }
        md = d["metadata"]
        new_rs: JSONDict = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{md['name']}-{pod_hash}",
                "namespace": md.get("namespace"),
                "labels": dict(tmd["labels"]),
                "ownerReferences": [new_controller_ref(d, "apps/v1", "Deployment")],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": min_ready,
                "selector": selector,
                "template": template,
            },
        }
        replicas = self._new_rs_new_replicas(d, [*old_rss, new_rs], new_rs)
        new_rs["spec"]["replicas"] = replicas
        du.set_new_replica_set_annotations(d, new_rs, new_revision, False)
        try:
            created = await self.create(self.rs_rt, md.get("namespace") or "", new_rs)
        except StatusError as e:
            if e.reason != "AlreadyExists":
                status = copy.deepcopy(d.get("status") or {})
                rs_name = new_rs["metadata"]["name"]
                msg = f'Failed to create new replica set "{rs_name}": {e.message}'
                if du.has_progress_deadline(d):
                    du.set_condition(
                        status,
                        du.new_condition(du.PROGRESSING, "False", du.FAILED_RS_CREATE, msg),
                    )
                    await self._write_status(d, status)
                self.recorder.event(
                    d,
                    WARNING,
                    du.FAILED_RS_CREATE,
                    msg,
                )
                raise
            # A ReplicaSet of that name exists: ours (a stale cache) or a hash collision.
            theirs = self.replicasets.get(md.get("namespace") or "", new_rs["metadata"]["name"])
            if (
                theirs is not None
                and controller_of(theirs) is not None
                and (controller_of(theirs) or {}).get("uid") == md.get("uid")
                and du.equal_ignore_hash(
                    (theirs.get("spec") or {}).get("template") or {}, spec.get("template") or {}
                )
            ):
                raise _Requeue() from None
            status = copy.deepcopy(d.get("status") or {})
            status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
            await self._write_status(d, status)
            raise _Requeue() from None
        if replicas > 0:
            self.recorder.event(
                d,
                NORMAL,
                "ScalingReplicaSet",
                f"Scaled up replica set {created['metadata']['name']} from 0 to {replicas}",
            )
        rs_list.append(created)
        _set_revision(d, new_revision)
        status = copy.deepcopy(d.get("status") or {})
        if du.has_progress_deadline(d):
            msg = f'Created new replica set "{created["metadata"]["name"]}"'
            du.set_condition(
                status, du.new_condition(du.PROGRESSING, "True", du.NEW_RS_CREATED, msg)
            )
        await self._write_status(d, status)
        return created

    def _new_rs_new_replicas(
        self, d: JSONDict, all_rss: Sequence[JSONDict], new_rs: JSONDict
    ) -> int:
        """NewRSNewReplicas."""
        replicas = spec_replicas(d)
        if not du.is_rolling_update(d):
            return replicas
        current = du.replica_count(all_rss)
        max_total = replicas + du.max_surge(d)
        new_replicas = spec_replicas(new_rs, 0)
        if current >= max_total:
            return new_replicas
        scale_up = min(max_total - current, replicas - new_replicas)
        return new_replicas + scale_up

    async def _scale(self, rs: JSONDict, new_scale: int, d: JSONDict, operation: str) -> JSONDict:
        """scaleReplicaSet: the size and the replicas annotations, with a ScalingReplicaSet
        event when the size changed."""
        old_scale = spec_replicas(rs, 0)
        size_changes = old_scale != new_scale
        replicas = spec_replicas(d)
        max_replicas = replicas + du.max_surge(d)
        if not size_changes and not du.replicas_annotations_need_update(rs, replicas, max_replicas):
            return rs
        rs = copy.deepcopy(rs)
        rs.setdefault("spec", {})["replicas"] = new_scale
        du.set_replicas_annotations(rs, replicas, max_replicas)
        rs = await self.update(self.rs_rt, rs)
        if size_changes:
            self.recorder.event(
                d,
                NORMAL,
                "ScalingReplicaSet",
                f"Scaled {operation} replica set {rs['metadata']['name']} from {old_scale} to "
                f"{new_scale}",
            )
        return rs

    async def _scale_and_record(self, rs: JSONDict, new_scale: int, d: JSONDict) -> JSONDict | None:
        """scaleReplicaSetAndRecordEvent: None when nothing changed."""
        if spec_replicas(rs, 0) == new_scale:
            return None
        operation = "up" if spec_replicas(rs, 0) < new_scale else "down"
        return await self._scale(rs, new_scale, d, operation)

    # -- sync.go: scaling and paused deployments -----------------------------------------------

    async def _is_scaling_event(self, d: JSONDict, rs_list: list[JSONDict]) -> bool:
        new_rs, old_rss = await self._all_replica_sets(d, rs_list, create=False)
        for rs in du.active([*old_rss, new_rs]):
            desired = du.annotations_of(rs).get(du.DESIRED_REPLICAS)
            if desired is None:
                continue
            if desired != str(spec_replicas(d)):
                return True
        return False

    async def _sync(self, d: JSONDict, rs_list: list[JSONDict]) -> float | None:
        new_rs, old_rss = await self._all_replica_sets(d, rs_list, create=False)
        new_rs, old_rss = await self._scale_deployment(d, new_rs, old_rss)
        if (d.get("spec") or {}).get("paused"):
            await self._cleanup(old_rss, d)
        return await self._sync_deployment_status([*old_rss, new_rs], new_rs, d)

    async def _scale_deployment(
        self, d: JSONDict, new_rs: JSONDict | None, old_rss: list[JSONDict]
    ) -> tuple[JSONDict | None, list[JSONDict]]:
        """scale(): the active (or latest) ReplicaSet takes the whole size; during a rollout the
        difference is spread over the ReplicaSets in proportion to their size."""
        replicas = spec_replicas(d)
        latest = _active_or_latest(new_rs, old_rss)
        if latest is not None:
            if spec_replicas(latest, 0) != replicas:
                scaled = await self._scale_and_record(latest, replicas, d)
                if scaled is not None:
                    new_rs, old_rss = _swap(new_rs, old_rss, scaled)
            return new_rs, old_rss
        if _is_saturated(d, new_rs):
            for old in du.active(old_rss):
                scaled = await self._scale_and_record(old, 0, d)
                if scaled is not None:
                    new_rs, old_rss = _swap(new_rs, old_rss, scaled)
            return new_rs, old_rss
        if not du.is_rolling_update(d):
            return new_rs, old_rss
        all_rss = du.active([*old_rss, new_rs])
        allowed = replicas + du.max_surge(d) if replicas > 0 else 0
        to_add = allowed - du.replica_count(all_rss)
        if to_add > 0:
            all_rss = du.by_size_newer(all_rss)
        elif to_add < 0:
            all_rss = du.by_size_older(all_rss)
        added = 0
        sizes: dict[str, int] = {}
        for rs in all_rss:
            if to_add != 0:
                proportion = _proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = spec_replicas(rs, 0) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = spec_replicas(rs, 0)
        if to_add != 0 and all_rss:
            first = all_rss[0]["metadata"]["name"]
            sizes[first] = max(sizes[first] + to_add - added, 0)
        for rs in all_rss:
            operation = "up" if to_add > 0 else "down"
            scaled = await self._scale(rs, sizes[rs["metadata"]["name"]], d, operation)
            new_rs, old_rss = _swap(new_rs, old_rss, scaled)
        return new_rs, old_rss

    async def _cleanup(self, old_rss: Sequence[JSONDict], d: JSONDict) -> None:
        """cleanupDeployment: old ReplicaSets beyond revisionHistoryLimit, empty ones only."""
        limit = (d.get("spec") or {}).get("revisionHistoryLimit", 10)
        if limit is None:
            return
        alive = [rs for rs in old_rss if not rs["metadata"].get("deletionTimestamp")]
        diff = len(alive) - int(limit)
        if diff <= 0:
            return
        for rs in du.by_revision(alive)[:diff]:
            status = rs.get("status") or {}
            generation = int(rs["metadata"].get("generation") or 0)
            if status.get("replicas", 0) != 0 or spec_replicas(rs, 0) != 0:
                continue
            if generation > int(status.get("observedGeneration") or 0):
                continue
            md = rs["metadata"]
            await self.delete(self.rs_rt, md["namespace"], md["name"], uid=md.get("uid"))

    # -- rolling.go -----------------------------------------------------------------------------

    async def _rollout_rolling(self, d: JSONDict, rs_list: list[JSONDict]) -> float | None:
        new_rs, old_rss = await self._all_replica_sets(d, rs_list, create=True)
        assert new_rs is not None
        scaled = await self._reconcile_new(d, [*old_rss, new_rs], new_rs)
        if scaled is not None:
            return await self._sync_rollout_status([*old_rss, scaled], scaled, d)
        old_rss, scaled_down = await self._reconcile_old(d, old_rss, new_rs)
        if scaled_down:
            return await self._sync_rollout_status([*old_rss, new_rs], new_rs, d)
        if du.deployment_complete(d, d.get("status") or {}):
            await self._cleanup(old_rss, d)
        return await self._sync_rollout_status([*old_rss, new_rs], new_rs, d)

    async def _reconcile_new(
        self, d: JSONDict, all_rss: list[JSONDict], new_rs: JSONDict
    ) -> JSONDict | None:
        replicas = spec_replicas(d)
        current = spec_replicas(new_rs, 0)
        if current == replicas:
            return None
        if current > replicas:
            return await self._scale_and_record(new_rs, replicas, d)
        return await self._scale_and_record(
            new_rs, self._new_rs_new_replicas(d, all_rss, new_rs), d
        )

    async def _reconcile_old(
        self, d: JSONDict, old_rss: list[JSONDict], new_rs: JSONDict
    ) -> tuple[list[JSONDict], bool]:
        old_pods = du.replica_count(old_rss)
        if old_pods == 0:
            return old_rss, False
        all_pods = du.replica_count([*old_rss, new_rs])
        min_available = spec_replicas(d) - du.max_unavailable(d)
        new_unavailable = spec_replicas(new_rs, 0) - int(
            (new_rs.get("status") or {}).get("availableReplicas") or 0
        )
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return old_rss, False
        old_rss, cleaned = await self._cleanup_unhealthy(d, old_rss, max_scaled_down)
        old_rss, scaled = await self._scale_down_old(d, old_rss, new_rs)
        return old_rss, cleaned + scaled > 0

    async def _cleanup_unhealthy(
        self, d: JSONDict, old_rss: list[JSONDict], max_cleanup: int
    ) -> tuple[list[JSONDict], int]:
        """cleanupUnhealthyReplicas: first scale down the old pods that are not available."""
        ordered = du.by_creation(old_rss)
        total = 0
        out: list[JSONDict] = []
        for rs in ordered:
            size = spec_replicas(rs, 0)
            available = int((rs.get("status") or {}).get("availableReplicas") or 0)
            if total >= max_cleanup or size == 0 or size == available:
                out.append(rs)
                continue
            count = min(max_cleanup - total, size - available)
            scaled = await self._scale_and_record(rs, size - count, d)
            out.append(scaled if scaled is not None else rs)
            total += count
        return out, total

    async def _scale_down_old(
        self, d: JSONDict, old_rss: list[JSONDict], new_rs: JSONDict
    ) -> tuple[list[JSONDict], int]:
        """scaleDownOldReplicaSetsForRollingUpdate: as far as maxUnavailable allows."""
        min_available = spec_replicas(d) - du.max_unavailable(d)
        available = du.available_count([*old_rss, new_rs])
        if available <= min_available:
            return old_rss, 0
        to_scale = available - min_available
        total = 0
        out: list[JSONDict] = []
        for rs in du.by_creation(old_rss):
            size = spec_replicas(rs, 0)
            if total >= to_scale or size == 0:
                out.append(rs)
                continue
            count = min(size, to_scale - total)
            scaled = await self._scale_and_record(rs, size - count, d)
            out.append(scaled if scaled is not None else rs)
            total += count
        return out, total

    # -- recreate.go ----------------------------------------------------------------------------

    async def _rollout_recreate(self, d: JSONDict, rs_list: list[JSONDict]) -> float | None:
        new_rs, old_rss = await self._all_replica_sets(d, rs_list, create=False)
        scaled_down = False
        updated_old: list[JSONDict] = []
        for rs in old_rss:
            if spec_replicas(rs, 0) > 0:
                scaled = await self._scale_and_record(rs, 0, d)
                if scaled is not None:
                    scaled_down = True
                    rs = scaled
            updated_old.append(rs)
        old_rss = updated_old
        if scaled_down:
            return await self._sync_rollout_status([*old_rss, new_rs], new_rs, d)
        if self._old_pods_running(d, new_rs, old_rss):
            return await self._sync_rollout_status([*old_rss, new_rs], new_rs, d)
        if new_rs is None:
            new_rs, old_rss = await self._all_replica_sets(d, rs_list, create=True)
        assert new_rs is not None
        if spec_replicas(new_rs, 0) != spec_replicas(d):
            scaled = await self._scale_and_record(new_rs, spec_replicas(d), d)
            if scaled is not None:
                new_rs = scaled
        if du.deployment_complete(d, d.get("status") or {}):
            await self._cleanup(old_rss, d)
        return await self._sync_rollout_status([*old_rss, new_rs], new_rs, d)

    def _old_pods_running(
        self, d: JSONDict, new_rs: JSONDict | None, old_rss: Sequence[JSONDict]
    ) -> bool:
        if any(int((rs.get("status") or {}).get("replicas") or 0) > 0 for rs in old_rss):
            return True
        pods = self._pods_by_rs(d, [*old_rss, *([new_rs] if new_rs else [])])
        for rs in old_rss:
            for pod in pods.get(rs["metadata"]["uid"], []):
                if phase(pod) in (FAILED, SUCCEEDED):
                    continue
                return True
        return False


# -- helpers --------------------------------------------------------------------------------------


def _same_status(old: Status, new: Status) -> bool:
    return old == new


def _set_revision(d: JSONDict, rev: str) -> bool:
    """SetDeploymentRevision."""
    ann = d["metadata"].setdefault("annotations", {})
    if ann.get(du.REVISION) == rev:
        return False
    ann[du.REVISION] = rev
    return True


def _replace(rs_list: list[JSONDict], rs: JSONDict) -> None:
    for i, old in enumerate(rs_list):
        if old["metadata"]["uid"] == rs["metadata"]["uid"]:
            rs_list[i] = rs


def _swap(
    new_rs: JSONDict | None, old_rss: list[JSONDict], scaled: JSONDict
) -> tuple[JSONDict | None, list[JSONDict]]:
    uid = scaled["metadata"]["uid"]
    if new_rs is not None and new_rs["metadata"]["uid"] == uid:
        return scaled, old_rss
    return new_rs, [scaled if rs["metadata"]["uid"] == uid else rs for rs in old_rss]


def _active_or_latest(new_rs: JSONDict | None, old_rss: Sequence[JSONDict]) -> JSONDict | None:
    """FindActiveOrLatest."""
    if new_rs is None and not old_rss:
        return None
    olds = list(reversed(du.by_creation(old_rss)))
    actives = du.active([*olds, new_rs])
    if not actives:
        return new_rs if new_rs is not None else olds[0]
    if len(actives) == 1:
        return actives[0]
    return None


def _is_saturated(d: JSONDict, rs: JSONDict | None) -> bool:
    if rs is None:
        return False
    desired = du.annotations_of(rs).get(du.DESIRED_REPLICAS)
    replicas = spec_replicas(d)
    return (
        desired == str(replicas)
        and int((rs.get("status") or {}).get("availableReplicas") or 0) == replicas
        and spec_replicas(rs, 0) == replicas
    )


def _proportion(rs: JSONDict, d: JSONDict, to_add: int, added: int) -> int:
    """GetProportion / getReplicaSetFraction."""
    size = spec_replicas(rs, 0)
    if size == 0 or to_add == 0 or to_add == added:
        return 0
    replicas = spec_replicas(d)
    if replicas == 0:
        fraction = -size
    else:
        deployment_replicas = replicas + du.max_surge(d)
        annotated: Any = du.annotations_of(rs).get(du.MAX_REPLICAS)
        try:
            annotated_int = int(annotated)
        except (TypeError, ValueError):
            annotated_int = int((d.get("status") or {}).get("replicas") or 0)
        if annotated_int == 0:
            fraction = 0
        else:
            exact = size * deployment_replicas / annotated_int
            fraction = int(exact + 0.5) if exact >= 0 else -int(-exact + 0.5)
            fraction -= size
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [DeploymentController(ctx)]
