"""The protobuf schema (fakekapi/protobuf/data format) of one release, for scripts/gen_releases.py.

Message layouts (field numbers, wire types, repeated and map shapes) come from the release's own
generated.proto files. What the .proto files do not say — the Go JSON name's `omitempty`, whether
a field is a pointer (presence), `,inline` embedding and the Go field order kube's JSON follows —
comes from the Go struct tags compiled into a kubectl 1.33 binary (gen_proto_schema.py) for what
1.33 has, and for what differs in another release (fields 1.33 does not have, or has with other
tags, and the declaration order of their messages) from that release's k8s.io/api Go types
(scripts/data/go_field_tags.json.gz, written by extract_go_tags.py from the kubernetes/api tag of
the release; it also holds 1.33's facts of the types kubectl does not compile in). A field none
of these covers follows the API conventions go-to-protobuf and the API reviewers hold new fields
to: the proto field name is the JSON name; a field commented `+optional` is `omitempty`, and a
pointer when it is a scalar or a struct; other fields are values; it goes after the fields with
lower numbers. The counts of fields built each way are printed.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import gen_proto_schema as gps

JSON = dict[str, Any]
GO_TAGS = Path(__file__).resolve().parent / "data" / "go_field_tags.json.gz"


def go_tags() -> JSON:
    """scripts/data/go_field_tags.json.gz: 1.33's Go facts, and per release those that differ."""
    doc: JSON = json.loads(gzip.decompress(GO_TAGS.read_bytes()))
    return doc


REPEATED, POINTER, OMITEMPTY, INLINE = gps.REPEATED, gps.POINTER, gps.OMITEMPTY, gps.INLINE

SPECIAL = {gps.go_to_proto(go): kind for go, kind in gps.SPECIAL.items()}
WRAPPERS = {"k8s.io.api.authentication.v1.ExtraValue"}

FIELD_RE = gps.FIELD_RE


def kubectl_binary() -> Path:
    return gps.kubectl_binary()


def parse(proto_dir: Path) -> dict[str, JSON]:
    """gps.parse_protos plus, per field, whether its comment says `+optional`."""
    messages: dict[str, JSON] = {}
    for path in sorted(proto_dir.glob("*.proto")):
        pkg = ""
        current: JSON | None = None
        optional = False
        for line in path.read_text().splitlines():
            raw = line.strip()
            if raw.startswith("//"):
                if "+optional" in raw:
                    optional = True
                continue
            s = raw.split("//", 1)[0].strip()
            if not s:
                continue
            if s.startswith("package "):
                pkg = s[len("package ") :].rstrip(";").strip()
            elif s.startswith("message "):
                name = s.split()[1]
                current = {"pkg": pkg, "name": name, "fields": {}, "optional": set()}
                messages[f"{pkg}.{name}"] = current
            elif s == "}":
                current = None
            elif current is not None:
                m = FIELD_RE.match(s)
                if not m:
                    raise SystemExit(f"{path.name}: cannot parse field line: {line!r}")
                label, typ, key, val, fname, num = m.groups()
                if key:
                    typ = "map"
                current["fields"][int(num)] = (label or "optional", typ, fname, key, val)
                if optional:
                    current["optional"].add(int(num))
            optional = False
    return messages


def registered_versions(proto_dir: Path) -> set[str]:
    """Group-versions whose types the release's k8s.io/api defines (what --runtime-config may
    name even when nothing is served there): from the file names, with the group suffixes kube
    uses."""
    out: set[str] = set()
    for path in proto_dir.glob("k8s.io_api_*_generated.proto"):
        _, _, rest = path.name.partition("k8s.io_api_")
        group, version = rest.removesuffix("_generated.proto").rsplit("_", 1)
        g = GROUP_NAMES.get(group, group)
        if g is None:
            continue
        out.add(f"{g}/{version}" if g else version)
    return out


GROUP_NAMES: dict[str, str | None] = {
    "core": "",
    "admission": None,
    "imagepolicy": None,
    "apidiscovery": None,
    "abac": None,
    "apiserverinternal": "internal.apiserver.k8s.io",
    "flowcontrol": "flowcontrol.apiserver.k8s.io",
    "storagemigration": "storagemigration.k8s.io",
    "extensions": "extensions",
    "apps": "apps",
    "autoscaling": "autoscaling",
    "batch": "batch",
    "policy": "policy",
    "rbac": "rbac.authorization.k8s.io",
    "admissionregistration": "admissionregistration.k8s.io",
    "authentication": "authentication.k8s.io",
    "authorization": "authorization.k8s.io",
    "certificates": "certificates.k8s.io",
    "coordination": "coordination.k8s.io",
    "discovery": "discovery.k8s.io",
    "events": "events.k8s.io",
    "networking": "networking.k8s.io",
    "node": "node.k8s.io",
    "resource": "resource.k8s.io",
    "scheduling": "scheduling.k8s.io",
    "storage": "storage.k8s.io",
}


def go_facts(reference: Path, kubectl: Path) -> JSON:
    """The 1.33 schema as gen_proto_schema builds it (Go facts for every 1.33 message)."""
    return gps.build_schema(reference, kubectl)


def _kind_of(
    field: tuple[str, str, str, str | None, str | None], pkg: str, protos: dict[str, JSON]
) -> tuple[str, Any]:
    _label, typ, _name, key, val = field
    if typ == "map":
        assert key is not None and val is not None
        vk, vref = _type_kind(val, pkg, protos)
        if vk == "msg" and vref in WRAPPERS:
            return "map", [gps.SCALARS[key], "wrap", "string"]
        return "map", [gps.SCALARS[key], vk, vref]
    return _type_kind(typ, pkg, protos)


def _type_kind(typ: str, pkg: str, protos: dict[str, JSON]) -> tuple[str, Any]:
    if typ in gps.SCALARS:
        return gps.SCALARS[typ], None
    full = gps.resolve(pkg, typ, protos)
    if full in SPECIAL:
        return SPECIAL[full], None
    return "msg", full


def build(
    proto_dir: Path, swagger: JSON, facts: JSON, tags: JSON | None = None, release: str = ""
) -> JSON:
    """{"messages": ..., "kinds": ...} of one release; `tags` is go_tags() (the release's Go
    facts where they differ from 1.33's)."""
    protos = parse(proto_dir)
    messages: dict[str, JSON] = {}
    from_go = from_types = guessed = 0
    tags = tags or {}
    release_fields = tags.get("fields", {}).get(release, {})
    release_order = tags.get("order", {}).get(release, {})
    base_fields = tags.get("baseFields", {})
    base_order = tags.get("baseOrder", {})
    for name in sorted(protos):
        if not name.startswith("k8s.io.api") or name in SPECIAL:
            continue
        p = protos[name]
        known = facts["messages"].get(name)
        own = dict(release_fields.get(name, {}))
        if not known:  # a type kubectl 1.33 lacks: 1.33's Go facts where the release has no others
            own = {**base_fields.get(name, {}), **own}
        known_fields = {f[0]: f for f in known["fields"]} if known else {}
        fields: list[list[Any]] = []
        if known:
            for f in known["fields"]:
                if f[0] in p["fields"] and str(f[0]) not in own:  # (renamed: same Go shape)
                    fields.append(f)
                    from_go += 1
        for num in sorted(p["fields"]):
            if str(num) in own:
                label = p["fields"][num][0]
                jname, flags, go_field = own[str(num)]
                kind, ref = _kind_of(p["fields"][num], p["pkg"], protos)
                if label == "repeated" and kind != "map":
                    flags |= REPEATED
                entry = [num, jname, kind, ref, flags, go_field]
                at = next((i for i, f in enumerate(fields) if f[0] > num), len(fields))
                fields.insert(at, entry)
                from_types += 1
                continue
            if num in known_fields:
                continue
            label, _typ, fname, _k, _v = p["fields"][num]
            kind, ref = _kind_of(p["fields"][num], p["pkg"], protos)
            flags = 0
            optional = num in p["optional"]
            if label == "repeated" and kind != "map":
                flags |= REPEATED
            if optional:
                flags |= OMITEMPTY
                if not flags & REPEATED and kind not in ("map", "bytes"):
                    flags |= POINTER
            entry = [num, fname, kind, ref, flags, fname[:1].upper() + fname[1:]]
            at = next((i for i, f in enumerate(fields) if f[0] > num), len(fields))
            fields.insert(at, entry)
            guessed += 1
        decl = release_order.get(name) or (None if known else base_order.get(name))
        if decl:  # the release's Go declaration order
            rank = {num: i for i, num in enumerate(decl)}
            fields.sort(key=lambda f: (rank.get(f[0], len(rank)), f[0]))
        go = known["go"] if known else name.rsplit(".", 1)[1]
        messages[name] = {"go": go, "fields": fields}
    kinds: dict[str, str] = {}
    for dname, d in swagger["definitions"].items():
        msg = "k8s.io." + dname[len("io.k8s.") :]
        if msg not in messages:
            continue
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            kinds[f"{api_version} {gvk['kind']}"] = msg
    for key, msg in facts["kinds"].items():
        if msg in messages:
            kinds.setdefault(key, msg)
    print(
        f"  {proto_dir.parent.name}: {from_go} fields with 1.33 Go tags, {from_types} with "
        f"the release's Go types, {guessed} by convention"
    )
    return {"messages": messages, "kinds": dict(sorted(kinds.items()))}
