"""The generated protobuf schema of each emulated release (data/releases/<release>.json.gz, written
by scripts/gen_releases.py), loaded on first use into tuples the decoder and encoder index without
further lookups. Releases other than the base one are stored as their difference from it
(fakekapi/core/jsondiff.py); only the chosen release's file and the base's are read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

import orjson

from fakekapi.core import jsonbytes, jsondiff, packagedata

# Field kinds (the "kind" strings of schema.json).
STRING, BOOL, INT32, INT64, BYTES, MSG, MAP, WRAP = range(8)
TIME, MICROTIME, DURATION, QUANTITY, INTORSTR, RAWEXT, FIELDSV1 = range(8, 15)
KINDS = {
    "string": STRING,
    "bool": BOOL,
    "int32": INT32,
    "int64": INT64,
    "bytes": BYTES,
    "msg": MSG,
    "map": MAP,
    "wrap": WRAP,
    "time": TIME,
    "microtime": MICROTIME,
    "duration": DURATION,
    "quantity": QUANTITY,
    "intorstr": INTORSTR,
    "rawext": RAWEXT,
    "fieldsv1": FIELDSV1,
}
NUMERIC = (BOOL, INT32, INT64)

# Flag bits of schema.json.
REPEATED, POINTER, OMITEMPTY, INLINE, SKIPJSON = 1, 2, 4, 8, 16


class Field(NamedTuple):
    """One Go struct field that has a protobuf number."""

    num: int
    json: str
    kind: int
    ref: Any  # message name (MSG), (key kind, value kind, value ref) (MAP), item kind (WRAP)
    repeated: bool
    pointer: bool
    omitempty: bool
    inline: bool
    skip_json: bool
    go_name: str


@dataclass(slots=True)
class Message:
    """A message: fields by number (decoding) and in Go order (kube's JSON order)."""

    name: str
    go_name: str
    order: tuple[Field, ...]
    by_num: dict[int, Field]


class _Messages(dict[str, Message]):
    """Messages by name, each built from its schema.json entry the first time it is asked for:
    a request touches a few dozen of a release's ~1,100 messages, and building them all cost
    ~9 ms of every start (the Node a start registers is the first write to need one). Look-ups
    only (`[]`, `get`, `in`): iterating, `len` and `keys` see only the messages built so far.
    The entries wait packed (`jsonbytes.Packed`: 1.9 MiB parsed, 0.3 MiB packed)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        super().__init__()
        self._raw = jsonbytes.Packed(raw)

    def __missing__(self, name: str) -> Message:
        message = self[name] = _message(name, self._raw[name])
        return message

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self._raw else default

    def __contains__(self, name: object) -> bool:
        return name in self._raw


def _message(name: str, raw: dict[str, Any]) -> Message:
    fields = []
    for num, js, kind, ref, flags, go_name in raw["fields"]:
        k = KINDS[kind]
        if k == MAP:
            ref = (KINDS[ref[0]], KINDS[ref[1]], KINDS.get(ref[2], ref[2]))
        elif k == WRAP:
            ref = KINDS[ref]
        fields.append(
            Field(
                num,
                js,
                k,
                ref,
                bool(flags & REPEATED),
                bool(flags & POINTER),
                bool(flags & OMITEMPTY),
                bool(flags & INLINE),
                bool(flags & SKIPJSON),
                go_name,
            )
        )
    return Message(name, raw["go"], tuple(fields), {f.num: f for f in fields})


class Schema:
    """All messages, and which `apiVersion Kind` pairs are built-in kinds."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.messages: dict[str, Message] = _Messages(raw["messages"])
        self.kinds: dict[tuple[str, str], str] = {}
        for key, msg in raw["kinds"].items():
            api_version, kind = key.split(" ")
            self.kinds[(api_version, kind)] = msg

    def message_for(self, api_version: str, kind: str) -> Message | None:
        name = self.kinds.get((api_version, kind))
        return self.messages[name] if name else None


def _read(name: str) -> dict[str, Any]:
    raw = packagedata.read_gzip("fakekapi.protobuf", "data", "releases", name)
    # orjson: the same values as json's (checked for every release's file), in ~40% of the
    # time; a start reads the base release's 380 KB for the Node it registers.
    doc: dict[str, Any] = orjson.loads(raw)
    return doc


@cache
def default_release() -> str:
    """The default release (as fakekapi.catalog.releases has it; the generator writes both)."""
    raw = packagedata.read_bytes("fakekapi.protobuf", "data", "releases", "index.json")
    return str(json.loads(raw)["default"])


def schema(release: str | None = None) -> Schema:
    """The schema of `release` (`1.36`; None: the default), parsed on first use (~20 ms)."""
    return _schema(release or default_release())


@cache
def _schema(release: str) -> Schema:
    doc = _read(f"{release}.json.gz")
    if doc.get("base") is None:
        return Schema(doc["data"])
    return Schema(jsondiff.apply(_read(f"{doc['base']}.json.gz")["data"], doc["diff"]))
