"""A simplified managedFields: which field manager last set which fields.

kube-apiserver tracks ownership with structured-merge-diff; clients only display the entries (and
server-side apply needs them for conflicts). Here a fieldset is the FieldsV1 JSON itself: `f:<name>`
for map keys, `k:{"name":...}` for list items that have a `name`, `.` for a map or item that is
owned as a whole, and `{}` leaves; other lists are owned atomically.
"""

from __future__ import annotations

import json
from typing import Any

FieldSet = dict[str, Any]

# Metadata fields the server owns; they never appear in a fieldset.
_SYSTEM_METADATA = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
        "generateName",
    }
)
_TOP_IGNORED = frozenset({"apiVersion", "kind"})


def _item_key(item: Any) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return "k:" + json.dumps({"name": item["name"]}, separators=(",", ":"))
    return None


def _fields(value: Any, top: bool = False) -> FieldSet:
    if isinstance(value, dict):
        out: FieldSet = {} if top or not value else {".": {}}
        for k, v in value.items():
            out["f:" + k] = _fields(v)
        return out
    if isinstance(value, list) and value and all(_item_key(i) for i in value):
        out = {}
        for item in value:
            out[_item_key(item) or ""] = _fields(item)
        return out
    return {}


def fields_of(obj: dict[str, Any], *, skip_status: bool) -> FieldSet:
    """All fields of an object a manager can own."""
    out: FieldSet = {}
    for k, v in obj.items():
        if k in _TOP_IGNORED or (skip_status and k == "status"):
            continue
        if k == "metadata":
            md = {mk: mv for mk, mv in (v or {}).items() if mk not in _SYSTEM_METADATA}
            if md:
                out["f:metadata"] = _fields(md, top=True)
            continue
        out["f:" + k] = _fields(v, top=k in ("spec", "status"))
    return out


def _changed(old: Any, new: Any, top: bool = False) -> FieldSet | None:
    """The fields of `new` that differ from `old` (None when nothing changed)."""
    if old == new:
        return None
    if isinstance(old, dict) and isinstance(new, dict):
        out: FieldSet = {}
        for k, v in new.items():
            sub = _changed(old.get(k), v) if k in old else _fields(v)
            if sub is not None:
                out["f:" + k] = sub
        return out if out or top else {}
    if isinstance(old, list) and isinstance(new, list) and all(_item_key(i) for i in new):
        olds = {_item_key(i): i for i in old}
        out = {}
        for item in new:
            key = _item_key(item) or ""
            sub = _changed(olds[key], item) if key in olds else _fields(item)
            if sub is not None:
                out[key] = sub
        return out
    return _fields(new)


def changed_fields(old: dict[str, Any], new: dict[str, Any], *, skip_status: bool) -> FieldSet:
    """Fields an Update sets: those whose value differs between the stored and the new object."""
    a = fields_input(old, skip_status)
    b = fields_input(new, skip_status)
    return _changed(a, b, top=True) or {}


def fields_input(obj: dict[str, Any], skip_status: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in obj.items():
        if k in _TOP_IGNORED or (skip_status and k == "status"):
            continue
        if k == "metadata":
            out[k] = {mk: mv for mk, mv in (v or {}).items() if mk not in _SYSTEM_METADATA}
        else:
            out[k] = v
    return out


def union(a: FieldSet, b: FieldSet) -> FieldSet:
    out = dict(a)
    for k, v in b.items():
        out[k] = union(out[k], v) if k in out else v
    return out


def subtract(a: FieldSet, b: FieldSet) -> FieldSet:
    """Fields of `a` not set by `b` (a leaf of b takes the whole subtree of a)."""
    out: FieldSet = {}
    for k, v in a.items():
        if k not in b:
            out[k] = v
        elif b[k] and v:
            rest = subtract(v, b[k])
            if rest and set(rest) != {"."}:
                out[k] = rest
    return out


def intersect(a: FieldSet, present: FieldSet) -> FieldSet:
    """Fields of `a` that still exist in an object whose fields are `present`."""
    out: FieldSet = {}
    for k, v in a.items():
        if k in present:
            out[k] = intersect(v, present[k]) if v else {}
    return out


def update_entries(
    entries: list[dict[str, Any]],
    *,
    manager: str,
    operation: str,
    api_version: str,
    now: str,
    owned: FieldSet,
    present: FieldSet,
    subresource: str = "",
    replace: bool = False,
) -> list[dict[str, Any]]:
    """New managedFields after `manager` set the fields `owned`.

    The manager's entry (same manager, operation and subresource) gains `owned` (or is replaced by
    it when `replace`, as apply does), other managers lose those fields, and every set is trimmed
    to the fields still `present`; empty entries are dropped.
    """
    out: list[dict[str, Any]] = []
    mine: dict[str, Any] | None = None
    for e in entries:
        if not isinstance(e, dict):
            continue
        if (
            e.get("manager") == manager
            and e.get("operation") == operation
            and (e.get("subresource") or "") == subresource
        ):
            mine = e
            continue
        fs = intersect(subtract(e.get("fieldsV1") or {}, owned), present)
        if fs:
            out.append({**e, "fieldsV1": fs})
    base = {} if replace or mine is None else (mine.get("fieldsV1") or {})
    fs = intersect(union(base, owned), present)
    if mine is not None and not owned and not replace:
        if fs:
            out.append({**mine, "fieldsV1": fs})
        return out
    if fs or operation == "Apply":
        entry: dict[str, Any] = {
            "manager": manager,
            "operation": operation,
            "apiVersion": api_version,
            "time": now,
            "fieldsType": "FieldsV1",
            "fieldsV1": fs,
        }
        if subresource:
            entry["subresource"] = subresource
        out.append(entry)
    return out
