"""Custom resources in /openapi/v2: ToStructuralOpenAPIV2 and the merged JSON and protobuf."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakekapi.catalog import gnostic
from fakekapi.catalog import openapi as builtin
from fakekapi.catalog.crd_openapi import CustomResources, CustomVersion
from fakekapi.catalog.crd_openapi_v2 import kind_definition, to_structural_v2


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            {
                "type": "object",
                "oneOf": [{"required": ["a"]}],
                "properties": {"a": {"type": "string"}},
            },
            {"type": "object", "properties": {"a": {"type": "string"}}},
        ),
        (
            {
                "type": "object",
                "required": ["n", "m"],
                "properties": {
                    "n": {"type": "object", "nullable": True, "properties": {"x": {}}},
                    "m": {"type": "string"},
                },
            },
            {"type": "object", "required": ["m"], "properties": {"n": {}, "m": {"type": "string"}}},
        ),
        (
            {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "properties": {"a": {}},
            },
            {"x-kubernetes-preserve-unknown-fields": True},
        ),
        (
            {"type": "array", "x-kubernetes-preserve-unknown-fields": True, "items": {}},
            {"x-kubernetes-preserve-unknown-fields": True},
        ),
    ],
)
def test_to_structural_v2(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    assert to_structural_v2(schema) == expected


def _widget(schema: dict[str, Any] | None) -> CustomVersion:
    return CustomVersion(
        crd_name="widgets.example.com",
        group="example.com",
        version="v1",
        plural="widgets",
        singular="widget",
        kind="Widget",
        list_kind="WidgetList",
        namespaced=True,
        schema=schema,
        generation="1",
    )


def test_kind_definition_adds_type_and_object_meta() -> None:
    d = kind_definition(_widget({"type": "object", "properties": {"spec": {"type": "object"}}}))
    assert sorted(d["properties"]) == ["apiVersion", "kind", "metadata", "spec"]
    assert d["properties"]["metadata"]["$ref"] == (
        "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    )
    assert d["x-kubernetes-group-version-kind"] == [
        {"group": "example.com", "kind": "Widget", "version": "v1"}
    ]
    assert kind_definition(_widget(None)) == {
        "type": "object",
        "x-kubernetes-group-version-kind": [
            {"group": "example.com", "kind": "Widget", "version": "v1"}
        ],
    }


def test_merged_documents() -> None:
    custom = CustomResources()
    assert custom.v2_document(builtin.v2_json(), protobuf=False) is builtin.v2_json()
    custom.put(_widget({"type": "object", "properties": {"spec": {"type": "object"}}}))
    doc = json.loads(custom.v2_document(builtin.v2_json(), protobuf=False))
    assert "com.example.v1.Widget" in doc["definitions"]
    assert "com.example.v1.WidgetList" in doc["definitions"]
    assert "io.k8s.api.core.v1.Pod" in doc["definitions"]
    patch = doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"]
    assert "fieldValidation" in [p.get("name") for p in patch["parameters"]]
    pb = custom.v2_document(builtin.v2_protobuf(), protobuf=True)
    assert pb.startswith(builtin.v2_protobuf())
    assert gnostic.pb_schema(doc["definitions"]["com.example.v1.Widget"]).buf in pb
    # cached until the CRD changes
    assert custom.v2_document(builtin.v2_protobuf(), protobuf=True) is pb
