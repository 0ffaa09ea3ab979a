"""Controller references, as apimachinery's metav1.NewControllerRef / GetControllerOf and
pkg/controller/controller_ref_manager.go (adopting orphans, releasing what no longer matches).
"""

from __future__ import annotations

from typing import Any

from fakekapi.core.objects import JSONDict


def new_controller_ref(owner: JSONDict, api_version: str, kind: str) -> JSONDict:
    """metav1.NewControllerRef: controller=true, blockOwnerDeletion=true."""
    md = owner.get("metadata") or {}
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": md.get("name", ""),
        "uid": md.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: JSONDict) -> JSONDict | None:
    """The ownerReference with controller=true, if any."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: JSONDict, owner: JSONDict) -> bool:
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == (owner.get("metadata") or {}).get("uid")


def owner_key(obj: JSONDict, kind: str) -> str | None:
    """`namespace/name` of the object's controller when it is of `kind`, else None."""
    ref = controller_of(obj)
    if ref is None or ref.get("kind") != kind:
        return None
    ns = (obj.get("metadata") or {}).get("namespace") or ""
    return f"{ns}/{ref.get('name', '')}"


def adoption_patch(owner_ref: JSONDict, obj: JSONDict) -> dict[str, Any]:
    """The strategic-merge body kube's ControllerRefManager sends to adopt `obj`
    (ownerReferences are merged by uid; the uid precondition guards against a recreated object)."""
    return {
        "metadata": {
            "ownerReferences": [owner_ref],
            "uid": (obj.get("metadata") or {}).get("uid", ""),
        }
    }
