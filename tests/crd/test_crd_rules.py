"""allOf/anyOf/oneOf/not, x-kubernetes-list-type and CEL rules of custom resource schemas.

Expected texts: kube-openapi validate/schema_messages.go (composites, `%q` of the schema path,
reported on the nil path by apiextensions' kubeOpenAPIResultToFieldErrors), apiextensions
schema/listtype/validation.go (Duplicate value), schema/cel/validation.go (rule errors) and
registry/customresource/strategy.go hasBlockingErr.
"""

from __future__ import annotations

from typing import Any

import pytest

from fakekapi.registry.apiextensions import cel as crd_cel
from fakekapi.registry.apiextensions import schema as crd_schema


def schema_errors(schema: dict[str, Any], obj: dict[str, Any]) -> list[str]:
    return [str(e) for e in crd_schema.validate(schema, obj)]


SPEC_ONE_OF: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
        }
    },
}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"a": "x"}, []),
        ({"b": "x"}, []),
        (
            {},
            [
                '<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). '
                "Found none valid",
                "spec.a: Required value",
            ],
        ),
        (
            {"a": "x", "b": "y"},
            [
                '<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). '
                "Found 2 valid alternatives"
            ],
        ),
    ],
)
def test_one_of(spec: dict[str, Any], expected: list[str]) -> None:
    assert schema_errors(SPEC_ONE_OF, {"spec": spec}) == expected


def test_any_of_all_of_not() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "size": {
                "type": "integer",
                "anyOf": [{"minimum": 10}, {"maximum": 2}],
                "not": {"enum": [0]},
            },
            "name": {
                "type": "string",
                "allOf": [{"minLength": 2}, {"pattern": "^a"}],
            },
        },
    }
    assert schema_errors(schema, {"size": 11, "name": "ab"}) == []
    assert schema_errors(schema, {"size": 5}) == [
        '<nil>: Invalid value: "": "size" must validate at least one schema (anyOf)',
        "size: Invalid value: 5: size in body should be greater than or equal to 10",
    ]
    assert schema_errors(schema, {"size": 0}) == [
        '<nil>: Invalid value: "": "size" must not validate the schema (not)'
    ]
    assert schema_errors(schema, {"name": "b"}) == [
        'name: Invalid value: "b": name in body should be at least 2 chars long',
        "name: Invalid value: \"b\": name in body should match '^a'",
        '<nil>: Invalid value: "": "name" must validate all the schemas (allOf). None validated',
    ]
    assert schema_errors(schema, {"name": "bc"}) == [
        "name: Invalid value: \"bc\": name in body should match '^a'",
        '<nil>: Invalid value: "": "name" must validate all the schemas (allOf)',
    ]


LISTS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "ports": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
            },
        },
        "routes": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["host", "port"],
            "items": {
                "type": "object",
                "properties": {"host": {"type": "string"}, "port": {"type": "integer"}},
            },
        },
    },
}


def test_list_types() -> None:
    obj = {
        "tags": ["a", "b", "a", "a"],
        "ports": [{"name": "http", "port": 80}, {"name": "http", "port": 81}],
        "routes": [{"host": "x", "port": 1}, {"host": "x", "port": 1}, {"host": "x", "port": 2}],
    }
    assert [str(e) for e in crd_schema.validate_list_types(LISTS, obj)] == [
        'ports[1]: Duplicate value: map[string]interface {}{"name":"http"}',
        'routes[1]: Duplicate value: map[string]interface {}{"host":"x", "port":1}',
        'tags[2]: Duplicate value: "a"',
    ]
    assert crd_schema.validate_list_types(LISTS, {"tags": ["a", "b"]}) == []


RULES: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "x-kubernetes-validations": [
                {"rule": "self.replicas <= self.maxReplicas", "message": "too many replicas"},
                {
                    "rule": "self.minReplicas <= self.replicas",
                    "messageExpression": "'replicas ' + string(self.replicas) + ' below minimum'",
                    "fieldPath": ".replicas",
                },
                {
                    "rule": "!has(self.mode) || self.mode == oldSelf.mode",
                    "reason": "FieldValueForbidden",
                    "message": "mode is immutable",
                },
            ],
            "properties": {
                "replicas": {"type": "integer"},
                "minReplicas": {"type": "integer"},
                "maxReplicas": {"type": "integer"},
                "ratio": {"type": "number", "x-kubernetes-validations": [{"rule": "self < 1.0"}]},
                "mode": {"type": "string"},
                "name": {
                    "type": "string",
                    "x-kubernetes-validations": [{"rule": "self.startsWith('web-')"}],
                },
            },
        }
    },
}


def rule_errors(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    return [str(e) for e in crd_cel.validate(RULES, obj, old)]


def test_cel_rules_pass_and_fail_with_kube_messages() -> None:
    ok = {"spec": {"replicas": 2, "minReplicas": 1, "maxReplicas": 3, "ratio": 0, "name": "web-a"}}
    assert rule_errors(ok) == []
    bad = {"spec": {"replicas": 5, "minReplicas": 6, "maxReplicas": 3, "ratio": 2, "name": "db"}}
    assert rule_errors(bad) == [
        "spec: Invalid value: too many replicas",
        "spec.replicas: Invalid value: replicas 5 below minimum",
        "spec.ratio: Invalid value: 2: failed rule: self < 1.0",
        "spec.name: Invalid value: \"db\": failed rule: self.startsWith('web-')",
    ]


def test_cel_evaluation_error() -> None:
    assert rule_errors({"spec": {"maxReplicas": 3}}) == [
        'spec: Invalid value: "object": no such key: replicas evaluating rule: too many replicas',
        'spec: Invalid value: "object": no such key: minReplicas evaluating rule: '
        "self.minReplicas <= self.replicas",
    ]


def test_transition_rule_runs_on_update_only() -> None:
    spec = {"replicas": 1, "minReplicas": 1, "maxReplicas": 1}
    assert rule_errors({"spec": {**spec, "mode": "b"}}) == []
    assert rule_errors({"spec": {**spec, "mode": "b"}}, {"spec": {**spec, "mode": "b"}}) == []
    assert rule_errors({"spec": {**spec, "mode": "b"}}, {"spec": {**spec, "mode": "a"}}) == [
        "spec: Forbidden: mode is immutable"
    ]


def test_blocking_errors_stop_cel() -> None:
    errs = crd_schema.validate(RULES, {"spec": {"replicas": "x"}})
    blocking = crd_schema.blocking_error(errs)
    assert blocking is not None
    assert str(blocking) == (
        '<nil>: Invalid value: "null": some validation rules were not checked because the '
        "object was invalid; correct the existing errors to complete validation"
    )
