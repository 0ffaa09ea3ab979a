"""Pods as kube's controllers see them: predicates (pkg/api/v1/pod/util.go, controller_utils.go)
and pods made from a template (controller_utils.go GetPodFromTemplate).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from fakekapi.core.objects import JSONDict

SUCCEEDED = "Succeeded"
FAILED = "Failed"


def condition(obj: JSONDict, type_: str) -> JSONDict | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == type_:
            return c
    return None


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as kube writes them (seconds, or micro/nanoseconds), or None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    if "." in text:  # Python takes at most 6 fractional digits
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        tail = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{tail}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def phase(pod: JSONDict) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def is_terminating(pod: JSONDict) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def is_active(pod: JSONDict) -> bool:
    """controller.IsPodActive: not Succeeded, not Failed, not being deleted."""
    return phase(pod) not in (SUCCEEDED, FAILED) and not is_terminating(pod)


def is_ready(pod: JSONDict) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    c = condition(pod, "Ready")
    return c is not None and c.get("status") == "True"


def is_available(pod: JSONDict, min_ready_seconds: int, now: datetime | None = None) -> bool:
    """podutil.IsPodAvailable: ready for at least minReadySeconds."""
    if not is_ready(pod):
        return False
    if min_ready_seconds <= 0:
        return True
    c = condition(pod, "Ready") or {}
    since = parse_time(c.get("lastTransitionTime"))
    if since is None:
        return False
    now = now or datetime.now(UTC)
    return (now - since).total_seconds() > min_ready_seconds


def seconds_until_available(pod: JSONDict, min_ready_seconds: int) -> float | None:
    """For a ready pod not yet available: how long until it is (to look again then)."""
    if min_ready_seconds <= 0 or not is_ready(pod):
        return None
    since = parse_time((condition(pod, "Ready") or {}).get("lastTransitionTime"))
    if since is None:
        return None
    left = min_ready_seconds - (datetime.now(UTC) - since).total_seconds()
    return left if left > 0 else None


def pods_prefix(controller_name: str) -> str:
    """getPodsPrefix: `<name>-` (the name alone when that would not be a valid prefix)."""
    prefix = f"{controller_name}-"
    return prefix if len(prefix) <= 253 else controller_name


def pod_from_template(
    template: JSONDict, controller_name: str, controller_ref: JSONDict | None
) -> JSONDict:
    """GetPodFromTemplate: the template's labels, annotations and finalizers, a generateName
    from the owner's name, the owner as controller, the template's spec."""
    tmd = template.get("metadata") or {}
    md: JSONDict = {"generateName": pods_prefix(controller_name)}
    if tmd.get("labels"):
        md["labels"] = dict(tmd["labels"])
    if tmd.get("annotations"):
        md["annotations"] = dict(tmd["annotations"])
    if controller_ref is not None:
        md["ownerReferences"] = [dict(controller_ref)]
    if tmd.get("finalizers"):
        md["finalizers"] = list(tmd["finalizers"])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": md,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


def _phase_rank(pod: JSONDict) -> int:
    return {"Pending": 0, "Unknown": 1, "Running": 2}.get(phase(pod), 0)


def deletion_order(pod: JSONDict) -> tuple[Any, ...]:
    """controller.ActivePods' ordering: the pods cheapest to lose first (unassigned before
    assigned, Pending before Unknown before Running, not ready before ready, ready for less
    time first, more restarts first, newer before older)."""
    spec = pod.get("spec") or {}
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    restarts = sum(int(s.get("restartCount") or 0) for s in statuses if isinstance(s, dict))
    created = str((pod.get("metadata") or {}).get("creationTimestamp") or "")
    ready_since = str((condition(pod, "Ready") or {}).get("lastTransitionTime") or "")
    return (
        bool(spec.get("nodeName")),
        _phase_rank(pod),
        is_ready(pod),
        _neg(ready_since),
        -restarts,
        _neg(created),
    )


def _neg(stamp: str) -> tuple[int, ...]:
    """A sort key ordering RFC 3339 timestamps newest first."""
    return tuple(-ord(ch) for ch in stamp)
