"""Controller references, as apimachinery's metav1.NewControllerRef / GetControllerOf and
pkg/controller/controller_ref_manager.go (adopting orphans, releasing what no longer matches).
"""

from __future__ import annotations

from collections.abc import Callable
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


Lookup = Callable[[str, str], JSONDict | None]
"""An informer cache's get: (namespace, name) → the object or None."""


def resolve(ref: JSONDict, namespace: str, get: Lookup) -> JSONDict | None:
    """resolveControllerRef: the object `ref` names, when it exists with the referenced UID
    (a namesake created since is not the owner)."""
    obj = get(namespace, str(ref.get("name") or ""))
    if obj is None or (obj.get("metadata") or {}).get("uid") != ref.get("uid"):
        return None
    return obj


def owner_key(obj: JSONDict, kind: str, get: Lookup | None = None) -> str | None:
    """`namespace/name` of the object's controller when it is of `kind`, else None; with `get`,
    only when that controller is resolved (exists with the referenced UID)."""
    ref = controller_of(obj)
    if ref is None or ref.get("kind") != kind:
        return None
    ns = (obj.get("metadata") or {}).get("namespace") or ""
    if get is not None and resolve(ref, ns, get) is None:
        return None
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
