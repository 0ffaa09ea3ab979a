"""The Pod printer (printers.go `printPod`), the most read table of all: READY, STATUS, RESTARTS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list
from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import as_int, as_str, get, parse_time, since

_SUCCEEDED = [
    {
        "type": "Completed",
        "status": "True",
        "reason": "Succeeded",
        "message": "The pod has completed successfully.",
    }
]
_FAILED = [
    {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}
]
_NODE_UNREACHABLE = "NodeLost"


def _restartable(container: Any) -> bool:
    """podutil.IsRestartableInitContainer: a sidecar (init container with restartPolicy Always)."""
    return isinstance(container, dict) and container.get("restartPolicy") == "Always"


def _finished_at(status: Any) -> datetime | None:
    return parse_time(get(status, "lastState", "terminated", "finishedAt"))


def _later(current: datetime | None, candidate: datetime | None) -> datetime | None:
    """lastRestartDate.Before(&terminatedDate) ? terminatedDate : lastRestartDate."""
    if candidate is None:
        return current
    if current is None or current < candidate:
        return candidate
    return current


def _has_condition(pod: JSONDict, ctype: str) -> bool:
    return any(
        get(c, "type") == ctype and get(c, "status") == "True"
        for c in as_list(get(pod, "status", "conditions"))
    )


def _terminated_reason(term: JSONDict, prefix: str) -> str:
    reason = as_str(term.get("reason"))
    if reason:
        return prefix + reason
    signal = as_int(term.get("signal"))
    if signal != 0:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{as_int(term.get('exitCode'))}"


def _pod_ip(pod: JSONDict) -> str:
    """Conversion to the internal type makes status.podIP authoritative over podIPs[0]."""
    ip = as_str(get(pod, "status", "podIP"))
    if not ip:
        ip = as_str(get(pod, "status", "podIPs", 0, "ip"))
    return ip or "<none>"


def _readiness_gates(pod: JSONDict) -> str:
    gates = as_list(get(pod, "spec", "readinessGates"))
    if not gates:
        return "<none>"
    conditions = as_list(get(pod, "status", "conditions"))
    true_count = 0
    for gate in gates:
        ctype = get(gate, "conditionType")
        for cond in conditions:
            if get(cond, "type") == ctype:
                if get(cond, "status") == "True":
                    true_count += 1
                break
    return f"{true_count}/{len(gates)}"


def _row(pod: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(pod.get("spec"))
    status = as_dict(pod.get("status"))
    restarts = 0
    sidecar_restarts = 0
    total = len(as_list(spec.get("containers")))
    ready = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None

    phase = as_str(status.get("phase"))
    reason = as_str(status.get("reason")) or phase
    for cond in as_list(status.get("conditions")):
        if get(cond, "type") == "PodScheduled" and get(cond, "reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs: dict[str, Any] = {}
    init_list = as_list(spec.get("initContainers"))
    for c in init_list:
        init_specs[as_str(get(c, "name"))] = c
        if _restartable(c):
            total += 1

    initializing = False
    for i, cs in enumerate(as_list(status.get("initContainerStatuses"))):
        cs = as_dict(cs)
        restarts += as_int(cs.get("restartCount"))
        last_restart = _later(last_restart, _finished_at(cs))
        sidecar = _restartable(init_specs.get(as_str(cs.get("name"))))
        if sidecar:
            sidecar_restarts += as_int(cs.get("restartCount"))
            last_sidecar_restart = _later(last_sidecar_restart, _finished_at(cs))
        terminated = get(cs, "state", "terminated")
        waiting = get(cs, "state", "waiting")
        if isinstance(terminated, dict) and as_int(terminated.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready") is True:
                ready += 1
            continue
        if isinstance(terminated, dict):
            reason = _terminated_reason(terminated, "Init:")
        elif (
            isinstance(waiting, dict)
            and as_str(waiting.get("reason"))
            and waiting.get("reason") != "PodInitializing"
        ):
            reason = "Init:" + as_str(waiting.get("reason"))
        else:
            reason = f"Init:{i}/{len(init_list)}"
        initializing = True
        break

    if not initializing or _has_condition(pod, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for cs in reversed(as_list(status.get("containerStatuses"))):
            cs = as_dict(cs)
            restarts += as_int(cs.get("restartCount"))
            last_restart = _later(last_restart, _finished_at(cs))
            waiting = get(cs, "state", "waiting")
            terminated = get(cs, "state", "terminated")
            if isinstance(waiting, dict) and as_str(waiting.get("reason")):
                reason = as_str(waiting.get("reason"))
            elif isinstance(terminated, dict):
                reason = _terminated_reason(terminated, "")
            elif cs.get("ready") is True and isinstance(get(cs, "state", "running"), dict):
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition(pod, "Ready") else "NotReady"

    deleting = bool(get(pod, "metadata", "deletionTimestamp"))
    if deleting and as_str(status.get("reason")) == _NODE_UNREACHABLE:
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"

    restarts_cell = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_cell = f"{restarts} ({since(_iso(last_restart), now)} ago)"

    return [
        as_str(get(pod, "metadata", "name")),
        f"{ready}/{total}",
        reason,
        restarts_cell,
        since(get(pod, "metadata", "creationTimestamp"), now),
        _pod_ip(pod),
        as_str(spec.get("nodeName")) or "<none>",
        as_str(status.get("nominatedNodeName")) or "<none>",
        _readiness_gates(pod),
    ]


def _iso(t: datetime) -> str:
    return t.isoformat()


def _conditions(pod: JSONDict) -> list[JSONDict] | None:
    phase = get(pod, "status", "phase")
    if phase == "Succeeded":
        return [dict(c) for c in _SUCCEEDED]
    if phase == "Failed":
        return [dict(c) for c in _FAILED]
    return None


POD = Printer(
    (
        NAME,
        col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
        col("Status", "string", "The aggregate status of the containers in this pod."),
        col(
            "Restarts",
            "string",
            "The number of times the containers in this pod have been restarted and when the "
            "last container in this pod has restarted.",
        ),
        AGE,
        col("IP", "string", "core.v1.PodStatus.podIP", 1),
        col("Node", "string", "core.v1.PodSpec.nodeName", 1),
        col("Nominated Node", "string", "core.v1.PodStatus.nominatedNodeName", 1),
        col("Readiness Gates", "string", "core.v1.PodSpec.readinessGates", 1),
    ),
    _row,
    _conditions,
)
