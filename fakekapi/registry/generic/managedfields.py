"""managedFields as kube-apiserver keeps them (k8s.io/apimachinery pkg/util/managedfields/internal
over sigs.k8s.io/structured-merge-diff's merge.Updater; the set algebra is in smd.py).

- Every write that is not an apply is an `Update` by its field manager: the fields it added or
  changed join that manager's entry (one entry per manager, operation, apiVersion and
  subresource: BuildManagerIdentifier), every other manager loses them, and everyone loses the
  fields it removed (Updater.Update, managedFieldsUpdater).
- An apply sets the manager's `Apply` entry to exactly the fields of the applied configuration.
  Fields another manager owns whose value it changes are conflicts: 409 `Apply failed with N
  conflict(s)` (conflict.go) unless `force`, which takes them over. Fields the manager applied
  before and no longer does are removed from the object unless someone else owns them
  (Updater.prune).
- metadata.name, uid, resourceVersion... are never owned (stripmeta.go); entries are sorted as
  encodeManagedFields sorts them; an entry left with no fields disappears.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from functools import cache
from typing import Any

import orjson

from fakekapi.core.errors import StatusError
from fakekapi.protobuf.schema import BOOL, BYTES, INT32, INT64, MAP, MSG, STRING
from fakekapi.protobuf.schema import schema as pb_schema

from . import smd
from .smd import FieldSet

__all__ = ["Entry", "FieldSet", "apply", "conflict_error", "record_update"]

_STRIP: FieldSet = {
    "f:apiVersion": {smd.MEMBER: {}},
    "f:kind": {smd.MEMBER: {}},
    "f:metadata": {
        smd.MEMBER: {},
        **{
            f"f:{name}": {smd.MEMBER: {}}
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        },
    },
}
"""stripmeta.go: paths no manager owns (a path-by-path Difference, children stay)."""


class Entry:
    """One managedFields entry. Its field set is decoded from FieldsV1 only when needed, and an
    entry whose set did not change is written back as it was (most writes touch one entry)."""

    __slots__ = ("_fields", "api_version", "manager", "operation", "raw", "subresource", "time")

    def __init__(
        self,
        manager: str,
        operation: str,
        api_version: str,
        time: str | None,
        subresource: str,
        fields: FieldSet | None = None,
        raw: dict[str, Any] | None = None,
    ) -> None:
        self.manager = manager
        self.operation = operation
        self.api_version = api_version
        self.time = time
        self.subresource = subresource
        self._fields = fields
        self.raw = raw
        """The FieldsV1 as stored, while the set is unchanged."""

    @property
    def fields(self) -> FieldSet:
        if self._fields is None:
            self._fields = smd.from_fields_v1(self.raw)
        return self._fields

    @fields.setter
    def fields(self, value: FieldSet) -> None:
        self._fields = value
        self.raw = None

    def empty(self) -> bool:
        return not (self.raw if self.raw is not None else self.fields)

    def owned_of(self, s: FieldSet) -> FieldSet:
        """The paths of `s` this entry owns (walks `s`, not the entry's whole set)."""
        if self.raw is not None:
            return smd.intersection_raw(self.raw, s)
        return smd.intersection(self.fields, s)

    @property
    def ident(self) -> Ident:
        """BuildManagerIdentifier: appliers are one manager whatever apiVersion they use."""
        api_version = "" if self.operation == "Apply" else self.api_version
        return (self.manager, self.operation, api_version, self.subresource)

    def encode(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        }
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = self.raw if self.raw is not None else smd.to_fields_v1(self.fields)
        if self.subresource:
            out["subresource"] = self.subresource
        return out


Ident = tuple[str, str, str, str]
Managers = dict[Ident, Entry]


def decode(entries: Any) -> Managers:
    out: Managers = {}
    if not isinstance(entries, list):
        return out
    for e in entries:
        if not isinstance(e, dict):
            continue
        raw = e.get("fieldsV1")
        entry = Entry(
            str(e.get("manager") or ""),
            str(e.get("operation") or ""),
            str(e.get("apiVersion") or ""),
            str(e["time"]) if e.get("time") else None,
            str(e.get("subresource") or ""),
            raw=raw if isinstance(raw, dict) else {},
        )
        prev = out.get(entry.ident)
        if prev is not None:
            entry.fields = smd.union(prev.fields, entry.fields)
        out[entry.ident] = entry
    return out


def encode(managers: Managers) -> list[dict[str, Any]]:
    """sortEncodedManagedFields: Apply before Update, then by time, manager, apiVersion,
    subresource."""
    entries = [e for e in managers.values() if not e.empty()]
    entries.sort(key=lambda e: (e.operation, e.time or "", e.manager, e.api_version, e.subresource))
    return [e.encode() for e in entries]


def _is_reset(entries: Any) -> bool:
    """isResetManagedFields: `managedFields: [{}]` clears them."""
    return isinstance(entries, list) and len(entries) == 1 and entries[0] == {}


# --- the Go zero object (the "live" object of a create) -------------------------------------------


@cache
def _zero_message(name: str, release: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    msg = pb_schema(release).messages.get(name)
    if msg is None:
        return out
    for f in msg.order:
        if f.skip_json or f.pointer or (f.omitempty and f.kind != MSG):
            continue
        if f.inline and f.kind == MSG:
            out.update(_zero_message(str(f.ref), release))
        elif f.repeated or f.kind in (MAP, BYTES):
            out[f.json] = None
        elif f.kind == MSG:
            out[f.json] = _zero_message(str(f.ref), release)
        elif f.kind == STRING:
            out[f.json] = ""
        elif f.kind == BOOL:
            out[f.json] = False
        elif f.kind in (INT32, INT64):
            out[f.json] = 0
        else:
            out[f.json] = None
    return out


@cache
def _zero_json(api_version: str, kind: str, release: str | None = None) -> bytes:
    msg = pb_schema(release).message_for(api_version, kind)
    out = dict(_zero_message(msg.name, release)) if msg is not None else {}
    out.pop("apiVersion", None)
    out.pop("kind", None)
    return orjson.dumps(out)


def zero_object(api_version: str, kind: str, release: str | None = None) -> dict[str, Any]:
    """The kind's zero value as Go marshals it (scheme.New(gvk)) in `release` (None: the
    default): non-pointer structs `{}`, nil slices and maps `null`; `{}` for custom resources.
    A fresh copy each time."""
    out: dict[str, Any] = orjson.loads(_zero_json(api_version, kind, release))
    return out


@cache
def _zero_shared(api_version: str, kind: str, release: str | None = None) -> dict[str, Any]:
    """`zero_object`, one copy per kind for the comparison of every create (which only reads
    it)."""
    return zero_object(api_version, kind, release)


# --- Updater ------------------------------------------------------------------------------------


def _strip_ignored(s: FieldSet, ignored: tuple[str, ...]) -> FieldSet:
    """RecursiveDifference with top-level paths (the strategy's reset fields); `s` itself when
    there are none."""
    if not ignored:
        return s
    return {k: v for k, v in s.items() if k not in ignored}


def _comparison(live: Any, new: Any, node: smd.Node, ignored: Iterable[str]) -> smd.Comparison:
    ignored = tuple(ignored)
    c = smd.compare(live, new, node)
    c.added = _strip_ignored(c.added, ignored)
    c.modified = _strip_ignored(c.modified, ignored)
    c.removed = _strip_ignored(c.removed, ignored)
    return c


def _update(
    c: smd.Comparison, managers: Managers, workflow: Ident | None, force: bool
) -> dict[Ident, FieldSet]:
    """Updater.update: take what changed from every other manager; the conflicts, if refused."""
    changed = smd.union(c.modified, c.added)
    conflicts: dict[Ident, FieldSet] = {}
    for ident, e in managers.items():
        if ident == workflow:
            continue
        cs = e.owned_of(changed) if changed else {}
        if cs:
            conflicts[ident] = cs
    if conflicts and not force:
        return conflicts
    for ident, e in managers.items():
        if ident == workflow:
            continue
        if ident in conflicts:
            e.fields = smd.difference(e.fields, conflicts[ident])
        if c.removed and e.owned_of(c.removed):
            e.fields = smd.difference(e.fields, c.removed)
    return {}


def _body(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the field manager compares it (managedFields are not part of it)."""
    out = dict(obj)
    md = out.get("metadata")
    if isinstance(md, dict) and "managedFields" in md:
        out["metadata"] = {k: v for k, v in md.items() if k != "managedFields"}
    return out


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    node: smd.Node,
    manager: str,
    api_version: str,
    subresource: str,
    now: str,
    ignored: Iterable[str] = (),
    release: str | None = None,
) -> None:
    """FieldManager.Update: set new's managedFields after `manager` wrote `new` over `old` (None
    for a create: the Go zero object of `release`'s kind is the live one)."""
    new_md = new.setdefault("metadata", {})
    old_md = (old or {}).get("metadata") or {}
    if subresource:
        managers = decode(old_md.get("managedFields"))
    elif _is_reset(new_md.get("managedFields")):
        managers = {}
    else:
        managers = decode(new_md.get("managedFields"))
        if not managers:
            managers = decode(old_md.get("managedFields"))
    live = (
        _body(old)
        if old is not None
        else _zero_shared(new.get("apiVersion", ""), new["kind"], release)
    )
    c = _comparison(live, _body(new), node, ignored)
    if managers:  # (no other manager: nothing to take from anyone)
        _update(c, managers, None, True)
    mine = smd.union(c.modified, c.added)
    if mine:
        entry = Entry(manager, "Update", api_version, now, subresource, mine)
        prev = managers.get(entry.ident)
        if prev is not None:
            entry.fields = smd.union(mine, prev.fields)
        managers[entry.ident] = entry
        entry.fields = smd.difference(entry.fields, _STRIP)
    _cap_update_managers(managers)
    _store(new_md, managers)


MAX_UPDATE_MANAGERS = 10
"""DefaultMaxUpdateManagers: more Update entries than this merge, oldest first, into one
`ancient-changes` entry per apiVersion (capmanagers.go)."""
ANCIENT_CHANGES = "ancient-changes"


def _cap_update_managers(managers: Managers) -> None:
    updaters = [m for m, e in managers.items() if e.operation != "Apply" and not e.empty()]
    if len(updaters) <= MAX_UPDATE_MANAGERS:
        return
    updaters.sort(key=lambda m: (managers[m].time or "", m))
    first_of_version: dict[str, Ident] = {}
    length = len(updaters)
    for ident in updaters:
        if length <= MAX_UPDATE_MANAGERS:
            break
        e = managers[ident]
        bucket = Entry(ANCIENT_CHANGES, "Update", e.api_version, e.time, "", {})
        first = first_of_version.get(e.api_version)
        if first is None:
            first_of_version[e.api_version] = ident
            continue
        if bucket.ident not in managers:
            moved = managers.pop(first)
            bucket.fields = moved.fields
            managers[bucket.ident] = bucket
        target = managers[bucket.ident]
        target.fields = smd.union(e.fields, target.fields)
        target.time = e.time
        del managers[ident]
        length -= 1


def _store(md: dict[str, Any], managers: Managers) -> None:
    encoded = encode(managers)
    if encoded:
        md["managedFields"] = encoded
    else:
        md.pop("managedFields", None)


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
KUBECTL = "kubectl"
"""The manager whose applies take over from client-side apply (lastappliedmanager.go)."""


class _Conflicts(Exception):
    def __init__(self, conflicts: list[tuple[Entry, FieldSet]]) -> None:
        super().__init__("conflicts")
        self.conflicts = conflicts


def apply(
    live: dict[str, Any],
    config: dict[str, Any],
    *,
    node: smd.Node,
    manager: str,
    api_version: str,
    subresource: str,
    now: str,
    force: bool,
    ignored: Iterable[str] = (),
) -> dict[str, Any]:
    """FieldManager.Apply: the merged object with its managedFields, or the 409 of the
    conflicts.

    As the lastAppliedManager and lastAppliedUpdater: `kubectl`'s first apply over an object
    last applied client-side takes the fields of its last-applied annotation that still hold
    their applied values without a conflict, and the annotation follows `kubectl`'s applies."""
    args = (live, config, node, manager, api_version, subresource, now, tuple(ignored))
    try:
        merged = _apply(*args, force=force)
    except _Conflicts as e:
        conflicts = e.conflicts
        allowed = _last_applied_fields(live, node, api_version) if manager == KUBECTL else None
        if allowed is None:
            raise conflict_error(conflicts) from None
        rest = [(entry, smd.difference(fs, allowed)) for entry, fs in conflicts]
        rest = [(entry, fs) for entry, fs in rest if fs]
        if rest:
            raise conflict_error(rest) from None
        merged = _apply(*args, force=True)
    annotations = (merged.get("metadata") or {}).get("annotations")
    if manager == KUBECTL and isinstance(annotations, dict) and annotations.get(LAST_APPLIED):
        annotations[LAST_APPLIED] = _last_applied_value(config)
    return merged


def _apply(
    live: dict[str, Any],
    config: dict[str, Any],
    node: smd.Node,
    manager: str,
    api_version: str,
    subresource: str,
    now: str,
    ignored: tuple[str, ...],
    *,
    force: bool,
) -> dict[str, Any]:
    managers = decode((live.get("metadata") or {}).get("managedFields"))
    live_body = _body(live)
    merged: dict[str, Any] = smd.merge(live_body, config, node)
    entry = Entry(manager, "Apply", api_version, now, subresource, {})
    last = managers.get(entry.ident)
    applied = _strip_ignored(smd.to_set(config, node), ignored)
    entry.fields = applied
    managers[entry.ident] = entry
    if last is not None and last.fields:
        merged = _prune(merged, managers, last.fields, node)
    conflicts = _update(_comparison(live_body, merged, node, ignored), managers, entry.ident, force)
    if conflicts:
        raise _Conflicts([(managers[m], fs) for m, fs in conflicts.items()])
    entry.fields = smd.difference(entry.fields, _STRIP)
    md = merged["metadata"] = dict(merged.get("metadata") or {})
    md["managedFields"] = encode(managers)
    return merged


def _last_applied_fields(live: dict[str, Any], node: smd.Node, api_version: str) -> FieldSet | None:
    """allowedConflictsFromLastApplied: the fields of the last-applied annotation whose value
    the live object still has (None without a usable annotation)."""
    annotations = (live.get("metadata") or {}).get("annotations")
    raw = annotations.get(LAST_APPLIED) if isinstance(annotations, dict) else None
    if not isinstance(raw, str) or not raw:
        return None
    try:
        last = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(last, dict) or last.get("apiVersion") != api_version:
        return None
    c = smd.compare(last, _body(live), node)
    fields = smd.to_set(last, node)
    for changed in (c.modified, c.added, c.removed):
        fields = smd.difference(fields, changed)
    return fields


def _last_applied_value(config: dict[str, Any]) -> str:
    """buildLastApplied: the applied configuration without the annotation, as
    UnstructuredJSONScheme encodes it (keys sorted, HTML characters escaped, a final newline)."""
    out = copy.deepcopy(config)
    annotations = (out.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED, None)
    text = json.dumps(out, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def _untimed(entries: Any) -> Any:
    if not isinstance(entries, list):
        return entries
    return [
        {k: v for k, v in e.items() if k != "time"} if isinstance(e, dict) else e for e in entries
    ]


def keep_timestamps(new: dict[str, Any], old: dict[str, Any]) -> None:
    """IgnoreManagedFieldsTimestampsTransformer: a write whose only change is the time of
    managedFields entries keeps the old ones, so it is a no-op (no new resourceVersion)."""
    new_md, old_md = new.get("metadata") or {}, old.get("metadata") or {}
    new_mf, old_mf = new_md.get("managedFields"), old_md.get("managedFields")
    if new_mf == old_mf or _untimed(new_mf) != _untimed(old_mf):
        return
    if _body(new) == _body(old):
        new_md["managedFields"] = old_mf


def _prune(
    merged: dict[str, Any], managers: Managers, last: FieldSet, node: smd.Node
) -> dict[str, Any]:
    """Updater.prune: remove what the manager applied last time and nobody owns now (a field
    with an owned field below it stays)."""
    owned: FieldSet = {}
    for e in managers.values():
        owned = smd.union(owned, e.fields)
    out = copy.deepcopy(merged)
    removed: list[list[str]] = []
    for path in smd.members(last):
        if smd.has_prefix(owned, path):
            continue
        if any(path[: len(r)] == r for r in removed):
            continue  # inside what is already gone (an item's key fields with the item)
        removed.append(path)
    for path in removed:
        smd.remove(out, path, node)
    return out


# --- conflicts ----------------------------------------------------------------------------------


def _print_manager(e: Entry) -> str:
    """printManager: `"a"`, `"a" with subresource "status"`, `"b" using v1` for updaters."""
    out = json.dumps(e.manager, ensure_ascii=False)
    if e.subresource:
        out += f" with subresource {json.dumps(e.subresource, ensure_ascii=False)}"
    if e.operation == "Update":
        out += f" using {e.api_version}"
    return out


def conflict_error(conflicts: list[tuple[Entry, FieldSet]]) -> StatusError:
    """NewConflictError: the 409 with one FieldManagerConflict cause per conflicting field."""
    flat = [(e, smd.path_string(p)) for e, fs in conflicts for p in smd.members(fs)]
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {_print_manager(e)}",
            "field": p,
        }
        for e, p in flat
    ]
    if len(flat) == 1:
        e, p = flat[0]
        message = f"Apply failed with 1 conflict: conflict with {_print_manager(e)}: {p}"
    else:
        lines: list[str] = []
        by: dict[str, list[str]] = {}
        for e, p in flat:
            by.setdefault(_print_manager(e), []).append(p)
        for m in sorted(by, key=lambda m: next(e.ident for e, _ in flat if _print_manager(e) == m)):
            lines.append(f"conflicts with {m}:")
            lines.extend(f"- {p}" for p in by[m])
        message = f"Apply failed with {len(flat)} conflicts: " + "\n".join(lines)
    return StatusError(409, "Conflict", message, {"causes": causes})
