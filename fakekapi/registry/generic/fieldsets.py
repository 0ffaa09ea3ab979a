"""The fields each kind can be selected by (kube's per-kind GetAttrs and field label conversions).

Every kind supports `metadata.name` and `metadata.namespace`; the extra ones are listed per
(group, plural) with a function that reads the field's string value from an object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakekapi.catalog.types import ResourceType

Getter = Callable[[dict[str, Any]], str]


def _path(*parts: str) -> Getter:
    def get(obj: dict[str, Any]) -> str:
        cur: Any = obj
        for p in parts:
            cur = cur.get(p) if isinstance(cur, dict) else None
        if cur is None:
            return ""
        if isinstance(cur, bool):
            return "true" if cur else "false"
        return str(cur)

    return get


def _pod_ip(obj: dict[str, Any]) -> str:
    status = obj.get("status") or {}
    ips = status.get("podIPs") or []
    if ips and isinstance(ips[0], dict):
        return str(ips[0].get("ip") or "")
    return ""


def _bool_field(*parts: str) -> Getter:
    inner = _path(*parts)

    def get(obj: dict[str, Any]) -> str:
        return inner(obj) or "false"

    return get


_EXTRA: dict[tuple[str, str], dict[str, Getter]] = {
    ("", "pods"): {
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy"),
        "spec.schedulerName": _path("spec", "schedulerName"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName"),
        "spec.hostNetwork": _bool_field("spec", "hostNetwork"),
        "status.phase": _path("status", "phase"),
        "status.podIP": _pod_ip,
        "status.podIPs": _pod_ip,
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    ("", "secrets"): {"type": _path("type")},
    ("", "namespaces"): {"status.phase": _path("status", "phase")},
    ("", "nodes"): {"spec.unschedulable": _bool_field("spec", "unschedulable")},
    ("", "events"): {
        **{
            f"involvedObject.{f}": _path("involvedObject", f)
            for f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion")
        },
        "involvedObject.fieldPath": _path("involvedObject", "fieldPath"),
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _path("source", "component"),
        "type": _path("type"),
    },
    ("", "services"): {
        "spec.clusterIP": _path("spec", "clusterIP"),
        "spec.type": _path("spec", "type"),
    },
    ("", "replicationcontrollers"): {"status.replicas": _path("status", "replicas")},
    ("apps", "replicasets"): {"status.replicas": _path("status", "replicas")},
    ("batch", "jobs"): {"status.successful": _path("status", "successful")},
    ("certificates.k8s.io", "certificatesigningrequests"): {
        "spec.signerName": _path("spec", "signerName")
    },
}

_ALIASES: dict[tuple[str, str], dict[str, str]] = {("", "pods"): {"spec.host": "spec.nodeName"}}


def supported_fields(rt: ResourceType) -> tuple[frozenset[str], dict[str, str]]:
    """(field labels the kind accepts, legacy aliases)."""
    key = (rt.group, rt.plural)
    aliases = _ALIASES.get(key, {})
    names = {"metadata.name", "metadata.namespace", *_EXTRA.get(key, {}), *aliases}
    return frozenset(names), aliases


def object_fields(rt: ResourceType, obj: dict[str, Any]) -> dict[str, str]:
    """The selectable fields of one object and their values."""
    md = obj.get("metadata") or {}
    out = {"metadata.name": str(md.get("name") or "")}
    if rt.namespaced:
        out["metadata.namespace"] = str(md.get("namespace") or "")
    for name, get in _EXTRA.get((rt.group, rt.plural), {}).items():
        out[name] = get(obj)
    return out
