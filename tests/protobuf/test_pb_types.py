"""The special types and Go's presence rules, one by one."""

from __future__ import annotations

from typing import Any

import pytest

from fakekapi import protobuf
from fakekapi.core.errors import StatusError
from fakekapi.protobuf import special
from fakekapi.protobuf.encoder import _key, _len, varint

MAGIC = b"k8s\x00"


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    tm = _len(1, api_version.encode()) + _len(2, kind.encode())
    return MAGIC + _len(1, tm) + _len(2, raw)


def roundtrip(obj: dict[str, Any]) -> dict[str, Any]:
    return protobuf.decode(protobuf.encode(obj))[2]


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0s"), (1, "1ns"), (999, "999ns"), (1500, "1.5µs"), (1_500_000, "1.5ms"),
        (10**9, "1s"), (2_500_000_000, "2.5s"), (90 * 10**9, "1m30s"), (3600 * 10**9, "1h0m0s"),
        (-(10**9), "-1s"), (20 * 60 * 10**9, "20m0s"), (-(2**63), "-2562047h47m16.854775808s"),
    ],
)  # fmt: skip
def test_duration_is_go_duration_string(ns: int, text: str) -> None:
    assert special.duration_json(ns) == text
    assert special.parse_duration(text) == ns or ns == -(2**63)


def test_time() -> None:
    assert special.time_json(0) == "1970-01-01T00:00:00Z"
    assert special.time_json(-1) == "1969-12-31T23:59:59Z"
    assert special.time_json(1735787045) == "2025-01-02T03:04:05Z"
    assert special.time_json(special.GO_ZERO_UNIX) is None
    assert special.time_json(253402300800) == "10000-01-01T00:00:00Z"
    assert special.microtime_json(0, 1500) == "1970-01-01T00:00:00.000001Z"
    assert special.microtime_json(0, -1) == "1969-12-31T23:59:59.999999Z"
    assert special.parse_time("2025-01-02T03:04:05Z") == (1735787045, 0)
    assert special.parse_time("2025-01-02T04:04:05.5+01:00") == (1735787045, 500_000_000)


def test_time_drops_nanoseconds_and_empty_time_is_null() -> None:
    ts = _key(1, 0) + varint(1735787045) + _key(2, 0) + varint(123)
    meta = _len(1, b"x") + _len(8, ts) + _len(9, b"")  # creation + an empty deletion time
    obj = protobuf.decode(envelope("v1", "ConfigMap", _len(1, meta)))[2]
    assert obj["metadata"] == {
        "name": "x",
        "creationTimestamp": "2025-01-02T03:04:05Z",
        "deletionTimestamp": None,  # a set pointer to the zero time
    }


@pytest.mark.parametrize(
    ("quantity", "ok"),
    [("1", True), ("100m", True), ("1Gi", True), ("1e3", True), ("+", True), ("-0.5", True),
     ("", False), ("abc", False), ("1Xi", False), ("1e", False), ("1.5.5", False)],
)  # fmt: skip
def test_quantity_syntax(quantity: str, ok: bool) -> None:
    assert (special.check_quantity(quantity) is None) == ok


def test_pointers_keep_zero_values_and_plain_omitempty_fields_drop_them() -> None:
    dep = roundtrip(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "spec": {
                "replicas": 0,  # *int32: kept
                "paused": False,  # bool,omitempty: dropped
                "template": {"spec": {"automountServiceAccountToken": False, "hostNetwork": False}},
            },
        }
    )
    assert dep["spec"]["replicas"] == 0
    assert "paused" not in dep["spec"]
    assert dep["spec"]["template"]["spec"]["automountServiceAccountToken"] is False
    assert "hostNetwork" not in dep["spec"]["template"]["spec"]
    assert dep["spec"]["template"]["spec"]["containers"] is None  # []Container, no omitempty
    assert dep["spec"]["strategy"] == {} and dep["status"] == {}  # structs are never omitted

    cm = roundtrip({"apiVersion": "v1", "kind": "ConfigMap", "immutable": False})
    assert cm == {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"creationTimestamp": None}, "immutable": False}  # fmt: skip
    assert "immutable" not in roundtrip({"apiVersion": "v1", "kind": "ConfigMap"})


def test_bytes_and_maps() -> None:
    secret = roundtrip(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "data": {"b": "AAEC/w==", "a": ""},
            "stringData": {"s": "t"},
        }
    )
    assert secret["data"] == {"a": "", "b": "AAEC/w=="}
    assert list(secret["data"]) == ["a", "b"]  # sorted, as encoding/json does
    assert secret["stringData"] == {"s": "t"}


def test_int_or_string() -> None:
    svc = roundtrip(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "spec": {"ports": [{"port": 80, "targetPort": "http"}, {"port": 81}]},
        }
    )
    ports = svc["spec"]["ports"]
    assert ports[0]["targetPort"] == "http"
    assert ports[1]["targetPort"] == 0  # a non-pointer IntOrString is never omitted
    port = _len(4, _key(1, 0) + varint(2))  # ServicePort.targetPort with type 2
    with pytest.raises(StatusError, match=r"impossible IntOrString\.Type"):
        protobuf.decode(envelope("v1", "Service", _len(2, _len(1, port))))


def test_raw_extension_json_and_embedded_protobuf() -> None:
    inner = protobuf.encode({"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"}})
    for raw, want in [
        (b'{"x":[1,2]}', {"x": [1, 2]}),
        (inner, {"kind": "ConfigMap", "apiVersion": "v1",
                 "metadata": {"creationTimestamp": None}, "data": {"k": "v"}}),
    ]:  # fmt: skip
        body = envelope("apps/v1", "ControllerRevision", _len(2, _len(1, raw)) + _key(3, 0) + b"\1")
        obj = protobuf.decode(body)[2]
        assert obj["data"] == want
        assert obj["revision"] == 1
    empty = protobuf.decode(envelope("apps/v1", "ControllerRevision", b""))[2]
    assert empty["data"] is None and empty["revision"] == 0


def test_named_slices_and_wrappers() -> None:
    ssr = roundtrip(
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "SelfSubjectReview",
            "status": {"userInfo": {"username": "u", "extra": {"k": ["a", "b"]}}},
        }
    )
    assert ssr["status"]["userInfo"]["extra"] == {"k": ["a", "b"]}


def test_negative_int32() -> None:
    # PodSpec.priority (int32) sent as a 10-byte varint, as Go sends negative numbers
    spec = _key(25, 0) + varint(-5)
    pod = protobuf.decode(envelope("v1", "Pod", _len(2, spec)))[2]
    assert pod["spec"]["priority"] == -5
