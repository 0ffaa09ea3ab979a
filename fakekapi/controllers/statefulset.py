"""The statefulset controller: pods with stable names, storage and ordered rollouts.

As pkg/controller/statefulset (stateful_set_control.go, stateful_set_utils.go,
stateful_pod_control.go): pods `<set>-<ordinal>` (from `spec.ordinals.start`) with hostname the
pod's name, subdomain the serviceName, labels `statefulset.kubernetes.io/pod-name`,
`apps.kubernetes.io/pod-index` and `controller-revision-hash`; one PVC per volumeClaimTemplate
and pod, `<template>-<pod>`, labelled with the selector's labels and mounted in place of the
template's volume of that name. Revisions are ControllerRevisions `<set>-<hash>` holding the
template patch (labels `controller.kubernetes.io/hash`), numbered, reused when a template comes
back. OrderedReady creates pods one at a time in ordinal order, each Running and Ready (and
available for minReadySeconds) before the next, and removes them from the highest ordinal down,
one at a time; Parallel does both at once. RollingUpdate replaces, from the highest ordinal down
to the partition, one pod at a time, each only once the previous is Ready; OnDelete only when a
pod is deleted. Status (replicas, readyReplicas, currentReplicas, updatedReplicas,
availableReplicas, currentRevision, updateRevision, collisionCount, observedGeneration) is kube's,
the current revision catching up once a rolling update is complete. Events: SuccessfulCreate
"create Pod web-0 in StatefulSet web successful", SuccessfulDelete "delete Pod ...", claims
"create Claim www-web-0 Pod web-0 in StatefulSet web success", and the Failed* ones.
Left out: maxUnavailable > 1 (alpha), PVC retention deletion on scale-down.
"""

from __future__ import annotations

import copy
import re

from fakekapi.controllers import history
from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import NORMAL, WARNING
from fakekapi.controllers.index import ControllerIndex, NamespaceIndex
from fakekapi.controllers.labels import selector_matches
from fakekapi.controllers.ownership import new_controller_ref
from fakekapi.controllers.pods import (
    FAILED,
    SUCCEEDED,
    is_available,
    is_ready,
    is_terminating,
    phase,
)
from fakekapi.controllers.worker import WorkloadController, spec_replicas, split_key
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.bulk import gather_all

REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
HASH_LABEL = "controller.kubernetes.io/hash"


def ordinal_of(sts_name: str, pod: JSONDict) -> int | None:
    """getParentNameAndOrdinal: `<set>-<n>` → n, for this set's pods only."""
    name = str((pod.get("metadata") or {}).get("name") or "")
    m = re.fullmatch(r"(.*)-([0-9]+)", name)
    if m is None or m.group(1) != sts_name:
        return None
    return int(m.group(2))


def is_running_and_ready(pod: JSONDict) -> bool:
    return phase(pod) == "Running" and is_ready(pod)


class StatefulSetController(WorkloadController):
    name = "statefulset-controller"
    service_account = "statefulset-controller"
    component = "statefulset-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        self.rt = ctx.resource("apps", "v1", "statefulsets")
        self.pod_rt = ctx.resource("", "v1", "pods")
        self.pvc_rt = ctx.resource("", "v1", "persistentvolumeclaims")
        self.rev_rt = ctx.resource("apps", "v1", "controllerrevisions")
        self.sets = ctx.informer("apps", "v1", "statefulsets")
        self.pods = ctx.informer("", "v1", "pods")
        self.claims = ctx.informer("", "v1", "persistentvolumeclaims")
        self.revisions = ctx.informer("apps", "v1", "controllerrevisions")
        super().__init__(ctx, [self.sets, self.pods, self.claims, self.revisions])
        self.pods_by_controller = ControllerIndex(self.pods)
        self.revisions_by_ns = NamespaceIndex(self.revisions)
        self.sets.add_handler(self.enqueue_current)
        self.pods.add_handler(self.owner_changed("StatefulSet"))
        self.revisions.add_handler(self.owner_changed("StatefulSet"))

    # -- sync -----------------------------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        cached = self.sets.get(ns, name)
        if cached is None:
            return None
        sts: JSONDict = {"apiVersion": "apps/v1", "kind": "StatefulSet", **copy.deepcopy(cached)}
        uid = sts["metadata"].get("uid")
        selector = (sts.get("spec") or {}).get("selector")
        pods = [
            p
            for p in self.pods_by_controller.owned_by(ns, str(uid or ""))
            if selector_matches(selector, (p.get("metadata") or {}).get("labels"))
            and ordinal_of(name, p) is not None
        ]
        current_rev, update_rev, collision = await self._revisions(sts)
        again: float | None = None
        if not sts["metadata"].get("deletionTimestamp"):
            again = await self._update_set(sts, pods, current_rev, update_rev)
        await self._update_status(sts, current_rev, update_rev, collision)
        return again

    async def _revisions(self, sts: JSONDict) -> tuple[JSONDict, JSONDict, int]:
        """getStatefulSetRevisions: the update revision (created, or an equal old one brought
        forward) and the current one (the status's, else the update one)."""
        md = sts["metadata"]
        status = sts.get("status") or {}
        collision = int(status.get("collisionCount") or 0)
        revisions = history.owned_revisions(self.revisions_by_ns, sts)
        data = history.revision_patch(sts)
        equal = await history.reuse_equal(revisions, data, lambda r: self.update(self.rev_rt, r))
        if equal is not None:
            update = equal
        else:
            rev = history.new_revision(
                sts, "StatefulSet", data, history.next_revision(revisions), collision, HASH_LABEL
            )
            try:
                update = await self.create(self.rev_rt, md["namespace"], rev)
            except StatusError as e:
                if e.reason != "AlreadyExists":
                    raise
                existing = self.revisions.get(md["namespace"], rev["metadata"]["name"])
                if existing is not None and existing.get("data") == data:
                    update = existing
                else:
                    status["collisionCount"] = collision + 1
                    sts["status"] = status
                    await self.update_status(self.rt, sts)
                    raise
        current = update
        name = status.get("currentRevision")
        if name:
            found = next((r for r in revisions if r["metadata"]["name"] == name), None)
            if found is not None:
                current = found
        return current, update, collision

    def _new_pod(
        self, sts: JSONDict, revision: JSONDict, template_set: JSONDict, ordinal: int
    ) -> JSONDict:
        """newVersionedStatefulSetPod: the pod of `ordinal` at `revision`."""
        md = sts["metadata"]
        spec = template_set.get("spec") or {}
        template = copy.deepcopy(spec.get("template") or {})
        tmd = template.get("metadata") or {}
        pod_name = f"{md['name']}-{ordinal}"
        labels = dict(tmd.get("labels") or {})
        labels[POD_NAME_LABEL] = pod_name
        labels[POD_INDEX_LABEL] = str(ordinal)
        labels[REVISION_LABEL] = revision["metadata"]["name"]
        pmd: JSONDict = {"name": pod_name, "labels": labels}
        if tmd.get("annotations"):
            pmd["annotations"] = dict(tmd["annotations"])
        pmd["ownerReferences"] = [new_controller_ref(sts, "apps/v1", "StatefulSet")]
        if tmd.get("finalizers"):
            pmd["finalizers"] = list(tmd["finalizers"])
        pod_spec = copy.deepcopy(template.get("spec") or {})
        pod_spec["hostname"] = pod_name
        if spec.get("serviceName"):
            pod_spec["subdomain"] = spec["serviceName"]
        volumes = [v for v in pod_spec.get("volumes") or []]
        for claim in spec.get("volumeClaimTemplates") or []:
            cname = (claim.get("metadata") or {}).get("name", "")
            volumes = [v for v in volumes if v.get("name") != cname]
            volumes.append(
                {"name": cname, "persistentVolumeClaim": {"claimName": f"{cname}-{pod_name}"}}
            )
        if volumes:
            pod_spec["volumes"] = volumes
        return {"apiVersion": "v1", "kind": "Pod", "metadata": pmd, "spec": pod_spec}

    async def _create_claims(self, sts: JSONDict, pod: JSONDict) -> None:
        md = sts["metadata"]
        spec = sts.get("spec") or {}
        selector_labels = (spec.get("selector") or {}).get("matchLabels") or {}
        for template in spec.get("volumeClaimTemplates") or []:
            tmd = template.get("metadata") or {}
            name = f"{tmd.get('name', '')}-{pod['metadata']['name']}"
            if self.claims.get(md["namespace"], name) is not None:
                continue
            cmd: JSONDict = {
                "name": name,
                "namespace": md["namespace"],
                "labels": {**(tmd.get("labels") or {}), **selector_labels},
            }
            if tmd.get("annotations"):
                cmd["annotations"] = dict(tmd["annotations"])
            policy = spec.get("persistentVolumeClaimRetentionPolicy") or {}
            if policy.get("whenDeleted") == "Delete":
                cmd["ownerReferences"] = [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "StatefulSet",
                        "name": md["name"],
                        "uid": md["uid"],
                        "blockOwnerDeletion": True,
                    }
                ]
            claim = {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": cmd,
                "spec": copy.deepcopy(template.get("spec") or {}),
            }
            try:
                await self.create(self.pvc_rt, md["namespace"], claim)
            except StatusError as e:
                if e.reason == "AlreadyExists":
                    continue
                self.recorder.event(
                    sts, WARNING, "FailedCreate",
                    f"create Claim {name} for Pod {pod['metadata']['name']} in StatefulSet "
                    f"{md['name']} failed error: {e.message}",
                )  # fmt: skip
                raise
            self.recorder.event(
                sts, NORMAL, "SuccessfulCreate",
                f"create Claim {name} Pod {pod['metadata']['name']} in StatefulSet {md['name']} "
                "success",
            )  # fmt: skip

    async def _create_pod(self, sts: JSONDict, pod: JSONDict) -> None:
        await self._create_claims(sts, pod)
        md = sts["metadata"]
        name = pod["metadata"]["name"]
        try:
            await self.create(self.pod_rt, md["namespace"], pod)
        except StatusError as e:
            if e.reason == "AlreadyExists":
                return
            self.recorder.event(
                sts, WARNING, "FailedCreate",
                f"create Pod {name} in StatefulSet {md['name']} failed error: {e.message}",
            )  # fmt: skip
            raise
        self.recorder.event(
            sts,
            NORMAL,
            "SuccessfulCreate",
            f"create Pod {name} in StatefulSet {md['name']} successful",
        )

    async def _delete_pod(self, sts: JSONDict, pod: JSONDict) -> None:
        md = sts["metadata"]
        name = pod["metadata"]["name"]
        try:
            await self.delete(self.pod_rt, md["namespace"], name, uid=pod["metadata"].get("uid"))
        except StatusError as e:
            self.recorder.event(
                sts, WARNING, "FailedDelete",
                f"delete Pod {name} in StatefulSet {md['name']} failed error: {e.message}",
            )  # fmt: skip
            raise
        self.recorder.event(
            sts,
            NORMAL,
            "SuccessfulDelete",
            f"delete Pod {name} in StatefulSet {md['name']} successful",
        )

    async def _update_set(
        self, sts: JSONDict, pods: list[JSONDict], current_rev: JSONDict, update_rev: JSONDict
    ) -> float | None:
        """updateStatefulSet (one pass; the watch brings the next)."""
        md = sts["metadata"]
        spec = sts.get("spec") or {}
        replicas = spec_replicas(sts)
        start = int((spec.get("ordinals") or {}).get("start") or 0)
        min_ready = int(spec.get("minReadySeconds") or 0)
        monotonic = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        strategy = spec.get("updateStrategy") or {"type": "RollingUpdate"}
        rolling = strategy.get("type", "RollingUpdate") == "RollingUpdate"
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        current_set = self._set_at(sts, current_rev)
        by_ordinal: dict[int, JSONDict] = {}
        condemned: list[JSONDict] = []
        for found in pods:
            ordinal = ordinal_of(md["name"], found)
            assert ordinal is not None
            if start <= ordinal < start + replicas:
                by_ordinal[ordinal] = found
            else:
                condemned.append(found)
        condemned.sort(key=lambda p: ordinal_of(md["name"], p) or 0, reverse=True)
        current_replicas = int((sts.get("status") or {}).get("currentReplicas") or 0)
        creates: list[JSONDict] = []
        for ordinal in range(start, start + replicas):
            slot = by_ordinal.get(ordinal)
            if slot is None:
                use_current = rolling and (
                    (strategy.get("rollingUpdate") is None and ordinal < start + current_replicas)
                    or (strategy.get("rollingUpdate") is not None and ordinal < start + partition)
                )
                if use_current:
                    new = self._new_pod(sts, current_rev, current_set, ordinal)
                else:
                    new = self._new_pod(sts, update_rev, sts, ordinal)
                if monotonic:
                    await self._create_pod(sts, new)
                    return None
                creates.append(new)
                continue
            if phase(slot) in (FAILED, SUCCEEDED) and not is_terminating(slot):
                await self._delete_pod(sts, slot)  # recreated by the next pass
                if monotonic:
                    return None
                continue
            if not monotonic:
                continue
            if is_terminating(slot) or not is_running_and_ready(slot):
                return None
            if not is_available(slot, min_ready):
                return _until_available(slot, min_ready)
        if creates:
            await gather_all(self._create_pod(sts, p) for p in creates)
        unhealthy = any(
            by_ordinal.get(o) is None
            or not is_running_and_ready(by_ordinal[o])
            or is_terminating(by_ordinal[o])
            for o in range(start, start + replicas)
        )
        for victim in condemned:
            if is_terminating(victim):
                if monotonic:
                    return None
                continue
            if monotonic and not is_running_and_ready(victim) and unhealthy:
                return None
            await self._delete_pod(sts, victim)
            if monotonic:
                return None
        if not rolling:
            return None
        for ordinal in range(start + replicas - 1, start + partition - 1, -1):
            target = by_ordinal.get(ordinal)
            if target is None:
                return None
            labels = (target.get("metadata") or {}).get("labels") or {}
            stale = labels.get(REVISION_LABEL) != update_rev["metadata"]["name"]
            if stale and not is_terminating(target):
                await self._delete_pod(sts, target)
                return None
            if not is_running_and_ready(target) or is_terminating(target):
                return None
        return None

    def _set_at(self, sts: JSONDict, revision: JSONDict) -> JSONDict:
        """ApplyRevision: the set with the revision's template."""
        out = copy.deepcopy(sts)
        template = copy.deepcopy(
            ((revision.get("data") or {}).get("spec") or {}).get("template") or {}
        )
        template.pop("$patch", None)
        out.setdefault("spec", {})["template"] = template
        return out

    async def _update_status(
        self, sts: JSONDict, current_rev: JSONDict, update_rev: JSONDict, collision: int
    ) -> None:
        md = sts["metadata"]
        spec = sts.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        uid = md.get("uid")
        replicas = ready = available = current = updated = 0
        for pod in self.pods_by_controller.owned_by(md.get("namespace") or "", str(uid or "")):
            if ordinal_of(md["name"], pod) is None:
                continue
            replicas += 1
            if is_running_and_ready(pod):
                ready += 1
                if is_available(pod, min_ready):
                    available += 1
            if not is_terminating(pod):
                rev = ((pod.get("metadata") or {}).get("labels") or {}).get(REVISION_LABEL)
                if rev == current_rev["metadata"]["name"]:
                    current += 1
                if rev == update_rev["metadata"]["name"]:
                    updated += 1
        current_name = current_rev["metadata"]["name"]
        rolling = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
        if rolling and updated == replicas and ready == replicas:
            current = updated
            current_name = update_rev["metadata"]["name"]
        status: JSONDict = {"observedGeneration": md.get("generation", 0), "replicas": replicas}
        for field, value in (
            ("readyReplicas", ready),
            ("currentReplicas", current),
            ("updatedReplicas", updated),
        ):
            if value:
                status[field] = value
        status["currentRevision"] = current_name
        status["updateRevision"] = update_rev["metadata"]["name"]
        status["collisionCount"] = collision
        old = sts.get("status") or {}
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        status["availableReplicas"] = available
        if status == old:
            return
        sts["status"] = status
        await self.update_status(self.rt, sts)


def _until_available(pod: JSONDict, min_ready: int) -> float | None:
    from fakekapi.controllers.pods import seconds_until_available

    left = seconds_until_available(pod, min_ready)
    return left + 0.01 if left is not None else None


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [StatefulSetController(ctx)]
