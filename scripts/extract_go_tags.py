"""Extract the Go struct facts of k8s.io/api that the .proto files do not carry, per release.

Not run by scripts/regen.py (its input is not in ../shared): run by hand against a clone of
kubernetes/api with its release tags, it writes scripts/data/go_field_tags.json.gz, which
scripts/releases_proto.py reads. For every message of every release tag it parses the Go types
(`<group>/<version>/types*.go`: `type X struct { Field T \\`json:"..." protobuf:"..."\\` }`) and
keeps, for each field matched to its proto number by the `protobuf:"wire,NUM,..."` tag: the JSON
name, `omitempty`, whether the Go type is a pointer, `,inline` and `json:"-"`. The 1.33 facts come
from the kubectl 1.33 binary (gen_proto_schema.py), which lacks the types kubectl never uses, so
1.33's are stored whole ("baseFields", "baseOrder"), and of the other releases only what differs
from them: fields 1.33 does not have or has with other facts, and the Go declaration order of
the messages holding them or ordered otherwise (kube's JSON field order). Gzipped JSON.

Usage: python scripts/extract_go_tags.py KUBERNETES_API_GIT_DIR [REFERENCE_DIR]
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
OUT = SCRIPTS / "data" / "go_field_tags.json.gz"
BASE = "1.33"
POINTER, OMITEMPTY, INLINE, SKIPJSON = 2, 4, 8, 16

STRUCT_RE = re.compile(r"^type\s+(\w+)\s+struct\s*\{\s*$")
FIELD_RE = re.compile(r"^\s*(?:(\w+)\s+)?(\S+)\s+`([^`]*)`")
TAG_RE = re.compile(r'(\w+):"([^"]*)"')


def git(api: Path, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={api}", *args], check=True, capture_output=True, text=True
    ).stdout


def release_tags(reference: Path) -> dict[str, str]:
    """Release -> the k8s.io/api tag its reference .proto files are from (PROVENANCE.tsv)."""
    out: dict[str, str] = {}
    with (reference / "versions" / "PROVENANCE.tsv").open() as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["file"].startswith("proto/k8s.io_api_"):
                out[row["version"].removeprefix("v")] = row["commit-or-tag"]
    return out


def parse_go(source: str, package: str) -> dict[str, list[list[Any]]]:
    """{"k8s.io.api.<group>.<version>.<Type>": [[num, json, flags, GoField], ...]} in
    declaration order, for the structs of one Go file."""
    out: dict[str, list[list[Any]]] = {}
    current: list[list[Any]] | None = None
    for line in source.splitlines():
        if current is None:
            m = STRUCT_RE.match(line)
            if m:
                current = out.setdefault(f"{package}.{m.group(1)}", [])
            continue
        if line.startswith("}"):
            current = None
            continue
        m = FIELD_RE.match(line.split("//", 1)[0] if "`" not in line else line)
        if not m or line.lstrip().startswith("//"):
            continue
        name, typ, tags = m.groups()
        tag = dict(TAG_RE.findall(tags))
        proto = tag.get("protobuf")
        if not proto or proto == "-":
            continue
        num = int(proto.split(",")[1])
        embedded = name is None
        go_name = name or typ.lstrip("*").rsplit(".", 1)[-1]
        jparts = tag.get("json", go_name).split(",")
        flags = 0
        if "omitempty" in jparts[1:]:
            flags |= OMITEMPTY
        if jparts[0] == "-" and len(jparts) == 1:
            flags |= SKIPJSON
        if jparts[0] == "" and ("inline" in jparts[1:] or embedded):
            flags |= INLINE
        if typ.startswith("*"):
            flags |= POINTER
        current.append([num, jparts[0], flags, go_name])
    return {k: v for k, v in out.items() if v}


def release_types(api: Path, tag: str) -> dict[str, list[list[Any]]]:
    files = [
        p
        for p in git(api, "ls-tree", "-r", "--name-only", tag).splitlines()
        if re.fullmatch(r"[a-z]+/v[0-9a-z]+/types[a-z_]*\.go", p) and not p.endswith("_test.go")
    ]
    out: dict[str, list[list[Any]]] = {}
    for path in files:
        group, version, _ = path.split("/")
        out.update(parse_go(git(api, "show", f"{tag}:{path}"), f"k8s.io.api.{group}.{version}"))
    return out


def extract(api: Path, reference: Path) -> dict[str, Any]:
    tags = release_tags(reference)
    per_release = {r: release_types(api, t) for r, t in sorted(tags.items())}
    base = {(m, f[0]): f for m, fs in per_release[BASE].items() for f in fs}
    base_order = {m: [f[0] for f in fs] for m, fs in per_release[BASE].items()}
    fields: dict[str, dict[str, dict[str, list[Any]]]] = {}
    order: dict[str, dict[str, list[int]]] = {}
    for release, types in per_release.items():
        if release == BASE:
            continue
        for msg, fs in types.items():
            changed = {str(f[0]): f[1:] for f in fs if base.get((msg, f[0])) != f}
            if changed:
                fields.setdefault(release, {})[msg] = changed
            nums = [f[0] for f in fs]
            if changed or nums != base_order.get(msg):
                order.setdefault(release, {})[msg] = nums
    commits = {r: git(api, "rev-list", "-n1", t).strip() for r, t in sorted(tags.items())}
    return {
        "generator": "scripts/extract_go_tags.py",
        "inputs": {r: f"kubernetes/api {tags[r]} ({commits[r]})" for r in sorted(tags)},
        "base": BASE,
        "baseFields": {
            m: {str(f[0]): f[1:] for f in fs} for m, fs in sorted(per_release[BASE].items())
        },
        "baseOrder": base_order,
        "flags": '2 Go pointer, 4 omitempty, 8 inline, 16 json:"-"',
        "fields": fields,
        "order": order,
    }


def main(argv: list[str]) -> int:
    api = Path(argv[1])
    reference = (
        Path(argv[2]) if len(argv) > 2 else SCRIPTS.parent.parent / "shared" / "k8s-reference"
    )
    doc = extract(api, reference)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    OUT.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    n = sum(len(f) for r in doc["fields"].values() for f in r.values())
    print(f"wrote {OUT.relative_to(SCRIPTS.parent)}: {n} field facts, {OUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
