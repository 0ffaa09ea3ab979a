"""The simulated kubelet: runs the pods bound to the fake nodes, with no container runtime.

Each pod goes through what a kubelet's pod worker does (pkg/kubelet/pod_workers.go and
kuberuntime's SyncPod), with the container runtime replaced by `PodRun`:

1. accepted: status Pending, containers waiting `ContainerCreating` (`PodInitializing` behind
   init containers), hostIP and startTime set;
2. sandbox and containers started: a pod IP from the node's CIDR; init containers run to
   completion in order (restartable ones, sidecars, keep running); the containers start, with
   the Pulling/Pulled/Created/Started events kuberuntime records; probes count as passing, so
   the containers are ready at once (or after `ready-after`, or never with `ready: "false"`);
3. pods with restartPolicy Never/OnFailure (or an `exit-code` knob) terminate after `run-for`:
   exit 0 → Succeeded (`Completed`); non-zero → Failed with `Error` under Never, otherwise the
   container is restarted with CrashLoopBackOff's back-off (10 s doubling to 5 min, the first
   restart immediate), as kubelet's backoff does;
4. `image-pull: "fail"`: ErrImagePull, then ImagePullBackOff, with their events;
5. a pod given a deletionTimestamp: containers stopped (`Killing`), a terminal status posted,
   then the pod removed with a zero grace period and a UID precondition, as the status manager
   does; `kubectl delete pod` returns as soon as that delete lands.

Every write goes through the registry as `system:node:<node>`: status through pods/status.
The methods that run pods import podstatus.py (the runs and kube's status shapes) themselves: a
server with no pod has not loaded it (~1.5 ms of every start).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fakekapi.client.informer import Informer
from fakekapi.client.workqueue import WorkQueue
from fakekapi.core.errors import StatusError
from fakekapi.core.gotime import now_rfc3339
from fakekapi.core.user import UserInfo
from fakekapi.nodes.events import Recorder
from fakekapi.nodes.knobs import Knobs, knobs_of
from fakekapi.nodes.node import SimNode
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.nodes.podstatus import ContainerRun, PodRun
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)

FIELD_MANAGER = "kubelet"
BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0
IMAGE_BACKOFF_DELAY = 1.0
"""Seconds between ErrImagePull and ImagePullBackOff (the kubelet's next pod sync)."""
KILLED_EXIT_CODE = 137
DEADLINE_REASON = "DeadlineExceeded"
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
WRITE_RETRIES = 5
PULL_ERROR = (
    "failed to pull and unpack image {ref!r}: simulated by simulate.fakekapi.dev/image-pull"
)


def _key(pod: dict[str, Any]) -> str:
    md = pod.get("metadata") or {}
    return f"{md.get('namespace')}/{md.get('name')}"


def _rv(pod: dict[str, Any]) -> int:
    rv = str((pod.get("metadata") or {}).get("resourceVersion") or "0")
    return int(rv) if rv.isdigit() else 0


def _uid(pod: dict[str, Any]) -> str:
    return str((pod.get("metadata") or {}).get("uid") or "")


def go_millis(seconds: float) -> str:
    """A time.Duration truncated to milliseconds, as Go prints it (`412ms`, `1.161s`)."""
    ms = int(seconds * 1000)
    if ms < 1000:
        return f"{ms}ms"
    text = f"{ms / 1000:.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


class Kubelet:
    """The kubelets of all the fake nodes: one queue of pod keys, a few workers."""

    name = "kubelet"

    def __init__(
        self,
        registry: Registry,
        pods_rt: ResourceType,
        pods: Informer,
        nodes: dict[str, SimNode],
        recorder: Recorder,
        minor: int,
    ) -> None:
        self.registry = registry
        self.rt = pods_rt
        self.pods = pods
        self.nodes = nodes
        self.recorder = recorder
        self.minor = minor
        self.queue = WorkQueue()
        self.runs: dict[str, PodRun] = {}
        self.latest: dict[str, dict[str, Any]] = {}
        """The pod as this kubelet last wrote it, until the informer catches up (the status
        manager's cache): the next step then starts from it instead of conflicting."""
        pods.add_handler(self._changed)

    # -- informer -----------------------------------------------------------------------------

    def _changed(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        pod = new if new is not None else old
        assert pod is not None
        node = str((pod.get("spec") or {}).get("nodeName") or "")
        key = _key(pod)
        if node in self.nodes or key in self.runs:
            self.queue.add(key)

    # -- sync ---------------------------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        namespace, _, name = key.partition("/")
        pod = self._freshest(key, self.pods.get(namespace, name))
        run = self.runs.get(key)
        if pod is None:
            if run is not None:
                self._forget(key, run)
            return None
        md = pod.get("metadata") or {}
        node = self.nodes.get(str((pod.get("spec") or {}).get("nodeName") or ""))
        if node is None:
            if run is not None:  # a new pod of that name, on a node not ours
                self._forget(key, run)
            return None
        if run is not None and run.uid != md.get("uid"):
            self._forget(key, run)
            run = None
        if md.get("deletionTimestamp"):
            await self._kill(key, pod, node, run)
            return None
        phase = (pod.get("status") or {}).get("phase")
        if run is None:
            if phase in ("Succeeded", "Failed"):
                return None
            run = self._adopt(pod, node) or self._accept(pod, node)
            self.runs[key] = run
            await self._post(pod, run)
            return 0.0
        delay = self._advance(pod, node, run)
        await self._post(pod, run)
        return delay

    def _freshest(self, key: str, cached: dict[str, Any] | None) -> dict[str, Any] | None:
        mine = self.latest.get(key)
        if mine is None or cached is None:
            self.latest.pop(key, None)
            return cached
        if _rv(cached) >= _rv(mine) or _uid(cached) != _uid(mine):
            del self.latest[key]
            return cached
        return mine

    def _forget(self, key: str, run: PodRun) -> None:
        self.runs.pop(key, None)
        self.latest.pop(key, None)
        node = self.nodes.get(run.node)
        if node is not None and run.pod_ip:
            node.release_ip(run.pod_ip)

    # -- the pod's life -----------------------------------------------------------------------

    def _containers(self, pod: dict[str, Any]) -> tuple[list[ContainerRun], list[ContainerRun]]:
        from fakekapi.nodes.podstatus import ContainerRun

        spec = pod.get("spec") or {}
        has_init = bool(spec.get("initContainers"))
        containers = [
            ContainerRun(
                name=str(c.get("name")),
                image=str(c.get("image") or ""),
                reason="PodInitializing" if has_init else "ContainerCreating",
            )
            for c in spec.get("containers") or []
            if isinstance(c, dict)
        ]
        inits = [
            ContainerRun(
                name=str(c.get("name")),
                image=str(c.get("image") or ""),
                init=True,
                sidecar=c.get("restartPolicy") == "Always",
                reason="PodInitializing",
            )
            for c in spec.get("initContainers") or []
            if isinstance(c, dict)
        ]
        return containers, inits

    def _accept(self, pod: dict[str, Any], node: SimNode) -> PodRun:
        from fakekapi.nodes.podstatus import PodRun

        containers, inits = self._containers(pod)
        run = PodRun(
            uid=str((pod.get("metadata") or {}).get("uid") or ""),
            node=node.name,
            host_ip=node.host_ip,
            start_time=now_rfc3339(),
            containers=containers,
            init_containers=inits,
        )
        self._set_active_deadline(pod, run)
        return run

    @staticmethod
    def _set_active_deadline(pod: dict[str, Any], run: PodRun) -> None:
        """spec.activeDeadlineSeconds counts from status.startTime."""
        seconds = (pod.get("spec") or {}).get("activeDeadlineSeconds")
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
            return
        try:
            started = datetime.strptime(run.start_time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return
        elapsed = (datetime.now(UTC) - started).total_seconds()
        run.active_deadline = asyncio.get_running_loop().time() - elapsed + seconds

    def _adopt(self, pod: dict[str, Any], node: SimNode) -> PodRun | None:
        """After a restart: take over a pod this kubelet had started (its containers run on)."""
        from fakekapi.nodes.podstatus import new_container_id, phase_of

        status = pod.get("status") or {}
        statuses = {
            str(cs.get("name")): cs
            for cs in status.get("containerStatuses") or []
            if isinstance(cs, dict)
        }
        if status.get("phase") != "Running" or not statuses:
            return None
        run = self._accept(pod, node)
        run.start_time = str(status.get("startTime") or run.start_time)
        self._set_active_deadline(pod, run)
        run.pod_ip = str(status.get("podIP") or "")
        if run.pod_ip:
            node.reserve_ip(run.pod_ip)
        run.sandbox_ready = True
        for cond in status.get("conditions") or []:
            if isinstance(cond, dict) and cond.get("lastTransitionTime"):
                when = str(cond["lastTransitionTime"])
                run.condition_times[(str(cond.get("type")), str(cond.get("status")))] = when
        for c in run.all_runs():
            cs = statuses.get(c.name)
            if c.init:
                cs = next(
                    (
                        s
                        for s in status.get("initContainerStatuses") or []
                        if isinstance(s, dict) and s.get("name") == c.name
                    ),
                    None,
                )
            state = (cs or {}).get("state") or {}
            c.container_id = str((cs or {}).get("containerID") or new_container_id())
            c.restart_count = int((cs or {}).get("restartCount") or 0)
            if "terminated" in state:
                c.state = "terminated"
                c.exit_code = int(state["terminated"].get("exitCode") or 0)
                c.started_at = str(state["terminated"].get("startedAt") or "")
                c.finished_at = str(state["terminated"].get("finishedAt") or "")
            else:
                c.state = "running"
                c.started_at = str((state.get("running") or {}).get("startedAt") or now_rfc3339())
                c.ready = bool((cs or {}).get("ready"))
        run.step = "running"
        run.phase = phase_of(pod.get("spec") or {}, run)
        self._plan(pod, run, knobs_of(pod), asyncio.get_running_loop().time())
        return run

    def _event(
        self, pod: dict[str, Any], node: SimNode, c: ContainerRun, type_: str, reason: str, msg: str
    ) -> None:
        kind = "initContainers" if c.init else "containers"
        self.recorder.kubelet(node.name, pod, type_, reason, msg, f"spec.{kind}{{{c.name}}}")

    def _pull(self, pod: dict[str, Any], node: SimNode, c: ContainerRun) -> None:
        """The image pull events of kuberuntime's EnsureImageExists."""
        spec = self._spec_of(pod, c)
        policy = spec.get("imagePullPolicy") or "IfNotPresent"
        if policy == "Never" or (policy == "IfNotPresent" and c.image in node.images):
            msg = f'Container image "{c.image}" already present on machine'
            self._event(pod, node, c, "Normal", "Pulled", msg)
            return
        node.images.add(c.image)
        digest = hashlib.sha256(c.image.encode()).digest()
        took = go_millis(0.2 + int.from_bytes(digest[:2]) / 30000)
        size = 10_000_000 + int.from_bytes(digest[2:6]) % 90_000_000
        self._event(pod, node, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
        self._event(
            pod,
            node,
            c,
            "Normal",
            "Pulled",
            f'Successfully pulled image "{c.image}" in {took} ({took} including waiting). '
            f"Image size: {size} bytes.",
        )

    def _spec_of(self, pod: dict[str, Any], c: ContainerRun) -> dict[str, Any]:
        spec = pod.get("spec") or {}
        for s in spec.get("initContainers" if c.init else "containers") or []:
            if isinstance(s, dict) and s.get("name") == c.name:
                return s
        return {}

    def _start(self, pod: dict[str, Any], node: SimNode, c: ContainerRun, ready: bool) -> None:
        """Pull, create and start one container (kuberuntime's startContainer)."""
        from fakekapi.nodes.podstatus import new_container_id

        self._pull(pod, node, c)
        c.container_id = new_container_id()
        c.state = "running"
        c.reason = c.message = ""
        c.started_at = now_rfc3339()
        c.ready = ready
        created = (
            f"Created container: {c.name}" if self.minor >= 32 else f"Created container {c.name}"
        )
        self._event(pod, node, c, "Normal", "Created", created)
        self._event(pod, node, c, "Normal", "Started", f"Started container {c.name}")

    def _terminate(self, c: ContainerRun, exit_code: int) -> None:
        c.state = "terminated"
        c.exit_code = exit_code
        c.finished_at = now_rfc3339()
        c.ready = False

    def _advance(self, pod: dict[str, Any], node: SimNode, run: PodRun) -> float | None:
        """Move the pod on as far as it goes now; the delay until it moves again, if it will."""
        from fakekapi.nodes.podstatus import phase_of

        if run.step == "done":
            return None  # terminal: nothing moves any more
        knobs = knobs_of(pod)
        now = asyncio.get_running_loop().time()
        if run.active_deadline and now >= run.active_deadline:
            self._deadline_exceeded(pod, node, run)
            return None
        if run.step == "new":
            self._run_to_start(pod, node, run, knobs, now)
        elif run.step == "pull-failed" and now >= run.deadline:
            self._image_backoff(pod, node, run)
        elif run.step == "running":
            self._restart_changed(pod, node, run, knobs, now)
            self._running(pod, node, run, knobs, now)
        elif run.step == "backoff":
            for c in run.containers:
                until = run.backoff_until.get(c.name)
                if until is not None and now >= until:
                    del run.backoff_until[c.name]
                    c.restart_count += 1
                    self._start(pod, node, c, ready=False)
            if not run.backoff_until:
                run.step = "running"
                self._plan(pod, run, knobs, now)
                self._running(pod, node, run, knobs, now)
        run.phase = phase_of(pod.get("spec") or {}, run)
        if run.phase in ("Succeeded", "Failed"):
            self._finish(node, run)
        return self._next_delay(run, now)

    def _run_to_start(
        self, pod: dict[str, Any], node: SimNode, run: PodRun, knobs: Knobs, now: float
    ) -> None:
        run.sandbox_ready = True
        run.pod_ip = node.allocate_ip()
        if knobs.image_pull_fails:
            first = next((c for c in run.init_containers), None)
            failing = [first] if first is not None else run.containers
            for c in failing:
                ref = c.image if ":" in c.image.rsplit("/", 1)[-1] else c.image + ":latest"
                err = PULL_ERROR.format(ref=ref).replace("'", '"')
                self._event(pod, node, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
                self._event(
                    pod, node, c, "Warning", "Failed", f'Failed to pull image "{c.image}": {err}'
                )
                self._event(pod, node, c, "Warning", "Failed", "Error: ErrImagePull")
                c.reason, c.message = "ErrImagePull", err
            run.step = "pull-failed"
            run.deadline = now + IMAGE_BACKOFF_DELAY
            return
        for c in run.init_containers:
            self._start(pod, node, c, ready=c.sidecar)
            if not c.sidecar:
                self._terminate(c, 0)
        for c in run.containers:
            self._start(pod, node, c, ready=False)
        run.step = "running"
        self._plan(pod, run, knobs, now)
        self._running(pod, node, run, knobs, now)

    def _restart_changed(
        self, pod: dict[str, Any], node: SimNode, run: PodRun, knobs: Knobs, now: float
    ) -> None:
        """A container whose image was changed (the one mutable field) is killed and started
        again from the new image, as kuberuntime's computePodActions does on a hash change."""
        changed = False
        for c in run.containers:
            image = str(self._spec_of(pod, c).get("image") or c.image)
            if image == c.image or c.state != "running":
                continue
            msg = f"Container {c.name} definition changed, will be restarted"
            self._event(pod, node, c, "Normal", "Killing", msg)
            self._terminate(c, KILLED_EXIT_CODE)
            c.last_terminated = c.terminated_state()
            c.image = image
            c.restart_count += 1
            self._start(pod, node, c, ready=False)
            changed = True
        if changed:
            self._plan(pod, run, knobs, now)

    def _plan(self, pod: dict[str, Any], run: PodRun, knobs: Knobs, now: float) -> None:
        """When the running containers become ready and, if they end, terminate."""
        run.ready_at = math.inf if not knobs.ready else now + knobs.ready_after
        policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
        ends = knobs.exit_code is not None or policy in ("Never", "OnFailure")
        run.deadline = now + knobs.run_for if ends else 0.0

    def _running(
        self, pod: dict[str, Any], node: SimNode, run: PodRun, knobs: Knobs, now: float
    ) -> None:
        if now >= run.ready_at:
            for c in run.containers:
                if c.state == "running":
                    c.ready = True
        if not run.deadline or now < run.deadline:
            return
        code = knobs.exit_code if knobs.exit_code is not None else 0
        policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
        for c in run.containers:
            if c.state == "running":
                self._terminate(c, code)
        restart = policy == "Always" or (policy == "OnFailure" and code != 0)
        if not restart:
            run.deadline = 0.0
            return
        md = pod.get("metadata") or {}
        who = f"{md.get('name')}_{md.get('namespace')}({md.get('uid')})"
        for c in run.containers:
            c.last_terminated = c.terminated_state()
            if c.restart_count == 0:  # the first restart is immediate
                c.restart_count = 1
                self._start(pod, node, c, ready=False)
                continue
            delay = min(BACKOFF_INITIAL * 2 ** (c.restart_count - 1), BACKOFF_MAX)
            c.state, c.reason = "waiting", "CrashLoopBackOff"
            c.message = (
                f"back-off {go_seconds(delay)} restarting failed container={c.name} pod={who}"
            )
            run.backoff_until[c.name] = now + delay
            self._event(
                pod,
                node,
                c,
                "Warning",
                "BackOff",
                f"Back-off restarting failed container {c.name} in pod {who}",
            )
        if run.backoff_until:
            run.step = "backoff"
            run.deadline = min(run.backoff_until.values())
        else:
            self._plan(pod, run, knobs, now)

    def _image_backoff(self, pod: dict[str, Any], node: SimNode, run: PodRun) -> None:
        for c in run.all_runs():
            if c.reason == "ErrImagePull":
                c.reason = "ImagePullBackOff"
                c.message = f'Back-off pulling image "{c.image}": ErrImagePull: {c.message}'
                self._event(
                    pod, node, c, "Normal", "BackOff", f'Back-off pulling image "{c.image}"'
                )
                self._event(pod, node, c, "Warning", "Failed", "Error: ImagePullBackOff")
        run.step = "pull-backoff"
        run.deadline = 0.0

    def _finish(self, node: SimNode, run: PodRun) -> None:
        """A terminal pod: sidecars stopped, sandbox gone, its IP free again."""
        for c in run.init_containers:
            if c.state == "running":
                self._terminate(c, 0)
        run.sandbox_ready = False
        run.step = "done"
        run.deadline = 0.0
        if run.pod_ip:
            node.release_ip(run.pod_ip)

    def _deadline_exceeded(self, pod: dict[str, Any], node: SimNode, run: PodRun) -> None:
        """spec.activeDeadlineSeconds passed (kubelet's activeDeadlineHandler): the pod is
        stopped and fails with reason DeadlineExceeded."""
        for c in run.all_runs():
            if c.state == "running":
                self._event(pod, node, c, "Normal", "Killing", f"Stopping container {c.name}")
            if c.state != "terminated":
                self._terminate(c, KILLED_EXIT_CODE)
        run.phase = "Failed"
        run.reason = DEADLINE_REASON
        run.message = DEADLINE_MESSAGE
        self.recorder.kubelet(node.name, pod, "Warning", DEADLINE_REASON, DEADLINE_MESSAGE)
        self._finish(node, run)

    @staticmethod
    def _next_delay(run: PodRun, now: float) -> float | None:
        times = [t for t in (run.deadline, run.active_deadline) if t and run.step != "done"]
        if run.step == "running" and math.isfinite(run.ready_at) and run.ready_at > now:
            times.append(run.ready_at)
        if not times:
            return None
        return max(min(times) - now, 0.0)

    # -- deletion -----------------------------------------------------------------------------

    async def _kill(self, key: str, pod: dict[str, Any], node: SimNode, run: PodRun | None) -> None:
        md = pod.get("metadata") or {}
        if md.get("deletionGracePeriodSeconds") == 0 and md.get("finalizers"):
            if run is not None:
                self._forget(key, run)
            return  # killed already; others' finalizers hold the pod
        phase = (pod.get("status") or {}).get("phase")
        if run is not None and phase not in ("Succeeded", "Failed"):
            for c in run.all_runs():
                if c.state == "running":
                    self._event(pod, node, c, "Normal", "Killing", f"Stopping container {c.name}")
                    self._terminate(c, KILLED_EXIT_CODE)
            ok = all(c.state == "terminated" and c.exit_code == 0 for c in run.containers)
            run.phase = "Succeeded" if ok else "Failed"
            self._finish(node, run)
            await self._post(pod, run)
        if run is not None:
            self._forget(key, run)
        opts = DeleteOptions(grace_period_seconds=0, preconditions_uid=str(md.get("uid") or ""))
        try:
            await self.registry.delete(
                self.rt, str(md.get("namespace")), str(md.get("name")), opts, user=self._user(node)
            )
        except StatusError as e:
            if e.code not in (404, 409):
                raise

    # -- writing ------------------------------------------------------------------------------

    @staticmethod
    def _user(node: SimNode) -> UserInfo:
        return UserInfo(f"system:node:{node.name}", groups=("system:nodes", "system:authenticated"))

    async def _post(self, pod: dict[str, Any], run: PodRun) -> None:
        """Write the status `run` stands for through pods/status, unless it is already there."""
        from fakekapi.nodes.podstatus import status_of

        node = self.nodes[run.node]
        md = pod.get("metadata") or {}
        for _ in range(WRITE_RETRIES):
            status = status_of(pod, run, observed_generation=self.minor >= 34)
            if status == pod.get("status"):
                return
            body = {**pod, "status": status}
            try:
                written = await self.registry.update(
                    self.rt,
                    str(md.get("namespace")),
                    str(md.get("name")),
                    body,
                    WriteOptions(field_manager=FIELD_MANAGER),
                    subresource="status",
                    user=self._user(node),
                )
                self.latest[_key(pod)] = written.object
                return
            except StatusError as e:
                if e.code == 404:
                    return
                if e.code != 409:
                    raise
            pod = await self.registry.get(self.rt, str(md.get("namespace")), str(md.get("name")))
            if (pod.get("metadata") or {}).get("uid") != run.uid:
                return
        raise StatusError(409, "Conflict", f"pod {md.get('name')}: status kept conflicting")


def go_seconds(seconds: float) -> str:
    """A whole-second time.Duration as Go prints it: `10s`, `1m20s`, `5m0s`."""
    total = int(seconds)
    minutes, secs = divmod(total, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"
