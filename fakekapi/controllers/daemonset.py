"""The daemonset controller: one pod on every node a DaemonSet's pods may run on.

As pkg/controller/daemon (daemon_controller.go, update.go, util/daemonset_util.go): for each node
that passes the template's nodeSelector, required node affinity and NoSchedule/NoExecute taints
(after the daemon tolerations kube adds: not-ready and unreachable NoExecute, disk-, memory- and
pid-pressure and unschedulable NoSchedule, network-unavailable with hostNetwork), a pod
`<daemonset>-<5 random>` is created, pinned by a required node affinity on `metadata.name`, labelled
`controller-revision-hash` and `pod-template-generation`; pods on nodes that should not run one,
extra pods and failed pods are deleted. Revisions are ControllerRevisions as the StatefulSet's.
RollingUpdate replaces old pods while at most maxUnavailable are unavailable (maxSurge 0) or
starts new ones beside them up to maxSurge; OnDelete only replaces deleted pods. Status
(desired/current/misscheduled/ready/updated/available/unavailable, observedGeneration) is
kube's. Events: SuccessfulCreate, SuccessfulDelete, FailedDaemonPod, SelectingAll.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from fakekapi.controllers import history
from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import NORMAL, WARNING
from fakekapi.controllers.index import ControllerIndex, NamespaceIndex
from fakekapi.controllers.labels import selector_matches, selects_all
from fakekapi.controllers.ownership import new_controller_ref
from fakekapi.controllers.pods import (
    FAILED,
    is_available,
    is_ready,
    is_terminating,
    phase,
    pod_from_template,
)
from fakekapi.controllers.worker import WorkloadController, key_of, split_key
from fakekapi.core.errors import StatusError
from fakekapi.core.nodeaffinity import fits_affinity, untolerated_taint
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.bulk import gather_all

REVISION_LABEL = "controller-revision-hash"
TEMPLATE_GENERATION_LABEL = "pod-template-generation"
_DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)


def add_daemon_tolerations(pod_spec: JSONDict) -> None:
    """AddOrUpdateDaemonPodTolerations."""
    tolerations: list[JSONDict] = list(pod_spec.get("tolerations") or [])
    wanted = list(_DAEMON_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        wanted.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    for key, effect in wanted:
        toleration = {"key": key, "operator": "Exists", "effect": effect}
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append(toleration)
    pod_spec["tolerations"] = tolerations


def pin_to_node(pod_spec: JSONDict, node_name: str) -> None:
    """ReplaceDaemonSetPodNodeNameNodeAffinity."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    affinity = pod_spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}


def should_run(template_spec: JSONDict, node: JSONDict) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod: (should run, should continue running)."""
    spec = copy.deepcopy(template_spec)
    add_daemon_tolerations(spec)
    node_name = spec.get("nodeName")
    if node_name and node_name != (node.get("metadata") or {}).get("name"):
        return False, False
    if not fits_affinity(spec, node):
        return False, False
    if untolerated_taint(spec, node, ("NoExecute",)) is not None:
        return False, False
    return untolerated_taint(spec, node, ("NoSchedule",)) is None, True


class DaemonSetController(WorkloadController):
    name = "daemonset-controller"
    service_account = "daemon-set-controller"
    component = "daemonset-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        self.rt = ctx.resource("apps", "v1", "daemonsets")
        self.pod_rt = ctx.resource("", "v1", "pods")
        self.rev_rt = ctx.resource("apps", "v1", "controllerrevisions")
        self.sets = ctx.informer("apps", "v1", "daemonsets")
        self.pods = ctx.informer("", "v1", "pods")
        self.nodes = ctx.informer("", "v1", "nodes")
        self.revisions = ctx.informer("apps", "v1", "controllerrevisions")
        super().__init__(ctx, [self.sets, self.pods, self.nodes, self.revisions])
        self.pods_by_controller = ControllerIndex(self.pods)
        self.revisions_by_ns = NamespaceIndex(self.revisions)
        self.sets.add_handler(self.enqueue_current)
        self.pods.add_handler(self.owner_changed("DaemonSet"))
        self.revisions.add_handler(self.owner_changed("DaemonSet"))
        self.nodes.add_handler(self._node_changed)

    def _node_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if old is not None and new is not None:
            same = (old.get("metadata") or {}).get("labels") == (new.get("metadata") or {}).get(
                "labels"
            ) and (old.get("spec") or {}).get("taints") == (new.get("spec") or {}).get("taints")
            if same:
                return  # heartbeats and status: nothing a DaemonSet decides on
        for ds in self.sets.cache.values():
            self.queue.add(key_of(ds))

    async def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        cached = self.sets.get(ns, name)
        if cached is None:
            return None
        ds: JSONDict = {"apiVersion": "apps/v1", "kind": "DaemonSet", **copy.deepcopy(cached)}
        spec = ds.get("spec") or {}
        if selects_all(spec.get("selector")):
            self.recorder.event(
                ds,
                WARNING,
                "SelectingAll",
                "This daemon set is selecting all pods. A non-empty selector is required.",
            )
            return None
        revision = await self._revision(ds)
        rev_hash = revision["metadata"]["labels"][REVISION_LABEL]
        by_node = self._pods_by_node(ds)
        again = None
        if not ds["metadata"].get("deletionTimestamp"):
            again = await self._manage(ds, by_node, rev_hash)
            by_node = self._pods_by_node(ds)
        await self._update_status(ds, by_node, rev_hash)
        return again

    def _pods_by_node(self, ds: JSONDict) -> dict[str, list[JSONDict]]:
        md = ds["metadata"]
        selector = (ds.get("spec") or {}).get("selector")
        out: dict[str, list[JSONDict]] = {}
        owned = self.pods_by_controller.owned_by(md.get("namespace") or "", md.get("uid") or "")
        for pod in owned:
            if not selector_matches(selector, (pod.get("metadata") or {}).get("labels")):
                continue
            out.setdefault(_node_of(pod), []).append(pod)
        return out

    async def _revision(self, ds: JSONDict) -> JSONDict:
        md = ds["metadata"]
        data = history.revision_patch(ds)
        revisions = history.owned_revisions(self.revisions_by_ns, ds)
        found = await history.reuse_equal(revisions, data, lambda r: self.update(self.rev_rt, r))
        if found is not None:
            return found
        collision = int((ds.get("status") or {}).get("collisionCount") or 0)
        rev = history.new_revision(
            ds, "DaemonSet", data, history.next_revision(revisions), collision, REVISION_LABEL
        )
        return await self.create(self.rev_rt, md["namespace"], rev)

    async def _manage(
        self, ds: JSONDict, by_node: dict[str, list[JSONDict]], rev_hash: str
    ) -> float | None:
        spec = ds.get("spec") or {}
        template_spec = ((spec.get("template") or {}).get("spec")) or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        to_create: list[str] = []
        to_delete: list[JSONDict] = []
        for node in self.nodes.cache.values():
            node_name = node["metadata"]["name"]
            run, keep = should_run(template_spec, node)
            pods = [p for p in by_node.get(node_name, []) if not is_terminating(p)]
            if run and not pods:
                to_create.append(node_name)
            elif run or keep:
                failed = [p for p in pods if phase(p) == FAILED]
                for pod in failed:
                    self.recorder.event(
                        ds,
                        WARNING,
                        "FailedDaemonPod",
                        f"Found failed daemon pod {pod['metadata']['namespace']}/"
                        f"{pod['metadata']['name']} on node {node_name}, will try to kill it",
                    )
                to_delete.extend(failed)
                alive = [p for p in pods if phase(p) != FAILED]
                if len(alive) > 1:
                    alive.sort(key=lambda p: str(p["metadata"].get("creationTimestamp") or ""))
                    to_delete.extend(alive[1:] if not _surging(spec) else [])
            else:
                to_delete.extend(pods)
        for node_name, pods in by_node.items():
            if node_name and self.nodes.get("", node_name) is None:
                to_delete.extend(p for p in pods if not is_terminating(p))
        await self._sync_nodes(ds, to_create, to_delete, rev_hash)
        if to_create or to_delete:
            return None
        if (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate":
            return await self._rolling_update(ds, by_node, rev_hash, min_ready)
        return None

    async def _sync_nodes(
        self, ds: JSONDict, create_on: list[str], delete: list[JSONDict], rev_hash: str
    ) -> None:
        md = ds["metadata"]
        template = copy.deepcopy((ds.get("spec") or {}).get("template") or {})
        tmd = template.setdefault("metadata", {})
        tmd["labels"] = {
            **(tmd.get("labels") or {}),
            REVISION_LABEL: rev_hash,
            TEMPLATE_GENERATION_LABEL: str(md.get("generation", 1)),
        }
        ref = new_controller_ref(ds, "apps/v1", "DaemonSet")

        async def create(node_name: str) -> None:
            pod = pod_from_template(template, md["name"], ref)
            add_daemon_tolerations(pod["spec"])
            pin_to_node(pod["spec"], node_name)
            try:
                created = await self.create(self.pod_rt, md["namespace"], pod)
            except StatusError as e:
                self.recorder.event(ds, WARNING, "FailedCreate", f"Error creating: {e.message}")
                raise
            self.recorder.event(
                ds, NORMAL, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}"
            )

        async def remove(pod: JSONDict) -> None:
            pmd = pod["metadata"]
            if await self.delete(self.pod_rt, pmd["namespace"], pmd["name"], uid=pmd.get("uid")):
                self.recorder.event(ds, NORMAL, "SuccessfulDelete", f"Deleted pod: {pmd['name']}")

        await gather_all([*(create(n) for n in create_on), *(remove(p) for p in delete)])

    async def _rolling_update(
        self, ds: JSONDict, by_node: dict[str, list[JSONDict]], rev_hash: str, min_ready: int
    ) -> float | None:
        """rollingUpdate (update.go) with maxSurge 0: old pods are deleted (and recreated at
        the new revision by the next pass) while unavailable ones stay within maxUnavailable."""
        spec = ds.get("spec") or {}
        template_spec = ((spec.get("template") or {}).get("spec")) or {}
        desired = [
            n["metadata"]["name"]
            for n in self.nodes.cache.values()
            if should_run(template_spec, n)[0]
        ]
        ru = (spec.get("updateStrategy") or {}).get("rollingUpdate") or {}
        max_unavailable = _scaled(ru.get("maxUnavailable", 1), len(desired), round_up=False)
        max_surge = _scaled(ru.get("maxSurge", 0), len(desired), round_up=True)
        if max_unavailable == 0 and max_surge == 0:
            max_unavailable = 1
        unavailable = 0
        old_available: list[JSONDict] = []
        old_unavailable: list[JSONDict] = []
        for node_name in desired:
            pods = [p for p in by_node.get(node_name, []) if not is_terminating(p)]
            new = [p for p in pods if _hash_of(p) == rev_hash]
            old = [p for p in pods if _hash_of(p) != rev_hash]
            if not any(is_available(p, min_ready) for p in pods):
                unavailable += 1
            if new:
                if old and any(is_available(p, min_ready) for p in new):
                    old_available.extend(old)  # surged: the old one may go now
                continue
            for pod in old:
                (old_available if is_available(pod, min_ready) else old_unavailable).append(pod)
        victims = list(old_unavailable)
        budget = max_unavailable - unavailable
        if max_surge == 0:
            victims.extend(old_available[: max(budget, 0)])
        else:
            victims.extend(p for p in old_available if _hash_of(p) != rev_hash)
        if victims:
            await self._sync_nodes(ds, [], victims, rev_hash)
        return None

    async def _update_status(
        self, ds: JSONDict, by_node: dict[str, list[JSONDict]], rev_hash: str
    ) -> None:
        spec = ds.get("spec") or {}
        template_spec = ((spec.get("template") or {}).get("spec")) or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        desired = current = misscheduled = ready = updated = available = 0
        for node in self.nodes.cache.values():
            node_name = node["metadata"]["name"]
            run, _ = should_run(template_spec, node)
            pods = [p for p in by_node.get(node_name, []) if not is_terminating(p)]
            if run:
                desired += 1
                if pods:
                    current += 1
                    oldest = min(
                        pods, key=lambda p: str(p["metadata"].get("creationTimestamp") or "")
                    )
                    if is_ready(oldest):
                        ready += 1
                        if is_available(oldest, min_ready):
                            available += 1
                    if any(_hash_of(p) == rev_hash for p in pods):
                        updated += 1
            elif pods:
                misscheduled += 1
        status: JSONDict = {
            "currentNumberScheduled": current,
            "numberMisscheduled": misscheduled,
            "desiredNumberScheduled": desired,
            "numberReady": ready,
        }
        generation = ds["metadata"].get("generation")
        if generation:
            status["observedGeneration"] = generation
        if updated:
            status["updatedNumberScheduled"] = updated
        if available:
            status["numberAvailable"] = available
        if desired - available > 0:
            status["numberUnavailable"] = desired - available
        old = ds.get("status") or {}
        for field in ("collisionCount", "conditions"):
            if old.get(field) is not None:
                status[field] = old[field]
        if status == old:
            return
        ds["status"] = status
        await self.update_status(self.rt, ds)


def _node_of(pod: JSONDict) -> str:
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    terms = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms") or []
    for term in terms:
        for req in term.get("matchFields") or []:
            if req.get("key") == "metadata.name" and req.get("operator") == "In":
                values = req.get("values") or []
                if len(values) == 1:
                    return str(values[0])
    return ""


def _hash_of(pod: JSONDict) -> str:
    return str(((pod.get("metadata") or {}).get("labels") or {}).get(REVISION_LABEL) or "")


def _surging(spec: JSONDict) -> bool:
    ru = (spec.get("updateStrategy") or {}).get("rollingUpdate") or {}
    return bool(ru.get("maxSurge")) and ru.get("maxSurge") not in (0, "0%")


def _scaled(value: Any, total: int, *, round_up: bool) -> int:
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        exact = int(text[:-1]) * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(text) if text.isdigit() else 0


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [DaemonSetController(ctx)]
