"""The `scale` subresource: an autoscaling/v1 Scale view of a workload's replica count.

kube serves it for deployments, replicasets and statefulsets (apps/v1), replicationcontrollers
and custom resources whose CRD declares `subresources.scale`. `kubectl scale`, HPAs and client
libraries' `read_*_scale`/`patch_*_scale` go through it, so it is a projection the registry builds
from the stored object (`scaleFromDeployment` in pkg/registry/apps/deployment/storage, the CRD
`scaleFromCustomResource` in apiextensions' `registry/customresource/etcd.go`) and writes back by
setting only the replica count on the parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from fakekapi.core.errors import FieldError, invalid_value

SCALE_API_VERSION = "autoscaling/v1"


class ScalePaths(NamedTuple):
    """Where the replica counts and the selector live in the parent object."""

    spec_replicas: tuple[str, ...]
    status_replicas: tuple[str, ...]
    label_selector: tuple[str, ...] | None
    """For built-ins: spec.selector (structured or, for RCs, a map); for CRDs: a string field."""
    structured_selector: bool = False


def _path(p: object) -> tuple[str, ...]:
    return tuple(s for s in str(p or "").split(".") if s)


def custom_scale_paths(custom_scale: Mapping[str, Any] | None) -> ScalePaths | None:
    """A custom resource's scale mapping (its CRD's `subresources.scale`), None without one.
    Built-in kinds declare theirs in their strategy (`Strategy.scale`)."""
    if custom_scale is None:
        return None
    sel = custom_scale.get("labelSelectorPath")
    return ScalePaths(
        _path(custom_scale.get("specReplicasPath")),
        _path(custom_scale.get("statusReplicasPath")),
        _path(sel) if sel else None,
    )


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def selector_string(selector: Any, structured: bool) -> str:
    """labels.Selector.String() of a metav1.LabelSelector (or of an RC's plain map):
    requirements sorted by key, set values sorted."""
    if not isinstance(selector, dict):
        return ""
    reqs: list[tuple[str, str]] = []
    labels = selector.get("matchLabels") if structured else selector
    if isinstance(labels, dict):
        reqs += [(str(k), f"{k}={v}") for k, v in labels.items()]
    if structured:
        for expr in selector.get("matchExpressions") or []:
            if not isinstance(expr, dict):
                continue
            key, op = str(expr.get("key") or ""), expr.get("operator")
            values = ",".join(sorted(str(v) for v in expr.get("values") or []))
            if op == "In":
                reqs.append((key, f"{key} in ({values})"))
            elif op == "NotIn":
                reqs.append((key, f"{key} notin ({values})"))
            elif op == "Exists":
                reqs.append((key, key))
            elif op == "DoesNotExist":
                reqs.append((key, f"!{key}"))
    reqs.sort(key=lambda r: r[0])
    return ",".join(text for _, text in reqs)


def to_scale(obj: Mapping[str, Any], paths: ScalePaths) -> dict[str, Any]:
    """The Scale object kube returns for `obj` (metadata limited to what kube copies)."""
    md = obj.get("metadata") or {}
    smd = {
        k: md[k]
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if md.get(k)
    }
    spec: dict[str, Any] = {}
    replicas = _get(obj, paths.spec_replicas)
    if isinstance(replicas, int) and replicas:
        spec["replicas"] = replicas  # ScaleSpec.replicas is omitempty
    status_replicas = _get(obj, paths.status_replicas)
    status: dict[str, Any] = {
        "replicas": status_replicas if isinstance(status_replicas, int) else 0
    }
    if paths.label_selector is not None:
        raw = _get(obj, paths.label_selector)
        sel = raw if isinstance(raw, str) else selector_string(raw, paths.structured_selector)
        if sel:
            status["selector"] = sel
    return {
        "kind": "Scale",
        "apiVersion": SCALE_API_VERSION,
        "metadata": smd,
        "spec": spec,
        "status": status,
    }


def validate_scale(scale: Mapping[str, Any]) -> list[FieldError]:
    """ValidateScale: a non-negative replica count."""
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if isinstance(replicas, int) and replicas < 0:
        return [invalid_value("spec.replicas", replicas, "must be greater than or equal to 0")]
    return []


def replicas_of(scale: Mapping[str, Any]) -> int:
    spec = scale.get("spec")
    replicas = spec.get("replicas", 0) if isinstance(spec, dict) else 0
    return replicas if isinstance(replicas, int) else 0


def with_replicas(obj: dict[str, Any], paths: ScalePaths, replicas: int) -> dict[str, Any]:
    """`obj` (changed in place and returned) with its spec replica count set."""
    cur: dict[str, Any] = obj
    for part in paths.spec_replicas[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[paths.spec_replicas[-1]] = replicas
    return obj


__all__ = [
    "SCALE_API_VERSION",
    "ScalePaths",
    "custom_scale_paths",
    "replicas_of",
    "selector_string",
    "to_scale",
    "validate_scale",
    "with_replicas",
]
