"""Pods and the `bindings` resource (kube `pkg/registry/core/pod/strategy.go`,
`pkg/registry/core/pod/storage/storage.go` BindingREST, EvictionREST)."""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import FieldError
from fakekapi.core.user import UserInfo
from fakekapi.registry.core import pod_subresources
from fakekapi.registry.generic.engine import Engine, WriteResult
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy
from fakekapi.registry.validation import validate_pod


def qos_class(spec: dict[str, Any]) -> str:
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


class PodStrategy(GenerationStrategy):
    return_deleted_object = True
    graceful_delete = True
    object_views = frozenset({"ephemeralcontainers", "resize"})
    create_subresources = {
        "eviction": pod_subresources.evict,
        "binding": pod_subresources.bind_subresource,
    }
    stream_subresources = {"log": pod_subresources.log_subresource}

    def create_status(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {"phase": "Pending", "qosClass": qos_class(obj.get("spec") or {})}

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        return validate_pod(obj)

    def grace_period(self, obj: dict[str, Any], requested: int | None) -> int:
        """podStrategy.CheckGracefulDelete: the requested grace period, else
        spec.terminationGracePeriodSeconds; 0 for a pod on no node or one already finished
        (nothing runs to be stopped); a negative period becomes 1."""
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


class BindingStrategy(Strategy):
    """The `bindings` resource: create-only, it assigns the named pod (BindingREST)."""

    create_only = True

    async def create(
        self,
        engine: Engine,
        namespace: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        user: UserInfo | None,
    ) -> WriteResult:
        return WriteResult(
            await pod_subresources.create_binding(engine, namespace, obj, opts), created=True
        )
