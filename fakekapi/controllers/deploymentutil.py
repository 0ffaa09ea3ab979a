"""pkg/controller/deployment/util/deployment_util.go, as pure functions over dicts.

Revisions and the annotations that carry them, the pod-template hash, max surge and max
unavailable, the replica set orderings and the status counts the deployment controller uses.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from fakekapi.controllers.base import now_rfc3339
from fakekapi.controllers.pods import parse_time
from fakekapi.controllers.worker import spec_replicas
from fakekapi.core.objects import JSONDict

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
POD_TEMPLATE_HASH = "pod-template-hash"
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000
_SKIPPED_ANNOTATIONS = frozenset(
    {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}
)

# Condition types and reasons (deployment_util.go).
AVAILABLE = "Available"
PROGRESSING = "Progressing"
REPLICA_FAILURE = "ReplicaFailure"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_CREATED = "NewReplicaSetCreated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
RS_UPDATED = "ReplicaSetUpdated"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
FAILED_RS_CREATE = "ReplicaSetCreateError"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"

MAX_INT32 = 2**31 - 1
_SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


# -- hashing ------------------------------------------------------------------------------------


def safe_encode(s: str) -> str:
    """rand.SafeEncodeString: each byte mapped onto an alphabet without vowels or 0/1/3."""
    return "".join(_SAFE_ALPHANUMS[b % len(_SAFE_ALPHANUMS)] for b in s.encode())


def compute_hash(template: JSONDict, collision_count: int | None) -> str:
    """controller.ComputeHash: FNV-32a over the template (and the collision count, little
    endian), as decimal digits safe-encoded. kube hashes the Go struct's printout; this hashes
    its canonical JSON: stable for a template, different when it changes, which is the contract."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += int(collision_count & 0xFFFFFFFF).to_bytes(4, "little")
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(h))


def _normal_template(template: JSONDict) -> JSONDict:
    t = copy.deepcopy(template or {})
    md = t.get("metadata") or {}
    labels = dict(md.get("labels") or {})
    labels.pop(POD_TEMPLATE_HASH, None)
    if labels:
        md["labels"] = labels
    else:
        md.pop("labels", None)
    if md.get("creationTimestamp") is None:
        md.pop("creationTimestamp", None)
    for key in [k for k, v in md.items() if v in ({}, [], None)]:
        md.pop(key)
    if md:
        t["metadata"] = md
    else:
        t.pop("metadata", None)
    return t


def equal_ignore_hash(t1: JSONDict, t2: JSONDict) -> bool:
    """EqualIgnoreHash: the templates are equal once the pod-template-hash label is ignored."""
    return _normal_template(t1) == _normal_template(t2)


# -- int-or-percent -----------------------------------------------------------------------------


def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        raise ValueError("invalid value for IntOrString: invalid type: string is not a percentage")
    pct = int(text[:-1])
    exact = pct * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def _rolling(d: JSONDict) -> JSONDict | None:
    strategy = (d.get("spec") or {}).get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return None
    return strategy.get("rollingUpdate") or {"maxSurge": "25%", "maxUnavailable": "25%"}


def is_rolling_update(d: JSONDict) -> bool:
    return _rolling(d) is not None


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """ResolveFenceposts: surge rounds up, unavailable down; never both zero."""
    surge = scaled_value(max_surge, desired, True)
    unavailable = scaled_value(max_unavailable, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: JSONDict) -> int:
    ru = _rolling(d)
    if ru is None:
        return 0
    surge, _ = resolve_fenceposts(
        ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%"), spec_replicas(d)
    )
    return surge


def max_unavailable(d: JSONDict) -> int:
    ru = _rolling(d)
    replicas = spec_replicas(d)
    if ru is None or replicas == 0:
        return 0
    _, unavailable = resolve_fenceposts(
        ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%"), replicas
    )
    return min(unavailable, replicas)


# -- revisions and annotations ------------------------------------------------------------------


def annotations_of(obj: JSONDict) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def revision(obj: JSONDict) -> int:
    """The object's revision annotation as an integer (0 when absent or not a number)."""
    try:
        return int(annotations_of(obj).get(REVISION, "0"))
    except ValueError:
        return 0


def max_revision(rss: Iterable[JSONDict]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def set_replicas_annotations(rs: JSONDict, desired: int, max_replicas: int) -> bool:
    md = rs.setdefault("metadata", {})
    ann = md.setdefault("annotations", {})
    changed = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(max_replicas))):
        if ann.get(key) != value:
            ann[key] = value
            changed = True
    return changed


def replicas_annotations_need_update(rs: JSONDict, desired: int, max_replicas: int) -> bool:
    ann = annotations_of(rs)
    return ann.get(DESIRED_REPLICAS) != str(desired) or ann.get(MAX_REPLICAS) != str(max_replicas)


def set_new_replica_set_annotations(
    d: JSONDict, rs: JSONDict, new_revision: str, exists: bool
) -> bool:
    """SetNewReplicaSetAnnotations: the deployment's annotations (but kubectl's and the
    controller's own), the new revision (with the old one kept in revision-history on a
    rollback), and for a replica set about to be created the replicas annotations."""
    md = rs.setdefault("metadata", {})
    ann = md.setdefault("annotations", {})
    changed = False
    for key, value in annotations_of(d).items():
        if key in _SKIPPED_ANNOTATIONS or ann.get(key) == value:
            continue
        ann[key] = value
        changed = True
    had = REVISION in ann
    old_revision = ann.get(REVISION, "")
    try:
        old_int = int(old_revision) if old_revision else 0
    except ValueError:
        return False
    new_int = int(new_revision)
    if old_int < new_int:
        ann[REVISION] = new_revision
        changed = True
    if had and old_int < new_int:
        history = ann.get(REVISION_HISTORY, "")
        olds = history.split(",")
        if not olds[0]:
            ann[REVISION_HISTORY] = old_revision
        else:
            total = len(history) + len(old_revision) + 1
            start = 0
            while total > MAX_REV_HISTORY_LENGTH_IN_CHARS and start < len(olds):
                total -= len(olds[start]) + 1
                start += 1
            if total <= MAX_REV_HISTORY_LENGTH_IN_CHARS:
                ann[REVISION_HISTORY] = ",".join([*olds[start:], old_revision])
    replicas = spec_replicas(d)
    if not exists and set_replicas_annotations(rs, replicas, replicas + max_surge(d)):
        changed = True
    return changed


# -- orderings and filters ----------------------------------------------------------------------


def _created(rs: JSONDict) -> tuple[str, str]:
    md = rs.get("metadata") or {}
    return str(md.get("creationTimestamp") or ""), str(md.get("name") or "")


def by_creation(rss: Iterable[JSONDict]) -> list[JSONDict]:
    """ReplicaSetsByCreationTimestamp (oldest first, then by name)."""
    return sorted(rss, key=_created)


def by_size_older(rss: Iterable[JSONDict]) -> list[JSONDict]:
    """ReplicaSetsBySizeOlder: bigger first; equal sizes oldest first."""
    return sorted(by_creation(rss), key=lambda rs: -spec_replicas(rs, 0))


def by_size_newer(rss: Iterable[JSONDict]) -> list[JSONDict]:
    """ReplicaSetsBySizeNewer: bigger first; equal sizes newest first."""
    return sorted(list(reversed(by_creation(rss))), key=lambda rs: -spec_replicas(rs, 0))


def by_revision(rss: Iterable[JSONDict]) -> list[JSONDict]:
    return sorted(by_creation(rss), key=revision)


def active(rss: Iterable[JSONDict | None]) -> list[JSONDict]:
    """FilterActiveReplicaSets: the ones with replicas > 0."""
    return [rs for rs in rss if rs is not None and spec_replicas(rs, 0) > 0]


def replica_count(rss: Iterable[JSONDict | None]) -> int:
    """GetReplicaCountForReplicaSets: the sum of spec.replicas."""
    return sum(spec_replicas(rs, 0) for rs in rss if rs is not None)


def _status_sum(rss: Iterable[JSONDict | None], field: str) -> int:
    return sum(int((rs.get("status") or {}).get(field) or 0) for rs in rss if rs is not None)


def actual_count(rss: Iterable[JSONDict | None]) -> int:
    return _status_sum(rss, "replicas")


def ready_count(rss: Iterable[JSONDict | None]) -> int:
    return _status_sum(rss, "readyReplicas")


def available_count(rss: Iterable[JSONDict | None]) -> int:
    return _status_sum(rss, "availableReplicas")


def find_new(d: JSONDict, rss: Sequence[JSONDict]) -> JSONDict | None:
    """FindNewReplicaSet: the oldest replica set whose template equals the deployment's."""
    template = (d.get("spec") or {}).get("template") or {}
    for rs in by_creation(rss):
        if equal_ignore_hash((rs.get("spec") or {}).get("template") or {}, template):
            return rs
    return None


def find_old(d: JSONDict, rss: Sequence[JSONDict]) -> list[JSONDict]:
    new = find_new(d, rss)
    return [rs for rs in rss if new is None or rs["metadata"]["uid"] != new["metadata"]["uid"]]


# -- conditions and status ----------------------------------------------------------------------


def new_condition(type_: str, status: str, reason: str, message: str) -> JSONDict:
    now = now_rfc3339()
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def get_condition(status: JSONDict, type_: str) -> JSONDict | None:
    for c in status.get("conditions") or []:
        if c.get("type") == type_:
            return dict(c)
    return None


def set_condition(status: JSONDict, cond: JSONDict) -> None:
    """SetDeploymentCondition: same status and reason → unchanged; same status → keep the
    transition time; the condition moves to the end of the list."""
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"]:
        if current.get("reason") == cond["reason"]:
            return
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != cond["type"]]
    status["conditions"] = [*conditions, cond]


def remove_condition(status: JSONDict, type_: str) -> None:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)


def has_progress_deadline(d: JSONDict) -> bool:
    value = (d.get("spec") or {}).get("progressDeadlineSeconds", 600)
    return value is not None and value != MAX_INT32


def progress_deadline(d: JSONDict) -> int:
    return int((d.get("spec") or {}).get("progressDeadlineSeconds", 600) or 0)


def deployment_complete(d: JSONDict, status: JSONDict) -> bool:
    replicas = spec_replicas(d)
    return bool(
        status.get("updatedReplicas", 0) == replicas
        and status.get("replicas", 0) == replicas
        and status.get("availableReplicas", 0) == replicas
        and status.get("observedGeneration", 0) >= (d.get("metadata") or {}).get("generation", 0)
    )


def deployment_progressing(d: JSONDict, status: JSONDict) -> bool:
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = status.get("replicas", 0) - status.get("updatedReplicas", 0)
    return bool(
        status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
        or new_old < old_old
        or status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
        or status.get("availableReplicas", 0) > old.get("availableReplicas", 0)
    )


def seconds_to_deadline(d: JSONDict, status: JSONDict) -> float | None:
    """Seconds until the Progressing condition's deadline passes (None: no deadline)."""
    if not has_progress_deadline(d):
        return None
    cond = get_condition(status, PROGRESSING)
    if cond is None:
        return None
    since = parse_time(cond.get("lastUpdateTime"))
    if since is None:
        return None
    return since.timestamp() + progress_deadline(d) - datetime.now(UTC).timestamp()


def deployment_timed_out(d: JSONDict, status: JSONDict) -> bool:
    if not has_progress_deadline(d):
        return False
    cond = get_condition(status, PROGRESSING)
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    left = seconds_to_deadline(d, status)
    return left is not None and left < 0
