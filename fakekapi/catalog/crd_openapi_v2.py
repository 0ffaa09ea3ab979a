"""Custom resources in `/openapi/v2`, as apiextensions-apiserver publishes them.

kube-apiserver merges every established CRD version into the v2 document (the openapi
controller, pkg/controller/openapi/builder `BuildOpenAPIV2`): a definition per kind named like
the v3 schema (`com.example.v1.Widget`) with `x-kubernetes-group-version-kind`, its List, and the
resource paths. kubectl 1.27 and 1.28 read only this document (as gnostic protobuf) for `explain`
and client-side validation of custom resources.

The kind's schema goes through `ToStructuralOpenAPIV2` (pkg/controller/openapi/v2/conversion.go):
allOf/anyOf/oneOf/not are dropped; a nullable node loses its type, items and properties; a node
preserving unknown fields loses items and properties (and its `object` type); an array without
items loses its type; nullable properties leave `required`. A root schema that preserves unknown
fields publishes only `type: object` (kubectl would refuse everything else otherwise).
The paths are kube's shapes without the shared parameter references (clients do not read them).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from fakekapi.catalog.crd_openapi import (
    _API_VERSION_DOC,
    _DRY_RUN,
    _FIELD_MANAGER,
    _FIELD_VALIDATION,
    _FORCE,
    _KIND_DOC,
    _LIST_METADATA_DOC,
    _METADATA_DOC,
    META,
    CustomVersion,
    list_schema,
    routes,
    schema_name,
)

Schema = dict[str, Any]
_DEFS = "#/definitions/"


def to_structural_v2(schema: Schema) -> Schema:
    """ToStructuralOpenAPIV2 over a copy of `schema`."""
    out = copy.deepcopy(schema)
    _visit(out)
    return out


def _visit(s: Schema) -> None:
    for key in ("allOf", "oneOf", "anyOf", "not"):
        s.pop(key, None)
    if s.get("nullable"):
        s.pop("type", None)
        s.pop("nullable", None)
        s.pop("items", None)
        s.pop("properties", None)
    if s.get("x-kubernetes-preserve-unknown-fields"):
        s.pop("items", None)
        s.pop("properties", None)
    if "items" not in s and s.get("type") == "array":
        s.pop("type", None)
    if s.get("x-kubernetes-preserve-unknown-fields") and s.get("type") == "object":
        s.pop("type", None)
    props = s.get("properties")
    if isinstance(props, dict):
        nullable = {k for k, v in props.items() if isinstance(v, dict) and v.get("nullable")}
        if nullable and isinstance(s.get("required"), list):
            s["required"] = [r for r in s["required"] if r not in nullable]
            if not s["required"]:
                del s["required"]
        for v in props.values():
            if isinstance(v, dict):
                _visit(v)
    additional = s.get("additionalProperties")
    if isinstance(additional, dict):
        if additional.get("nullable"):
            s.pop("required", None)
        _visit(additional)
    items = s.get("items")
    if isinstance(items, dict):
        _visit(items)


def _gvk(cv: CustomVersion, kind: str) -> list[dict[str, str]]:
    return [{"group": cv.group, "kind": kind, "version": cv.version}]


def kind_definition(cv: CustomVersion) -> Schema:
    """buildKubeNative with opts.V2."""
    root = cv.schema
    if not root or root.get("x-kubernetes-preserve-unknown-fields"):
        return {"type": "object", "x-kubernetes-group-version-kind": _gvk(cv, cv.kind)}
    out = to_structural_v2(root)
    props = out.setdefault("properties", {})
    props["apiVersion"] = {"description": _API_VERSION_DOC, "type": "string"}
    props["kind"] = {"description": _KIND_DOC, "type": "string"}
    props["metadata"] = {"$ref": _DEFS + META + "ObjectMeta", "description": _METADATA_DOC}
    out["properties"] = dict(sorted(props.items()))
    out["x-kubernetes-group-version-kind"] = _gvk(cv, cv.kind)
    return out


def list_definition(cv: CustomVersion, item: str) -> Schema:
    return list_schema(
        cv,
        {"$ref": _DEFS + item},
        {"$ref": _DEFS + META + "ListMeta", "description": _LIST_METADATA_DOC},
    )


_PRODUCES = ["application/json", "application/yaml"]
_PATCH_TYPES = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
]


def _parameters(action: str, item: str) -> list[dict[str, Any]]:
    """The write parameters, inline: kubectl's QueryParamVerifier looks for `fieldValidation`
    and `dryRun` among the patch operation's own (non-$ref) parameters of a GVK, and falls back
    to client-side validation when the GVK's path lacks them."""
    if action in ("post", "put"):
        body = {"in": "body", "name": "body", "required": True, "schema": {"$ref": _DEFS + item}}
        return [body, _DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION]
    if action == "patch":
        body = {
            "in": "body",
            "name": "body",
            "required": True,
            "schema": {"$ref": _DEFS + META + "Patch"},
        }
        return [body, _DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION, _FORCE]
    if action in ("delete", "deletecollection"):
        return [_DRY_RUN]
    return []


def _op(
    cv: CustomVersion, action: str, description: str, op_id: str, response: str
) -> dict[str, Any]:
    params = _parameters(action, response)
    return {
        "consumes": _PATCH_TYPES if action == "patch" else ["*/*"],
        "description": description,
        "operationId": op_id,
        **({"parameters": params} if params else {}),
        "produces": _PRODUCES,
        "responses": {
            "200": {"description": "OK", "schema": {"$ref": _DEFS + response}},
            "401": {"description": "Unauthorized"},
        },
        "schemes": ["https"],
        "tags": [f"{cv.group.split('.')[0]}_{cv.version}"],
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(cv, cv.kind)[0],
    }


def paths(cv: CustomVersion, item: str, lst: str) -> dict[str, Any]:
    """The v2 paths of a custom version: the routes the v3 document has, verbs in name order
    (as kube's v2 JSON lists them)."""
    return {path: dict(sorted(verbs.items())) for path, verbs in routes(cv, item, lst, _op).items()}


def parts(versions: list[CustomVersion]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, definitions) of every custom version, sorted by name."""
    all_paths: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    for cv in sorted(versions, key=lambda v: (v.group, v.version, v.plural)):
        item = schema_name(cv.group, cv.version, cv.kind)
        lst = schema_name(cv.group, cv.version, cv.list_kind)
        definitions[item] = kind_definition(cv)
        definitions[lst] = list_definition(cv, item)
        all_paths.update(paths(cv, item, lst))
    return dict(sorted(all_paths.items())), dict(sorted(definitions.items()))


def merged_json(base: bytes, versions: list[CustomVersion]) -> bytes:
    """The built-in v2 JSON document with the custom versions' paths and definitions."""
    doc = json.loads(base)
    extra_paths, extra_defs = parts(versions)
    doc["paths"] = dict(sorted({**doc["paths"], **extra_paths}.items()))
    doc["definitions"] = dict(sorted({**doc["definitions"], **extra_defs}.items()))
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def merged_protobuf(base: bytes, versions: list[CustomVersion]) -> bytes:
    """The built-in gnostic document with the custom versions' paths and definitions appended
    (gnostic keeps named entries as repeated fields: appending adds them)."""
    from fakekapi.catalog import gnostic

    extra_paths, extra_defs = parts(versions)
    doc = gnostic.Msg()
    for name, item in extra_paths.items():
        doc.msg(2, gnostic.Msg().string(1, name).msg(2, gnostic.pb_path_item(item)))
    path_entries = bytes(doc.buf)
    doc = gnostic.Msg()
    for name, schema in extra_defs.items():
        doc.msg(1, gnostic.Msg().string(1, name).msg(2, gnostic.pb_schema(schema)))
    def_entries = bytes(doc.buf)
    # Document.paths = 8, Document.definitions = 9: a repeated message field may appear more
    # than once; parsers merge the occurrences, so appending one of each extends both lists.
    out = gnostic.Msg()
    out.buf += base
    out.bytes_(8, path_entries)
    out.bytes_(9, def_entries)
    return bytes(out.buf)
