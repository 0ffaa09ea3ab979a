"""The field tree of every built-in kind, for field validation and patches.

kube-apiserver knows the shape of its objects from Go structs: which fields exist, their Go
types, and the struct tags that drive strategic merge patch and server-side apply. The same
facts are generated from each release's OpenAPI by scripts/gen_releases.py (gen_schema_index.py)
into `data/releases/<release>/schema_index.json.gz`; this module reads the chosen release's file on
first use (never at import or start-up) and hands out `Type` nodes that callers walk field by field.

Custom resources have no entry: `kind_type` answers None and callers leave their fields alone.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from typing import Any, NamedTuple

from fakekapi.catalog import releases
from fakekapi.core import jsonbytes, packagedata

SCALAR = "scalar"
STRUCT = "struct"
LIST = "list"
MAP = "map"
FREE = "free"
"""A value Go decodes with its own code (IntOrString, Quantity, Time, RawExtension, JSON...):
never checked for unknown fields, stored as sent."""

_lock = threading.Lock()


class Field(NamedTuple):
    """A struct field: its type and the patch metadata of its struct tags."""

    type: Type
    patch_strategy: tuple[str, ...] = ()
    """`x-kubernetes-patch-strategy` split on commas: "merge", "retainKeys", "replace"."""
    merge_key: str = ""
    list_type: str = ""
    """`x-kubernetes-list-type` (server-side apply): "atomic", "set" or "map"."""
    map_keys: tuple[str, ...] = ()


class Type:
    """One node of a kind's type tree."""

    __slots__ = ("_fields", "_id", "_release", "go", "item", "kind")

    def __init__(
        self,
        kind: str,
        go: str,
        item: Type | None = None,
        type_id: str = "",
        release: str = "",
    ) -> None:
        self.kind = kind
        self.go = go
        """The Go type as reflect prints it (`v1.PodSpec`, `[]v1.Container`, `int32`)."""
        self.item = item
        """The element type of a list or map."""
        self._id = type_id
        self._release = release
        self._fields: dict[str, Field] | None = None

    @property
    def type_id(self) -> str:
        """The struct's definition name without `io.k8s.` ("" for other kinds of node)."""
        return self._id

    @property
    def atomic(self) -> bool:
        """A struct server-side apply owns and replaces as a whole (`x-kubernetes-map-type:
        atomic` on its definition: LabelSelector, ObjectReference, ...)."""
        return bool(self._id) and self._id in _atomic(self._release)[0]

    def atomic_map(self, name: str) -> bool:
        """True for a map field of this struct marked `x-kubernetes-map-type: atomic`
        (PodSpec.nodeSelector, ServiceSpec.selector, ...)."""
        return name in _atomic(self._release)[1].get(self._id, ())

    @property
    def struct_name(self) -> str:
        """The struct's name without its package (`PodSpec`), as decode errors print it."""
        return self.go.rsplit(".", 1)[-1]

    def fields(self) -> dict[str, Field]:
        """A struct's fields by JSON name (empty for other kinds of node)."""
        if self._fields is None:
            if self.kind != STRUCT:
                self._fields = {}
            else:
                raw = _index(self._release).types[self._id]["f"]
                self._fields = {name: _field(spec, self._release) for name, spec in raw.items()}
        return self._fields

    def field(self, name: str) -> Field | None:
        return self.fields().get(name)

    def __repr__(self) -> str:
        return f"Type({self.kind}, {self.go})"


class _Index(NamedTuple):
    kinds: dict[str, str]
    """`group/version/Kind` (`v1/Pod` for the core group) -> its root type id."""
    types: jsonbytes.Packed
    """Each type's entry (`{"go": ..., "f": {...}}`), kept packed: a server reads a few dozen of
    a release's ~760, each once (`Type` keeps what it built)."""


@cache
def _index(release: str) -> _Index:
    with _lock:
        doc = releases.stored("fakekapi.catalog", release, "{}", "schema_index.json.gz")
        return _Index(doc["kinds"], jsonbytes.Packed(doc["types"]))


@cache
def _atomic(release: str) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """data/smd_atomic.json (scripts/gen_smd_atomic.py): atomic structs and atomic map fields of
    `release` (1.33's, with the release's differences applied)."""
    data = json.loads(packagedata.read_bytes("fakekapi.catalog", "data", "smd_atomic.json"))
    delta = data.get("releases", {}).get(release, {})
    types = (set(data["types"]) | set(delta.get("addTypes", ()))) - set(
        delta.get("removeTypes", ())
    )
    fields = {k: set(v) for k, v in data["fields"].items()}
    for type_id, names in delta.get("addFields", {}).items():
        fields.setdefault(type_id, set()).update(names)
    for type_id, names in delta.get("removeFields", {}).items():
        fields.get(type_id, set()).difference_update(names)
    return frozenset(types), {k: frozenset(v) for k, v in fields.items()}


_structs: dict[tuple[str, str], Type] = {}
_scalars: dict[str, Type] = {}


def _struct(type_id: str, release: str) -> Type:
    t = _structs.get((release, type_id))
    if t is None:
        go = _index(release).types[type_id]["go"]
        t = _structs.setdefault(
            (release, type_id), Type(STRUCT, go, type_id=type_id, release=release)
        )
    return t


def _type(expr: Any, release: str) -> Type:
    if isinstance(expr, list):
        item = _type(expr[1], release)
        if expr[0] == "l":
            return Type(LIST, "[]" + item.go, item)
        return Type(MAP, "map[string]" + item.go, item)
    s = str(expr)
    if s.startswith("@"):
        return _struct(s[1:], release)
    if s.startswith("~"):
        return Type(FREE, s[1:])
    t = _scalars.get(s)
    if t is None:
        t = _scalars.setdefault(s, Type(SCALAR, s))
    return t


def _field(spec: Any, release: str) -> Field:
    if not isinstance(spec, dict):
        return Field(_type(spec, release))
    strategy = str(spec.get("ps") or "")
    return Field(
        _type(spec["t"], release),
        tuple(s for s in strategy.split(",") if s),
        str(spec.get("mk") or ""),
        str(spec.get("lt") or ""),
        tuple(spec.get("lk") or ()),
    )


def kind_type(group: str, version: str, kind: str, release: str | None = None) -> Type | None:
    """The root type of a built-in kind of `release` (None: the default release), or None
    (custom resources, unknown kinds)."""
    release = releases.resolve(release)
    gv = f"{group}/{version}" if group else version
    type_id = _index(release).kinds.get(f"{gv}/{kind}")
    return None if type_id is None else _struct(type_id, release)
