"""Kubernetes objects stay plain dicts (unknown and CRD fields round-trip untouched).

These TypedDicts only document the keys the code relies on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

JSONDict = dict[str, Any]


class ObjectMeta(TypedDict, total=False):
    name: str
    generateName: str
    namespace: str
    uid: str
    resourceVersion: str
    generation: int
    creationTimestamp: str | None
    deletionTimestamp: str
    deletionGracePeriodSeconds: int
    labels: dict[str, str]
    annotations: dict[str, str]
    ownerReferences: list[JSONDict]
    finalizers: list[str]
    managedFields: list[JSONDict]


class KObject(TypedDict, total=False):
    apiVersion: str
    kind: str
    metadata: ObjectMeta


OBJECT_META_ORDER: tuple[str, ...] = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)
"""metav1.ObjectMeta's JSON field order: how Go writes metadata, so how clients see it."""


def meta(obj: JSONDict) -> JSONDict:
    """The object's metadata dict (created if absent): the one place that tolerates its absence."""
    md = obj.get("metadata")
    if not isinstance(md, dict):
        md = {}
        obj["metadata"] = md
    return md


def meta_of(obj: Mapping[str, Any]) -> JSONDict:
    """The object's metadata for reading: {} when it is absent or not a dict (nothing is
    created; `meta` is the writer's)."""
    md = obj.get("metadata")
    return md if isinstance(md, dict) else {}


def as_dict(value: Any) -> JSONDict:
    """`value` if it is a dict, else an empty one: reading a field Go would have left nil."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def sub_dict(obj: JSONDict, key: str) -> JSONDict:
    """obj[key] as a dict, created if missing (a Go struct field that is not a pointer)."""
    value = obj.get(key)
    if not isinstance(value, dict):
        value = obj[key] = {}
    return value
