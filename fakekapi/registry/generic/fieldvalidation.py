"""Decoding a body against a kind's type tree, as kube-apiserver's Go decoders do.

Two decoders matter, and they report differently:

* JSON into a typed object (create, update, and the result of a JSON/merge patch): the
  sigs.k8s.io/json strict decoder. Unknown and duplicate fields are "strict errors" in document
  order (`unknown field "spec.containers[0].foo"`, `duplicate field "spec.replicas"`; map keys and
  list indices are part of the path); the first type mismatch is a hard error
  (`cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort
  of type int32`: the struct holding the field, then the struct-field path without indices).
* The unstructured converter (the result of a strategic merge patch): unknown fields sorted by
  text, paths without map keys; type mismatches have the converter's own texts
  (`unrecognized type: int32`, `cannot convert int64 to string`, `cannot restore slice from map`).

Both drop what the Go structs cannot hold: the value returned is what kube would store. Content
under free-form types (RawExtension, IntOrString, Quantity, Time...) is kept as sent.
Patch bodies decoded into `map[string]interface{}` only report duplicate keys (`duplicates`).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import orjson

from fakekapi.catalog.schemas import FREE, LIST, MAP, SCALAR, STRUCT, Type
from fakekapi.core.errors import go_quote
from fakekapi.core.gojson import Base64Error, base64_check, unmarshal_type
from fakekapi.core.lazyre import LazyPattern

MAX_STRICT_ERRORS = 100
"""sigs.k8s.io/json keeps at most this many strict errors."""

_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}

go_q = go_quote
"""Go's `%q` as the strict decoder quotes field paths (core.errors.go_quote)."""


class Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in document order, duplicates included."""


def parse_pairs(body: bytes) -> Any:
    """The JSON document with every object as `Pairs` (so duplicate keys survive)."""
    return json.loads(body, object_pairs_hook=Pairs)


_KEY_END = LazyPattern(rb'"\s*:')
"""The end of an object key in JSON text (or an escaped quote and a colon inside a string)."""


def may_repeat_keys(body: bytes) -> bool:
    """Whether the JSON text `body` may hold a key twice in one object. Every key of the text
    ends in `"`, optional blanks and `:`, so a text with no more such ends than its decoding
    (orjson, last duplicate wins) has keys has no duplicates, and `parse_pairs` (a Python call
    per object, and a tree the typed decoder walks entry by entry) is not needed. The text is
    decoded again here rather than compared with the caller's object: the request handler adds
    a missing apiVersion or kind to that one (from the URL), which would hide a duplicate."""
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        return True
    return len(_KEY_END.findall(body)) != _keys(decoded)


def _keys(value: Any) -> int:
    stack = [value]
    pop, push = stack.pop, stack.append
    n = 0
    while stack:
        v = pop()
        if isinstance(v, dict):
            n += len(v)
            children: Any = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        for c in children:
            if isinstance(c, _OBJECTS_OR_LISTS):
                push(c)
    return n


_OBJECTS_OR_LISTS = (dict, list)


def _items(v: Any) -> list[tuple[str, Any]]:
    return list(v) if isinstance(v, Pairs) else list(v.items())


_OBJECTS = (dict, Pairs)
"""A tuple, not `dict | Pairs`: that expression builds a union object at every evaluation."""


def _is_object(v: Any) -> bool:
    return isinstance(v, _OBJECTS)


def plain(v: Any) -> Any:
    """`Pairs` trees back to dicts (the last duplicate wins, as in the stdlib decoder)."""
    if isinstance(v, Pairs):
        return {k: plain(x) for k, x in v}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def json_kind(v: Any) -> str:
    """How encoding/json names a JSON value in UnmarshalTypeError."""
    return "object" if _is_object(v) else unmarshal_type(v)


def _go_kind(v: Any) -> str:
    """reflect.Kind of a value in an unstructured map."""
    if _is_object(v):
        return "map"
    if isinstance(v, list):
        return "slice"
    if isinstance(v, str):
        return "string"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    return "float64"


class Decoded(NamedTuple):
    """A decoded body (a NamedTuple: made once per write and only read)."""

    value: Any
    strict: list[str]
    """Strict decoding errors (`unknown field "..."`, `duplicate field "..."`)."""
    error: str = ""
    """The decode error that fails the request regardless of fieldValidation ("" if none)."""


class _Decoder:
    def __init__(self, converter: bool, sort_keys: bool) -> None:
        self.converter = converter
        self.sort_keys = sort_keys
        self.strict: list[str] = []
        self._seen: set[str] = set()
        self.error = ""

    def strict_error(self, msg: str) -> None:
        if len(self.strict) >= MAX_STRICT_ERRORS or msg in self._seen:
            return
        self._seen.add(msg)
        self.strict.append(msg)

    def type_error(self, v: Any, t: Type, struct: str, stack: list[str]) -> None:
        if self.error:
            return
        if self.converter:
            self.error = self._converter_error(v, t)
            return
        value = json_kind(v)
        if value == "number" and t.go in ("int32", "int64"):
            value = f"number {_number_text(v)}"
        if struct or stack:
            self.error = (
                f"json: cannot unmarshal {value} into Go struct field {struct}."
                f"{'.'.join(stack)} of type {t.go}"
            )
        else:
            self.error = f"json: cannot unmarshal {value} into Go value of type {t.go}"

    def bytes_error(self, v: str) -> None:
        """A string for `[]byte` (Secret data) is base64; Go's decoder saves the first error
        (`illegal base64 data at input byte N`) like a type error and fails the decode."""
        if self.error:
            return
        try:
            base64_check(v)
        except Base64Error as e:
            self.error = str(e)

    @staticmethod
    def _converter_error(v: Any, t: Type) -> str:
        if t.kind == STRUCT:
            return f"cannot restore struct from: {_go_kind(v)}"
        if t.kind == LIST:
            return f"cannot restore slice from {_go_kind(v)}"
        if t.kind == MAP:
            return f"cannot restore map from {_go_kind(v)}"
        if isinstance(v, int) and not isinstance(v, bool) and t.go == "string":
            return "cannot convert int64 to string"
        if isinstance(v, float) and t.go in ("int32", "int64"):
            return f"cannot convert float64 to {t.go}"
        return f"unrecognized type: {t.go}"

    def key_path(self, path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def value(self, t: Type, v: Any, path: str, struct: str, stack: list[str]) -> Any:
        if v is None or t.kind == FREE:
            return plain(v)
        if t.kind == SCALAR:
            if not _scalar_ok(t.go, v, self.converter):
                self.type_error(v, t, struct, stack)
            elif t.go == "[]uint8" and not self.converter:
                self.bytes_error(v)
            return v
        if t.kind == LIST:
            if not isinstance(v, list):
                if self.converter or not (t.go == "[]uint8" and isinstance(v, str)):
                    self.type_error(v, t, struct, stack)
                else:
                    self.bytes_error(v)
                return plain(v)
            assert t.item is not None
            return [self.value(t.item, x, f"{path}[{i}]", struct, stack) for i, x in enumerate(v)]
        if not _is_object(v):
            self.type_error(v, t, struct, stack)
            return plain(v)
        if t.kind == MAP:
            return self.map(t, v, path, struct, stack)
        return self.struct(t, v, path, stack)

    def map(self, t: Type, v: Any, path: str, struct: str, stack: list[str]) -> dict[str, Any]:
        assert t.item is not None
        item = t.item
        if (
            item.kind == SCALAR
            and item.go == "string"
            and v.__class__ is dict
            and all(x.__class__ is str for x in v.values())
        ):
            # map[string]string (labels, annotations, ConfigMap data) of strings only, the
            # common case: nothing to report (no duplicates in a dict, no type mismatch), the
            # value is a copy. Same result as the loop below, without a call per entry.
            return dict(sorted(v.items())) if self.sort_keys else dict(v)
        out: dict[str, Any] = {}
        for k, x in self.ordered(v):
            if k in out and not self.converter:
                self.strict_error(f"duplicate field {go_q(self.key_path(path, k))}")
            sub = path if self.converter else self.key_path(path, k)
            out[k] = _go_merge(out.get(k), self.value(t.item, x, sub, struct, stack))
        return out

    def struct(self, t: Type, v: Any, path: str, stack: list[str]) -> dict[str, Any]:
        fields = t.fields()
        struct_name = t.struct_name
        out: dict[str, Any] = {}
        unknown: list[str] = []
        for k, x in self.ordered(v):
            f = fields.get(k)
            sub = f"{path}.{k}" if path else k  # key_path
            if f is None:
                if self.converter:
                    unknown.append(f"unknown field {go_q(sub)}")
                else:
                    self.strict_error(f"unknown field {go_q(sub)}")
                continue
            again = k in out
            if again and not self.converter:
                self.strict_error(f"duplicate field {go_q(sub)}")
            decoded = self.value(f.type, x, sub, struct_name, [*stack, k])
            out[k] = _go_merge(out[k], decoded) if again else decoded
        for msg in unknown:
            self.strict_error(msg)
        return out

    def ordered(self, v: Any) -> list[tuple[str, Any]]:
        items = _items(v)
        return sorted(items, key=lambda kv: kv[0]) if self.sort_keys else items


def _number_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e21:
        return repr(v)
    return json.dumps(v)


def _scalar_ok(go: str, v: Any, converter: bool) -> bool:
    if go in ("string", "[]uint8"):
        return isinstance(v, str)
    if go == "bool":
        return isinstance(v, bool)
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    if go == "float64":
        return True
    if isinstance(v, float) and (not converter or not v.is_integer()):
        return False
    lo, hi = _INT_RANGES[go]
    return converter or lo <= v <= hi


def _go_merge(old: Any, new: Any) -> Any:
    """A duplicate key decoded again into the same Go value: objects merge, the rest replace."""
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for k, v in new.items():
            merged[k] = _go_merge(merged.get(k), v)
        return merged
    return new


def decode(root: Type, obj: Any, *, sort_keys: bool = False) -> Decoded:
    """JSON decoding into the kind's struct (`obj` a dict or a `parse_pairs` tree).

    `sort_keys` walks objects in key order: the document a JSON or merge patch produces is
    re-marshalled from Go maps, whose keys encoding/json sorts.
    """
    d = _Decoder(converter=False, sort_keys=sort_keys)
    value = d.struct(root, obj, "", [])
    return Decoded(value, d.strict, d.error)


def convert(root: Type, obj: dict[str, Any]) -> Decoded:
    """The unstructured converter (FromUnstructuredWithValidation) on a patched object."""
    d = _Decoder(converter=True, sort_keys=False)
    value = d.struct(root, obj, "", [])
    return Decoded(value, sorted(d.strict), d.error)


def duplicates(tree: Any, path: str = "", prefix: str = "") -> list[str]:
    """Duplicate keys of a `parse_pairs` tree decoded into interface{} values (patch bodies)."""
    out: list[str] = []
    _dups(tree, path, out)
    seen: set[str] = set()
    result: list[str] = []
    for msg in out:
        if msg not in seen and len(result) < MAX_STRICT_ERRORS:
            seen.add(msg)
            result.append(prefix + msg)
    return result


def _dups(v: Any, path: str, out: list[str]) -> None:
    if isinstance(v, Pairs):
        seen: set[str] = set()
        for k, x in v:
            sub = f"{path}.{k}" if path else k
            if k in seen:
                out.append(f"duplicate field {go_q(sub)}")
            seen.add(k)
            _dups(x, sub, out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _dups(x, f"{path}[{i}]", out)


_JSON_PATCH_OP_FIELDS = ("op", "path", "from", "value")


def json_patch_strict(tree: Any) -> list[str]:
    """Strict errors of a JSON patch decoded into []jsonPatchOp, each prefixed `json patch `."""
    out: list[str] = []
    if not isinstance(tree, list):
        return out
    for i, op in enumerate(tree):
        if not isinstance(op, Pairs):
            continue
        seen: set[str] = set()
        for k, x in op:
            sub = f"[{i}].{k}"
            if k not in _JSON_PATCH_OP_FIELDS:
                out.append(f"unknown field {go_q(sub)}")
                continue
            if k in seen:
                out.append(f"duplicate field {go_q(sub)}")
            seen.add(k)
            if k == "value":
                _dups(x, sub, out)
    result: list[str] = []
    for msg in out:
        text = "json patch " + msg
        if text not in result and len(result) < MAX_STRICT_ERRORS:
            result.append(text)
    return result


def go_format(v: Any) -> str:
    """fmt's `%+v` of a decoded JSON value (maps print with sorted keys)."""
    if isinstance(v, Pairs):
        v = plain(v)
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_format(x)}" for k, x in sorted(v.items())) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_format(x) for x in v) + "]"
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _go_float(v)
    return str(v)


def _go_float(f: float) -> str:
    """%v of a float64: strconv 'g' with the shortest representation, exponent at >= 1e21."""
    if f.is_integer() and abs(f) < 1e21:
        return str(int(f))
    text = repr(f)
    if "e" in text:
        mant, exp = text.split("e")
        sign = exp[0] if exp[0] in "+-" else "+"
        digits = exp.lstrip("+-").rjust(2, "0")
        return f"{mant}e{sign}{digits}"
    return text


def undeclared(root: Type, obj: dict[str, Any]) -> list[str]:
    """Fields server-side apply's typed conversion refuses (`.spec.foo: field not declared in
    schema`), with structured-merge-diff paths: list items by their list-map keys
    (`[name="c"]`), set items by value (`[="x"]`), other list items by index."""
    out: list[str] = []
    _undeclared(root, obj, "", out)
    return out


def _undeclared(t: Type, v: Any, path: str, out: list[str]) -> None:
    if t.kind == STRUCT and isinstance(v, dict):
        fields = t.fields()
        for k, x in sorted(v.items()):
            f = fields.get(k)
            if f is None:
                out.append(f"{path}.{k}: field not declared in schema")
            elif f.type.kind == LIST and isinstance(x, list) and f.type.item is not None:
                for i, item in enumerate(x):
                    _undeclared(f.type.item, item, f"{path}.{k}{_ssa_index(f, item, i)}", out)
            else:
                _undeclared(f.type, x, f"{path}.{k}", out)
    elif t.kind == MAP and isinstance(v, dict) and t.item is not None:
        for k, x in sorted(v.items()):
            _undeclared(t.item, x, f"{path}.{k}", out)


def _ssa_index(f: Any, item: Any, i: int) -> str:
    if f.list_type == "map" and f.map_keys and isinstance(item, dict):
        keys = [k for k in f.map_keys if k in item]
        return "[" + ",".join(f"{k}={json.dumps(item[k])}" for k in keys) + "]"
    if f.list_type == "set":
        return f"[={json.dumps(item)}]"
    return f"[{i}]"
