"""Regenerate every generated file of the repository from the reference data, byte for byte.

Runs each generator in scripts/ (each exposes a function taking the output root and the
reference directory):
  gen_releases.generate   every emulated release's catalog, OpenAPI, schemas, protobuf and RBAC
                          data (it uses gen_catalog, gen_openapi, gen_schema_index,
                          gen_proto_schema, gen_rbac_policy and the releases_* helpers)
  gen_table_docs.render   fakekapi/registry/generic/printing/descriptions.py
  gen_smd_atomic.build    fakekapi/catalog/data/smd_atomic.json (1.33's atomic structs and maps,
                          and each release's differences)
  gen_test_expectations   tests/e2e/data/release_api_versions.json (what kubectl api-versions
                          must list per release, from each swagger alone) and
                          tests/protobuf/data/kubectl_trace_bodies.json (kubectl's Go-encoded
                          request bodies from the recorded traces)

`regenerate(root, reference, kubectl)` writes under `root` (the repository, or an empty folder a
test compares with the committed files: tests/test_regen.py) and returns the paths written.

Usage: python scripts/regen.py [REFERENCE_DIR [KUBECTL_1_33]]
       (default ../shared/k8s-reference next to the repository, kubectl.1.33 next to `kubectl`)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import gen_releases  # noqa: E402
import gen_smd_atomic  # noqa: E402
import gen_table_docs  # noqa: E402
import gen_test_expectations  # noqa: E402

GENERATED = (
    "fakekapi/catalog/data/releases.json",
    "fakekapi/catalog/data/releases",
    "fakekapi/protobuf/data/releases",
    "fakekapi/registry/data/releases",
    "fakekapi/registry/generic/printing/descriptions.py",
    "fakekapi/catalog/data/smd_atomic.json",
    "tests/e2e/data/release_api_versions.json",
    "tests/protobuf/data/kubectl_trace_bodies.json",
)
"""Every generated path (files, or folders whose files are all generated), relative to the root."""


SWAGGER_1_33 = "versions/v1.33/swagger.json.gz"


def _swagger_1_33(reference: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """v1.33's OpenAPI definitions, and the provenance entry of the file they came from."""
    raw = (reference / SWAGGER_1_33).read_bytes()
    inputs = {f"../shared/k8s-reference/{SWAGGER_1_33}": hashlib.sha256(raw).hexdigest()}
    return json.loads(gzip.decompress(raw))["definitions"], inputs


def table_docs(root: Path, reference: Path) -> Path:
    definitions, inputs = _swagger_1_33(reference)
    per_release: dict[str, Any] = {}
    for release in gen_releases.RELEASES:
        path = f"versions/v{release}/swagger.json.gz"
        raw = (reference / path).read_bytes()
        inputs[f"../shared/k8s-reference/{path}"] = hashlib.sha256(raw).hexdigest()
        per_release[release] = json.loads(gzip.decompress(raw))["definitions"]
    newest_defs = per_release[gen_releases.RELEASES[-1]]
    out = root / "fakekapi" / "registry" / "generic" / "printing" / "descriptions.py"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(gen_table_docs.render(definitions, inputs, newest_defs, per_release))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "-q",
            "--isolated",
            "--line-length",
            "100",
            str(out),
        ],
        check=False,
    )
    return out


def smd_atomic(root: Path, reference: Path) -> Path:
    definitions, inputs = _swagger_1_33(reference)
    out = root / "fakekapi" / "catalog" / "data" / "smd_atomic.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"generator": "scripts/gen_smd_atomic.py", "inputs": inputs}
    base = gen_smd_atomic.build(definitions)
    doc.update(base)
    deltas: dict[str, Any] = {}
    for release in gen_releases.RELEASES:
        path = f"versions/v{release}/swagger.json.gz"
        raw = (reference / path).read_bytes()
        inputs[f"../shared/k8s-reference/{path}"] = hashlib.sha256(raw).hexdigest()
        delta = gen_smd_atomic.release_delta(base, json.loads(gzip.decompress(raw))["definitions"])
        if delta:
            deltas[release] = delta
    doc["inputs"] = dict(sorted(inputs.items()))
    doc["releases"] = deltas
    out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return out


def regenerate(root: Path, reference: Path, kubectl: Path) -> list[str]:
    """Run every generator with outputs under `root`; returns their summary lines."""
    lines = gen_releases.generate(root, reference, kubectl)
    lines.append(f"wrote {table_docs(root, reference).relative_to(root)}")
    lines.append(f"wrote {smd_atomic(root, reference).relative_to(root)}")
    expectations = gen_test_expectations.generate(root, reference, gen_releases.RELEASES)
    lines.append(f"wrote {expectations.relative_to(root)}")
    bodies = gen_test_expectations.trace_bodies(root, reference)
    lines.append(f"wrote {bodies.relative_to(root)}")
    return lines


def main(argv: list[str]) -> int:
    root = SCRIPTS.parent
    reference = Path(argv[1]) if len(argv) > 1 else root.parent / "shared" / "k8s-reference"
    kubectl = Path(argv[2]) if len(argv) > 2 else gen_releases.releases_proto.kubectl_binary()
    for line in regenerate(root, reference, kubectl):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
