"""Generate fakekapi/catalog/data/smd_atomic.json: what server-side apply treats as one value.

Input (read-only reference data, never read at run time):
  openapi-v2/swagger-v1.33.json   the complete v1.33 OpenAPI v2 document

structured-merge-diff builds its schema from the OpenAPI (kube-openapi pkg/schemaconv): a definition
marked `x-kubernetes-map-type: atomic` (Go `+structType=atomic`: LabelSelector, ObjectReference,
LocalObjectReference, NodeSelector, ...) and a map property marked so
(`+mapType=atomic`: PodSpec.nodeSelector, ServiceSpec.selector, ...) are owned and replaced as a
whole. The field tree in schema_index.json.gz does not carry these marks, so they live here, keyed
by the same type ids.

Output: {"types": [type id, ...], "fields": {type id: [field, ...]}}

Usage: python scripts/gen_smd_atomic.py [REFERENCE_DIR]   (default /work/shared/k8s-reference)
"""

from __future__ import annotations

import json
import sys
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


def main() -> None:
    ref_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/k8s-reference")
    spec = json.loads((ref_dir / "openapi-v2" / "swagger-v1.33.json").read_bytes())
    out = build(spec["definitions"])
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"{OUT}: {len(out['types'])} atomic types, {len(out['fields'])} types with atomic maps")


if __name__ == "__main__":
    main()
