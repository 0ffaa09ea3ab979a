"""Protobuf wire format → kube JSON, one typed message at a time.

Parsing follows the gogo-generated `Unmarshal` code k8s.io/api uses (what kube-apiserver runs):
unknown fields are skipped, a repeated non-repeated field merges (messages) or wins (scalars),
errors carry the same texts. The JSON side follows Go's encoding/json over the decoded struct:
fields in Go declaration order, `omitempty` drops zero scalars and empty lists/maps but never
structs, a pointer that was on the wire is kept even when zero, a nil list/map/pointer without
`omitempty` is null, and the apimachinery types render through their MarshalJSON.
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
    NUMERIC,
    QUANTITY,
    RAWEXT,
    STRING,
    TIME,
    WRAP,
    Field,
    Message,
    Schema,
)

EOF = "unexpected EOF"
OVERFLOW = "proto: integer overflow"
NEG_LENGTH = "proto: negative length found during unmarshaling"
_MASK64 = (1 << 64) - 1
_MISSING: Any = object()
MAX_EMBEDDING = 16  # objects inside RawExtensions inside objects ...


class ProtoError(Exception):
    """A decoding failure, worded as the Go code words it."""


def read_varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """A uint64 varint as gogo reads it: at most 10 bytes, bits past 64 dropped."""
    result = 0
    shift = 0
    while True:
        if shift >= 64:
            raise ProtoError(OVERFLOW)
        if pos >= end:
            raise ProtoError(EOF)
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & _MASK64, pos
        shift += 7


def read_length(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """A length prefix; returns (start, stop) of the payload."""
    n, pos = read_varint(buf, pos, end)
    if n >= 1 << 63:
        raise ProtoError(NEG_LENGTH)
    stop = pos + n
    if stop > end:
        raise ProtoError(EOF)
    return pos, stop


def skip_field(buf: bytes, pos: int, end: int, wire: int) -> int:
    """skipGenerated: step over one unknown field (groups included)."""
    depth = 0
    while True:
        if wire == 0:
            _, pos = read_varint(buf, pos, end)
        elif wire == 1:
            pos += 8
        elif wire == 2:
            _, pos = read_length(buf, pos, end)
        elif wire == 3:
            depth += 1
        elif wire == 4:
            if depth == 0:
                raise ProtoError("proto: unexpected end of group")
            depth -= 1
        elif wire == 5:
            pos += 4
        else:
            raise ProtoError(f"proto: illegal wireType {wire}")
        if pos > end:
            raise ProtoError(EOF)
        if depth == 0:
            return pos
        tag, pos = read_varint(buf, pos, end)
        wire = tag & 7


def to_int32(v: int) -> int:
    """A varint as Go reads an int32 field: the low 32 bits, signed."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _int64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _scalar(kind: int, v: int) -> int | bool:
    if kind == INT32:
        return to_int32(v)
    if kind == INT64:
        return _int64(v)
    return v != 0


def _string(b: bytes) -> str:
    return b.decode("utf-8", "replace")


class Decoder:
    """Decodes messages of one schema. Stateless apart from the cached defaults."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._defaults: dict[str, dict[str, Any]] = {}
        self._plans: dict[str, tuple[tuple[Any, ...], ...]] = {}
        self.depth = 0

    # -- fields of a message ----------------------------------------------------------------

    def message(self, buf: bytes, pos: int, end: int, msg: Message) -> dict[str, Any]:
        """Decode buf[pos:end] as `msg` into kube's JSON object."""
        vals = self._collect(buf, pos, end, msg) if pos < end else {}
        plan = self._plans.get(msg.name)
        if plan is None:
            plan = self._plans[msg.name] = self._plan(msg)
        out: dict[str, Any] = {}
        get = vals.get
        for f, num, js, simple, keep_zero, absent, absent_value in plan:
            v = get(num, _MISSING)
            if v is _MISSING:
                if absent == 1:
                    out[js] = absent_value
                elif absent:
                    d = self.default(f.ref)
                    if absent == 3:
                        out.update(d)
                    else:
                        out[js] = d
            elif simple:
                if v or keep_zero:
                    out[js] = v
            else:
                self._present(f, v, out)
        return out

    def _plan(self, msg: Message) -> tuple[tuple[Any, ...], ...]:
        """Per field: (field, num, json, simple scalar?, keep zero?, absent action, value).

        Absent actions: 0 print nothing, 1 print the constant, 2 print the zero struct,
        3 merge the zero struct (inline)."""
        plan = []
        for f in msg.order:
            if f.skip_json:
                continue
            simple = not f.repeated and (f.kind in NUMERIC or f.kind == STRING)
            keep_zero = f.pointer or not f.omitempty
            absent: int = 0
            value: Any = None
            if f.pointer or f.repeated or f.kind in (MAP, WRAP, BYTES):
                absent = 0 if f.omitempty else 1
            elif f.kind == MSG:
                absent = 3 if f.inline else 2
            elif f.kind == STRING:
                absent, value = (0, None) if f.omitempty else (1, "")
            elif f.kind in NUMERIC:
                absent, value = (0, None) if f.omitempty else (1, False if f.kind == BOOL else 0)
            else:
                absent, value = 1, self._zero(f.kind, f.ref)
            plan.append((f, f.num, f.json, simple, keep_zero, absent, value))
        return tuple(plan)

    def _collect(self, buf: bytes, pos: int, end: int, msg: Message) -> dict[int, Any]:
        get_field = msg.by_num.get
        vals: dict[int, Any] = {}
        while pos < end:
            b = buf[pos]
            if b < 0x80:
                tag = b
                pos += 1
            else:
                tag, pos = read_varint(buf, pos, end)
            wire = tag & 7
            num = tag >> 3
            f = get_field(num)
            if f is None or wire == 4:
                if wire == 4:
                    raise ProtoError(f"proto: {msg.go_name}: wiretype end group for non-group")
                num32 = num & 0xFFFFFFFF
                if num32 == 0 or num32 >= 1 << 31:
                    fnum = num32 - (1 << 32) if num32 >= 1 << 31 else num32
                    raise ProtoError(f"proto: {msg.go_name}: illegal tag {fnum} (wire type {tag})")
                pos = skip_field(buf, pos, end, wire)
                continue
            kind = f.kind
            if wire == 2:
                # length prefix, one-byte fast path
                if pos < end and buf[pos] < 0x80:
                    start = pos + 1
                    pos = start + buf[pos]
                    if pos > end:
                        raise ProtoError(EOF)
                else:
                    start, pos = read_length(buf, pos, end)
                if kind == STRING:
                    sv = buf[start:pos].decode("utf-8", "replace")
                    if f.repeated:
                        vals.setdefault(num, []).append(sv)
                    else:
                        vals[num] = sv
                elif kind == MSG and f.repeated:
                    vals.setdefault(num, []).append(
                        self.message(buf, start, pos, self.schema.messages[f.ref])
                    )
                elif kind == MAP:
                    m = vals.get(num)
                    if m is None:
                        m = vals[num] = {}
                    self._map_entry(buf, start, pos, f, m)
                elif kind in NUMERIC:
                    if not f.repeated:
                        raise ProtoError(f"proto: wrong wireType = {wire} for field {f.go_name}")
                    items = vals.setdefault(num, [])
                    while start < pos:
                        v, start = read_varint(buf, start, pos)
                        items.append(_scalar(kind, v))
                elif kind == BYTES:
                    if f.repeated:
                        vals.setdefault(num, []).append(buf[start:pos])
                    else:
                        vals[num] = buf[start:pos]
                elif f.repeated:
                    vals.setdefault(num, []).append(self._special(buf, start, pos, kind, f.ref))
                else:
                    spans = vals.get(num)
                    if spans is None:
                        vals[num] = [(start, pos, buf)]
                    else:
                        spans.append((start, pos, buf))
            elif wire == 0 and kind in NUMERIC:
                if pos < end and buf[pos] < 0x80:
                    v = buf[pos]
                    pos += 1
                else:
                    v, pos = read_varint(buf, pos, end)
                sv2 = (v != 0) if kind == BOOL else to_int32(v) if kind == INT32 else _int64(v)
                if f.repeated:
                    vals.setdefault(num, []).append(sv2)
                else:
                    vals[num] = sv2
            else:
                raise ProtoError(f"proto: wrong wireType = {wire} for field {f.go_name}")
        return vals

    def _map_entry(self, buf: bytes, pos: int, end: int, f: Field, out: dict[str, Any]) -> None:
        _key_kind, vkind, vref = f.ref
        key = ""
        value: Any = _MISSING
        while pos < end:
            tag, pos = read_varint(buf, pos, end)
            num, wire = tag >> 3, tag & 7
            if num == 1 and wire == 2:
                s, pos = read_length(buf, pos, end)
                key = _string(buf[s:pos])
            elif num == 2 and wire == 2:
                s, pos = read_length(buf, pos, end)
                if vkind == STRING:
                    value = _string(buf[s:pos])
                elif vkind == BYTES:
                    value = base64.b64encode(buf[s:pos]).decode()
                elif vkind == MSG:
                    value = self.message(buf, s, pos, self.schema.messages[vref])
                elif vkind == WRAP:
                    value = self._wrap(buf, s, pos, vref) or None
                else:
                    value = self._special(buf, s, pos, vkind, vref)
            else:
                if num == 0 or wire == 4:
                    raise ProtoError(f"proto: illegal tag {num} (wire type {tag})")
                pos = skip_field(buf, pos, end, wire)
        if value is _MISSING:
            value = self._zero(vkind, vref)
        out[key] = value

    def _zero(self, kind: int, ref: Any) -> Any:
        """The JSON of a Go zero value of `kind` (map values, non-pointer struct fields)."""
        if kind == STRING:
            return ""
        if kind == BYTES:
            return ""
        if kind == MSG:
            return self.default(ref)
        if kind == DURATION:
            return "0s"
        if kind == QUANTITY:
            return "0"
        if kind == INTORSTR:
            return 0
        return None  # Time, MicroTime, RawExtension, FieldsV1, nil slices

    def _wrap(self, buf: bytes, pos: int, end: int, item_kind: int) -> list[Any]:
        """A named slice (ExtraValue, Verbs): a message whose field 1 is `repeated items`."""
        items: list[Any] = []
        while pos < end:
            tag, pos = read_varint(buf, pos, end)
            num, wire = tag >> 3, tag & 7
            if num == 1 and wire == 2:
                s, pos = read_length(buf, pos, end)
                items.append(_string(buf[s:pos]))
            else:
                if num == 0 or wire == 4:
                    raise ProtoError(f"proto: illegal tag {num} (wire type {tag})")
                pos = skip_field(buf, pos, end, wire)
        return items

    # -- the apimachinery types ---------------------------------------------------------------

    def _special(self, buf: bytes, pos: int, end: int, kind: int, ref: Any) -> Any:
        if kind == MSG:
            return self.message(buf, pos, end, self.schema.messages[ref])
        if kind == WRAP:
            return self._wrap(buf, pos, end, ref) or None
        if kind == TIME:
            if pos == end:
                return None
            sec, _ = self._timestamp(buf, pos, end)
            return special.time_json(sec)
        if kind == MICROTIME:
            if pos == end:
                return None
            sec, nanos = self._timestamp(buf, pos, end)
            return special.microtime_json(sec, nanos)
        ints, strs, raws = self._fields(buf, pos, end, kind)
        if kind == DURATION:
            return special.duration_json(ints.get(1, 0))
        if kind == QUANTITY:
            if 1 not in strs:
                return "0"
            err = special.check_quantity(strs[1])
            if err:
                raise ProtoError(err)
            return strs[1]
        if kind == INTORSTR:
            typ = _int64(ints.get(1, 0))
            if typ == 0:
                return to_int32(ints.get(2, 0))
            if typ == 1:
                return strs.get(3, "")
            raise ProtoError("impossible IntOrString.Type")
        # RawExtension and FieldsV1: field 1 holds the raw JSON
        raw = raws.get(1)
        if raw is None:
            return None
        return embedded_json(raw, self)

    def _timestamp(self, buf: bytes, pos: int, end: int) -> tuple[int, int]:
        sec = nanos = 0
        while pos < end:
            tag, pos = read_varint(buf, pos, end)
            num, wire = tag >> 3, tag & 7
            if wire == 4:
                raise ProtoError("proto: Timestamp: wiretype end group for non-group")
            if num in (1, 2):
                if wire != 0:
                    name = "Seconds" if num == 1 else "Nanos"
                    raise ProtoError(f"proto: wrong wireType = {wire} for field {name}")
                v, pos = read_varint(buf, pos, end)
                if num == 1:
                    sec = _int64(v)
                else:
                    nanos = to_int32(v)
            else:
                if num & 0xFFFFFFFF == 0:
                    raise ProtoError(f"proto: Timestamp: illegal tag 0 (wire type {tag})")
                pos = skip_field(buf, pos, end, wire)
        return sec, nanos

    def _fields(
        self, buf: bytes, pos: int, end: int, kind: int
    ) -> tuple[dict[int, int], dict[int, str], dict[int, bytes]]:
        """Generic scan of the small apimachinery messages (last occurrence wins)."""
        ints: dict[int, int] = {}
        strs: dict[int, str] = {}
        raws: dict[int, bytes] = {}
        while pos < end:
            tag, pos = read_varint(buf, pos, end)
            num, wire = tag >> 3, tag & 7
            if wire == 4:
                raise ProtoError(f"proto: {_NAMES[kind]}: wiretype end group for non-group")
            if num & 0xFFFFFFFF == 0:
                raise ProtoError(f"proto: {_NAMES[kind]}: illegal tag 0 (wire type {tag})")
            if wire == 0:
                v, pos = read_varint(buf, pos, end)
                ints[num] = v
            elif wire == 2:
                s, pos = read_length(buf, pos, end)
                raws[num] = buf[s:pos]
                strs[num] = _string(buf[s:pos])
            else:
                pos = skip_field(buf, pos, end, wire)
        return ints, strs, raws

    # -- Go encoding/json rules -------------------------------------------------------------------

    def default(self, name: str) -> dict[str, Any]:
        """JSON of the zero value of a message (a fresh copy each time)."""
        d = self._defaults.get(name)
        if d is None:
            d = self._defaults[name] = self.message(b"", 0, 0, self.schema.messages[name])
        return json.loads(json.dumps(d)) if d else {}

    def _present(self, f: Field, v: Any, out: dict[str, Any]) -> None:
        kind = f.kind
        if f.repeated:
            if kind == BYTES:
                v = [base64.b64encode(x).decode() for x in v]
            if v or not f.omitempty:
                out[f.json] = v if v else None
            return
        if kind in NUMERIC or kind == STRING:
            if f.pointer or not f.omitempty or v:
                out[f.json] = v
            return
        if kind == BYTES:
            if not (f.omitempty and not v):
                out[f.json] = base64.b64encode(v).decode()
            return
        if kind == MAP:
            # encoding/json sorts map keys (byte order = code point order)
            out[f.json] = v if len(v) < 2 else dict(sorted(v.items()))
            return
        # a (possibly repeated on the wire) embedded message: merge, as gogo does
        if len(v) == 1:
            start, stop, buf = v[0]
        elif kind in (TIME, MICROTIME):
            start, stop, buf = v[-1]  # Time.Unmarshal resets: last wins
        else:
            buf = b"".join(bytes(b[s:e]) for s, e, b in v)
            start, stop = 0, len(buf)
        value = self._special(buf, start, stop, kind, f.ref)
        if kind == WRAP and value is None and f.omitempty:
            return
        if f.inline and isinstance(value, dict):
            out.update(value)
        else:
            out[f.json] = value


_NAMES = {
    DURATION: "Duration",
    QUANTITY: "Quantity",
    INTORSTR: "IntOrString",
    RAWEXT: "RawExtension",
    FIELDSV1: "FieldsV1",
}


def embedded_json(raw: bytes, decoder: Decoder) -> Any:
    """The JSON an embedded object (RawExtension, FieldsV1) marshals to.

    Go writes the raw bytes verbatim, so they must already be JSON; an embedded object a Go
    client encoded as protobuf (the k8s\\0 envelope) is decoded like a top-level body.
    """
    if raw[:4] == b"k8s\x00":
        from fakekapi.protobuf.envelope import decode_envelope

        if decoder.depth >= MAX_EMBEDDING:
            raise ProtoError("embedded objects nested too deeply")
        decoder.depth += 1
        try:
            return decode_envelope(raw, decoder)[2]
        finally:
            decoder.depth -= 1
    if not raw:
        return None
    try:
        return json.loads(raw)
    except RecursionError:
        raise ProtoError("invalid embedded JSON: nested too deeply") from None
    except ValueError as e:
        raise ProtoError(f"invalid embedded JSON: {e}") from None
