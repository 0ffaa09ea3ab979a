"""Patch functions: RFC 7386, RFC 6902 (errors per reference §5.2) and strategic merge."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakekapi.catalog.schemas import kind_type
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.pagination import decode_continue, encode_continue
from fakekapi.registry.generic.patch import json_patch, merge_patch, strategic_merge_patch

POD = kind_type("", "v1", "Pod")
DOC: dict[str, Any] = {
    "metadata": {"name": "web", "labels": {"a": "1", "b": "2"}, "finalizers": ["x"]},
    "spec": {
        "containers": [
            {"name": "c", "image": "nginx:1", "env": [{"name": "A", "value": "1"}]},
            {"name": "d", "image": "busybox"},
        ],
        "tolerations": [{"key": "k"}],
    },
}


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"metadata": {"labels": {"a": None, "c": "3"}}}, {"b": "2", "c": "3"}),
        ({"metadata": {"labels": None}}, None),
    ],
)
def test_merge_patch(patch: dict[str, Any], expected: Any) -> None:
    out = merge_patch(DOC, json.dumps(patch).encode())
    assert out["metadata"].get("labels") == expected
    assert DOC["metadata"]["labels"] == {"a": "1", "b": "2"}  # input untouched


@pytest.mark.parametrize("body", [b"[1]", b"nope", b"null", b'"x"'])
def test_merge_patch_bad(body: bytes) -> None:
    with pytest.raises(StatusError) as e:
        merge_patch(DOC, body)
    assert (e.value.code, e.value.message) == (400, "Invalid JSON Patch")


def test_json_patch_ops() -> None:
    ops = [
        {"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:2"},
        {"op": "add", "path": "/metadata/labels/c", "value": "3"},
        {"op": "remove", "path": "/metadata/labels/a"},
        {"op": "add", "path": "/metadata/finalizers/-", "value": "y"},
        {"op": "test", "path": "/metadata/name", "value": "web"},
    ]
    out = json_patch(DOC, json.dumps(ops).encode())
    assert out["spec"]["containers"][0]["image"] == "nginx:2"
    assert out["metadata"]["labels"] == {"b": "2", "c": "3"}
    assert out["metadata"]["finalizers"] == ["x", "y"]


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b"{}", 400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (b"", 400, "unexpected end of JSON input"),
        (
            json.dumps([{"op": "remove", "path": "/nope"}]).encode(),
            422,
            "the server rejected our request due to an error in our request",
        ),
        (
            json.dumps([{"op": "test", "path": "/metadata/name", "value": "x"}]).encode(),
            422,
            "the server rejected our request due to an error in our request",
        ),
        (
            json.dumps([{"op": "test", "path": "/metadata/name", "value": "web"}] * 10001).encode(),
            413,
            "Request entity too large: The allowed maximum operations in a JSON patch is 10000, "
            "got 10001",
        ),
    ],
)
def test_json_patch_errors(body: bytes, code: int, message: str) -> None:
    with pytest.raises(StatusError) as e:
        json_patch(DOC, body)
    assert (e.value.code, e.value.message) == (code, message)
    if code == 422:
        assert e.value.details == {}


def test_strategic_merge_keyed_lists() -> None:
    patch = {
        "metadata": {"labels": {"a": None}},
        "spec": {
            "$setElementOrder/containers": [{"name": "d"}, {"name": "c"}],
            "containers": [
                {"name": "c", "image": "nginx:2", "env": [{"name": "A", "$patch": "delete"}]},
                {"name": "e", "image": "new"},
            ],
            "tolerations": [{"key": "z"}],
        },
    }
    out = strategic_merge_patch(DOC, json.dumps(patch).encode(), POD)
    assert out["metadata"]["labels"] == {"b": "2"}
    names = [c["name"] for c in out["spec"]["containers"]]
    assert names == ["d", "c", "e"]
    c = out["spec"]["containers"][1]
    assert c == {"name": "c", "image": "nginx:2", "env": []}
    assert out["spec"]["tolerations"] == [{"key": "z"}]  # atomic list replaced


def test_strategic_merge_directives() -> None:
    body = {"metadata": {"finalizers": ["y"], "$deleteFromPrimitiveList/finalizers": ["x"]}}
    out = strategic_merge_patch(DOC, json.dumps(body).encode(), POD)
    assert out["metadata"]["finalizers"] == ["y"]
    body2 = {"spec": {"containers": [{"name": "z", "image": "i"}, {"$patch": "replace"}]}}
    out = strategic_merge_patch(DOC, json.dumps(body2).encode(), POD)
    assert out["spec"]["containers"] == [{"name": "z", "image": "i"}]
    with pytest.raises(StatusError) as e:
        strategic_merge_patch(DOC, json.dumps({"spec": {"$patch": "foo"}}).encode())
    assert (e.value.code, e.value.reason) == (500, "")
    assert e.value.message.startswith("unknown patch type: foo in map:")


def test_continue_token_round_trip() -> None:
    token = encode_continue("/core/pods/default/web", "/core/pods/", 42)
    assert "=" not in token
    assert decode_continue(token, "/core/pods/") == ("/core/pods/default/web\x00", 42)
    with pytest.raises(StatusError) as e:
        decode_continue("!!!", "/core/pods/")
    assert e.value.code == 400
    assert e.value.message.startswith("invalid continue token: continue key is not valid")
