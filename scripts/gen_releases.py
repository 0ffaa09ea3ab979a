"""Generate the data of every emulated Kubernetes release (1.29 - 1.36) from the reference data.

Inputs (read-only, never read at run time; paths relative to the repository's parent):
  shared/k8s-reference/versions/v1.NN/swagger.json.gz   each release's OpenAPI v2 document
  shared/k8s-reference/versions/v1.NN/proto/*.proto     each release's generated.proto files
  shared/k8s-reference/versions/PROVENANCE.tsv          the patch tag each release's data is from
  shared/k8s-reference/discovery/*.json                 1.33 discovery (names, short names, order)
  shared/k8s-reference/openapi-v3/*.json                real v3 documents (defaults, shapes)
  shared/k8s-reference/rbac/*.yaml                      the base bootstrap RBAC policy
  a kubectl 1.33 binary                                  Go struct tags (see gen_proto_schema.py)
  scripts/data/go_field_tags.json                        other releases' Go tags where they differ
                                                         (extract_go_tags.py, from kubernetes/api)
  scripts/data/controller_policy.json.gz                 kube's controller roles and bindings per
                                                         release (extract_controller_policy.py)

What is built per release, and how (the helpers live in the gen_*.py modules next to this one):
  catalog     discovery facts from the release's swagger (releases_catalog.py), default
              enablement per `DefaultAPIResourceConfigSource` (ENABLEMENT below)
  openapi     v2 JSON as published; v3 documents per group-version (gen_openapi.build_v3);
              the v2 protobuf is encoded from the JSON on first use (fakekapi/catalog/gnostic.py)
  schemas     the field tree used for field validation and patches (gen_schema_index.build)
  protobuf    message layouts from the release's .proto files, JSON names and Go shapes from the
              1.33 Go struct tags, and from the release's own Go types where they differ
              (releases_proto.py)
  rbac        the base bootstrap policy with each release's changes, and the release's
              controller roles, each recorded with its source in the output (releases_rbac.py,
              releases_controller_rbac.py)

Outputs (gzipped JSON, mtime 0, so regeneration is byte-for-byte reproducible):
  fakekapi/catalog/data/releases.json                 supported releases, default, and per release
                                                      its build as /version reports it
                                                      (releases_builds.py)
  fakekapi/catalog/data/releases/1.NN/{builtin,schema_index,openapi_v2,openapi_v3}.json.gz
  fakekapi/protobuf/data/releases/1.NN.json.gz
  fakekapi/registry/data/releases/1.NN.json.gz
Every output records its generator and the sha256 of each input it was built from. The base
release (1.33) is stored whole; the others' OpenAPI, schema and protobuf data are stored as their
structural difference from it (fakekapi/core/jsondiff.py), which keeps eight releases at about the
size of two. Loading a release reads its own files and the base's, never the other releases'.

Usage: python scripts/gen_releases.py [REFERENCE_DIR [KUBECTL_1_33]]
       (default ../shared/k8s-reference relative to the repository, and kubectl.1.33 on PATH)
Callable from scripts/regen.py as `generate(root, reference, kubectl)`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))
sys.path.insert(0, str(SCRIPTS.parent))

import gen_catalog  # noqa: E402
import gen_openapi  # noqa: E402
import gen_schema_index  # noqa: E402
import releases_builds  # noqa: E402
import releases_catalog  # noqa: E402
import releases_controller_rbac  # noqa: E402
import releases_proto  # noqa: E402
import releases_rbac  # noqa: E402

from fakekapi.catalog import openapi_store  # noqa: E402
from fakekapi.core import jsondiff  # noqa: E402

JSON = dict[str, Any]
GENERATOR = "scripts/gen_releases.py"
RELEASES = tuple(f"1.{n}" for n in range(29, 37))
DEFAULT = "1.36"
BASE = "1.33"
REFERENCE_NAME = "../shared/k8s-reference"

# DefaultAPIResourceConfigSource (pkg/controlplane/instance.go, 1.29-1.31; pkg/controlplane/
# apiserver/options and pkg/controlplane/instance.go since): every GA group-version is enabled,
# betas and alphas are not, except `legacyBetaEnabledByDefaultResources`, which 1.29-1.31 still
# list ("flowcontrol v1beta3 flowschemas / prioritylevelconfigurations: deprecate in 1.29, remove
# in 1.32"); the list is empty from 1.32 on. apiextensions.k8s.io/v1 and apiregistration.k8s.io/v1
# are the extensions and aggregator servers' own defaults (GA as well).
LEGACY_BETA_ENABLED: dict[str, tuple[str, ...]] = {
    "1.29": (
        "flowcontrol.apiserver.k8s.io/v1beta3/flowschemas",
        "flowcontrol.apiserver.k8s.io/v1beta3/prioritylevelconfigurations",
    ),
    "1.30": (
        "flowcontrol.apiserver.k8s.io/v1beta3/flowschemas",
        "flowcontrol.apiserver.k8s.io/v1beta3/prioritylevelconfigurations",
    ),
    "1.31": (
        "flowcontrol.apiserver.k8s.io/v1beta3/flowschemas",
        "flowcontrol.apiserver.k8s.io/v1beta3/prioritylevelconfigurations",
    ),
}
ENABLEMENT_SOURCE = (
    "kubernetes/kubernetes pkg/controlplane/instance.go DefaultAPIResourceConfigSource "
    "(stableAPIGroupVersionsEnabledByDefault: GA only; legacyBetaEnabledByDefaultResources: "
    "flowcontrol v1beta3 flowschemas and prioritylevelconfigurations until 1.31)"
)

# Group-versions kube-apiserver still registers (lists in the defaults, so --runtime-config may
# name them) although nothing is served there any more: 1.33's as its DefaultAPIResourceConfigSource
# lists them (gen_catalog.py); for the others, those an earlier release of the window served too.
UNSERVED_1_33 = frozenset(
    {
        "authentication.k8s.io/v1alpha1",
        "authentication.k8s.io/v1beta1",
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "networking.k8s.io/v1alpha1",
    }
)

# Subresources the swagger documents (it is generated with every feature on) but a default server
# of an older release does not serve, because their feature gate was off by default: the first
# release serving each. pods/resize: pkg/registry/core/rest/storage_core.go registers it only
# with InPlacePodVerticalScaling, alpha (off) until 1.32 and beta (on) from 1.33.
GATED_SUBRESOURCES: dict[tuple[str, str, str], str] = {("", "pods", "resize"): "1.33"}

# Aggregated discovery: apidiscovery.k8s.io/v2beta1 since 1.26, v2 added when the feature went GA
# in 1.30; v2beta1 stops being served in 1.33 (feature gate AggregatedDiscoveryRemoveBetaType:
# default false until 1.33, true since; apiserver pkg/features/kube_features.go).
AGGREGATED_DISCOVERY = {
    "1.29": ["v2beta1"],
    "1.30": ["v2", "v2beta1"],
    "1.31": ["v2", "v2beta1"],
    "1.32": ["v2", "v2beta1"],
}
AGGREGATED_SOURCE = (
    "kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/features/kube_features.go "
    "AggregatedDiscoveryRemoveBetaType (1.33: default true); apidiscovery.k8s.io/v2 GA in 1.30"
)


class Inputs:
    """The input files one output was built from, with their sha256."""

    def __init__(self, reference: Path) -> None:
        self.reference = reference
        self.files: dict[str, str] = {}

    def add(self, path: Path) -> Path:
        """Record `path`: under the reference dir as `../shared/k8s-reference/...` (where it is
        next to the main checkout), anything else (the kubectl binary) by its name."""
        try:
            rel = REFERENCE_NAME + "/" + path.relative_to(self.reference).as_posix()
        except ValueError:
            rel = path.name
        self.files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        return path

    def add_dir(self, path: Path, pattern: str) -> Path:
        for p in sorted(path.glob(pattern)):
            self.add(p)
        return path

    def header(self) -> JSON:
        return {"generator": GENERATOR, "inputs": dict(sorted(self.files.items()))}


def write_gz(path: Path, doc: JSON) -> int:
    data = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(raw)
    return len(raw)


def release_tags(reference: Path) -> dict[str, str]:
    """Release -> the patch tag its proto files come from (`v0.36.3` -> `v1.36.3`)."""
    out: dict[str, str] = {}
    with (reference / "versions" / "PROVENANCE.tsv").open() as f:
        for row in csv.DictReader(f, delimiter="\t"):
            tag = row["commit-or-tag"]
            if row["file"].startswith("proto/") and tag.startswith("v0."):
                out[row["version"].removeprefix("v")] = "v1." + tag.removeprefix("v0.")
    return out


def drop_gated_paths(release: str, swagger: JSON) -> JSON:
    """The swagger without the paths of subresources the release does not serve by default (a
    server only documents the routes it installs)."""
    minor = int(release.split(".")[1])
    suffixes = [
        f"/{plural}/{{name}}/{sub}"
        for (_group, plural, sub), since in GATED_SUBRESOURCES.items()
        if minor < int(since.split(".")[1])
    ]
    if not suffixes:
        return swagger
    paths = {p: v for p, v in swagger["paths"].items() if not p.endswith(tuple(suffixes))}
    return {**swagger, "paths": paths}


def mark_enablement(release: str, groups: list[JSON]) -> None:
    legacy = set(LEGACY_BETA_ENABLED.get(release, ()))
    for g in groups:
        for v in g["versions"]:
            gv = f"{g['name']}/{v['version']}" if g["name"] else v["version"]
            v["enabled"] = releases_catalog.version_priority(v["version"])[0] == 0
            for r in v["resources"]:
                r["enabled"] = v["enabled"] or f"{gv}/{r['plural']}" in legacy


def payload(base: JSON | None, doc: JSON) -> JSON:
    """The stored form: the whole document, or its difference from the base release's."""
    if base is None:
        return {"base": None, "data": doc}
    return {"base": BASE, "diff": jsondiff.diff(base, doc)}


def generate(root: Path, reference: Path, kubectl: Path) -> list[str]:
    """Write every release's data under `root`; returns one summary line per file written."""
    lines: list[str] = []
    discovery = reference / "discovery"
    api_v1 = json.loads((discovery / "api__v1.json").read_text())
    aggregated = json.loads((discovery / "aggregated_v2.json").read_text())
    groups_1_33 = [gen_catalog.core_group(api_v1), *gen_catalog.api_groups(aggregated)]
    names = {
        (g["name"], r["plural"]): (r["singular"], r["shortNames"], r["categories"])
        for g in groups_1_33
        for v in g["versions"]
        for r in v["resources"]
    }
    order = [g["name"] for g in groups_1_33]
    v3_reference: JSON = {}
    for name in gen_openapi.V3_REFERENCE_FILES:
        schemas = json.loads((reference / "openapi-v3" / name).read_text())["components"]["schemas"]
        for schema_name, schema in schemas.items():
            v3_reference.setdefault(schema_name, schema)
    tags = release_tags(reference)
    go_facts = releases_proto.go_facts(reference, kubectl)
    go_tags = releases_proto.go_tags()
    rbac_base = releases_rbac.base_policy(reference)

    catalog_dir = root / "fakekapi" / "catalog" / "data" / "releases"
    proto_dir = root / "fakekapi" / "protobuf" / "data" / "releases"
    rbac_dir = root / "fakekapi" / "registry" / "data" / "releases"
    index: JSON = {}
    previous: list[JSON] | None = None
    base_docs: dict[str, JSON] = {}
    ordered = [BASE, *[r for r in RELEASES if r != BASE]]
    built: dict[str, JSON] = {}
    for release in RELEASES:  # oldest first: storage versions look at the previous release
        ref_dir = reference / "versions" / f"v{release}"
        swagger = json.loads(gzip.decompress((ref_dir / "swagger.json.gz").read_bytes()))
        swagger = drop_gated_paths(release, swagger)
        groups = releases_catalog.build_catalog(swagger, names, order, previous)
        previous = groups
        built[release] = {"swagger": swagger, "groups": groups}

    served_by: dict[str, set[str]] = {
        r: {f"{g['name']}/{v['version']}".lstrip("/") for g in b["groups"] for v in g["versions"]}
        for r, b in built.items()
    }
    for release in ordered:
        unserved_before = set().union(*(served_by[r] for r in RELEASES if r < release))
        ref_dir = reference / "versions" / f"v{release}"
        swagger = built[release]["swagger"]
        groups = built[release]["groups"]
        is_base = release == BASE
        mark_enablement(release, groups)
        out_dir = catalog_dir / release

        # catalog
        inputs = Inputs(reference)
        inputs.add(ref_dir / "swagger.json.gz")
        inputs.add(discovery / "api__v1.json")
        inputs.add(discovery / "aggregated_v2.json")
        gvs = {f"{g['name']}/{v['version']}".lstrip("/") for g in groups for v in g["versions"]}
        doc = {
            **inputs.header(),
            "kubernetes": f"v{release}",
            "enablementSource": ENABLEMENT_SOURCE,
            "groups": groups,
            "unservedVersions": sorted(
                (UNSERVED_1_33 if is_base else unserved_before | UNSERVED_1_33) - gvs
            ),
        }
        size = write_gz(out_dir / "builtin.json.gz", doc)
        lines.append(f"{release} builtin: {len(groups)} groups, {size} bytes")

        # field tree
        inputs = Inputs(reference)
        inputs.add(ref_dir / "swagger.json.gz")
        tree = gen_schema_index.build(swagger["definitions"])
        if is_base:
            base_docs["schema_index"] = tree
        size = write_gz(
            out_dir / "schema_index.json.gz",
            {**inputs.header(), **payload(None if is_base else base_docs["schema_index"], tree)},
        )
        lines.append(f"{release} schema_index: {size} bytes")

        # OpenAPI
        inputs = Inputs(reference)
        inputs.add(ref_dir / "swagger.json.gz")
        for name in gen_openapi.V3_REFERENCE_FILES:
            inputs.add(reference / "openapi-v3" / name)
        v3_docs = gen_openapi.build_v3(swagger, v3_reference)
        v3 = openapi_store.split_v3(v3_docs)
        for key, d in v3_docs.items():  # the runtime rebuilds exactly what the generator built
            assert openapi_store.assemble_v3(v3, key) == gen_openapi.go_json(d), (release, key)
        v3["hashes"] = {
            key: openapi_store.etag(openapi_store.assemble_v3(v3, key)) for key in sorted(v3_docs)
        }
        if is_base:
            base_docs["v2"], base_docs["v3"] = swagger, v3
        size = write_gz(
            out_dir / "openapi_v2.json.gz",
            {**inputs.header(), **payload(None if is_base else base_docs["v2"], swagger)},
        )
        size3 = write_gz(
            out_dir / "openapi_v3.json.gz",
            {**inputs.header(), **payload(None if is_base else base_docs["v3"], v3)},
        )
        lines.append(f"{release} openapi: v2 {size} bytes, v3 {size3} bytes ({len(v3_docs)} docs)")

        # protobuf
        inputs = Inputs(reference)
        inputs.add_dir(ref_dir / "proto", "*.proto")
        inputs.add(ref_dir / "swagger.json.gz")
        inputs.add(kubectl)
        inputs.add(releases_proto.GO_TAGS)
        schema = releases_proto.build(ref_dir / "proto", swagger, go_facts, go_tags, release)
        if is_base:
            base_docs["proto"] = schema
        size = write_gz(
            proto_dir / f"{release}.json.gz",
            {**inputs.header(), **payload(None if is_base else base_docs["proto"], schema)},
        )
        lines.append(f"{release} protobuf: {len(schema['messages'])} messages, {size} bytes")

        # RBAC
        inputs = Inputs(reference)
        for name in releases_rbac.INPUT_FILES:
            inputs.add(reference / "rbac" / name)
        inputs.add(releases_controller_rbac.DATA)
        policy, sources = releases_rbac.policy_for(release, rbac_base)
        size = write_gz(
            rbac_dir / f"{release}.json.gz",
            {
                **inputs.header(),
                "kubernetes": f"v{release}",
                "sources": sources,
                "changes": releases_rbac.applied(release),
                "controllerChanges": releases_controller_rbac.applied(release),
                **policy,
            },
        )
        lines.append(f"{release} rbac: {len(policy['clusterRoles'])} cluster roles, {size} bytes")

        inputs = Inputs(reference)
        inputs.add(reference / "versions" / "PROVENANCE.tsv")
        build = releases_builds.build(tags[release])
        index[release] = {
            "gitVersion": tags[release],
            "gitCommit": build["gitCommit"],
            "buildDate": build["buildDate"],
            "goVersion": build["goVersion"],
            "buildSource": build["source"],
            "aggregatedDiscovery": AGGREGATED_DISCOVERY.get(release, ["v2"]),
        }

    (proto_dir / "index.json").write_text(
        json.dumps({"generator": GENERATOR, "default": DEFAULT, "base": BASE}, indent=1) + "\n"
    )
    header = Inputs(reference)
    header.add(reference / "versions" / "PROVENANCE.tsv")
    (root / "fakekapi" / "catalog" / "data" / "releases.json").write_text(
        json.dumps(
            {
                **header.header(),
                "default": DEFAULT,
                "base": BASE,
                "aggregatedDiscoverySource": AGGREGATED_SOURCE,
                "releases": {r: index[r] for r in RELEASES},
            },
            indent=1,
        )
        + "\n"
    )
    return lines


def main(argv: list[str]) -> int:
    root = SCRIPTS.parent
    reference = Path(argv[1]) if len(argv) > 1 else root.parent / "shared" / "k8s-reference"
    kubectl = Path(argv[2]) if len(argv) > 2 else releases_proto.kubectl_binary()
    for line in generate(root, reference, kubectl):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
