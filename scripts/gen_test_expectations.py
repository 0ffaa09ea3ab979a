"""Expected client-visible facts per emulated release, for the tests (tests/e2e/data/).

`kubectl api-versions` against a default kube-apiserver of release 1.NN lists the group-versions
it serves: from the release's own OpenAPI v2 document (every `/apis/G/V/` and `/api/v1/` path),
those a default server enables — the GA ones, plus the betas with a resource still enabled by
default (legacyBetaEnabledByDefaultResources: flowcontrol v1beta3 until 1.31). Computed here from
the swagger alone, independently of the catalog generator, so that the tests check the catalog
against the reference data rather than against itself.

Output: tests/e2e/data/release_api_versions.json

`trace_bodies` also copies out, for tests/protobuf/test_pb_go_encoding.py, every Go-encoded object
body kubectl sent in the recorded traces (`BODY: {"kind"...` lines of kubectl-traces/*.txt), so
that the test needs no reference data at run time.
Output: tests/protobuf/data/kubectl_trace_bodies.json
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

GA = re.compile(r"^v\d+$")
GROUP_VERSION_PATH = re.compile(r"^/apis/([^/]+)/([^/]+)/$")
# pkg/controlplane/instance.go legacyBetaEnabledByDefaultResources ("deprecate in 1.29, remove in
# 1.32"): the whole list, 1.29 - 1.31.
LEGACY_BETA = {"1.29", "1.30", "1.31"}
LEGACY_BETA_VERSIONS = {"flowcontrol.apiserver.k8s.io/v1beta3"}
OUT = Path("tests") / "e2e" / "data" / "release_api_versions.json"
TRACE_BODIES = Path("tests") / "protobuf" / "data" / "kubectl_trace_bodies.json"


def api_versions(swagger: dict[str, object], release: str) -> list[str]:
    paths = swagger["paths"]
    assert isinstance(paths, dict)
    out = {"v1"} if "/api/v1/" in paths else set()
    for path in paths:
        m = GROUP_VERSION_PATH.match(path)
        if not m:
            continue
        gv = f"{m.group(1)}/{m.group(2)}"
        if GA.match(m.group(2)) or (release in LEGACY_BETA and gv in LEGACY_BETA_VERSIONS):
            out.add(gv)
    return sorted(out)


def generate(root: Path, reference: Path, releases: tuple[str, ...]) -> Path:
    inputs: dict[str, str] = {}
    result: dict[str, list[str]] = {}
    for release in releases:
        path = reference / "versions" / f"v{release}" / "swagger.json.gz"
        raw = path.read_bytes()
        inputs[f"../shared/k8s-reference/versions/v{release}/swagger.json.gz"] = hashlib.sha256(
            raw
        ).hexdigest()
        result[release] = api_versions(json.loads(gzip.decompress(raw)), release)
    out = root / OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"generator": "scripts/gen_test_expectations.py", "inputs": inputs, "apiVersions": result}
    out.write_text(json.dumps(doc, indent=1) + "\n")
    return out


def trace_bodies(root: Path, reference: Path) -> Path:
    inputs: dict[str, str] = {}
    bodies: list[dict[str, str]] = []
    for path in sorted((reference / "kubectl-traces").glob("*.txt")):
        raw = path.read_bytes()
        inputs[f"../shared/k8s-reference/kubectl-traces/{path.name}"] = hashlib.sha256(
            raw
        ).hexdigest()
        for line in raw.decode().splitlines():
            body = line.strip().removeprefix("BODY: ")
            if body.startswith('{"kind"'):
                bodies.append({"trace": path.name, "body": body})
    out = root / TRACE_BODIES
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"generator": "scripts/gen_test_expectations.py", "inputs": inputs, "bodies": bodies}
    out.write_text(json.dumps(doc, indent=1) + "\n")
    return out


if __name__ == "__main__":
    raise SystemExit("run scripts/regen.py, which runs this generator with the others")
