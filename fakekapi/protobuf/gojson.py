"""A built-in object through its Go type and back: what kube-apiserver stores and returns for a
body, whatever format it came in (JSON, YAML, protobuf, a patch result, a fixture).

kube-apiserver decodes every body into the kind's Go struct and encodes that struct with
encoding/json, so the stored object follows the struct, not the client: fields in Go
declaration order (`kind`, `apiVersion`, `metadata`, `spec`, `status`), fields without
`omitempty` present with their zero value (`status.replicas: 0`, `resources: {}` on every
container, `creationTimestamp: null` in pod templates), struct fields never omitted, zero
scalars and empty lists/maps with `omitempty` dropped, pointers kept when set (even to a zero
value), map keys sorted, unknown fields dropped. The apimachinery types print through their
MarshalJSON: quantities canonical (core/quantity), times as UTC RFC 3339 (core/gotime), byte
slices as standard base64, IntOrString as a number or a string.

The Go tags come from the protobuf schema (data/schema.json: json names, omitempty, pointers,
inline structs, for every built-in kind), so this module and the protobuf decoder agree field for
field. `go_roundtrip` is a pure function of the object; callers report `GoDecodeError` the way
the decoder would (`<Kind> in version "v1" cannot be handled as a <Kind>: <message>`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fakekapi.core import gotime, quantity
from fakekapi.core.gojson import Base64Error, base64_canonical, base64_check, unmarshal_type
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
    schema,
)

_INT32 = (-(2**31), 2**31 - 1)


class GoDecodeError(ValueError):
    """A value the Go type's UnmarshalJSON refuses; the message is Go's text."""


# What each field does when absent or null: 0 nothing, 1 a constant, 2 a zero struct.
_SKIP, _CONST, _ZERO_STRUCT = range(3)
_NEVER_EMPTY = frozenset({MSG, QUANTITY, INTORSTR, TIME, MICROTIME, DURATION, RAWEXT, FIELDSV1})
"""Structs: omitempty never drops them (a zero IntOrString is 0, a zero Time null)."""


class _Plan:
    __slots__ = ("absent", "const", "field", "index", "json", "keep", "kind", "ref", "repeated")

    def __init__(self, f: Field, absent: int, const: Any) -> None:
        self.field = f
        self.json = f.json
        self.kind = f.kind
        self.ref = f.ref
        self.repeated = f.repeated
        self.absent = absent
        self.const = const
        self.keep = f.pointer or not f.omitempty or (f.kind in _NEVER_EMPTY and not f.repeated)
        """A present zero/empty value is written (pointers, fields without omitempty, structs)."""
        self.index = 0
        """The field's place in Go's order (inline structs' fields flattened in)."""


class _Info(NamedTuple):
    fields: dict[str, _Plan]
    always: tuple[_Plan, ...]
    """Fields written even when absent (their zero value), in Go order."""
    checked: dict[str, _Plan]
    """The fields whose value Go's decoding may refuse (`GoJSON.check` looks at no other)."""


_NEVER_REFUSED = frozenset({STRING, BOOL, INT32, INT64, DURATION, RAWEXT, FIELDSV1})
"""Kinds whose single value `GoJSON.single` passes through whatever it is: a plain value (its
type was checked by the typed decoding before), a Duration, raw JSON."""


_TYPE_META = (
    Field(0, "kind", STRING, None, False, False, True, False, False, "Kind"),
    Field(0, "apiVersion", STRING, None, False, False, True, False, False, "APIVersion"),
)


class GoJSON:
    """Encodes objects of one schema; plans and zero structs are cached per message."""

    def __init__(self, s: Schema) -> None:
        self.schema = s
        self._infos: dict[str, _Info] = {}
        self._zeros: dict[str, dict[str, Any]] = {}
        self._typed = frozenset(s.kinds.values())
        """Messages that embed TypeMeta (kinds): nested ones keep `kind` and `apiVersion`
        (a StatefulSet's volumeClaimTemplates)."""

    def info(self, msg: Message) -> _Info:
        info = self._infos.get(msg.name)
        if info is None:
            plans: list[_Plan] = []
            if msg.name in self._typed:
                plans += [self._field_plan(f) for f in _TYPE_META]
            self._flatten(msg, plans)
            for i, p in enumerate(plans):
                p.index = i
            info = self._infos[msg.name] = _Info(
                {p.json: p for p in plans},
                tuple(p for p in plans if p.absent != _SKIP),
                {p.json: p for p in plans if p.repeated or p.kind not in _NEVER_REFUSED},
            )
        return info

    def _flatten(self, msg: Message, plans: list[_Plan]) -> None:
        for f in msg.order:
            if f.skip_json:
                continue
            if f.kind == MSG and f.inline:
                self._flatten(self.schema.messages[f.ref], plans)
            else:
                plans.append(self._field_plan(f))

    @staticmethod
    def _field_plan(f: Field) -> _Plan:
        if f.pointer or f.repeated or f.kind in (MAP, WRAP, BYTES):
            return _Plan(f, _SKIP if f.omitempty else _CONST, None)
        if f.kind == MSG:
            return _Plan(f, _ZERO_STRUCT, None)
        if f.kind == STRING:
            return _Plan(f, _SKIP if f.omitempty else _CONST, "")
        if f.kind in (INT32, INT64):
            return _Plan(f, _SKIP if f.omitempty else _CONST, 0)
        if f.kind == BOOL:
            return _Plan(f, _SKIP if f.omitempty else _CONST, False)
        # apimachinery structs: never omitted, their zero's MarshalJSON
        return _Plan(f, _CONST, _ZERO_SPECIAL.get(f.kind))

    def zero(self, name: str) -> dict[str, Any]:
        """The JSON of a zero struct (a fresh copy)."""
        z = self._zeros.get(name)
        if z is None:
            z = self._zeros[name] = self.message({}, self.schema.messages[name])
        copied: dict[str, Any] = _copy(z)
        return copied

    def message(self, src: dict[str, Any], msg: Message) -> dict[str, Any]:
        """Walks the fields present (usually far fewer than the struct has), then adds the
        absent ones Go always writes, and orders the result as Go's struct does."""
        fields, always, _ = self.info(msg)
        out: dict[str, Any] = {}  # in the source's order, which is usually Go's already
        single = self.single
        in_order = True
        last = -1
        for k, v in src.items():
            p = fields.get(k)
            if p is None or v is None:
                continue
            if p.repeated:
                if not isinstance(v, list):
                    raise GoDecodeError(_type_error(v, "[]" + _go_name(p.field)))
                if not v and not p.keep:
                    continue
                kind, ref = p.kind, p.ref
                value: Any = [single(kind, ref, x) for x in v]
            else:
                kind = p.kind
                # strings, bools and ints go out as sent; the rest through their Go type
                plain = kind <= INT64 and v.__class__ is not float
                value = v if plain else single(kind, p.ref, v)
                if not value and not p.keep:
                    continue
            if p.index < last:
                in_order = False
            last = p.index
            out[k] = value
        if always:
            get = src.get
            for p in always:
                if get(p.json) is None:
                    out[p.json] = self.zero(p.ref) if p.absent == _ZERO_STRUCT else p.const
                    in_order = False
        if not in_order:
            # (each key is a field's: the source's keys are distinct, and a field written as
            # absent was not among them)
            return dict(sorted(out.items(), key=lambda kv: fields[kv[0]].index))
        return out

    def check(self, src: dict[str, Any], msg: Message) -> None:
        """Raise what `message(src, msg)` would raise, building nothing: the same fields in the
        same order (so the same first error), skipping the values `single` never refuses."""
        checked = self.info(msg).checked
        if not checked:
            return
        for k, v in src.items():
            p = checked.get(k)
            if p is None or v is None:
                continue
            if p.repeated:
                if not isinstance(v, list):
                    raise GoDecodeError(_type_error(v, "[]" + _go_name(p.field)))
                if p.kind not in _NEVER_REFUSED:
                    for x in v:
                        self.check_single(p.kind, p.ref, x)
            else:
                self.check_single(p.kind, p.ref, v)

    def check_single(self, kind: int, ref: Any, v: Any) -> None:
        """`single`'s refusals for one value: structs and maps walked by `check`, the others
        (bytes, quantities, times, IntOrString...) through `single` itself."""
        if kind == MSG:
            if v is None:
                return
            if not isinstance(v, dict):
                raise GoDecodeError(_type_error(v, "struct"))
            self.check(v, self.schema.messages[ref])
        elif kind == MAP:
            if v is None:
                return
            if not isinstance(v, dict):
                raise GoDecodeError(_type_error(v, "map"))
            _, vkind, vref = ref
            if vkind not in _NEVER_REFUSED:
                for k in sorted(v):
                    self.check_single(vkind, vref, v[k])
        elif kind == BYTES:
            if v is None:
                return
            if not isinstance(v, str):
                raise GoDecodeError(_type_error(v, "[]uint8"))
            try:
                base64_check(v)
            except Base64Error as e:
                raise GoDecodeError(str(e)) from None
        elif kind not in _NEVER_REFUSED:
            self.single(kind, ref, v)

    def single(self, kind: int, ref: Any, v: Any) -> Any:
        """One value of a field (a list item, a map value, a plain field)."""
        if kind == STRING:
            return "" if v is None else v
        if kind == MSG:
            if v is None:
                return self.zero(ref)
            if not isinstance(v, dict):
                raise GoDecodeError(_type_error(v, "struct"))
            return self.message(v, self.schema.messages[ref])
        if kind in (INT32, INT64):
            if v is None:
                return 0
            return int(v) if isinstance(v, float) and v.is_integer() else v
        if kind == BOOL:
            return False if v is None else v
        if kind == MAP:
            if v is None:
                return None
            if not isinstance(v, dict):
                raise GoDecodeError(_type_error(v, "map"))
            _, vkind, vref = ref
            if vkind == STRING and all(x.__class__ is str for x in v.values()):
                return {k: v[k] for k in sorted(v)}  # map[string]string: as single() would
            return {k: self.single(vkind, vref, v[k]) for k in sorted(v)}
        if kind == BYTES:
            if v is None:
                return None
            if not isinstance(v, str):
                raise GoDecodeError(_type_error(v, "[]uint8"))
            try:
                return base64_canonical(v)
            except Base64Error as e:
                raise GoDecodeError(str(e)) from None
        if kind == WRAP:
            return None if v is None else list(v)
        if kind == QUANTITY:
            try:
                return quantity.from_json(v)
            except quantity.QuantityError as e:
                raise GoDecodeError(str(e)) from None
        if kind in (TIME, MICROTIME):
            layout = gotime.RFC3339 if kind == TIME else gotime.RFC3339_MICRO
            try:
                return gotime.from_json(v, layout)
            except gotime.TimeError as e:
                raise GoDecodeError(str(e)) from None
        if kind == INTORSTR:
            return _int_or_string(v)
        if kind == DURATION:
            return "0s" if v is None else v
        return v  # RawExtension, FieldsV1: the raw JSON as sent


_ZERO_SPECIAL: dict[int, Any] = {QUANTITY: "0", DURATION: "0s", INTORSTR: 0}


def _int_or_string(v: Any) -> Any:
    """intstr.IntOrString.UnmarshalJSON: a string, else json.Unmarshal into an int32."""
    if v is None:
        return 0
    if isinstance(v, str):
        return v
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise GoDecodeError(
            f"json: cannot unmarshal {unmarshal_type(v)} into Go value of type int32"
        )
    if isinstance(v, float) and not v.is_integer():
        raise GoDecodeError(f"json: cannot unmarshal number {v!r} into Go value of type int32")
    n = int(v)
    if not _INT32[0] <= n <= _INT32[1]:
        raise GoDecodeError(f"json: cannot unmarshal number {n} into Go value of type int32")
    return n


def _type_error(v: Any, go: str) -> str:
    return f"json: cannot unmarshal {unmarshal_type(v)} into Go value of type {go}"


def _go_name(f: Field) -> str:
    return {STRING: "string", INT32: "int32", INT64: "int64", BOOL: "bool"}.get(f.kind, "struct")


def _copy(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


_encoders: dict[str | None, GoJSON] = {}


def _get(release: str | None = None) -> GoJSON:
    encoder = _encoders.get(release)
    if encoder is None:
        encoder = _encoders.setdefault(release, GoJSON(schema(release)))
    return encoder


def knows(api_version: str, kind: str, release: str | None = None) -> bool:
    """Whether `api_version` `kind` is a built-in kind with a Go type."""
    return schema(release).message_for(api_version, kind) is not None


def go_check(obj: dict[str, Any], release: str | None = None) -> None:
    """Raise the GoDecodeError `go_roundtrip(obj, release)` would raise, without encoding: a
    body is checked when it is decoded and encoded only once, as stored, after defaulting,
    admission and validation changed it."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return
    enc = _get(release)
    msg = enc.schema.message_for(api_version, kind)
    if msg is not None:
        enc.check(obj, msg)


def go_roundtrip(obj: dict[str, Any], release: str | None = None) -> dict[str, Any] | None:
    """`obj` decoded into its Go type of `release` (None: the default release) and encoded
    again; None when its apiVersion and kind name no built-in kind (custom resources). Raises
    GoDecodeError."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    enc = _get(release)
    msg = enc.schema.message_for(api_version, kind)
    if msg is None:
        return None
    return enc.message(obj, msg)
