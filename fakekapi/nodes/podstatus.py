"""What the simulated kubelet knows of a pod's containers, and the PodStatus it reports.

The kubelet's truth is its container runtime; here it is `PodRun`, one per pod, and
`status_of()` turns it into the status a real kubelet posts (pkg/kubelet/kubelet_pods.go
`generateAPIPodStatus` and pkg/kubelet/status/generate.go): conditions in the kubelet's order
(PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled) with its reasons
and messages, container statuses with containerd's image and container ids, the phase from
`getPhase`, host and pod IPs.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from fakekapi.core import gotime

OUR_CONDITIONS = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)


now_rfc3339 = gotime.now_rfc3339


now_micro = gotime.now_micro


def new_container_id() -> str:
    """containerd's id: 64 hex digits behind the runtime's scheme."""
    return "containerd://" + uuid.uuid4().hex + uuid.uuid4().hex


def normalize_image(image: str) -> str:
    """The image as containerd reports it: `nginx` → `docker.io/library/nginx:latest`."""
    ref = image
    name, _, digest = ref.partition("@")
    first, slash, _rest = name.partition("/")
    if not slash:
        name = "docker.io/library/" + name
    elif "." not in first and ":" not in first and first != "localhost":
        name = "docker.io/" + name
    last = name.rsplit("/", 1)[-1]
    if not digest and ":" not in last:
        name += ":latest"
    return f"{name}@{digest}" if digest else name


def image_id(image: str) -> str:
    """A stable repo digest for the image (the same image always has the same id)."""
    ref = normalize_image(image)
    if "@" in ref:
        return ref
    repo = ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
    return f"{repo}@sha256:{hashlib.sha256(ref.encode()).hexdigest()}"


@dataclass
class ContainerRun:
    """One container (or init container) as the runtime sees it."""

    name: str
    image: str
    init: bool = False
    sidecar: bool = False
    """An init container with restartPolicy Always: it keeps running beside the others."""
    state: str = "waiting"
    """waiting | running | terminated"""
    reason: str = ""
    """For waiting: ContainerCreating, PodInitializing, CrashLoopBackOff, ErrImagePull..."""
    message: str = ""
    container_id: str = ""
    started_at: str = ""
    finished_at: str = ""
    exit_code: int = 0
    ready: bool = False
    restart_count: int = 0
    last_terminated: dict[str, Any] | None = None

    def terminated_state(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "exitCode": self.exit_code,
            "reason": "Completed" if self.exit_code == 0 else "Error",
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "containerID": self.container_id,
        }
        if not self.started_at:
            out["startedAt"] = None
        return out

    def status(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A v1.ContainerStatus (fields in the Go struct's order)."""
        if self.state == "running":
            state: dict[str, Any] = {"running": {"startedAt": self.started_at}}
        elif self.state == "terminated":
            state = {"terminated": self.terminated_state()}
        else:
            waiting: dict[str, Any] = {"reason": self.reason or "ContainerCreating"}
            if self.message:
                waiting["message"] = self.message
            state = {"waiting": waiting}
        out: dict[str, Any] = {
            "name": self.name,
            "state": state,
            "lastState": {"terminated": self.last_terminated} if self.last_terminated else {},
            "ready": self.ready,
            "restartCount": self.restart_count,
            "image": normalize_image(self.image) if self.container_id else self.image,
            "imageID": image_id(self.image) if self.container_id else "",
        }
        if self.container_id:
            out["containerID"] = self.container_id
        out["started"] = self.state == "running"
        resources = spec.get("resources") or {}
        if resources.get("requests") or resources.get("limits"):
            requests = resources.get("requests") or resources.get("limits") or {}
            out["allocatedResources"] = dict(requests)
            out["resources"] = {
                k: dict(v) for k, v in resources.items() if k in ("limits", "requests") and v
            }
            if "requests" not in out["resources"] and requests:
                out["resources"]["requests"] = dict(requests)
        mounts = [
            {
                "name": m.get("name"),
                "mountPath": m.get("mountPath"),
                **(
                    {"readOnly": True, "recursiveReadOnly": "Disabled"} if m.get("readOnly") else {}
                ),
            }
            for m in spec.get("volumeMounts") or []
            if isinstance(m, dict)
        ]
        if mounts:
            out["volumeMounts"] = mounts
        return out


@dataclass
class PodRun:
    """The kubelet's record of one pod it runs."""

    uid: str
    node: str
    host_ip: str
    start_time: str
    containers: list[ContainerRun]
    init_containers: list[ContainerRun]
    pod_ip: str = ""
    sandbox_ready: bool = False
    phase: str = "Pending"
    condition_times: dict[tuple[str, str], str] = field(default_factory=dict)
    """(type, status) → lastTransitionTime, so a condition keeps its time while unchanged."""
    step: str = "new"
    """Where the simulation is: new, started, pull-failed, backoff, done, killed."""
    deadline: float = 0.0
    """Loop time of the next transition (0: none scheduled)."""
    ready_at: float = 0.0
    """Loop time at which started containers report ready (0: at once; inf: never)."""
    backoff_until: dict[str, float] = field(default_factory=dict)
    active_deadline: float = 0.0
    """Loop time at which spec.activeDeadlineSeconds runs out (0: no deadline)."""
    reason: str = ""
    message: str = ""
    """status.reason and status.message the kubelet sets (DeadlineExceeded)."""

    def all_runs(self) -> list[ContainerRun]:
        return [*self.init_containers, *self.containers]


def _condition(
    run: PodRun, type_: str, status: bool, reason: str = "", message: str = ""
) -> dict[str, Any]:
    value = "True" if status else "False"
    when = run.condition_times.setdefault((type_, value), now_rfc3339())
    for other in ("True", "False"):
        if other != value:
            run.condition_times.pop((type_, other), None)
    out: dict[str, Any] = {"type": type_, "status": value, "lastProbeTime": None}
    out["lastTransitionTime"] = when
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


def phase_of(spec: dict[str, Any], run: PodRun) -> str:
    """The kubelet's getPhase: Pending until every init container is done and every container
    has started; Succeeded/Failed once all have terminated and none will restart."""
    policy = spec.get("restartPolicy") or "Always"
    init_pending = any(
        (c.state != "terminated" or c.exit_code != 0) and not (c.sidecar and c.state == "running")
        for c in run.init_containers
    )
    if init_pending:
        return "Pending"
    waiting = sum(1 for c in run.containers if c.state == "waiting" and not c.last_terminated)
    running = sum(1 for c in run.containers if c.state == "running")
    restarting = sum(1 for c in run.containers if c.state == "waiting" and c.last_terminated)
    stopped = sum(1 for c in run.containers if c.state == "terminated")
    succeeded = sum(1 for c in run.containers if c.state == "terminated" and c.exit_code == 0)
    if waiting:
        return "Pending"
    if running or restarting:
        return "Running"
    if stopped == len(run.containers):
        if policy == "Always":
            return "Running"  # they will be restarted
        if succeeded == stopped:
            return "Succeeded"
        return "Failed" if policy == "Never" else "Running"
    return "Pending"


def status_of(pod: dict[str, Any], run: PodRun, *, observed_generation: bool) -> dict[str, Any]:
    """The PodStatus the kubelet posts for `run`, keeping conditions owned by others."""
    spec = pod.get("spec") or {}
    old = pod.get("status") or {}
    specs = {str(c.get("name")): c for c in spec.get("containers") or [] if isinstance(c, dict)}
    init_specs = {
        str(c.get("name")): c for c in spec.get("initContainers") or [] if isinstance(c, dict)
    }
    phase = run.phase
    terminal = phase in ("Succeeded", "Failed")
    incomplete = [
        c.name
        for c in run.init_containers
        if not (c.state == "terminated" and c.exit_code == 0)
        and not (c.sidecar and c.state in ("running",) and c.container_id)
    ]
    if terminal:
        incomplete = []
    unready = [c.name for c in run.containers if not c.ready]
    unready += [c.name for c in run.init_containers if c.sidecar and not c.ready and not terminal]
    conditions = [_condition(run, "PodReadyToStartContainers", run.sandbox_ready and not terminal)]
    if incomplete:
        conditions.append(
            _condition(
                run,
                "Initialized",
                False,
                "ContainersNotInitialized",
                f"containers with incomplete status: [{' '.join(incomplete)}]",
            )
        )
    elif phase == "Succeeded" and not run.init_containers:
        conditions.append(_condition(run, "Initialized", True, "PodCompleted"))
    else:
        conditions.append(_condition(run, "Initialized", True))
    gates = [
        str((g or {}).get("conditionType") or "")
        for g in spec.get("readinessGates") or []
        if isinstance(g, dict)
    ]
    if terminal:
        ready = _condition(run, "Ready", False, "PodCompleted")
        containers_ready = _condition(run, "ContainersReady", False, "PodCompleted")
    elif unready:
        msg = f"containers with unready status: [{' '.join(unready)}]"
        ready = _condition(run, "Ready", False, "ContainersNotReady", msg)
        containers_ready = _condition(run, "ContainersReady", False, "ContainersNotReady", msg)
    else:
        containers_ready = _condition(run, "ContainersReady", True)
        others = {str(c.get("type")): c for c in old.get("conditions") or [] if isinstance(c, dict)}
        missing = [g for g in gates if g not in others]
        false = [g for g in gates if g in others and others[g].get("status") != "True"]
        if missing:
            ready = _condition(
                run,
                "Ready",
                False,
                "ReadinessGatesNotReady",
                f'corresponding condition of pod readiness gate "{missing[0]}" does not exist.',
            )
        elif false:
            ready = _condition(
                run,
                "Ready",
                False,
                "ReadinessGatesNotReady",
                f'the status of pod readiness gate "{false[0]}" is not "True", but False',
            )
        else:
            ready = _condition(run, "Ready", True)
    conditions += [ready, containers_ready]
    scheduled = next(
        (
            c
            for c in old.get("conditions") or []
            if isinstance(c, dict) and c.get("type") == "PodScheduled"
        ),
        None,
    )
    conditions.append(
        scheduled
        if scheduled is not None and scheduled.get("status") == "True"
        else _condition(run, "PodScheduled", True)
    )
    conditions += [
        c
        for c in old.get("conditions") or []
        if isinstance(c, dict) and c.get("type") not in OUR_CONDITIONS
    ]
    if observed_generation:
        generation = (pod.get("metadata") or {}).get("generation")
        for c in conditions:
            if generation is not None:
                c["observedGeneration"] = generation
    status: dict[str, Any] = {}
    if observed_generation and (pod.get("metadata") or {}).get("generation") is not None:
        status["observedGeneration"] = pod["metadata"]["generation"]
    status["phase"] = phase
    status["conditions"] = conditions
    if run.reason:
        status["message"], status["reason"] = run.message, run.reason
    for k in ("message", "reason", "nominatedNodeName"):
        if old.get(k) and k not in status:
            status[k] = old[k]
    status["hostIP"] = run.host_ip
    status["hostIPs"] = [{"ip": run.host_ip}]
    if run.pod_ip:
        status["podIP"] = run.pod_ip
        status["podIPs"] = [{"ip": run.pod_ip}]
    status["startTime"] = run.start_time
    if run.init_containers:
        status["initContainerStatuses"] = [
            c.status(init_specs.get(c.name) or {}) for c in run.init_containers
        ]
    status["containerStatuses"] = [c.status(specs.get(c.name) or {}) for c in run.containers]
    status["qosClass"] = old.get("qosClass") or "BestEffort"
    for k in ("ephemeralContainerStatuses", "resize", "resourceClaimStatuses"):
        if old.get(k):
            status[k] = old[k]
    return status
