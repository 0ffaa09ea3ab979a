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
         "fields": {type id: [field, ...]}}

Run by scripts/regen.py (with every other generator), from versions/v1.33/swagger.json.gz.
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


if __name__ == "__main__":
    raise SystemExit("run scripts/regen.py, which runs this generator with the others")
