"""Generate fakekapi/catalog/data/schema_index.json.gz: the field tree of every built-in kind.

Input (read-only reference data, never read at run time):
  openapi-v2/swagger-v1.33.json   the complete v1.33 OpenAPI v2 document

The registry needs, per kind, what kube-apiserver gets from its Go structs: which fields exist
(unknown ones are reported by fieldValidation and dropped), the Go type of each field (decode
errors name it), which fields are maps, lists or free-form, and the patch metadata of each field
(`x-kubernetes-patch-strategy` / `-patch-merge-key` for strategic merge patch,
`x-kubernetes-list-type` / `-list-map-keys` for server-side apply).

Output layout (compact JSON, gzipped with mtime 0 so regeneration is byte-stable):

  {"kinds": {"<group/version or version>/<Kind>": "<type id>"},
   "types": {"<type id>": {"go": "<Go type, e.g. v1.PodSpec>", "f": {"<field>": FIELD}}}}

  FIELD = TYPE | {"t": TYPE, "ps": strategy, "mk": merge key, "lt": list type, "lk": [map keys]}
  TYPE  = "string" | "bool" | "int32" | "int64" | "float64" | "[]uint8"   (Go scalar)
        | "@<type id>"                                                     (a struct)
        | "~<Go type>"                              (free-form: custom JSON decoding, kept as is)
        | ["l", TYPE]  (a list)  |  ["m", TYPE]  (a map with string keys)

Type ids are the OpenAPI definition names without the common `io.k8s.` prefix.

A helper of scripts/gen_releases.py, which builds every release's data with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fakekapi" / "catalog" / "data" / "schema_index.json.gz"
PREFIX = "io.k8s."

# Definitions with their own JSON decoding in Go (UnmarshalJSON / unstructured converters): their
# content is never checked for unknown fields and is stored as sent.
FREE_FORM = {
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": "v1.JSON",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray": (
        "v1.JSONSchemaPropsOrArray"
    ),
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool": (
        "v1.JSONSchemaPropsOrBool"
    ),
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray": (
        "v1.JSONSchemaPropsOrStringArray"
    ),
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "resource.Quantity",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "v1.FieldsV1",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "v1.MicroTime",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch": "v1.Patch",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "v1.Time",
    "io.k8s.apimachinery.pkg.runtime.RawExtension": "runtime.RawExtension",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "intstr.IntOrString",
}


def type_id(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    return name[len(PREFIX) :] if name.startswith(PREFIX) else name


def go_struct_name(definition: str) -> str:
    """`io.k8s.api.core.v1.PodSpec` -> `v1.PodSpec` (package name, as reflect prints types)."""
    parts = definition.split(".")
    return f"{parts[-2]}.{parts[-1]}"


def scalar(schema: dict[str, Any]) -> str:
    t = schema.get("type")
    fmt = schema.get("format", "")
    if t == "string":
        return "[]uint8" if fmt == "byte" else "string"
    if t == "boolean":
        return "bool"
    if t == "integer":
        return "int32" if fmt == "int32" else "int64"
    if t == "number":
        return "float64"
    raise ValueError(f"unexpected schema {schema}")


def type_of(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    ref = schema.get("$ref")
    if ref:
        full = ref.rsplit("/", 1)[-1]
        if full in FREE_FORM:
            return "~" + FREE_FORM[full]
        return "@" + type_id(ref)
    t = schema.get("type")
    if t == "array":
        return ["l", type_of(schema["items"], defs)]
    if t == "object":
        ap = schema.get("additionalProperties")
        if isinstance(ap, dict):
            return ["m", type_of(ap, defs)]
        return "~map[string]interface {}"
    return scalar(schema)


def field_of(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    t = type_of(schema, defs)
    meta: dict[str, Any] = {}
    if "x-kubernetes-patch-strategy" in schema:
        meta["ps"] = schema["x-kubernetes-patch-strategy"]
    if "x-kubernetes-patch-merge-key" in schema:
        meta["mk"] = schema["x-kubernetes-patch-merge-key"]
    if "x-kubernetes-list-type" in schema:
        meta["lt"] = schema["x-kubernetes-list-type"]
    if "x-kubernetes-list-map-keys" in schema:
        meta["lk"] = schema["x-kubernetes-list-map-keys"]
    if not meta:
        return t
    return {"t": t, **meta}


def build(defs: dict[str, Any]) -> dict[str, Any]:
    types: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for name, d in sorted(defs.items()):
        if name in FREE_FORM:
            continue
        props = d.get("properties") or {}
        types[type_id(name)] = {
            "go": go_struct_name(name),
            "f": {f: field_of(p, defs) for f, p in props.items()},
        }
        for gvk in d.get("x-kubernetes-group-version-kind") or []:
            gv = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            kinds.setdefault(f"{gv}/{gvk['kind']}", type_id(name))
    # Keep only the types reachable from a kind.
    keep: set[str] = set()
    todo = list(kinds.values())
    while todo:
        tid = todo.pop()
        if tid in keep:
            continue
        keep.add(tid)
        for f in types[tid]["f"].values():
            todo.extend(_refs(f["t"] if isinstance(f, dict) else f))
    return {
        "kinds": dict(sorted(kinds.items())),
        "types": {k: v for k, v in sorted(types.items()) if k in keep},
    }


def _refs(t: Any) -> list[str]:
    if isinstance(t, list):
        return _refs(t[1])
    if isinstance(t, str) and t.startswith("@"):
        return [t[1:]]
    return []


if __name__ == "__main__":
    raise SystemExit("a helper of scripts/gen_releases.py: run that (or scripts/regen.py)")
