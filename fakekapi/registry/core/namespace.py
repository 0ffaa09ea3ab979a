"""Namespaces (kube `pkg/registry/core/namespace/strategy.go` and its own REST storage,
`pkg/registry/core/namespace/storage/storage.go`).

A namespace starts Active with the `kubernetes` finalizer in spec.finalizers and the
`kubernetes.io/metadata.name` label; a main-resource update keeps spec.finalizers (only
`finalize` changes them); a delete marks it Terminating (no grace period) until the namespace
controller has emptied it and removed its spec finalizers; a failed delete precondition is a
plain 409 (its storage is not the generic etcd3 one).
"""

from __future__ import annotations

from typing import Any

from fakekapi.core.objects import meta
from fakekapi.registry.generic.strategy import Strategy

NAMESPACE_FINALIZER = "kubernetes"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def _spec_finalizers(obj: dict[str, Any]) -> Any:
    return (obj.get("spec") or {}).get("finalizers")


class NamespaceStrategy(Strategy):
    return_deleted_object = True
    plain_precondition_conflicts = True
    update_subresources = frozenset({"finalize"})

    def create_status(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {"phase": "Active"}

    def prepare_for_create(self, obj: dict[str, Any]) -> None:
        spec = obj.setdefault("spec", {})
        finalizers = list(spec.get("finalizers") or [])
        if NAMESPACE_FINALIZER not in finalizers:
            finalizers.append(NAMESPACE_FINALIZER)
        spec["finalizers"] = finalizers

    def canonicalize(self, obj: dict[str, Any]) -> None:
        md = meta(obj)
        md.setdefault("labels", {})[NAMESPACE_NAME_LABEL] = md["name"]

    def prepare_for_update(
        self, new: dict[str, Any], old: dict[str, Any], subresource: str
    ) -> None:
        if subresource != "finalize":
            new.setdefault("spec", {})["finalizers"] = _spec_finalizers(old) or []
        meta(new).setdefault("labels", {})[NAMESPACE_NAME_LABEL] = meta(old).get("name")

    def deletion_pending(self, old: dict[str, Any]) -> bool:
        return bool(_spec_finalizers(old)) or not meta(old).get("deletionTimestamp")

    def mark_deleting(self, obj: dict[str, Any], first: bool) -> None:
        obj.setdefault("status", {})["phase"] = "Terminating"

    def keeps_during_update(self, new: dict[str, Any]) -> bool:
        return bool(_spec_finalizers(new))
