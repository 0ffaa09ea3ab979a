"""Starting and stopping the fake nodes: register them, then heartbeat, schedule and run pods.

Start-up registers each Node (created as system:node:<name>, its status posted through
nodes/status) and its Lease before the scheduler and kubelet start, so the first pods already
see the nodes. A node already stored (a restart) is there for them anyway: its status and Lease
are reported once the server listens, as a restarted kubelet reports on its own time
(kube-apiserver's readiness does not wait for kubelets either). While serving, each node renews
its Lease every 10 s and re-posts its status every 5 minutes (kubelet's defaults with the
lease-based heartbeat); nothing else runs while no pod changes, so an idle server costs next to
nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from fakekapi.catalog import releases
from fakekapi.client.informer import SharedInformers, cancel_and_wait
from fakekapi.core.errors import StatusError
from fakekapi.core.user import UserInfo
from fakekapi.nodes.events import Recorder
from fakekapi.nodes.kubelet import Kubelet
from fakekapi.nodes.node import (
    LEASE_NAMESPACE,
    RENEW_INTERVAL,
    STATUS_REPORT_INTERVAL,
    SimNode,
    node_names,
)
from fakekapi.nodes.scheduler import Scheduler
from fakekapi.nodes.worker import drain
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)

KUBELET_WORKERS = 8
SCHEDULER_WORKERS = 4
STOP_RECANCEL_SECONDS = 0.1


def _rt(registry: Registry, group: str, plural: str) -> ResourceType:
    version = "v1"
    rt: ResourceType | None = registry.catalog.lookup(group, version, plural)
    if rt is None:  # pragma: no cover - the built-in catalog always has them
        raise RuntimeError(f"the catalog does not serve {plural}")
    return rt


def _minor(version: str) -> int:
    """`1.36` → 36."""
    parts = version.lstrip("v").split(".")
    try:
        return int(parts[1])
    except (IndexError, ValueError):
        return 33


class Nodes:
    """The running fake nodes of one registry, with their scheduler and kubelets."""

    def __init__(
        self,
        registry: Registry,
        count: int,
        kubernetes_version: str,
        informers: SharedInformers | None = None,
    ) -> None:
        self.registry = registry
        self.own_informers = informers is None
        """Without shared informers given, Nodes runs (and stops) informers of its own."""
        self.informers = informers if informers is not None else SharedInformers(registry)
        release = releases.resolve(kubernetes_version)
        self.minor = _minor(release)
        self.kubelet_version = _kubelet_version(release)
        names = node_names(count)
        self.sims = {
            name: SimNode(name, i, tainted=(i == 0 and count > 1)) for i, name in enumerate(names)
        }
        self.pods_rt = _rt(registry, "", "pods")
        self.nodes_rt = _rt(registry, "", "nodes")
        self.leases_rt = _rt(registry, "coordination.k8s.io", "leases")
        self.recorder = Recorder(registry, _rt(registry, "", "events"))
        self.pods = self.informers.informer(self.pods_rt)
        self.nodes = self.informers.informer(self.nodes_rt)
        self.claims = self.informers.informer(_rt(registry, "", "persistentvolumeclaims"))
        self.classes = self.informers.informer(_rt(registry, "storage.k8s.io", "storageclasses"))
        self.scheduler = Scheduler(
            registry,
            self.pods_rt,
            self.pods,
            self.nodes,
            self.recorder,
            self.minor,
            claims=self.claims,
            classes=self.classes,
            namespaces=self.informers.informer(_rt(registry, "", "namespaces")),
        )
        self.kubelet = Kubelet(
            registry, self.pods_rt, self.pods, self.sims, self.recorder, self.minor
        )
        self._tasks: list[asyncio.Task[None]] = []
        self.nodes.add_handler(self._node_changed)

    @classmethod
    async def start(
        cls,
        registry: Registry,
        count: int,
        kubernetes_version: str,
        *,
        informers: SharedInformers | None = None,
        serving: asyncio.Event | None = None,
    ) -> Nodes:
        """Register the nodes, then launch heartbeats, scheduler and kubelets (and the informers,
        unless shared ones are given: their owner starts and stops them). `serving`: set once
        the server listens; a stored node reports its status then (None: at once)."""
        self = cls(registry, count, kubernetes_version, informers)
        spawn = asyncio.get_running_loop().create_task
        for sim in self.sims.values():
            stored = await self._stored(sim)
            if stored is None:
                await self._register(sim)
            else:
                restarted = self._restarted(sim, stored, serving)
                self._tasks.append(spawn(restarted, name=f"node {sim.name}"))
        if self.own_informers:
            self.informers.start()
        self._tasks += [
            spawn(
                drain(
                    "scheduler",
                    self.scheduler.queue,
                    self.scheduler.sync,
                    [self.pods, self.nodes, self.claims, self.classes],
                    SCHEDULER_WORKERS,
                ),
                name="scheduler",
            ),
            spawn(
                drain(
                    "kubelet", self.kubelet.queue, self.kubelet.sync, [self.pods], KUBELET_WORKERS
                ),
                name="kubelet",
            ),
        ]
        if self.sims:
            self._tasks.append(spawn(self._heartbeat(), name="node heartbeats"))
        return self

    async def wait_synced(self) -> None:
        await asyncio.gather(self.pods.synced.wait(), self.nodes.synced.wait())

    def idle(self) -> bool:
        return self.scheduler.queue.idle() and self.kubelet.queue.idle()

    async def stop(self) -> None:
        """Cancel every task and wait for it; pending events get a moment to be written."""
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks, STOP_RECANCEL_SECONDS)
        self.scheduler.queue.shutdown()
        self.kubelet.queue.shutdown()
        await self.recorder.close()
        if self.own_informers:
            await self.informers.stop()

    # -- nodes and leases ---------------------------------------------------------------------

    @staticmethod
    def _user(sim: SimNode) -> UserInfo:
        return UserInfo(f"system:node:{sim.name}", groups=("system:nodes", "system:authenticated"))

    async def _stored(self, sim: SimNode) -> dict[str, Any] | None:
        try:
            return await self.registry.get(self.nodes_rt, "", sim.name)
        except StatusError as e:
            if e.code != 404:
                raise
            return None

    async def _register(self, sim: SimNode) -> None:
        """kubelet's registerWithAPIServer, then a status update and the first lease."""
        opts = WriteOptions(field_manager="kubelet")
        try:
            node = (
                await self.registry.create(
                    self.nodes_rt, "", sim.object(), opts, user=self._user(sim)
                )
            ).object
        except StatusError as e:
            if e.code != 409:
                raise
            node = await self.registry.get(self.nodes_rt, "", sim.name)
        await self._report(sim, node)

    async def _report(self, sim: SimNode, node: dict[str, Any]) -> None:
        """A starting kubelet's status update and Lease, and its events."""
        uid = str((node.get("metadata") or {}).get("uid") or "")
        # Independent writes, as kubelet's node status updater and lease controller are: made
        # together, the store commits them in one batch (a start waits for one fsync, not two).
        await asyncio.gather(self._post_status(sim, node), self._renew(sim, uid))
        self._started_events(sim, uid)

    async def _restarted(
        self, sim: SimNode, node: dict[str, Any], serving: asyncio.Event | None
    ) -> None:
        """`_report` for a node that was stored already, once the server listens."""
        try:
            if serving is not None:
                await serving.wait()
            await self._report(sim, node)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("start-up status of node %s failed", sim.name, exc_info=True)

    def _started_events(self, sim: SimNode, uid: str) -> None:
        """What a starting kubelet records about its node (kubelet.go, nodestatus setters), and
        the node lifecycle controller's RegisteredNode."""
        status_now = f"Node {sim.name} status is now: "
        self.recorder.node(sim.name, "Starting", "Starting kubelet.")
        for reason in ("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"):
            self.recorder.node(sim.name, reason, status_now + reason)
        self.recorder.node(
            sim.name, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods"
        )
        self.recorder.node(
            sim.name,
            "RegisteredNode",
            f"Node {sim.name} event: Registered Node {sim.name} in Controller",
            component="node-controller",
            uid=uid,
        )
        self.recorder.node(sim.name, "NodeReady", status_now + "NodeReady")

    def _node_changed(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        """A fake node cordoned or uncordoned: its kubelet records NodeNotSchedulable or
        NodeSchedulable (nodestatus.ReadyCondition's recordEvent on spec.unschedulable)."""
        if old is None or new is None:
            return
        name = str((new.get("metadata") or {}).get("name"))
        was = bool((old.get("spec") or {}).get("unschedulable"))
        now = bool((new.get("spec") or {}).get("unschedulable"))
        if name in self.sims and was != now:
            reason = "NodeNotSchedulable" if now else "NodeSchedulable"
            self.recorder.node(name, reason, f"Node {name} status is now: {reason}")

    async def _post_status(self, sim: SimNode, node: dict[str, Any] | None = None) -> None:
        for _ in range(5):
            if node is None:
                node = await self.registry.get(self.nodes_rt, "", sim.name)
            body = {**node, "status": sim.status(self.kubelet_version, node.get("status"))}
            try:
                await self.registry.update(
                    self.nodes_rt,
                    "",
                    sim.name,
                    body,
                    WriteOptions(field_manager="kubelet"),
                    subresource="status",
                    user=self._user(sim),
                )
                return
            except StatusError as e:
                if e.code != 409:
                    raise
                node = None

    async def _renew(self, sim: SimNode, node_uid: str) -> None:
        """Create or renew the node's Lease (a PUT creates it: leases allow create on update)."""
        try:
            old: dict[str, Any] | None = await self.registry.get(
                self.leases_rt, LEASE_NAMESPACE, sim.name
            )
        except StatusError as e:
            if e.code != 404:
                raise
            old = None
        lease = sim.lease(node_uid, old)
        await self.registry.update(
            self.leases_rt,
            LEASE_NAMESPACE,
            sim.name,
            lease,
            WriteOptions(field_manager="kubelet"),
            user=self._user(sim),
        )

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        last_status = loop.time()
        while True:
            await asyncio.sleep(RENEW_INTERVAL)
            report = loop.time() - last_status >= STATUS_REPORT_INTERVAL
            for sim in self.sims.values():
                try:
                    node = self.nodes.get("", sim.name)
                    if node is None:  # deleted: register again, as a kubelet does
                        await self._register(sim)
                        continue
                    await self._renew(sim, str((node.get("metadata") or {}).get("uid") or ""))
                    if report:
                        await self._post_status(sim)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("heartbeat of node %s failed", sim.name, exc_info=True)
            if report:
                last_status = loop.time()


def _kubelet_version(release: str) -> str:
    """The kubelet's gitVersion: the emulated release's own (`v1.36.3`), as a kubelet built
    with the API server reports."""
    return releases.git_version(release)
