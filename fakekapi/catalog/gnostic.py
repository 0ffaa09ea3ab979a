"""The gnostic `openapi.v2.Document` protobuf encoding of an OpenAPI v2 (swagger) document.

kubectl 1.27 and 1.28 read `/openapi/v2` only as this protobuf (Accept:
application/com.github.proto-openapi.spec.v2.v1.0+protobuf). The built-in document is encoded
once by scripts/gen_openapi.py; custom resource definitions and paths are encoded at run time
with the same functions and appended to it. Hand-written because the gnostic messages are
Kubernetes' own (github.com/google/gnostic-models openapiv2/OpenAPIv2.proto) and no PyPI
package ships them; the field numbers below are that .proto's.
"""

from __future__ import annotations

import struct
from typing import Any

JSON = dict[str, Any]


def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


class Msg:
    """A protobuf message under construction (proto3: zero values are not written)."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def bytes_(self, field: int, data: bytes, *, keep_empty: bool = False) -> Msg:
        if data or keep_empty:
            self.buf += _varint(field << 3 | 2) + _varint(len(data)) + data
        return self

    def string(self, field: int, s: str | None) -> Msg:
        if s:
            self.bytes_(field, s.encode())
        return self

    def msg(self, field: int, m: Msg | None) -> Msg:
        if m is not None:
            self.bytes_(field, bytes(m.buf), keep_empty=True)
        return self

    def boolean(self, field: int, b: bool | None) -> Msg:
        if b:
            self.buf += _varint(field << 3) + b"\x01"
        return self

    def int64(self, field: int, n: int | None) -> Msg:
        if n:
            self.buf += _varint(field << 3) + _varint(int(n))
        return self

    def double(self, field: int, x: float | None) -> Msg:
        if x:
            self.buf += _varint(field << 3 | 1) + struct.pack("<d", float(x))
        return self


def any_yaml(value: Any) -> Msg:
    """gnostic Any{yaml: 2}: the value re-serialised as YAML."""
    import yaml  # the protobuf OpenAPI document is built on its first request, not at start

    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, width=1 << 30)
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return Msg().string(2, text)


def named_any(field: int, parent: Msg, node: JSON) -> None:
    for k, v in node.items():
        if k.startswith("x-"):
            parent.msg(field, Msg().string(1, k).msg(2, any_yaml(v)))


def pb_schema(s: JSON) -> Msg:
    m = Msg()
    m.string(1, s.get("$ref"))
    m.string(2, s.get("format"))
    m.string(3, s.get("title"))
    m.string(4, s.get("description"))
    if "default" in s:
        m.msg(5, any_yaml(s["default"]))
    m.double(6, s.get("multipleOf"))
    m.double(7, s.get("maximum"))
    m.boolean(8, s.get("exclusiveMaximum"))
    m.double(9, s.get("minimum"))
    m.boolean(10, s.get("exclusiveMinimum"))
    m.int64(11, s.get("maxLength"))
    m.int64(12, s.get("minLength"))
    m.string(13, s.get("pattern"))
    m.int64(14, s.get("maxItems"))
    m.int64(15, s.get("minItems"))
    m.boolean(16, s.get("uniqueItems"))
    m.int64(17, s.get("maxProperties"))
    m.int64(18, s.get("minProperties"))
    for r in s.get("required", []):
        m.bytes_(19, r.encode(), keep_empty=True)
    for e in s.get("enum", []):
        m.msg(20, any_yaml(e))
    ap = s.get("additionalProperties")
    if isinstance(ap, dict):
        m.msg(21, Msg().msg(1, pb_schema(ap)))
    elif isinstance(ap, bool):
        # AdditionalPropertiesItem.boolean (2): `false` must still be written inside the oneof.
        m.msg(21, _bool_oneof(2, ap))
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        tm = Msg()
        for t in types:
            tm.bytes_(1, t.encode(), keep_empty=True)
        m.msg(22, tm)
    if "items" in s:
        items = s["items"] if isinstance(s["items"], list) else [s["items"]]
        im = Msg()
        for it in items:
            im.msg(1, pb_schema(it))
        m.msg(23, im)
    for a in s.get("allOf", []):
        m.msg(24, pb_schema(a))
    if "properties" in s:
        pm = Msg()
        for k, v in s["properties"].items():
            pm.msg(1, Msg().string(1, k).msg(2, pb_schema(v)))
        m.msg(25, pm)
    m.string(26, s.get("discriminator"))
    m.boolean(27, s.get("readOnly"))
    if "example" in s:
        m.msg(30, any_yaml(s["example"]))
    named_any(31, m, s)
    return m


def _bool_oneof(field: int, value: bool) -> Msg:
    m = Msg()
    m.buf += _varint(field << 3) + (b"\x01" if value else b"\x00")
    return m


# Field numbers of the Query/Path/Header/FormData parameter sub-schemas (gnostic's
# OpenAPIv2.proto): Query and FormData number their fields alike, with allow_empty_value at 5;
# Path and Header lack it, so each later field is one lower.
_ALLOW_EMPTY_FIELDS = {
    "required": 1,
    "in": 2,
    "description": 3,
    "name": 4,
    "allowEmptyValue": 5,
    "type": 6,
    "format": 7,
    "items": 8,
    "collectionFormat": 9,
    "default": 10,
    "uniqueItems": 20,
    "enum": 21,
    "x": 23,
}
_NO_ALLOW_EMPTY_FIELDS = {
    k: n - 1 if n > 5 else n for k, n in _ALLOW_EMPTY_FIELDS.items() if k != "allowEmptyValue"
}
_SUBSCHEMA_FIELDS = {
    "query": (3, _ALLOW_EMPTY_FIELDS),
    "formData": (2, _ALLOW_EMPTY_FIELDS),
    "path": (4, _NO_ALLOW_EMPTY_FIELDS),
    "header": (1, _NO_ALLOW_EMPTY_FIELDS),
}


def pb_primitives_items(it: JSON) -> Msg:
    m = Msg().string(1, it.get("type")).string(2, it.get("format"))
    if "items" in it:
        m.msg(3, pb_primitives_items(it["items"]))
    m.string(4, it.get("collectionFormat"))
    if "default" in it:
        m.msg(5, any_yaml(it["default"]))
    named_any(18, m, it)
    return m


def pb_parameter(p: JSON) -> Msg:
    if p["in"] == "body":
        body = Msg().string(1, p.get("description")).string(2, p.get("name"))
        body.string(3, p["in"]).boolean(4, p.get("required"))
        if "schema" in p:
            body.msg(5, pb_schema(p["schema"]))
        named_any(6, body, p)
        return Msg().msg(1, body)
    which, f = _SUBSCHEMA_FIELDS[p["in"]]
    sub = Msg().boolean(f["required"], p.get("required"))
    sub.string(f["in"], p["in"]).string(f["description"], p.get("description"))
    sub.string(f["name"], p.get("name"))
    if "allowEmptyValue" in f:
        sub.boolean(f["allowEmptyValue"], p.get("allowEmptyValue"))
    sub.string(f["type"], p.get("type")).string(f["format"], p.get("format"))
    if "items" in p:
        sub.msg(f["items"], pb_primitives_items(p["items"]))
    sub.string(f["collectionFormat"], p.get("collectionFormat"))
    if "default" in p:
        sub.msg(f["default"], any_yaml(p["default"]))
    sub.boolean(f["uniqueItems"], p.get("uniqueItems"))
    for e in p.get("enum", []):
        sub.msg(f["enum"], any_yaml(e))
    named_any(f["x"], sub, p)
    return Msg().msg(2, Msg().msg(which, sub))


def pb_parameters_item(p: JSON) -> Msg:
    if "$ref" in p:
        return Msg().msg(2, Msg().string(1, p["$ref"]).string(2, p.get("description")))
    return Msg().msg(1, pb_parameter(p))


def pb_operation(op: JSON) -> Msg:
    m = Msg()
    for t in op.get("tags", []):
        m.bytes_(1, t.encode(), keep_empty=True)
    m.string(2, op.get("summary")).string(3, op.get("description"))
    m.string(5, op.get("operationId"))
    for ct in op.get("produces", []):
        m.bytes_(6, ct.encode(), keep_empty=True)
    for ct in op.get("consumes", []):
        m.bytes_(7, ct.encode(), keep_empty=True)
    for p in op.get("parameters", []):
        m.msg(8, pb_parameters_item(p))
    rm = Msg()
    for code, resp in op.get("responses", {}).items():
        if "$ref" in resp:
            value = Msg().msg(2, Msg().string(1, resp["$ref"]))
        else:
            r = Msg().string(1, resp.get("description"))
            if "schema" in resp:
                r.msg(2, Msg().msg(1, pb_schema(resp["schema"])))
            named_any(5, r, resp)
            value = Msg().msg(1, r)
        rm.msg(1, Msg().string(1, code).msg(2, value))
    m.msg(9, rm)
    for s in op.get("schemes", []):
        m.bytes_(10, s.encode(), keep_empty=True)
    m.boolean(11, op.get("deprecated"))
    named_any(13, m, op)
    return m


_PATH_ITEM_FIELDS = {
    "get": 2,
    "put": 3,
    "post": 4,
    "delete": 5,
    "options": 6,
    "head": 7,
    "patch": 8,
}


def pb_path_item(item: JSON) -> Msg:
    m = Msg().string(1, item.get("$ref"))
    for verb, field in _PATH_ITEM_FIELDS.items():
        if verb in item:
            m.msg(field, pb_operation(item[verb]))
    for p in item.get("parameters", []):
        m.msg(9, pb_parameters_item(p))
    named_any(10, m, item)
    return m


def pb_document(doc: JSON) -> bytes:
    m = Msg().string(1, doc.get("swagger"))
    info = doc.get("info", {})
    m.msg(2, Msg().string(1, info.get("title")).string(2, info.get("version")))
    paths = Msg()
    for name, item in doc["paths"].items():
        paths.msg(2, Msg().string(1, name).msg(2, pb_path_item(item)))
    m.msg(8, paths)
    defs = Msg()
    for name, schema in doc.get("definitions", {}).items():
        defs.msg(1, Msg().string(1, name).msg(2, pb_schema(schema)))
    m.msg(9, defs)
    if "parameters" in doc:
        params = Msg()
        for name, p in doc["parameters"].items():
            params.msg(1, Msg().string(1, name).msg(2, pb_parameter(p)))
        m.msg(10, params)
    for req in doc.get("security", []):
        sr = Msg()
        for name, scopes in req.items():
            arr = Msg()
            for s in scopes:
                arr.bytes_(1, s.encode(), keep_empty=True)
            sr.msg(1, Msg().string(1, name).msg(2, arr))
        m.msg(12, sr)
    if "securityDefinitions" in doc:
        sd = Msg()
        for name, d in doc["securityDefinitions"].items():
            if d.get("type") != "apiKey":
                raise ValueError(f"security definition {name}: only apiKey is encoded")
            api_key = Msg().string(1, d["type"]).string(2, d.get("name"))
            api_key.string(3, d.get("in")).string(4, d.get("description"))
            named_any(5, api_key, d)
            sd.msg(1, Msg().string(1, name).msg(2, Msg().msg(2, api_key)))
        m.msg(13, sd)
    named_any(16, m, doc)
    return bytes(m.buf)
