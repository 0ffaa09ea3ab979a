"""Bad protobuf bodies: kube-apiserver's 400 texts, and never anything but a 4xx StatusError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakekapi import protobuf
from fakekapi.core.errors import StatusError
from fakekapi.protobuf.encoder import _len

CAPTURES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "kubectl_captures.json").read_text()
)
BODIES = [bytes.fromhex(c["protobuf_kubectl_1_33_hex"]) for c in CAPTURES]
CM = next(
    bytes.fromhex(c["protobuf_kubectl_1_33_hex"])
    for c in CAPTURES
    if c["command"] == "kubectl create configmap cm1 --from-literal=a=b"
)
MAGIC = b"k8s\x00"


def envelope(api_version: str, kind: str, raw: bytes, extra: bytes = b"") -> bytes:
    tm = _len(1, api_version.encode()) + _len(2, kind.encode())
    return MAGIC + _len(1, tm) + _len(2, raw) + extra


def bad_request(body: bytes, api_version: str = "v1", kind: str = "ConfigMap") -> str:
    with pytest.raises(StatusError) as info:
        protobuf.decode_for(body, api_version, kind)
    err = info.value
    assert (err.code, err.reason) == (400, "BadRequest")
    status = err.to_status()
    assert status["kind"] == "Status" and status["code"] == 400
    return str(status["message"])


def test_empty_body() -> None:
    assert bad_request(b"") == (
        "the object provided is unrecognized (must be of type ConfigMap): empty data (<empty>)"
    )


def test_wrong_magic() -> None:
    assert bad_request(b'{"kind":"ConfigMap"}') == (
        "the object provided is unrecognized (must be of type ConfigMap): provided data does "
        'not appear to be a protobuf message, expected prefix [107 56 115 0] ({"kind":"ConfigMap"})'
    )
    msg = bad_request(b"\x00" * 40)
    assert msg.endswith("(" + "00" * 30 + " ...)")


def test_magic_only() -> None:
    assert bad_request(MAGIC).startswith(
        "the object provided is unrecognized (must be of type ConfigMap): empty body ("
    )


def test_truncated_envelope() -> None:
    assert "): unexpected EOF (6b387300" in bad_request(CM[:10])


def test_truncated_object() -> None:
    body = envelope("v1", "ConfigMap", b"\x0a\x13\x0a\x03cm1")
    assert bad_request(body) == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: unexpected EOF'
    )


def test_unknown_kind() -> None:
    assert bad_request(envelope("v1", "Frobnicator", b"")) == (
        'Frobnicator in version "v1" cannot be handled as a ConfigMap: no kind "Frobnicator" '
        'is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"'
    )
    assert 'for version "example.com/v1" in scheme' in bad_request(
        envelope("example.com/v1", "Widget", b"")
    )


def test_kind_that_does_not_match_the_url() -> None:
    assert bad_request(CM, "v1", "Pod") == (
        'ConfigMap in version "v1" cannot be handled as a Pod: '
        "converting (v1.ConfigMap) to (core.Pod): unknown conversion"
    )
    dep = next(b for b in BODIES if b"Deployment" in b)
    assert bad_request(dep, "v1", "Pod") == (
        'Deployment in version "v1" cannot be handled as a Pod: '
        "converting (v1.Deployment) to (core.Pod): unknown conversion"
    )


def test_other_version_of_the_kind() -> None:
    body = envelope("apps/v1beta2", "Deployment", b"")
    assert bad_request(body, "apps/v1", "Deployment") == (
        "the API version in the data (apps/v1beta2) does not match the expected API version "
        "(apps/v1)"
    )


def test_missing_type_meta_defaults_to_the_url() -> None:
    body = MAGIC + _len(2, b"\x0a\x05\x0a\x03cm9")
    obj = protobuf.decode_for(body, "v1", "ConfigMap")
    assert obj == {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "cm9",
                   "creationTimestamp": None}}  # fmt: skip
    with pytest.raises(StatusError) as info:
        protobuf.decode(body)
    assert info.value.code == 400
    assert "Object 'Kind' is missing" in info.value.to_status()["message"]


def test_wire_errors_name_the_go_field() -> None:
    # metadata (field 1) sent as a varint
    assert bad_request(envelope("v1", "ConfigMap", b"\x08\x01")).endswith(
        "proto: wrong wireType = 0 for field ObjectMeta"
    )
    assert bad_request(envelope("v1", "ConfigMap", b"\x0c")).endswith(
        "proto: ConfigMap: wiretype end group for non-group"
    )
    assert bad_request(envelope("v1", "ConfigMap", b"\x02\x00")).endswith(
        "proto: ConfigMap: illegal tag 0 (wire type 2)"
    )
    assert bad_request(envelope("v1", "ConfigMap", b"\x0a" + b"\xff" * 11)).endswith(
        "proto: integer overflow"
    )
    assert bad_request(
        envelope("v1", "ConfigMap", b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
    ).endswith("proto: negative length found during unmarshaling")


def test_trailing_garbage() -> None:
    # a well-formed unknown field after the envelope is skipped, as gogo does ...
    assert protobuf.decode_for(CM + b"\x28\x01", "v1", "ConfigMap")["data"] == {"a": "b"}
    # ... anything else is an error
    assert bad_request(CM + b"\xff").startswith(
        "the object provided is unrecognized (must be of type ConfigMap): unexpected EOF ("
    )
    assert "illegal tag 0" in bad_request(CM + b"\x00\x00")


def test_bad_quantity() -> None:
    spec = _len(1, _len(1, b"cpu") + _len(2, _len(1, b"lots")))  # ResourceQuotaSpec.hard
    assert bad_request(envelope("v1", "ResourceQuota", _len(2, spec)), "v1", "ResourceQuota") == (
        'ResourceQuota in version "v1" cannot be handled as a ResourceQuota: quantities must '
        "match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


def test_unknown_fields_are_skipped() -> None:
    raw = b"\xf8\x07\x01" + b"\xfa\x07\x02ab" + b"\xfd\x07\x00\x00\x00\x00" + b"\x0a\x05\x0a\x03cm1"
    assert protobuf.decode(envelope("v1", "ConfigMap", raw))[2]["metadata"]["name"] == "cm1"


def test_custom_resources_get_the_crd_decoders_400() -> None:
    body = envelope("example.com/v1", "Widget", b"\x0a\x04\x0a\x02w1")
    err = protobuf.custom_resource_error(body, "example.com/v1", "Widget")
    assert (err.code, err.reason) == (400, "BadRequest")
    assert err.message == (
        'Widget in version "v1" cannot be handled as a Widget: '
        "Object 'Kind' is missing in 'object has no kind field '"
    )
    bad = protobuf.custom_resource_error(b"nope", "example.com/v1", "Widget")
    assert bad.message.startswith("the object provided is unrecognized (must be of type Widget): ")
    assert not protobuf.knows("example.com/v1", "Widget")
    assert protobuf.knows("v1", "Pod")


def mutate(body: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    b = bytearray(body)
    for op, pos, val in ops:
        if not b:
            break
        i = pos % len(b)
        if op == 0:
            b[i] = val
        elif op == 1:
            del b[i]
        elif op == 2:
            b.insert(i, val)
        else:
            del b[i:]
    return bytes(b)


def assert_4xx_only(body: bytes) -> None:
    for call in (
        lambda: protobuf.decode(body),
        lambda: protobuf.decode_for(body, "v1", "ConfigMap"),
        lambda: protobuf.decode_for(body, "apps/v1", "Deployment"),
    ):
        try:
            obj = call()
        except StatusError as e:
            assert 400 <= e.code < 500
            e.to_status()
        else:
            json.dumps(obj[2] if isinstance(obj, tuple) else obj)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(data: bytes) -> None:
    assert_4xx_only(data)
    assert_4xx_only(MAGIC + data)


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(BODIES),
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.integers(0, 255)),
        min_size=1,
        max_size=6,
    ),
)
def test_fuzz_mutated_kubectl_bodies(body: bytes, ops: list[tuple[int, int, int]]) -> None:
    assert_4xx_only(mutate(body, ops))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(BODIES), st.binary(min_size=1, max_size=40), st.integers(4, 400))
def test_fuzz_spliced_bodies(body: bytes, junk: bytes, at: int) -> None:
    assert_4xx_only(body[:at] + junk + body[at:])


def test_deeply_embedded_objects_are_refused_not_crashing() -> None:
    body = protobuf.encode({"apiVersion": "v1", "kind": "ConfigMap"})
    for _ in range(40):  # ControllerRevision.data holding a ControllerRevision ...
        body = envelope("apps/v1", "ControllerRevision", _len(2, _len(1, body)))
    with pytest.raises(StatusError) as info:
        protobuf.decode(body)
    assert info.value.code == 400
    deep_json = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(StatusError):
        protobuf.decode(envelope("apps/v1", "ControllerRevision", _len(2, _len(1, deep_json))))
