"""The scheduler: binds pending pods to nodes that pass kube-scheduler's filters.

The filters of the default profile that decide on a fake cluster, in its order, each with its
plugin's reason text (pkg/scheduler/framework/plugins): NodeUnschedulable ("node(s) were
unschedulable"), TaintToleration ("node(s) had untolerated taint {key: value}"; "taint(s)"
from 1.34), NodeAffinity for nodeSelector and required node affinity ("node(s) didn't match
Pod's node affinity/selector"), NodePorts ("node(s) didn't have free ports for the requested pod
ports"), NodeResourcesFit ("Too many pods", "Insufficient cpu", …)
against allocatable minus the requests of the pods already there, and InterPodAffinity's
required terms (interpod.py), after PodTopologySpread's DoNotSchedule constraints (spread.py).
A node's first failing
filter is its reason; a pod no node takes gets framework.FitError's message, `0/N nodes are
available: <histogram>.` followed by the preemption PostFilter's verdict, on its PodScheduled
condition (reason Unschedulable, through pods/status) and in a FailedScheduling event; with no
nodes at all, "no nodes available to schedule pods". Feasible nodes are scored by how few pods
they hold (spreading, as the default scoring does on identical nodes); the binding goes through
pods/binding as system:kube-scheduler and a Scheduled event follows. Pods naming another
schedulerName, already bound (spec.nodeName, which the kubelet honours directly) or gated by
schedulingGates are left alone. Before the filters, VolumeBinding's PreFilter (volumes.py) holds
back pods whose PersistentVolumeClaims are missing or not yet bound. Unschedulable pods are
retried when a node, a claim or a storage class changes or a pod leaves, as the scheduling
queue's cluster events do.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, NamedTuple

from fakekapi.client.informer import Informer
from fakekapi.client.workqueue import WorkQueue
from fakekapi.core import quantity
from fakekapi.core.errors import StatusError
from fakekapi.core.gotime import now_rfc3339
from fakekapi.core.nodeaffinity import fits_affinity, tolerations_tolerate
from fakekapi.core.objects import as_dict as _d
from fakekapi.core.user import UserInfo
from fakekapi.nodes.events import Recorder
from fakekapi.nodes.interpod import InterPodAffinity, has_required_anti_affinity, required_terms
from fakekapi.nodes.resources import Resources, pod_requests
from fakekapi.nodes.spread import TopologySpread
from fakekapi.nodes.volumes import SELECTED_NODE, check_claims
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

SCHEDULER_NAME = "default-scheduler"
USER = UserInfo("system:kube-scheduler", groups=("system:authenticated",))
NO_NODES = "no nodes available to schedule pods"
AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector"
UNSCHEDULABLE_REASON = "node(s) were unschedulable"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
WRITE_RETRIES = 5


class Rejection(NamedTuple):
    reasons: tuple[str, ...]
    unresolvable: bool
    """UnschedulableAndUnresolvable: preemption cannot help on this node."""


def _key(pod: dict[str, Any]) -> str:
    md = _d(pod.get("metadata"))
    return f"{md.get('namespace')}/{md.get('name')}"


HostPort = tuple[str, str, int]
"""(hostIP, protocol, hostPort) a container asks for."""
ANY_IP = "0.0.0.0"
PORTS_REASON = "node(s) didn't have free ports for the requested pod ports"


def host_ports(spec: dict[str, Any]) -> list[HostPort]:
    """The host ports of the pod's containers (NodePorts' getContainerPorts)."""
    out: list[HostPort] = []
    for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        for p in _d(c).get("ports") or []:
            p = _d(p)
            port = p.get("hostPort")
            if isinstance(port, int) and not isinstance(port, bool) and port > 0:
                out.append((str(p.get("hostIP") or ANY_IP), str(p.get("protocol") or "TCP"), port))
    return out


class Usage:
    """What the pods bound to each node request (the scheduler cache's NodeInfo sums)."""

    def __init__(self) -> None:
        self._pods: dict[str, tuple[str, Resources, list[HostPort]]] = {}
        self.requested: dict[str, Resources] = {}
        self.count: Counter[str] = Counter()
        self.ports: dict[str, Counter[HostPort]] = {}

    def set(self, key: str, node: str, req: Resources, ports: list[HostPort]) -> None:
        self.drop(key)
        self._pods[key] = (node, req, ports)
        total = self.requested.setdefault(node, {})
        for k, v in req.items():
            total[k] = total.get(k, 0) + v
        self.count[node] += 1
        if ports:
            self.ports.setdefault(node, Counter()).update(ports)

    def drop(self, key: str) -> bool:
        entry = self._pods.pop(key, None)
        if entry is None:
            return False
        node, req, ports = entry
        total = self.requested.get(node, {})
        for k, v in req.items():
            total[k] = total.get(k, 0) - v
        self.count[node] -= 1
        if ports:
            used = self.ports.get(node, Counter())
            used.subtract(ports)
            self.ports[node] = +used
        return True

    def ports_conflict(self, node: str, wanted: list[HostPort]) -> bool:
        """NodePorts.fitsPorts: the same protocol and port, on the same IP or on 0.0.0.0."""
        used = self.ports.get(node)
        if not used or not wanted:
            return False
        for ip, protocol, port in wanted:
            for uip, uprotocol, uport in used:
                if (uprotocol, uport) == (protocol, port) and (ip == uip or ANY_IP in (ip, uip)):
                    return True
        return False

    def holds(self, key: str) -> bool:
        return key in self._pods

    def placements(self) -> list[tuple[str, str]]:
        """(pod key, node) of every pod counted on a node."""
        return [(key, entry[0]) for key, entry in self._pods.items()]


class Scheduler:
    name = "scheduler"

    def __init__(
        self,
        registry: Registry,
        pods_rt: ResourceType,
        pods: Informer,
        nodes: Informer,
        recorder: Recorder,
        minor: int,
        claims: Informer | None = None,
        classes: Informer | None = None,
        namespaces: Informer | None = None,
    ) -> None:
        self.registry = registry
        self.rt = pods_rt
        self.pods = pods
        self.nodes = nodes
        self.claims = claims
        self.classes = classes
        self.namespaces = namespaces
        self.anti_affinity_pods: set[str] = set()
        """Placed pods with required anti-affinity terms (they constrain every other pod)."""
        self.recorder = recorder
        self.minor = minor
        self.queue = WorkQueue()
        self.usage = Usage()
        self.unschedulable: set[str] = set()
        pods.add_handler(self._pod_changed)
        nodes.add_handler(self._node_changed)
        if claims is not None and classes is not None:
            claims.add_handler(self._node_changed)  # a claim bound: unschedulable pods retry
            classes.add_handler(self._node_changed)

    # -- informers ----------------------------------------------------------------------------

    def _pod_changed(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        pod = new if new is not None else old
        assert pod is not None
        key = _key(pod)
        spec = _d(pod.get("spec"))
        phase = _d(pod.get("status")).get("phase")
        node = spec.get("nodeName")
        freed = False
        if new is not None and node and phase not in ("Succeeded", "Failed"):
            self.usage.set(key, str(node), pod_requests(spec), host_ports(spec))
            if has_required_anti_affinity(new):
                self.anti_affinity_pods.add(key)
        else:
            freed = self.usage.drop(key)
            self.anti_affinity_pods.discard(key)
        if new is not None and self._needs_scheduling(new):
            self.queue.add(key)
        else:
            self.unschedulable.discard(key)
        placed = bool(node) and not _d((old or {}).get("spec")).get("nodeName")
        if freed or (placed and self.unschedulable and self._may_attract(pod)):
            self._retry_unschedulable()

    def _may_attract(self, pod: dict[str, Any]) -> bool:
        """A newly placed pod may satisfy a waiting pod's required pod affinity (the queue's
        AssignedPodAdd event): worth a retry only if some waiting pod has such terms."""
        del pod
        for key in self.unschedulable:
            namespace, _, name = key.partition("/")
            waiting = self.pods.get(namespace, name)
            if waiting is not None and required_terms(waiting, "podAffinity"):
                return True
        return False

    def _node_changed(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        self._retry_unschedulable()

    def _retry_unschedulable(self) -> None:
        for key in list(self.unschedulable):
            self.queue.add(key)

    @staticmethod
    def _needs_scheduling(pod: dict[str, Any]) -> bool:
        spec = _d(pod.get("spec"))
        md = _d(pod.get("metadata"))
        return (
            not spec.get("nodeName")
            and not md.get("deletionTimestamp")
            and (spec.get("schedulerName") or SCHEDULER_NAME) == SCHEDULER_NAME
            and not spec.get("schedulingGates")
            and _d(pod.get("status")).get("phase") not in ("Succeeded", "Failed")
        )

    # -- filters ------------------------------------------------------------------------------

    def _taint_reason(self, taint: dict[str, Any]) -> str:
        if self.minor >= 34:
            return "node(s) had untolerated taint(s)"
        return f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value') or ''}}}"

    def _filter(
        self,
        pod: dict[str, Any],
        node: dict[str, Any],
        req: Resources,
        affinity: InterPodAffinity | None = None,
        spread: TopologySpread | None = None,
    ) -> Rejection | None:
        spec = _d(pod.get("spec"))
        nspec = _d(node.get("spec"))
        tolerations = list(spec.get("tolerations") or [])
        if nspec.get("unschedulable") and not tolerations_tolerate(
            tolerations, {"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}
        ):
            return Rejection((UNSCHEDULABLE_REASON,), True)
        for taint in nspec.get("taints") or []:
            taint = _d(taint)
            if taint.get("effect") not in ("NoSchedule", "NoExecute"):
                continue
            if not tolerations_tolerate(tolerations, taint):
                return Rejection((self._taint_reason(taint),), True)
        if not fits_affinity(spec, node):
            return Rejection((AFFINITY_REASON,), True)
        name = str(_d(node.get("metadata")).get("name"))
        if self.usage.ports_conflict(name, host_ports(spec)):
            return Rejection((PORTS_REASON,), False)
        allocatable = _d(_d(node.get("status")).get("allocatable"))
        reasons: list[str] = []
        if "pods" in allocatable and self.usage.count[name] + 1 > quantity.amount(
            allocatable["pods"]
        ):
            reasons.append("Too many pods")
        used = self.usage.requested.get(name, {})
        for resource in ("cpu", "memory", "ephemeral-storage"):
            want = req.get(resource, 0)
            if want and want + used.get(resource, 0) > quantity.amount(
                allocatable.get(resource, 0)
            ):
                reasons.append(f"Insufficient {resource}")
        for resource, want in sorted(req.items()):
            if resource in ("cpu", "memory", "ephemeral-storage", "pods") or not want:
                continue
            if want + used.get(resource, 0) > quantity.amount(allocatable.get(resource, 0)):
                reasons.append(f"Insufficient {resource}")
        if reasons:
            return Rejection(tuple(reasons), False)
        if spread is not None:
            verdict = spread.check(_d(_d(node.get("metadata")).get("labels")))
            if verdict is not None:
                return Rejection((verdict[0],), verdict[1])
        if affinity is not None:
            verdict = affinity.check(_d(_d(node.get("metadata")).get("labels")))
            if verdict is not None:
                return Rejection((verdict[0],), verdict[1])
        return None

    def _topology_spread(
        self, pod: dict[str, Any], nodes: list[dict[str, Any]]
    ) -> TopologySpread | None:
        """PodTopologySpread's PreFilter, for pods with DoNotSchedule constraints."""
        constraints = _d(pod.get("spec")).get("topologySpreadConstraints") or []
        if not any(
            _d(c).get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule" for c in constraints
        ):
            return None
        placed = []
        for key, node in self.usage.placements():
            namespace, _, name = key.partition("/")
            other = self.pods.get(namespace, name)
            if other is not None:
                placed.append((other, node))
        return TopologySpread(pod, nodes, placed, lambda n: fits_affinity(_d(pod.get("spec")), n))

    def _inter_pod_affinity(
        self, pod: dict[str, Any], nodes: list[dict[str, Any]]
    ) -> InterPodAffinity | None:
        """InterPodAffinity's PreFilter, when the pod or a placed pod has required terms."""
        if not (
            required_terms(pod, "podAffinity")
            or required_terms(pod, "podAntiAffinity")
            or self.anti_affinity_pods
        ):
            return None
        labels = {
            str(_d(n.get("metadata")).get("name")): _d(_d(n.get("metadata")).get("labels"))
            for n in nodes
        }
        placed = []
        for key, node in self.usage.placements():  # bound and assumed pods alike
            namespace, _, name = key.partition("/")
            other = self.pods.get(namespace, name)
            if other is not None and node in labels:
                placed.append((other, labels[node]))

        def ns_labels(name: str) -> dict[str, Any]:
            ns = self.namespaces.get("", name) if self.namespaces is not None else None
            return _d(_d((ns or {}).get("metadata")).get("labels"))

        return InterPodAffinity(pod, placed, ns_labels)

    def fit_error(
        self, pod: dict[str, Any], rejections: list[Rejection], *, prefilter: str = "", n: int = 0
    ) -> str:
        """framework.FitError.Error() with the DefaultPreemption PostFilter's message.

        `prefilter`: a PreFilter plugin rejected the pod on all `n` nodes (its message stands
        instead of the per-node histogram, and preemption cannot help on any node)."""
        if prefilter:
            msg = f"0/{n} nodes are available: {prefilter}."
            rejections = [Rejection((prefilter,), True)] * n
        else:
            n = len(rejections)
            histogram: Counter[str] = Counter()
            for r in rejections:
                histogram.update(r.reasons)
            reasons = ", ".join(sorted(f"{v} {k}" for k, v in histogram.items()))
            msg = f"0/{n} nodes are available: {reasons}."
        spec = _d(pod.get("spec"))
        if spec.get("preemptionPolicy") == "Never":
            post = "preemption: not eligible due to preemptionPolicy=Never."
        else:
            verdicts: Counter[str] = Counter(
                NOT_HELPFUL if r.unresolvable else NO_VICTIMS for r in rejections
            )
            post = (
                f"preemption: 0/{n} nodes are available: "
                + ", ".join(sorted(f"{v} {k}" for k, v in verdicts.items()))
                + "."
            )
        if self.minor >= 34:
            post = "no new claims to deallocate, " + post
        return f"{msg} {post}"

    # -- sync ---------------------------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        namespace, _, name = key.partition("/")
        pod = self.pods.get(namespace, name)
        if pod is None or not self._needs_scheduling(pod) or self.usage.holds(key):
            self.unschedulable.discard(key)
            return None
        nodes = sorted(
            self.nodes.cache.values(), key=lambda n: str(_d(n.get("metadata")).get("name"))
        )
        if not nodes:
            await self._unschedulable(key, pod, NO_NODES)
            return None
        delayed: list[dict[str, Any]] = []
        if self.claims is not None and self.classes is not None:
            claims = check_claims(pod, self.claims, self.classes)
            if claims.rejection:
                await self._unschedulable(
                    key, pod, self.fit_error(pod, [], prefilter=claims.rejection, n=len(nodes))
                )
                return None
            delayed = claims.delayed
        req = pod_requests(_d(pod.get("spec")))
        rejections: list[Rejection] = []
        feasible: list[str] = []
        affinity = self._inter_pod_affinity(pod, nodes)
        spread = self._topology_spread(pod, nodes)
        for node in nodes:
            verdict = self._filter(pod, node, req, affinity, spread)
            if verdict is None:
                feasible.append(str(_d(node.get("metadata")).get("name")))
            else:
                rejections.append(verdict)
        if not feasible:
            await self._unschedulable(key, pod, self.fit_error(pod, rejections))
            return None
        chosen = min(feasible, key=lambda n: self.usage.count[n])
        for claim in delayed:
            await self._select_node(claim, chosen)
        await self._bind(key, pod, chosen, req)
        return None

    async def _select_node(self, claim: dict[str, Any], node: str) -> None:
        """VolumeBinding's PreBind for a WaitForFirstConsumer claim: name the chosen node."""
        md = _d(claim.get("metadata"))
        if _d(md.get("annotations")).get(SELECTED_NODE) == node or self.claims is None:
            return
        body = {**claim, "metadata": {**md, "annotations": {**_d(md.get("annotations"))}}}
        body["metadata"]["annotations"][SELECTED_NODE] = node
        try:
            await self.registry.update(
                self.claims.rt,
                str(md.get("namespace")),
                str(md.get("name")),
                body,
                WriteOptions(field_manager="kube-scheduler"),
                user=USER,
            )
        except StatusError as e:
            if e.code not in (404, 409):
                raise

    async def _bind(self, key: str, pod: dict[str, Any], node: str, req: Resources) -> None:
        md = _d(pod.get("metadata"))
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {
                "name": md.get("name"),
                "namespace": md.get("namespace"),
                "uid": md.get("uid"),
            },
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        # Assumed, as the scheduler cache's AssumePod.
        self.usage.set(key, node, req, host_ports(_d(pod.get("spec"))))
        if has_required_anti_affinity(pod):
            self.anti_affinity_pods.add(key)
        try:
            await self.registry.create_subresource(
                self.rt,
                str(md.get("namespace")),
                str(md.get("name")),
                "binding",
                binding,
                WriteOptions(field_manager="kube-scheduler"),
                user=USER,
            )
        except StatusError as e:
            self.usage.drop(key)
            if e.code in (404, 409):
                return  # gone, being deleted or bound by someone else
            raise
        self.unschedulable.discard(key)
        self.recorder.scheduler(
            pod,
            "Normal",
            "Scheduled",
            "Binding",
            f"Successfully assigned {md.get('namespace')}/{md.get('name')} to {node}",
        )

    async def _unschedulable(self, key: str, pod: dict[str, Any], message: str) -> None:
        """PodScheduled=False (reason Unschedulable) and a FailedScheduling event, once per
        distinct message (the scheduler's updatePod skips an unchanged condition)."""
        self.unschedulable.add(key)
        md = _d(pod.get("metadata"))
        for _ in range(WRITE_RETRIES):
            status = _d(pod.get("status"))
            conditions = [_d(c) for c in status.get("conditions") or []]
            current = next((c for c in conditions if c.get("type") == "PodScheduled"), None)
            if (
                current is not None
                and current.get("status") == "False"
                and current.get("reason") == "Unschedulable"
                and current.get("message") == message
            ):
                return
            condition = {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": (
                    current.get("lastTransitionTime")
                    if current is not None and current.get("status") == "False"
                    else now_rfc3339()
                ),
                "reason": "Unschedulable",
                "message": message,
            }
            if self.minor >= 34 and md.get("generation") is not None:
                condition["observedGeneration"] = md["generation"]  # PodObservedGenerationTracking
            others = [c for c in conditions if c.get("type") != "PodScheduled"]
            body = {**pod, "status": {**status, "conditions": [*others, condition]}}
            try:
                await self.registry.update(
                    self.rt,
                    str(md.get("namespace")),
                    str(md.get("name")),
                    body,
                    WriteOptions(field_manager="kube-scheduler"),
                    subresource="status",
                    user=USER,
                )
                break
            except StatusError as e:
                if e.code == 404:
                    return
                if e.code != 409:
                    raise
            pod = await self.registry.get(self.rt, str(md.get("namespace")), str(md.get("name")))
            if not self._needs_scheduling(pod):
                return
        self.recorder.scheduler(pod, "Warning", "FailedScheduling", "Scheduling", message)
