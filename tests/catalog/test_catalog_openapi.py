"""OpenAPI documents: lazy loading, the v3 index and documents, the v2 protobuf."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from fakekapi.catalog import openapi
from fakekapi.catalog.catalog import Catalog


def test_nothing_loaded_at_import() -> None:
    code = (
        "import fakekapi.catalog.openapi as o, fakekapi.catalog.catalog;"
        "assert o._v3_docs == {};"
        "assert o._v2_doc_of.cache_info().currsize == 0;"
        "assert o._v2_protobuf.cache_info().currsize == 0;"
        "assert o._v3_store.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_v3_index() -> None:
    index = json.loads(openapi.v3_index())
    paths = index["paths"]
    for key in (
        "api",
        "api/v1",
        "apis",
        "apis/apps",
        "apis/apps/v1",
        "version",
        "logs",
        ".well-known/openid-configuration",
        "openid/v1/jwks",
    ):
        assert key in paths, key
    h = openapi.v3_hash("api/v1")
    assert paths["api/v1"] == {"serverRelativeURL": f"/openapi/v3/api/v1?hash={h}"}
    assert len(h) == 128 and h == h.upper()


def test_v3_hash_is_sha512_of_served_bytes() -> None:
    for key in ("api/v1", "apis/apps/v1", "version"):
        doc = openapi.v3_document(key)
        assert doc is not None
        assert openapi.v3_hash(key) == openapi.etag(doc)
    assert openapi.v3_document("apis/nope/v1") is None
    assert openapi.v3_hash("apis/nope/v1") == ""


def test_v3_document_shape() -> None:
    raw = openapi.v3_document("apis/apps/v1")
    assert raw is not None
    doc = json.loads(raw)
    assert doc["openapi"] == "3.0.0"
    assert doc["info"] == {"title": "Kubernetes", "version": "unversioned"}
    assert doc["components"]["securitySchemes"] == {
        "BearerToken": {
            "type": "apiKey",
            "description": "Bearer Token authentication",
            "name": "authorization",
            "in": "header",
        }
    }
    assert all(p.startswith("/apis/apps/v1/") for p in doc["paths"])
    schemas = doc["components"]["schemas"]
    deploy = schemas["io.k8s.api.apps.v1.Deployment"]
    assert deploy["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    assert deploy["properties"]["metadata"] == {
        "description": deploy["properties"]["metadata"]["description"],
        "default": {},
        "allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
    }
    # every reference resolves inside the document
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in schemas
    intorstr = schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert intorstr["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    post = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["post"]
    assert post["requestBody"]["content"] == {
        "*/*": {"schema": {"$ref": "#/components/schemas/io.k8s.api.apps.v1.Deployment"}}
    }
    assert "application/json" in post["responses"]["201"]["content"]
    assert "consumes" not in post and "produces" not in post and "schemes" not in post


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def _v3_key(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


@pytest.mark.parametrize(
    "rt",
    [rt for rt in Catalog.builtin().all() if "patch" in rt.verbs],
    ids=lambda rt: f"{rt.group_version}/{rt.plural}",
)
def test_v3_patch_carries_field_validation_and_gvk(rt: Any) -> None:
    """kubectl ≥1.27 decides on server-side field validation from exactly this (reference §9.1)."""
    raw = openapi.v3_document(_v3_key(rt.group, rt.version))
    assert raw is not None
    doc = json.loads(raw)
    gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
    patches = [
        item["patch"]
        for item in doc["paths"].values()
        if "patch" in item and item["patch"].get("x-kubernetes-group-version-kind") == gvk
    ]
    assert patches, f"no PATCH operation for {gvk}"
    for op in patches:
        names = [p["name"] for p in op["parameters"]]
        assert "fieldValidation" in names
        assert "application/strategic-merge-patch+json" in op["requestBody"]["content"] or rt.is_crd


# -- v2 protobuf: a small wire-format reader -------------------------------------------------


def _fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i : i + n], i + n
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise AssertionError(f"bad wire type {wire}")
        yield field, wire, value
    assert i == len(buf)


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _get(buf: bytes, field: int) -> list[bytes]:
    return [v for f, w, v in _fields(buf) if f == field and w == 2]


def _named(buf: bytes, field: int) -> dict[str, bytes]:
    """Repeated Named* entries {1 name, 2 value} as a dict."""
    out = {}
    for entry in _get(buf, field):
        [name] = _get(entry, 1) or [b""]
        [value] = _get(entry, 2) or [b""]
        out[name.decode()] = value
    return out


@pytest.fixture(scope="module")
def v2pb() -> bytes:
    return openapi.v2_protobuf()


def test_v2_protobuf_document(v2pb: bytes) -> None:
    assert _get(v2pb, 1) == [b"2.0"]  # swagger
    [info] = _get(v2pb, 2)
    assert _get(info, 1) == [b"Kubernetes"]
    [definitions] = _get(v2pb, 9)
    defs = _named(definitions, 1)
    assert len(defs) == len(json.loads(openapi.v2_json())["definitions"])
    pod = defs["io.k8s.api.core.v1.Pod"]
    ext = _named(pod, 31)  # Schema.vendor_extension
    [gvk_yaml] = _get(ext["x-kubernetes-group-version-kind"], 2)  # Any.yaml
    assert yaml.safe_load(gvk_yaml) == [{"group": "", "kind": "Pod", "version": "v1"}]
    [properties] = _get(pod, 25)
    spec = _named(properties, 1)["spec"]
    assert _get(spec, 1) == [b"#/definitions/io.k8s.api.core.v1.PodSpec"]


def test_v2_protobuf_pod_patch(v2pb: bytes) -> None:
    [paths] = _get(v2pb, 8)
    items = _named(paths, 2)
    assert len(items) == len(json.loads(openapi.v2_json())["paths"])
    item = items["/api/v1/namespaces/{namespace}/pods/{name}"]
    [patch] = _get(item, 8)  # PathItem.patch
    assert _get(patch, 5) == [b"patchCoreV1NamespacedPod"]
    ext = _named(patch, 13)  # Operation.vendor_extension
    [gvk_yaml] = _get(ext["x-kubernetes-group-version-kind"], 2)
    assert yaml.safe_load(gvk_yaml) == {"group": "", "kind": "Pod", "version": "v1"}
    [action] = _get(ext["x-kubernetes-action"], 2)
    assert yaml.safe_load(action) == "patch"
    inline_names = []
    refs = []
    for pi in _get(patch, 8):  # Operation.parameters: ParametersItem
        for param in _get(pi, 1):  # Parameter
            for nonbody in _get(param, 2):  # NonBodyParameter
                for query in _get(nonbody, 3):  # QueryParameterSubSchema
                    assert _get(query, 2) == [b"query"]
                    inline_names.append(_get(query, 4)[0].decode())
        for ref in _get(pi, 2):  # JsonReference
            refs.append(_get(ref, 1)[0].decode())
    assert "fieldValidation" in inline_names
    assert "#/parameters/body-78PwaGsr" in refs
    [doc_params] = _get(v2pb, 10)
    body = _named(doc_params, 1)["body-78PwaGsr"]
    [body_param] = _get(body, 1)  # Parameter.body_parameter
    assert _get(body_param, 3) == [b"body"]
    [schema] = _get(body_param, 5)
    assert _get(schema, 1) == [b"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"]


def test_v2_json() -> None:
    doc = json.loads(openapi.v2_json())
    assert doc["swagger"] == "2.0"
    assert doc["info"] == {"title": "Kubernetes", "version": "unversioned"}
    assert "/api/v1/namespaces/{namespace}/pods/{name}" in doc["paths"]
