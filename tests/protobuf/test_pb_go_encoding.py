"""Built-in objects through their Go type (protobuf/gojson.go_roundtrip) against what Go's
encoding/json writes for the same types.

Sources, per table:
- kubernetes/api `testdata/v1.33.0/<group>.<version>.<Kind>.json` (158 kinds): every field of
  the kind set, serialized by the v1.33 types with encoding/json (kube's JSON serializer). A
  round trip must give the same document byte for byte, key order included.
- the request bodies kubectl 1.27/1.33 sent in the recorded kubectl traces (Go's
  encoding of minimal objects: `creationTimestamp: null`, `resources: {}`, `status: {}`,
  `audiences: null`): the minimal object, written as a person would, must encode to them; and
  every such body is a fixed point (data/kubectl_trace_bodies.json, copied out of the traces by
  scripts/regen.py).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from fakekapi.protobuf.gojson import GoDecodeError, go_check, go_roundtrip

RELEASE = "1.33"
"""Pinned: the expectations are kubernetes/api's v1.33.0 testdata."""

DATA = Path(__file__).parent / "data"
TESTDATA: dict[str, str] = json.loads(
    gzip.decompress((DATA / "k8s-api-testdata-v1.33.0.json.gz").read_bytes())
)


@pytest.mark.parametrize("name", sorted(TESTDATA))
def test_kubernetes_api_testdata_round_trips_exactly(name: str) -> None:
    text = TESTDATA[name]
    obj = json.loads(text)
    assert json.dumps(go_roundtrip(obj, RELEASE)) == json.dumps(obj)


def test_the_testdata_covers_the_common_kinds() -> None:
    kinds = {json.loads(t)["kind"] for t in TESTDATA.values()}
    assert len(TESTDATA) >= 150
    assert {
        "Pod",
        "Service",
        "ConfigMap",
        "Secret",
        "Deployment",
        "DaemonSet",
        "StatefulSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "ServiceAccount",
        "Endpoints",
        "EndpointSlice",
        "Ingress",
        "NetworkPolicy",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "ResourceQuota",
        "LimitRange",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "StorageClass",
        "Lease",
        "Event",
        "PriorityClass",
    } <= kinds


# (trace file, minimal input, the body kubectl sent: Go's encoding of the same object)
TRACES: list[tuple[str, dict[str, Any], str]] = [
    (
        "04-command-suite-kubectl-1.27.txt:167 (kubectl create configmap)",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1"}, "data": {"a": "b"}},
        '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm1","creationTimestamp":null},'
        '"data":{"a":"b"}}',
    ),
    (
        "kubectl run p1 --image=nginx (03/04 command suites)",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p1", "labels": {"run": "p1"}},
            "spec": {
                "containers": [{"name": "p1", "image": "nginx"}],
                "restartPolicy": "Always",
                "dnsPolicy": "ClusterFirst",
            },
        },
        '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p1","creationTimestamp":null,'
        '"labels":{"run":"p1"}},"spec":{"containers":[{"name":"p1","image":"nginx",'
        '"resources":{}}],"restartPolicy":"Always","dnsPolicy":"ClusterFirst"},"status":{}}',
    ),
    (
        "04-command-suite-kubectl-1.27.txt:262 (kubectl auth can-i)",
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {
                "resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}
            },
        },
        '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":'
        '{"creationTimestamp":null},"spec":{"resourceAttributes":{"namespace":"default",'
        '"verb":"list","resource":"pods"}},"status":{"allowed":false}}',
    ),
    (
        "04-command-suite-kubectl-1.27.txt:312 (kubectl auth can-i --list)",
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectRulesReview",
            "spec": {"namespace": "default"},
        },
        '{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":'
        '{"creationTimestamp":null},"spec":{"namespace":"default"},"status":{"resourceRules":'
        'null,"nonResourceRules":null,"incomplete":false}}',
    ),
    (
        "05-openapi-and-whoami-per-version.txt:68 (kubectl auth whoami)",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        '{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":'
        '{"creationTimestamp":null},"status":{"userInfo":{}}}',
    ),
    (
        "04-command-suite-kubectl-1.27.txt:339 (kubectl create token)",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest"},
        '{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":'
        '{"creationTimestamp":null},"spec":{"audiences":null,"expirationSeconds":null,'
        '"boundObjectRef":null},"status":{"token":"","expirationTimestamp":null}}',
    ),
    (
        "04-command-suite-kubectl-1.27.txt:348 (kubectl create token --bound-object-kind Pod)",
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {
                "audiences": ["foo"],
                "expirationSeconds": 1200,
                "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "web"},
            },
        },
        '{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":'
        '{"creationTimestamp":null},"spec":{"audiences":["foo"],"expirationSeconds":1200,'
        '"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web"}},"status":{"token":"",'
        '"expirationTimestamp":null}}',
    ),
]


@pytest.mark.parametrize(("source", "minimal", "expected"), TRACES, ids=[t[0] for t in TRACES])
def test_minimal_objects_encode_as_go_clients_send_them(
    source: str, minimal: dict[str, Any], expected: str
) -> None:
    got = go_roundtrip(minimal)
    assert json.dumps(got, separators=(",", ":")) == expected


def test_trace_bodies_from_the_reference_data_round_trip() -> None:
    """Every Go-encoded object body in the kubectl traces is a fixed point."""
    traces = json.loads((DATA / "kubectl_trace_bodies.json").read_text())["bodies"]
    seen = 0
    for trace in traces:
        body = trace["body"]
        out = go_roundtrip(json.loads(body))
        if out is None:
            continue
        seen += 1
        assert json.dumps(out, separators=(",", ":")) == body, f"{trace['trace']}: {body}"
    assert seen >= 10


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            {"apiVersion": "v1", "kind": "ConfigMap", "binaryData": {"a": "not base64!"}},
            "illegal base64 data at input byte 3",
        ),
        (
            {"apiVersion": "v1", "kind": "ConfigMap", "binaryData": {"a": "!"}},
            "illegal base64 data at input byte 0",
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"creationTimestamp": "yesterday"},
            },
            'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" '
            'as "2006"',
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "lots"}}}]},
            },
            "quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        (
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "spec": {"strategy": {"rollingUpdate": {"maxSurge": {"a": 1}}}},
            },
            "json: cannot unmarshal object into Go value of type int32",
        ),
        (
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"ownerReferences": {}}},
            "json: cannot unmarshal object into Go value of type []struct",
        ),
        (
            {"apiVersion": "v1", "kind": "ConfigMap", "data": ["a"]},
            "json: cannot unmarshal array into Go value of type map",
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "c"}, "x"]}},
            "json: cannot unmarshal string into Go value of type struct",
        ),
        (
            # The first refused value in the body's order is the one reported.
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "binaryData": {"b": "!", "a": "x!"},
                "metadata": {"creationTimestamp": "yesterday"},
            },
            "illegal base64 data at input byte 1",
        ),
    ],
)
def test_values_the_go_types_refuse(obj: dict[str, Any], message: str) -> None:
    with pytest.raises(GoDecodeError) as e:
        go_roundtrip(obj)
    assert str(e.value) == message
    with pytest.raises(GoDecodeError) as e:
        go_check(obj)  # the decode-time check refuses it alike, without encoding
    assert str(e.value) == message


def test_the_check_passes_what_the_round_trip_encodes() -> None:
    for text in TESTDATA.values():
        go_check(json.loads(text), RELEASE)
    go_check({"apiVersion": "example.com/v1", "kind": "Widget", "data": ["a"]})


def test_quantities_everywhere_are_canonical() -> None:
    pod = go_roundtrip(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "spec": {
                "containers": [
                    {"name": "c", "resources": {"limits": {"cpu": "0.5", "memory": "1.5Gi"}}}
                ],
                "overhead": {"memory": "2048Mi"},
            },
        }
    )
    assert pod is not None
    assert pod["spec"]["containers"][0]["resources"]["limits"] == {
        "cpu": "500m",
        "memory": "1536Mi",
    }
    assert pod["spec"]["overhead"] == {"memory": "2Gi"}
    quota = go_roundtrip(
        {"apiVersion": "v1", "kind": "ResourceQuota", "spec": {"hard": {"pods": 10.0}}}
    )
    assert quota is not None and quota["spec"]["hard"] == {"pods": "10"}


def test_custom_resources_are_left_alone() -> None:
    assert go_roundtrip({"apiVersion": "example.com/v1", "kind": "Widget", "x": 1}) is None
