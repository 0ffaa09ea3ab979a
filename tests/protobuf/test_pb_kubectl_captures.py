"""Bodies captured from real kubectl: 1.33 sends protobuf, 1.31 sends JSON for the same command.
The decoder must turn the former into exactly the latter (both come from Go's json.Marshal of
the same typed object), for every typed-client command kubectl has."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakekapi import protobuf

CAPTURES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "kubectl_captures.json").read_text()
)


@pytest.mark.parametrize("case", CAPTURES, ids=[c["command"] for c in CAPTURES])
def test_protobuf_body_decodes_to_the_json_body(case: dict[str, Any]) -> None:
    want = json.loads(case["json_kubectl_1_31"])
    api_version, kind, got = protobuf.decode(bytes.fromhex(case["protobuf_kubectl_1_33_hex"]))
    assert (api_version, kind) == (want["apiVersion"], want["kind"])
    assert got == want
    # key order too: kube's JSON lists fields in Go declaration order
    assert json.dumps(got) == json.dumps(want)


@pytest.mark.parametrize("case", CAPTURES, ids=[c["command"] for c in CAPTURES])
def test_decode_for_the_url_kind(case: dict[str, Any]) -> None:
    want = json.loads(case["json_kubectl_1_31"])
    got = protobuf.decode_for(
        bytes.fromhex(case["protobuf_kubectl_1_33_hex"]), want["apiVersion"], want["kind"]
    )
    assert got == want


def test_captures_cover_the_typed_client_commands() -> None:
    commands = " ".join(c["command"] for c in CAPTURES)
    for needle in (
        "create configmap", "create secret generic", "create secret docker-registry",
        "create namespace", "create serviceaccount", "create deployment", "create job",
        "create cronjob", "create service clusterip", "create quota", "create poddisruptionbudget",
        "create priorityclass", "create ingress", "create role", "create clusterrole ",
        "create rolebinding", "create clusterrolebinding", "create token", "auth can-i",
        "auth whoami",
    ):  # fmt: skip
        assert needle in commands


def test_reencoding_a_capture_round_trips() -> None:
    for case in CAPTURES:
        _, _, obj = protobuf.decode(bytes.fromhex(case["protobuf_kubectl_1_33_hex"]))
        assert protobuf.decode(protobuf.encode(obj))[2] == obj
