"""Hypothesis strategies for *canonical* kube JSON of any built-in kind: objects exactly as Go's
json.Marshal prints them (so decode(encode(x)) must give x back). The rules mirror Go's
encoding/json over k8s.io/api structs, read from the same generated schema the decoder uses."""

from __future__ import annotations

import base64
from typing import Any

from hypothesis import strategies as st

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
    schema,
)

MAX_DEPTH = 5
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=8)
keys = st.text(st.characters(exclude_categories=["Cs"]), min_size=0, max_size=6)
int32 = st.integers(-(2**31), 2**31 - 1)
int64 = st.integers(-(2**63), 2**63 - 1)
seconds = st.integers(-62135596800 + 1, 253402300799)  # years 1..9999
quantities = st.sampled_from(["0", "1", "100m", "1Gi", "500Mi", "2k", "1e3", "1.5", "-1"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=6,
)


def nonzero(kind: int) -> st.SearchStrategy[Any]:
    if kind == STRING:
        return text.filter(bool)
    if kind == BOOL:
        return st.just(True)
    return (int32 if kind == INT32 else int64).filter(bool)


def any_scalar(kind: int) -> st.SearchStrategy[Any]:
    if kind == STRING:
        return text
    if kind == BOOL:
        return st.booleans()
    return int32 if kind == INT32 else int64


def special_value(kind: int) -> st.SearchStrategy[Any]:
    if kind == TIME:
        return st.one_of(st.none(), seconds.map(special.time_json))
    if kind == MICROTIME:
        return st.one_of(
            st.none(),
            st.builds(
                lambda s, us: special.microtime_json(s, us * 1000), seconds, st.integers(0, 999_999)
            ),
        )
    if kind == DURATION:
        return int64.map(special.duration_json)
    if kind == QUANTITY:
        return quantities
    if kind == INTORSTR:
        return st.one_of(int32, text)
    if kind in (RAWEXT, FIELDSV1):
        return st.one_of(st.none(), st.dictionaries(keys, json_values, max_size=3))
    raise AssertionError(kind)


def element(kind: int, ref: Any, depth: int) -> st.SearchStrategy[Any]:
    """One list element / map value."""
    if kind in (STRING, BOOL, INT32, INT64):
        return any_scalar(kind)
    if kind == BYTES:
        return st.binary(max_size=6).map(lambda b: base64.b64encode(b).decode())
    if kind == MSG:
        return message(ref, depth + 1)
    if kind == WRAP:
        return st.one_of(st.none(), st.lists(text, min_size=1, max_size=3))
    return special_value(kind)


@st.composite
def _fields(draw: st.DrawFn, name: str, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in schema().messages[name].order:
        if not f.skip_json:
            _field(draw, f, depth, out)
    return out


def _field(draw: st.DrawFn, f: Field, depth: int, out: dict[str, Any]) -> None:
    deep = depth >= MAX_DEPTH
    kind = f.kind
    listy = f.repeated or kind in (MAP, WRAP) or (kind == BYTES and not f.repeated)
    if f.pointer or listy:
        absent = None if not f.omitempty else _ABSENT
        if deep or draw(st.integers(0, 3)) != 0:  # mostly unset: keeps objects small
            if absent is not _ABSENT:
                out[f.json] = None
            return
    if f.repeated:
        out[f.json] = draw(st.lists(element(kind, f.ref, depth), min_size=1, max_size=2))
    elif kind == MAP:
        _kk, vk, vref = f.ref
        d = draw(st.dictionaries(keys, element(vk, vref, depth), min_size=1, max_size=3))
        out[f.json] = dict(sorted(d.items()))  # encoding/json sorts map keys
    elif kind == WRAP:
        out[f.json] = draw(st.lists(text, min_size=1, max_size=3))
    elif kind == BYTES:
        size = 1 if f.omitempty else 0
        out[f.json] = base64.b64encode(draw(st.binary(min_size=size, max_size=6))).decode()
    elif kind in (STRING, BOOL, INT32, INT64):
        if f.pointer or not f.omitempty:
            out[f.json] = draw(any_scalar(kind))
        elif draw(st.integers(0, 2)) == 0:
            out[f.json] = draw(nonzero(kind))
    elif kind == MSG:
        sub = draw(message(f.ref, depth + 1))
        if f.inline:
            out.update(sub)
        else:
            out[f.json] = sub
    else:
        out[f.json] = draw(special_value(kind))


_ABSENT = object()


def message(name: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    return _fields(name, depth)


def kind_object(api_version: str, kind: str) -> st.SearchStrategy[dict[str, Any]]:
    name = schema().kinds[(api_version, kind)]
    return message(name).map(lambda body: {"kind": kind, "apiVersion": api_version, **body})
