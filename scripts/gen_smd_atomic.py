"""Generate fakekapi/catalog/data/smd_atomic.json: what server-side apply treats as one value.

Input (read-only reference data, never read at run time):
  openapi-v2/swagger-v1.33.json   the complete v1.33 OpenAPI v2 document

structured-merge-diff builds its schema from the OpenAPI (kube-openapi pkg/schemaconv): a definition
marked `x-kubernetes-map-type: atomic` (Go `+structType=atomic`: LabelSelector, ObjectReference,
LocalObjectReference, NodeSelector, ...) and a map property marked so
(`+mapType=atomic`: PodSpec.nodeSelector, ServiceSpec.selector, ...) are owned and replaced as a
whole. The field tree in schema_index.json.gz does not carry these marks, so they live here, keyed
by the same type ids.

Output: {"generator": ..., "inputs": {path: sha256}, "types": [type id, ...],
         "fields": {type id: [field, ...]},
         "releases": {release: {"addTypes": [...], "removeTypes": [...], "addFields": {type id:
                      [field, ...]}, "removeFields": {...}}}}
the 1.33 marks, and each other release's differences from them (only for types the release has:
a type a release does not define is never looked up there), from its own swagger.

Run by scripts/regen.py (with every other generator), from versions/v1.NN/swagger.json.gz.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fakekapi" / "catalog" / "data" / "smd_atomic.json"
PREFIX = "io.k8s."


def type_id(name: str) -> str:
    return name[len(PREFIX) :] if name.startswith(PREFIX) else name


def build(defs: dict[str, Any]) -> dict[str, Any]:
    types = sorted(
        type_id(n) for n, d in defs.items() if d.get("x-kubernetes-map-type") == "atomic"
    )
    fields: dict[str, list[str]] = {}
    for name, d in sorted(defs.items()):
        for prop, schema in sorted((d.get("properties") or {}).items()):
            if schema.get("x-kubernetes-map-type") == "atomic":
                fields.setdefault(type_id(name), []).append(prop)
    return {"types": types, "fields": fields}


def release_delta(base: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """What one release's marks add to or remove from the base release's (`build` of each)."""
    own = build(defs)
    present = {type_id(n) for n in defs}
    out: dict[str, Any] = {}
    add_types = sorted(set(own["types"]) - set(base["types"]))
    remove_types = sorted((set(base["types"]) - set(own["types"])) & present)
    add_fields = {
        t: sorted(set(fs) - set(base["fields"].get(t, ())))
        for t, fs in own["fields"].items()
        if set(fs) - set(base["fields"].get(t, ()))
    }
    remove_fields = {
        t: sorted(set(fs) - set(own["fields"].get(t, ())))
        for t, fs in base["fields"].items()
        if t in present and set(fs) - set(own["fields"].get(t, ()))
    }
    for key, value in (
        ("addTypes", add_types),
        ("removeTypes", remove_types),
        ("addFields", add_fields),
        ("removeFields", remove_fields),
    ):
        if value:
            out[key] = value
    return out


if __name__ == "__main__":
    raise SystemExit("run scripts/regen.py, which runs this generator with the others")
