"""Structural schema handling: pruning, defaulting and kube's validation messages."""

from __future__ import annotations

from typing import Any

import pytest

from crd import manifests
from fakekapi.registry.apiextensions import schema as crd_schema

SCHEMA: dict[str, Any] = manifests.crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def messages(obj: dict[str, Any], schema: dict[str, Any] = SCHEMA) -> list[str]:
    return [str(e) for e in crd_schema.validate(schema, obj)]


def test_prune_drops_undeclared_fields_and_reports_their_paths() -> None:
    obj = manifests.crontab("a", bogus=1)
    obj["top"] = {"x": 1}
    obj["metadata"]["labels"] = {"a": "b"}
    pruned = crd_schema.prune(SCHEMA, obj)
    assert pruned == ["spec.bogus", "top"]
    assert obj["spec"] == {"cronSpec": "* * * * */5"}
    assert obj["metadata"]["labels"] == {"a": "b"}  # metadata is never pruned by the schema


def test_prune_keeps_what_preserve_unknown_fields_and_additional_properties_allow() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                    "map": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {"a": {"type": "string"}},
                        },
                    },
                    "list": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"n": {"type": "integer"}}},
                    },
                },
            }
        },
    }
    obj = {
        "spec": {
            "free": {"anything": {"goes": 1}},
            "map": {"k": {"a": "x", "b": "y"}},
            "list": [{"n": 1, "m": 2}],
        }
    }
    assert crd_schema.prune(schema, obj) == ["spec.list[0].m", "spec.map.k.b"]
    assert obj["spec"]["free"] == {"anything": {"goes": 1}}


def test_defaults_fill_missing_and_null_fields() -> None:
    obj = manifests.crontab("a")
    crd_schema.default(SCHEMA, obj)
    assert obj["spec"]["replicas"] == 1
    obj = manifests.crontab("a", replicas=None, image=None)
    crd_schema.default(SCHEMA, obj)
    assert obj["spec"] == {"cronSpec": "* * * * */5", "replicas": 1}
    obj = manifests.crontab("a", replicas=5)
    crd_schema.default(SCHEMA, obj)
    assert obj["spec"]["replicas"] == 5


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"replicas": "many"},
            'spec.replicas: Invalid value: "string": spec.replicas in body must be of type '
            'integer: "string"',
        ),
        (
            {"replicas": 0},
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or "
            "equal to 1",
        ),
        (
            {"replicas": 11},
            "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or "
            "equal to 10",
        ),
        (
            {"color": "pink"},
            'spec.color: Unsupported value: "pink": supported values: "red", "blue"',
        ),
        (
            {"cronSpec": "nope"},
            'spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match '
            "'^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'",
        ),
        ({"image": "x" * 41}, "spec.image: Too long: may not be more than 40 bytes"),
    ],
)
def test_validation_messages(spec: dict[str, Any], expected: str) -> None:
    assert messages(manifests.crontab("a", **spec)) == [expected]


def test_required_and_nested_types() -> None:
    obj = manifests.crontab("a")
    del obj["spec"]["cronSpec"]
    assert messages(obj) == ["spec.cronSpec: Required value"]
    obj = manifests.crontab("a")
    obj["spec"] = "x"
    assert messages(obj) == [
        'spec: Invalid value: "string": spec in body must be of type object: "string"'
    ]


def test_arrays_and_numbers() -> None:
    schema = {
        "type": "object",
        "properties": {
            "l": {"type": "array", "maxItems": 1, "minItems": 1, "items": {"type": "integer"}},
            "u": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
            "f": {"type": "number", "maximum": 1000000, "exclusiveMinimum": True, "minimum": 0.5},
            "i": {"x-kubernetes-int-or-string": True},
        },
    }
    assert messages({"l": [1, 2]}, schema) == ["l: Too many: 2: must have at most 1 items"]
    assert messages({"l": []}, schema) == [
        "l: Invalid value: 0: l in body should have at least 1 items"
    ]
    assert messages({"l": ["a"]}, schema) == [
        'l[0]: Invalid value: "string": l[0] in body must be of type integer: "string"'
    ]
    assert messages({"u": ["a", "a"]}, schema) == [
        'u: Invalid value: "": u in body shouldn\'t contain duplicates'
    ]
    assert messages({"f": 2000000}, schema) == [
        "f: Invalid value: 2000000: f in body should be less than or equal to 1e+06"
    ]
    assert messages({"f": 0.5}, schema) == [
        "f: Invalid value: 0.5: f in body should be greater than 0.5"
    ]
    assert messages({"i": 3}, schema) == messages({"i": "50%"}, schema) == []
    assert messages({"f": 3}, schema) == []  # an integer is a number


@pytest.mark.parametrize(
    ("value", "text"),
    [(1, "1"), (1.5, "1.5"), (1000000, "1e+06"), (100000, "100000"), (0.00001, "1e-05")],
)
def test_go_number(value: float, text: str) -> None:
    assert crd_schema.go_number(value) == text
