"""Per-type rules where kube-apiserver's strategies differ from the generic registry.

Everything is keyed by (group, plural) so that a resource type from the catalog finds its rules
without per-kind classes; types not listed (including most custom resources) get the generic
behaviour, which is what kube's generic registry does for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakekapi.catalog.types import ResourceType

from .validation import NameFunc, name_rule

# Kinds whose PrepareForCreate sets metadata.generation = 1 (and bump it on spec changes).
GENERATION_KINDS = frozenset(
    {
        ("", "pods"),
        ("", "replicationcontrollers"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
        ("policy", "poddisruptionbudgets"),
        ("networking.k8s.io", "networkpolicies"),
        ("networking.k8s.io", "ingresses"),
        ("networking.k8s.io", "ingressclasses"),
        ("discovery.k8s.io", "endpointslices"),
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
        ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
        ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"),
        ("flowcontrol.apiserver.k8s.io", "flowschemas"),
        ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
    }
)

# Registries built with ReturnDeletedObject: true answer DELETE with the object, not a Status.
RETURN_DELETED_OBJECT = frozenset(
    {
        ("", "pods"),
        ("", "services"),
        ("", "serviceaccounts"),
        ("", "persistentvolumes"),
        ("", "persistentvolumeclaims"),
        ("", "namespaces"),
        ("storage.k8s.io", "storageclasses"),
        ("storage.k8s.io", "csidrivers"),
        ("storage.k8s.io", "volumeattachments"),
    }
)

# AllowCreateOnUpdate: PUT of a missing object creates it.
CREATE_ON_UPDATE = frozenset(
    {
        ("", "events"),
        ("", "endpoints"),
        ("", "limitranges"),
        ("events.k8s.io", "events"),
        ("coordination.k8s.io", "leases"),
    }
)


def _qos(spec: dict[str, Any]) -> str:
    """The pod QoS class (pkg/apis/core/helper/qos), from requests and limits of all containers."""
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    guaranteed = True
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    for c in containers:
        res = (c or {}).get("resources") or {}
        req = {k: v for k, v in (res.get("requests") or {}).items() if k in ("cpu", "memory")}
        lim = {k: v for k, v in (res.get("limits") or {}).items() if k in ("cpu", "memory")}
        requests.update(req)
        limits.update(lim)
        if set(lim) != {"cpu", "memory"}:
            guaranteed = False
        for k, v in req.items():
            if str(lim.get(k)) != str(v):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _pod_status(obj: dict[str, Any]) -> dict[str, Any]:
    return {"phase": "Pending", "qosClass": _qos(obj.get("spec") or {})}


def _namespace_status(obj: dict[str, Any]) -> dict[str, Any]:
    return {"phase": "Active"}


def _service_status(obj: dict[str, Any]) -> dict[str, Any]:
    return {"loadBalancer": {}}  # a struct, not a pointer: always serialized


def _volume_status(obj: dict[str, Any]) -> dict[str, Any]:
    return {"phase": "Pending"}  # SetDefaults_PersistentVolume(Claim)


def _pod_grace_period(obj: dict[str, Any], requested: int | None) -> int:
    """podStrategy.CheckGracefulDelete (pkg/registry/core/pod/strategy.go): the requested grace
    period, else spec.terminationGracePeriodSeconds; 0 for a pod on no node or one already
    finished (nothing runs to be stopped); a negative period becomes 1."""
    spec = obj.get("spec") or {}
    if requested is not None:
        period = requested
    else:
        default = spec.get("terminationGracePeriodSeconds")
        period = default if isinstance(default, int) and not isinstance(default, bool) else 0
    if not spec.get("nodeName"):
        period = 0
    if (obj.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
        period = 0
    return 1 if period < 0 else period


GRACEFUL_DELETE: dict[tuple[str, str], Callable[[dict[str, Any], int | None], int]] = {
    ("", "pods"): _pod_grace_period,
}
"""Kinds whose strategy implements RESTGracefulDeleteStrategy: their grace period."""


CREATE_STATUS: dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("", "pods"): _pod_status,
    ("", "namespaces"): _namespace_status,
    ("", "services"): _service_status,
    ("", "persistentvolumeclaims"): _volume_status,
    ("", "persistentvolumes"): _volume_status,
}


@dataclass(frozen=True)
class Strategy:
    """The rules of one resource type."""

    name_fn: NameFunc
    has_generation: bool
    status_subresource: bool
    return_deleted_object: bool
    allow_create_on_update: bool
    allow_unconditional_update: bool
    generation_tracks_annotations: bool
    create_status: Callable[[dict[str, Any]], dict[str, Any]] | None
    grace_period: Callable[[dict[str, Any], int | None], int] | None = None
    """CheckGracefulDelete: (object, requested grace) → the grace period to apply."""

    def reset_status(self, obj: dict[str, Any], is_crd: bool) -> None:
        """PrepareForCreate of a kind with a status subresource: drop what the client sent."""
        if not self.status_subresource and self.create_status is None:
            return
        if self.create_status is not None:
            obj["status"] = self.create_status(obj)
        elif is_crd:
            obj.pop("status", None)
        else:
            obj["status"] = {}


def strategy_for(rt: ResourceType) -> Strategy:
    key = (rt.group, rt.plural)
    return Strategy(
        name_fn=name_rule(rt.group, rt.plural),
        has_generation=rt.is_crd or key in GENERATION_KINDS,
        status_subresource=rt.subresource("status") is not None,
        return_deleted_object=rt.is_crd or key in RETURN_DELETED_OBJECT,
        allow_create_on_update=key in CREATE_ON_UPDATE,
        allow_unconditional_update=not rt.is_crd,
        generation_tracks_annotations=key == ("apps", "deployments"),
        create_status=CREATE_STATUS.get(key),
        grace_period=GRACEFUL_DELETE.get(key),
    )
