"""Generate the OpenAPI documents fakekapi serves, from the complete v1.33 OpenAPI v2 document.

Inputs (read-only reference data, never read at run time):
  openapi-v2/swagger-v1.33.json   the complete v1.33 OpenAPI v2 (every path and definition)
  openapi-v3/*.json               real v3 documents: shape reference and source of `default`s

Outputs under fakekapi/catalog/data/ (gzipped, mtime 0 so regeneration is byte-stable):
  openapi_v2.json.gz              the v2 document as compact JSON (for `Accept: application/json`)
  openapi_v2.pb.gz                the same document as gnostic `openapi.v2.Document` protobuf
  openapi_v3/<key>.json.gz        one v3 document per index key (`api__v1`, `apis__apps__v1`, ...)
  openapi_v3/index.json           {key: upper-case hex SHA-512 of the served (decompressed) bytes}

How v2 becomes v3 (matching kube-apiserver's builder3 output, checked against the real files):
* Paths are split by the web service that serves them: `/api/v1/...` -> `api/v1`,
  `/apis/G/V/...` -> `apis/G/V`, `/apis/G/` -> `apis/G`, plus `api`, `apis`, `version`, `logs`,
  `.well-known/openid-configuration` and `openid/v1/jwks`.
* Parameters are inlined (v3 documents have no shared parameters); a non-body parameter's `type`,
  `format`, `uniqueItems`... move under `schema`; the body parameter becomes `requestBody` with one
  content entry per `consumes` type; responses get one content entry per `produces` type;
  `consumes`, `produces` and `schemes` disappear.
* `#/definitions/X` becomes `#/components/schemas/X`; a `$ref` with siblings (description,
  default) is wrapped as `allOf: [{$ref}]`; IntOrString and Quantity become `oneOf` types.
* `default` values come from the Go types (zero values of non-pointer fields), which v2 does not
  carry: they are copied from the real v3 documents where those describe the same schema and
  field, and otherwise follow the rules those documents show (required scalars get their zero
  value, `metadata`/`spec`/`status`/`template` and required struct fields get `{}`, list items
  and string map values get their zero value).
* Every schema a document's paths reach, transitively, is in its components.schemas.

The protobuf follows google/gnostic openapiv2/OpenAPIv2.proto field numbers; vendor extensions,
defaults, enums and examples are `Any{yaml}` values, as gnostic's compiler stores them.

A helper of scripts/gen_releases.py, which builds every release's data with it.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "fakekapi" / "catalog" / "data"

JSON = dict[str, Any]

# Newest first: a schema found in several files is taken from the first (the authentication and
# authorization documents are from 1.31+, the kubectl test documents from 1.27).
V3_REFERENCE_FILES = (
    "apis__authentication.k8s.io__v1_openapi.json",
    "apis__authorization.k8s.io__v1_openapi.json",
    "api__v1_openapi.kubectl-testdata.json",
    "apis__apps__v1_openapi.kubectl-testdata.json",
)

ONE_OF_TYPES = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": ["integer", "string"],
    "io.k8s.apimachinery.pkg.api.resource.Quantity": ["string", "number"],
}

# kube-openapi spec.SchemaProps / SwaggerSchemaProps field order (the real server's encoding order).
SCHEMA_ORDER = [
    "$ref",
    "description",
    "type",
    "nullable",
    "format",
    "title",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "enum",
    "maxProperties",
    "minProperties",
    "required",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "properties",
    "additionalProperties",
    "patternProperties",
    "dependencies",
    "additionalItems",
    "definitions",
    "discriminator",
    "readOnly",
    "xml",
    "externalDocs",
    "example",
]
OPERATION_ORDER = [
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "deprecated",
]
PATH_ITEM_ORDER = ["get", "put", "post", "delete", "options", "head", "patch", "parameters"]
PARAM_ORDER = ["name", "in", "description", "required", "deprecated", "allowEmptyValue", "schema"]
PARAM_SCHEMA_KEYS = {
    "type",
    "format",
    "items",
    "collectionFormat",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
}
STRUCT_DEFAULT_NAMES = {"metadata", "spec", "status", "template"}


# ------------------------------------------------------------------------------------------------
# helpers


def ordered(d: JSON, order: list[str]) -> JSON:
    """Keys in `order` first (in that order), then the rest (x- extensions) sorted."""
    out = {k: d[k] for k in order if k in d}
    for k in sorted(d):
        if k not in out:
            out[k] = d[k]
    return out


def go_json(obj: Any) -> bytes:
    """Compact JSON as Go's encoding/json writes it (HTML characters escaped)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, esc)
    return text.encode()


def write_gz(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def etag(data: bytes) -> str:
    return hashlib.sha512(data).hexdigest().upper()


# ------------------------------------------------------------------------------------------------
# v2 -> v3


def key_for_path(path: str) -> str:
    """The /openapi/v3 index key (the serving web service's root path) of a v2 path."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return ""
    if parts[0] == "api":
        return "/".join(parts[:2])
    if parts[0] == "apis":
        return "/".join(parts[:3])
    if parts[0] == "logs":
        return "logs"
    return "/".join(parts)


def zero_default(node: JSON, definitions: JSON) -> Any:
    """The Go zero value a field of this (v2) schema defaults to, or None for no default."""
    if "$ref" in node:
        target = definitions.get(node["$ref"].rsplit("/", 1)[-1], {})
        if target.get("type") == "object" or "properties" in target:
            return {}
        return None
    t = node.get("type")
    if t == "string" and node.get("format") not in ("byte", "date-time"):
        return ""
    if t == "integer":
        return 0
    if t == "boolean":
        return False
    return None


class V3Converter:
    """Converts v2 definitions and operations into kube-apiserver's v3 shapes."""

    def __init__(self, swagger: JSON, reference_schemas: JSON) -> None:
        self.swagger = swagger
        self.definitions: JSON = swagger["definitions"]
        self.parameters: JSON = swagger.get("parameters", {})
        self.reference = reference_schemas
        self._schemas: dict[str, JSON] = {}

    # -- schemas ---------------------------------------------------------------------------------

    def schema(self, name: str) -> JSON:
        if name not in self._schemas:
            self._schemas[name] = self._definition(name)
        return self._schemas[name]

    def _definition(self, name: str) -> JSON:
        v2 = self.definitions[name]
        ref = self.reference.get(name, {})
        out = self.node(v2)
        if name in ONE_OF_TYPES:
            out.pop("type", None)
            out["oneOf"] = [{"type": t} for t in ONE_OF_TYPES[name]]
        required = set(v2.get("required", []))
        props = out.get("properties")
        if props:
            ref_props = ref.get("properties", {})
            for pname, pnode in props.items():
                self._defaults_deep(
                    pnode,
                    v2["properties"][pname],
                    ref_props.get(pname),
                    required=pname in required,
                    struct_name=pname in STRUCT_DEFAULT_NAMES,
                )
            out["properties"] = {k: self._wrap_deep(v) for k, v in props.items()}
        return self._order_deep(out)

    def _defaults_deep(
        self,
        node: JSON,
        v2node: JSON,
        ref_node: JSON | None,
        *,
        required: bool,
        struct_name: bool,
    ) -> None:
        """Defaults for a field, its list items and its map values, at any depth."""
        self._apply_default(node, v2node, ref_node, required=required, struct_name=struct_name)
        for sub in ("items", "additionalProperties"):
            if isinstance(node.get(sub), dict) and isinstance(v2node.get(sub), dict):
                ref_sub = (ref_node or {}).get(sub)
                self._defaults_deep(
                    node[sub],
                    v2node[sub],
                    ref_sub if isinstance(ref_sub, dict) else None,
                    # list items and map values are never pointers in the built-in types
                    required=sub == "items" or "type" in v2node[sub],
                    struct_name=sub == "items",
                )

    def _wrap_deep(self, n: JSON) -> JSON:
        n = self._wrap(n)
        for sub in ("items", "additionalProperties"):
            if isinstance(n.get(sub), dict):
                n[sub] = self._wrap_deep(n[sub])
        return n

    def _apply_default(
        self,
        node: JSON,
        v2node: JSON,
        ref_node: JSON | None,
        *,
        required: bool,
        struct_name: bool,
    ) -> None:
        if "default" in v2node:
            return
        if ref_node is not None and _same_shape(ref_node, v2node):
            if "default" in ref_node:
                node["default"] = copy.deepcopy(ref_node["default"])
            return
        value = zero_default(v2node, self.definitions)
        if value is None:
            return
        if value == {} and not (required or struct_name):
            return
        if value != {} and not required:
            return
        node["default"] = value

    def node(self, n: JSON) -> JSON:
        """A v2 schema node with refs rewritten, recursively (no wrapping, no defaults)."""
        out: JSON = {}
        for k, v in n.items():
            if k == "$ref":
                out[k] = v.replace("#/definitions/", "#/components/schemas/")
            elif k == "properties":
                out[k] = {pk: self.node(pv) for pk, pv in v.items()}
            elif k in ("items", "additionalProperties") and isinstance(v, dict):
                out[k] = self.node(v)
            elif k in ("allOf", "oneOf", "anyOf"):
                out[k] = [self.node(x) for x in v]
            else:
                out[k] = copy.deepcopy(v)
        return out

    @staticmethod
    def _wrap(n: JSON) -> JSON:
        """`{$ref, description...}` -> `{allOf: [{$ref}], description...}` as builder3 does."""
        if "$ref" in n and len(n) > 1:
            n = dict(n)
            ref = n.pop("$ref")
            n["allOf"] = [{"$ref": ref}]
        return n

    def _order_deep(self, n: JSON) -> JSON:
        out = ordered(n, SCHEMA_ORDER)
        if "properties" in out:
            out["properties"] = {k: self._order_deep(v) for k, v in out["properties"].items()}
        for sub in ("items", "additionalProperties"):
            if isinstance(out.get(sub), dict):
                out[sub] = self._order_deep(out[sub])
        for sub in ("allOf", "oneOf", "anyOf"):
            if sub in out:
                out[sub] = [self._order_deep(x) for x in out[sub]]
        return out

    # -- paths -----------------------------------------------------------------------------------

    def resolve_param(self, p: JSON) -> JSON:
        if "$ref" in p:
            return dict(self.parameters[p["$ref"].rsplit("/", 1)[-1]])
        return p

    def param(self, p: JSON) -> JSON:
        p = self.resolve_param(p)
        out: JSON = {"name": p["name"], "in": p["in"]}
        if p.get("description"):
            out["description"] = p["description"]
        if p.get("required"):
            out["required"] = True
        schema = {k: copy.deepcopy(v) for k, v in p.items() if k in PARAM_SCHEMA_KEYS}
        schema.pop("collectionFormat", None)
        out["schema"] = ordered(schema, SCHEMA_ORDER)
        return ordered(out, PARAM_ORDER)

    def content_schema(self, n: JSON) -> JSON:
        return self._order_deep(self._wrap(self.node(n)))

    def operation(self, op: JSON) -> JSON:
        out: JSON = {}
        for k in ("tags", "summary", "description", "externalDocs", "operationId"):
            if k in op:
                out[k] = copy.deepcopy(op[k])
        params: list[JSON] = []
        body: JSON | None = None
        for p in op.get("parameters", []):
            rp = self.resolve_param(p)
            if rp["in"] == "body":
                body = rp
            else:
                params.append(self.param(rp))
        if params:
            out["parameters"] = params
        if body is not None:
            schema = self.content_schema(body["schema"])
            rb: JSON = {"content": {ct: {"schema": schema} for ct in op.get("consumes", ["*/*"])}}
            if body.get("required"):
                rb["required"] = True
            out["requestBody"] = rb
        responses: JSON = {}
        for code, resp in op["responses"].items():
            r: JSON = {"description": resp.get("description", "")}
            if "schema" in resp:
                schema = self.content_schema(resp["schema"])
                r["content"] = {ct: {"schema": schema} for ct in op.get("produces", [])}
            responses[code] = r
        out["responses"] = responses
        if op.get("deprecated"):
            out["deprecated"] = True
        for k, v in op.items():
            if k.startswith("x-"):
                out[k] = copy.deepcopy(v)
        return ordered(out, OPERATION_ORDER)

    def path_item(self, item: JSON) -> JSON:
        out: JSON = {}
        for k, v in item.items():
            if k == "parameters":
                out[k] = [self.param(p) for p in v]
            else:
                out[k] = self.operation(v)
        return ordered(out, PATH_ITEM_ORDER)

    def document(self, paths: JSON) -> JSON:
        converted = {p: self.path_item(item) for p, item in paths.items()}
        names = sorted(self.reachable(converted))
        security = self.swagger.get("securityDefinitions", {})
        return {
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": "unversioned"},
            "paths": converted,
            "components": {
                "schemas": {n: self.schema(n) for n in names},
                "securitySchemes": {
                    k: ordered(v, ["type", "description", "name", "in"])
                    for k, v in security.items()
                },
            },
        }

    def reachable(self, root: Any) -> set[str]:
        seen: set[str] = set()
        stack = [root]
        prefix = "#/components/schemas/"
        while stack:
            n = stack.pop()
            if isinstance(n, dict):
                for k, v in n.items():
                    if k == "$ref" and isinstance(v, str) and v.startswith(prefix):
                        name = v[len(prefix) :]
                        if name not in seen:
                            seen.add(name)
                            stack.append(self.schema(name))
                    else:
                        stack.append(v)
            elif isinstance(n, list):
                stack.extend(n)
        return seen


def _same_shape(ref_node: JSON, v2node: JSON) -> bool:
    """True if a reference v3 field describes the same kind of value as the v2 field."""
    if "$ref" in v2node:
        target = v2node["$ref"].rsplit("/", 1)[-1]
        refs = [x.get("$ref", "") for x in ref_node.get("allOf", [])] + [ref_node.get("$ref", "")]
        return any(r.endswith("/" + target) for r in refs)
    return ref_node.get("type") == v2node.get("type")


def build_v3(swagger: JSON, reference_schemas: JSON) -> dict[str, JSON]:
    by_key: dict[str, JSON] = {}
    for path, item in swagger["paths"].items():
        by_key.setdefault(key_for_path(path), {})[path] = item
    conv = V3Converter(swagger, reference_schemas)
    return {key: conv.document(paths) for key, paths in by_key.items()}


# ------------------------------------------------------------------------------------------------


if __name__ == "__main__":
    raise SystemExit("a helper of scripts/gen_releases.py: run that (or scripts/regen.py)")
