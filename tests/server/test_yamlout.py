"""YAML responses written a slice at a time are the bytes one emitter call writes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fakekapi.server import yamlout

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=120),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)


def _big(n: int) -> dict[str, Any]:
    item = {
        "metadata": {"name": "x", "labels": {"a": "b"}, "annotations": {"n": "multi\nline"}},
        "data": {"k": "v" * 100, "u": "héllo ✓ 😀", "e": "", "l": [1, 2.5, None, True]},
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMapList",
        "metadata": {"resourceVersion": "7"},
        "items": [dict(item, i=i) for i in range(n)],
        "data": {f"key{i}": "x" * (i % 90) for i in range(n)},
        "emptyList": [],
        "emptyMap": {},
    }


@pytest.mark.parametrize("n", [0, 1, yamlout.SLICE, yamlout.SLICE + 1, 5 * yamlout.SLICE + 3])
def test_sliced_equals_one_call(n: int) -> None:
    obj = _big(n)
    assert yamlout.encode(obj).decode() == yamlout.dump(obj)


_SMALL_SLICE = 2
"""The property test slices after two entries, so small generated values get sliced."""


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["items", "data", "spec", "a-b", "kind", "1x", ""]),
        st.one_of(
            _VALUES,
            st.lists(_VALUES, min_size=_SMALL_SLICE + 1, max_size=7),
            st.dictionaries(st.text(max_size=6), _VALUES, min_size=_SMALL_SLICE + 1, max_size=7),
        ),
        max_size=4,
    )
)
def test_sliced_equals_one_call_for_any_value(obj: dict[str, Any]) -> None:
    saved, yamlout.SLICE = yamlout.SLICE, _SMALL_SLICE
    try:
        assert yamlout.encode(obj).decode() == yamlout.dump(obj)
    finally:
        yamlout.SLICE = saved


def test_no_anchors_for_shared_objects() -> None:
    """goyaml.v2 never writes aliases; PyYAML would for an object that appears twice."""
    shared = {"a": [1, 2]}
    text = yamlout.encode({"x": shared, "y": shared, "items": [shared] * 40}).decode()
    assert "&" not in text and "*" not in text
    assert yaml.safe_load(text)["y"] == shared


def test_quoting_as_goyaml() -> None:
    """libyaml's emitter, which goyaml.v2 ports: non-BMP characters and NEL escaped."""
    assert yamlout.encode({"e": "😀", "n": "a\x85b"}) == b'e: "\\U0001F600"\nn: "a\\Nb"\n'


def test_keys_in_goyaml_v2_order() -> None:
    """goyaml.v2's sorter: digit runs as numbers, non-letters before letters, then runes."""
    keys = ["key-10", "a", "Z", "010", "key-9", "B", "_x", "9", "key-09x", "app.kubernetes.io/name"]
    text = yamlout.encode({"data": {k: "v" for k in keys}}).decode()
    written = [line.split(":")[0].strip().strip("'\"") for line in text.splitlines()[1:]]
    assert written == [
        "_x",
        "9",
        "010",
        "B",
        "Z",
        "a",
        "app.kubernetes.io/name",
        "key-9",
        "key-09x",
        "key-10",
    ]


def test_keys_in_goyaml_v2_order_in_sliced_values() -> None:
    """A big map written in slices keeps the same order as one call."""
    data = {f"key-{i}": str(i) for i in range(3 * yamlout.SLICE)}
    text = yamlout.encode({"data": data}).decode()
    assert text == yamlout.dump({"data": data})
    written = [line.split(":")[0].strip() for line in text.splitlines()[1:]]
    assert written == [f"key-{i}" for i in range(3 * yamlout.SLICE)]


@pytest.mark.parametrize("n", [0, 1, yamlout.SLICE, yamlout.SLICE + 1, 5 * yamlout.SLICE + 3])
def test_items_from_json_bytes_equal_the_decoded_list(n: int) -> None:
    """A stored list written from its items' JSON bytes, decoded a slice at a time, is the
    YAML of the same list decoded whole."""
    listed = _big(n)
    head = {k: v for k, v in listed.items() if k != "items"}
    items = [orjson.dumps(item) for item in listed["items"]]
    assert yamlout.encode_json_items(head, items) == yamlout.encode(listed)
