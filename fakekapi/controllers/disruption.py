"""The disruption controller: PodDisruptionBudgets get the status evictions are judged by.

As pkg/controller/disruption/disruption.go: a budget's pods are those of its namespace its
selector matches; with minAvailable as a number, `desiredHealthy` is that number and
`expectedPods` the pods found; with a percentage or with maxUnavailable, `expectedPods` is the
scale of the pods' controllers (a Deployment through its ReplicaSets, a ReplicaSet, a
ReplicationController, a StatefulSet), each counted once. `currentHealthy` counts Ready pods not
being deleted and not recently evicted (`disruptedPods`, forgotten after two minutes or once the
pod is gone); `disruptionsAllowed` is currentHealthy - desiredHealthy (never negative), with the
DisruptionAllowed condition (SufficientPods/InsufficientPods). Until this status is written
(observedGeneration), the eviction subresource refuses evictions, so `kubectl drain` waits for
the controller as on a cluster. Events (component `controllermanager`, as kube's): NoPods,
CalculateExpectedPodCountFailed.
"""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime
from typing import Any

from fakekapi.controllers.base import now_rfc3339
from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import NORMAL, WARNING
from fakekapi.controllers.index import NamespaceIndex
from fakekapi.controllers.labels import selector_matches
from fakekapi.controllers.ownership import controller_of, resolve
from fakekapi.controllers.pods import is_ready, parse_time
from fakekapi.controllers.worker import WorkloadController, key_of, spec_replicas, split_key
from fakekapi.core.objects import JSONDict

DELETION_TIMEOUT = 120.0
"""Seconds an evicted pod stays in disruptedPods if it is not deleted (kube's DeletionTimeout)."""


class DisruptionController(WorkloadController):
    name = "disruption-controller"
    service_account = "disruption-controller"
    component = "controllermanager"

    def __init__(self, ctx: ControllerContext) -> None:
        self.rt = ctx.resource("policy", "v1", "poddisruptionbudgets")
        self.budgets = ctx.informer("policy", "v1", "poddisruptionbudgets")
        self.pods = ctx.informer("", "v1", "pods")
        self.replicasets = ctx.informer("apps", "v1", "replicasets")
        self.deployments = ctx.informer("apps", "v1", "deployments")
        self.statefulsets = ctx.informer("apps", "v1", "statefulsets")
        self.rcs = ctx.informer("", "v1", "replicationcontrollers")
        super().__init__(
            ctx,
            [self.budgets, self.pods, self.replicasets, self.deployments, self.statefulsets,
             self.rcs],
        )  # fmt: skip
        self.budgets_by_ns = NamespaceIndex(self.budgets)
        self.pods_by_ns = NamespaceIndex(self.pods)
        self.budgets.add_handler(self.enqueue_current)
        self.pods.add_handler(self._pod_changed)
        for informer in (self.replicasets, self.deployments, self.statefulsets, self.rcs):
            informer.add_handler(self._scale_changed)

    def _pod_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        for pod in (old, new):
            if pod is None:
                continue
            md = pod.get("metadata") or {}
            for pdb in self.budgets_by_ns.list(md.get("namespace") or ""):
                if selector_matches((pdb.get("spec") or {}).get("selector"), md.get("labels")):
                    self.queue.add(key_of(pdb))

    def _scale_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        obj = new if new is not None else old
        if obj is None or (
            old is not None and new is not None and spec_replicas(old) == spec_replicas(new)
        ):
            return
        for pdb in self.budgets_by_ns.list((obj.get("metadata") or {}).get("namespace") or ""):
            self.queue.add(key_of(pdb))

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        cached = self.budgets.get(ns, name)
        if cached is None or (cached.get("metadata") or {}).get("deletionTimestamp"):
            return None
        pdb: JSONDict = {
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", **copy.deepcopy(cached),
        }  # fmt: skip
        spec = pdb.get("spec") or {}
        selector = spec.get("selector")
        pods = [
            p
            for p in self.pods_by_ns.list(ns)
            if selector is not None
            and selector_matches(selector, (p.get("metadata") or {}).get("labels"))
        ]
        if not pods:
            self.recorder.event(pdb, NORMAL, "NoPods", "No matching pods found")
        try:
            expected, desired = self._expected(pdb, pods)
        except _Unmanaged as e:
            self.recorder.event(pdb, WARNING, "CalculateExpectedPodCountFailed", str(e))
            await self._write(pdb, failed=str(e))
            return None
        disrupted, again = self._disrupted(pdb, pods)
        healthy = sum(
            1
            for p in pods
            if not (p.get("metadata") or {}).get("deletionTimestamp")
            and is_ready(p)
            and (p.get("metadata") or {}).get("name") not in disrupted
        )
        await self._write(
            pdb, expected=expected, desired=desired, healthy=healthy, disrupted=disrupted
        )
        return again

    def _expected(self, pdb: JSONDict, pods: list[JSONDict]) -> tuple[int, int]:
        """getExpectedPodCount: (expectedPods, desiredHealthy)."""
        spec = pdb.get("spec") or {}
        if spec.get("maxUnavailable") is not None:
            expected = self._scale(pods)
            unavailable = _scaled(spec["maxUnavailable"], expected)
            return expected, max(0, expected - unavailable)
        min_available = spec.get("minAvailable")
        if min_available is None:
            return len(pods), 0
        if isinstance(min_available, int):
            return len(pods), min_available
        expected = self._scale(pods)
        return expected, _scaled(min_available, expected)

    def _scale(self, pods: list[JSONDict]) -> int:
        """getExpectedScale: the replicas of the pods' controllers, each once."""
        scales: dict[str, int] = {}
        for pod in pods:
            ref = controller_of(pod)
            if ref is None:
                raise _Unmanaged(
                    f"found no controllers for pod {(pod.get('metadata') or {}).get('name')!r}"
                )
            ns = (pod.get("metadata") or {}).get("namespace") or ""
            found = self._controller_scale(ns, ref)
            if found is None:
                raise _Unmanaged(
                    f"found no controllers for pod {(pod.get('metadata') or {}).get('name')!r}"
                )
            uid, replicas = found
            scales[uid] = replicas
        return sum(scales.values())

    def _controller_scale(self, ns: str, ref: JSONDict) -> tuple[str, int] | None:
        kind = ref.get("kind")
        if kind == "ReplicaSet":
            rs = resolve(ref, ns, self.replicasets.get)
            if rs is None:
                return None
            owner = controller_of(rs)
            if owner is not None and owner.get("kind") == "Deployment":
                d = resolve(owner, ns, self.deployments.get)
                if d is not None:
                    return str(owner.get("uid")), spec_replicas(d)
            return str(ref.get("uid")), spec_replicas(rs)
        informer = {"ReplicationController": self.rcs, "StatefulSet": self.statefulsets}.get(
            str(kind)
        )
        if informer is None:
            return None
        obj = resolve(ref, ns, informer.get)
        if obj is None:
            return None
        return str(ref.get("uid")), spec_replicas(obj)

    def _disrupted(
        self, pdb: JSONDict, pods: list[JSONDict]
    ) -> tuple[dict[str, str], float | None]:
        """buildDisruptedPodMap: evictions not yet followed by a deletion, for two minutes."""
        current = ((pdb.get("status") or {}).get("disruptedPods")) or {}
        by_name = {(p.get("metadata") or {}).get("name"): p for p in pods}
        now = datetime.now(UTC)
        kept: dict[str, str] = {}
        again: float | None = None
        for pod_name, stamp in current.items():
            pod = by_name.get(pod_name)
            if pod is None or (pod.get("metadata") or {}).get("deletionTimestamp"):
                continue
            when = parse_time(stamp)
            if when is None:
                continue
            left = when.timestamp() + DELETION_TIMEOUT - now.timestamp()
            if left <= 0:
                continue
            kept[pod_name] = stamp
            again = left if again is None else min(again, left)
        return kept, again

    async def _write(
        self,
        pdb: JSONDict,
        *,
        expected: int = 0,
        desired: int = 0,
        healthy: int = 0,
        disrupted: dict[str, str] | None = None,
        failed: str = "",
    ) -> None:
        old = pdb.get("status") or {}
        generation = (pdb.get("metadata") or {}).get("generation") or 0
        if failed:
            allowed = 0
            cond_status, reason, message = "False", "SyncFailed", failed
        else:
            allowed = max(healthy - desired, 0)
            if allowed > 0:
                cond_status, reason, message = "True", "SufficientPods", ""
            else:
                cond_status, reason, message = "False", "InsufficientPods", ""
        previous = next(
            (c for c in old.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), None
        )
        cond: JSONDict = {
            "type": "DisruptionAllowed",
            "status": cond_status,
            "observedGeneration": generation,
            "lastTransitionTime": (
                previous.get("lastTransitionTime")
                if previous is not None and previous.get("status") == cond_status
                else now_rfc3339()
            ),
            "reason": reason,
            "message": message,
        }
        status: JSONDict = {"observedGeneration": generation}
        if disrupted:
            status["disruptedPods"] = disrupted
        status["disruptionsAllowed"] = allowed
        status["currentHealthy"] = healthy
        status["desiredHealthy"] = desired
        status["expectedPods"] = expected
        status["conditions"] = [cond]
        if failed:
            status = {**old, "observedGeneration": generation, "conditions": [cond]}
        if status == old:
            return
        pdb["status"] = status
        await self.update_status(self.rt, pdb)


class _Unmanaged(Exception):
    pass


def _scaled(value: Any, total: int) -> int:
    """intstr.GetScaledValueFromIntOrPercent, rounding up (as the disruption controller does)."""
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        return math.ceil(int(text[:-1]) * total / 100)
    return int(text) if text.isdigit() else 0


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [DisruptionController(ctx)]
