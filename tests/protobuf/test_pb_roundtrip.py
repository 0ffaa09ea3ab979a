"""Round trip over every built-in kind: canonical JSON → protobuf (same schema) → decode."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakekapi import protobuf
from fakekapi.protobuf.schema import schema
from protobuf.canonical import kind_object

ALL_KINDS = sorted(schema().kinds)
COMMON = [
    ("v1", "Pod"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"), ("v1", "Node"),
    ("v1", "PersistentVolume"), ("v1", "Event"), ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"), ("batch/v1", "CronJob"), ("networking.k8s.io/v1", "Ingress"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"), ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("coordination.k8s.io/v1", "Lease"), ("resource.k8s.io/v1beta1", "ResourceClaim"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"), ("apps/v1", "ControllerRevision"),
]  # fmt: skip


def check(obj: dict[str, Any]) -> None:
    body = protobuf.encode(obj)
    api_version, kind, got = protobuf.decode(body)
    assert (api_version, kind) == (obj["apiVersion"], obj["kind"])
    assert got == obj
    assert json.dumps(got) == json.dumps(obj)  # same key order too


@st.composite
def any_kind_object(draw: st.DrawFn) -> dict[str, Any]:
    api_version, kind = draw(st.sampled_from(ALL_KINDS))
    return draw(kind_object(api_version, kind))


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_kind_object())
def test_round_trip_any_kind(obj: dict[str, Any]) -> None:
    check(obj)


@pytest.mark.parametrize(("api_version", "kind"), COMMON)
def test_round_trip_common_kinds(api_version: str, kind: str) -> None:
    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(kind_object(api_version, kind))
    def run(obj: dict[str, Any]) -> None:
        check(obj)

    run()


def test_every_kind_decodes_from_an_empty_message() -> None:
    """The zero value of every kind: what Go prints for an object with nothing set."""
    for api_version, kind in ALL_KINDS:
        obj = protobuf.decode(protobuf.encode({"apiVersion": api_version, "kind": kind}))[2]
        assert obj["kind"] == kind
        assert protobuf.decode(protobuf.encode(obj))[2] == obj


def test_all_catalog_kinds_have_a_protobuf_form() -> None:
    from fakekapi.catalog.catalog import Catalog

    missing = []
    for rt in Catalog.builtin().all():
        if "create" in rt.verbs and not protobuf.knows(rt.group_version, rt.kind):
            missing.append(rt.qualified)
    # Known gap: no generated.proto/Go types in the reference for these two aggregator kinds.
    assert sorted(missing) == ["apiservices.apiregistration.k8s.io",
                               "customresourcedefinitions.apiextensions.k8s.io"]  # fmt: skip
