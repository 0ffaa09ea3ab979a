"""kube JSON → protobuf with the same schema, the way gogo's Marshal writes it: ascending field
numbers, non-pointer scalars and structs always written (zero included), pointers only when set,
map entries sorted by key. Used for round-trip tests and fixtures; the server never encodes.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from fakekapi.protobuf import special
from fakekapi.protobuf.schema import (
    BOOL,
    BYTES,
    DURATION,
    FIELDSV1,
    INT32,
    INT64,
    INTORSTR,
    MAP,
    MICROTIME,
    MSG,
    QUANTITY,
    RAWEXT,
    STRING,
    TIME,
    WRAP,
    Field,
    Message,
    Schema,
)


def varint(v: int) -> bytes:
    v &= (1 << 64) - 1
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def _key(num: int, wire: int) -> bytes:
    return varint(num << 3 | wire)


def _len(num: int, payload: bytes) -> bytes:
    return _key(num, 2) + varint(len(payload)) + payload


class Encoder:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def message(self, obj: dict[str, Any], msg: Message) -> bytes:
        parts: list[bytes] = []
        for f in sorted(msg.order, key=lambda f: f.num):
            if f.inline:
                sub = self.schema.messages[f.ref]
                parts.append(_len(f.num, self.message(obj, sub)))
                continue
            v = obj.get(f.json) if not f.skip_json else None
            parts.append(self.field(f, v, f.json in obj))
        return b"".join(parts)

    def field(self, f: Field, v: Any, present: bool) -> bytes:
        kind = f.kind
        if f.repeated:
            return b"".join(self.single(f, x) for x in v or ())
        if kind == MAP:
            out = []
            for k in sorted(v or {}):
                entry = _len(1, k.encode()) + self.map_value(f.ref[1], f.ref[2], v[k])
                out.append(_len(f.num, entry))
            return b"".join(out)
        # A pointer to Time/RawExtension/FieldsV1 that is set but zero prints as null too.
        nullable = kind in (TIME, MICROTIME, RAWEXT, FIELDSV1)
        if f.pointer and (not present or (v is None and not nullable)):
            return b""
        if v is None and kind in (WRAP, BYTES):
            return b""
        if v is None and kind in (STRING, BOOL, INT32, INT64):
            v = "" if kind == STRING else 0
        return self.single(f, v)

    def map_value(self, kind: int, ref: Any, v: Any) -> bytes:
        if kind == STRING:
            return _len(2, v.encode())
        if kind == BYTES:
            return _len(2, base64.b64decode(v))
        if kind == MSG:
            return _len(2, self.message(v, self.schema.messages[ref]))
        if kind == WRAP:
            return b"" if v is None else _len(2, b"".join(_len(1, x.encode()) for x in v))
        return _len(2, self.special(kind, v))

    def single(self, f: Field, v: Any) -> bytes:
        kind = f.kind
        if kind == STRING:
            return _len(f.num, v.encode())
        if kind in (BOOL, INT32, INT64):
            return _key(f.num, 0) + varint(int(v))
        if kind == BYTES:
            return _len(f.num, base64.b64decode(v))
        if kind == MSG:
            return _len(f.num, self.message(v or {}, self.schema.messages[f.ref]))
        if kind == WRAP:
            return _len(f.num, b"".join(_len(1, x.encode()) for x in v))
        return _len(f.num, self.special(kind, v))

    def special(self, kind: int, v: Any) -> bytes:
        if kind in (TIME, MICROTIME):
            if v is None:
                return b""
            sec, nanos = special.parse_time(v)
            out = _key(1, 0) + varint(sec)
            if kind == MICROTIME and nanos:
                out += _key(2, 0) + varint(nanos)
            return out
        if kind == DURATION:
            return _key(1, 0) + varint(special.parse_duration(v or "0s"))
        if kind == QUANTITY:
            return _len(1, str(v if v is not None else "0").encode())
        if kind == INTORSTR:
            v = 0 if v is None else v
            if isinstance(v, str):
                return _key(1, 0) + varint(1) + _key(2, 0) + varint(0) + _len(3, v.encode())
            return _key(1, 0) + varint(0) + _key(2, 0) + varint(int(v)) + _len(3, b"")
        if kind in (RAWEXT, FIELDSV1):
            if v is None:
                return b""
            return _len(1, json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode())
        raise ValueError(f"unknown kind {kind}")
