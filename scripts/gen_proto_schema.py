"""Generate fakekapi/protobuf/data/schema.json: the protobuf → JSON schema of every built-in kind.

Inputs (read-only reference data, never read at run time):
  proto/*.proto                 k8s.io/api and apimachinery generated.proto files (v0.33): message
                                names, field numbers, wire types, repeated/map shape.
  openapi-v2/swagger-v1.33.json x-kubernetes-group-version-kind of every definition: which
                                (apiVersion, kind) pairs exist; also cross-checks the JSON names.
  a kubectl 1.33 binary         the Go type descriptors compiled into it. The .proto files do not
                                say what kube's JSON needs: the Go json name, `omitempty`, whether
                                a field is a pointer (presence: `replicas: 0` is kept, `stdin:
                                false` is dropped), and `,inline` embedding. Go keeps struct field
                                names, tags and types for reflection even in stripped binaries,
                                reachable from the .typelink section, so they are read from there.

Messages come from the .proto files. Group versions that the 1.33 server knows but the .proto set
does not cover (v1beta1 copies and the like) are built from the Go `protobuf:"..."` struct tags,
which go-to-protobuf writes from the same source; for messages present in both, the two are
checked against each other and the script fails on any disagreement.

Output (compact JSON):
  {"messages": {"<proto full name>": {"go": GoName, "fields": [[num, json, kind, ref, flags,
                GoField], ...]}},          # fields in Go declaration order = kube's JSON order
   "kinds": {"<apiVersion> <Kind>": "<proto full name>"}}
  kind: string bool int32 int64 bytes msg map wrap time microtime duration quantity intorstr
        rawext fieldsv1; ref: message name (msg), [keyKind, valueKind, valueRef] (map), item kind
        (wrap); flags: 1 repeated, 2 Go pointer, 4 omitempty, 8 inline, 16 json:"-".

A helper of scripts/gen_releases.py, which builds every release's data with it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fakekapi" / "protobuf" / "data" / "schema.json"

REPEATED, POINTER, OMITEMPTY, INLINE, SKIPJSON = 1, 2, 4, 8, 16

SPECIAL = {
    "k8s.io/apimachinery/pkg/apis/meta/v1.Time": "time",
    "k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime": "microtime",
    "k8s.io/apimachinery/pkg/apis/meta/v1.Duration": "duration",
    "k8s.io/apimachinery/pkg/api/resource.Quantity": "quantity",
    "k8s.io/apimachinery/pkg/util/intstr.IntOrString": "intorstr",
    "k8s.io/apimachinery/pkg/runtime.RawExtension": "rawext",
    "k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1": "fieldsv1",
}
EXTRA_GROUPS = {
    "k8s.io.api.extensions": "extensions",
    "k8s.io.api.imagepolicy": "imagepolicy.k8s.io",
}
SCALARS = {"string": "string", "bool": "bool", "int32": "int32", "int64": "int64", "bytes": "bytes"}


# --- Go type descriptors (Go 1.2x, amd64 ELF) ----------------------------------------------------


class GoBinary:
    """Struct types reachable from .typelink: {"pkg/path.Name": [field, ...]}."""

    KINDS = {
        1: "bool",
        2: "int",
        5: "int32",
        6: "int64",
        8: "uint8",
        20: "interface",
        21: "map",
        22: "ptr",
        23: "slice",
        24: "string",
        25: "struct",
        14: "float64",
    }

    def __init__(self, path: Path) -> None:
        self.data = path.read_bytes()
        d = self.data
        shoff = struct.unpack_from("<Q", d, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
        secs = []
        for i in range(shnum):
            name, _t, _f, addr, offset, size = struct.unpack_from(
                "<IIQQQQ", d, shoff + i * shentsize
            )
            secs.append((name, addr, offset, size))
        strtab = secs[shstrndx][2]
        self.sections = {d[strtab + s[0] : d.index(b"\0", strtab + s[0])].decode(): s for s in secs}
        self.loaded = [s for s in secs if s[1]]
        self.base = self.sections[".rodata"][1]
        self.structs: dict[str, list[dict[str, Any]]] = {}
        _, _, tl_off, tl_size = self.sections[".typelink"]
        for i in range(tl_size // 4):
            off = struct.unpack_from("<i", d, tl_off + 4 * i)[0]
            try:
                self.describe(self.base + off)
            except (KeyError, UnicodeDecodeError, IndexError, struct.error):
                continue

    def off(self, va: int) -> int:
        for _, addr, o, size in self.loaded:
            if addr <= va < addr + size:
                return int(o + va - addr)
        raise KeyError(hex(va))

    def u8(self, va: int) -> int:
        return self.data[self.off(va)]

    def u64(self, va: int) -> int:
        return int(struct.unpack_from("<Q", self.data, self.off(va))[0])

    def i32(self, va: int) -> int:
        return int(struct.unpack_from("<i", self.data, self.off(va))[0])

    def varint(self, va: int) -> tuple[int, int]:
        r = sh = 0
        while True:
            b = self.u8(va)
            va += 1
            r |= (b & 0x7F) << sh
            sh += 7
            if b < 0x80:
                return r, va

    def name(self, va: int) -> tuple[str, str, bool]:
        flags = self.u8(va)
        n, p = self.varint(va + 1)
        s = self.data[self.off(p) : self.off(p) + n].decode()
        tag = ""
        if flags & 2:
            tn, q = self.varint(p + n)
            tag = self.data[self.off(q) : self.off(q) + tn].decode()
        return s, tag, bool(flags & 8)

    def describe(self, t: int) -> dict[str, Any]:
        kind = self.KINDS.get(self.u8(t + 23) & 0x1F, "other")
        if kind in ("ptr", "slice"):
            return {"k": kind, "elem": self.describe(self.u64(t + 48))}
        if kind == "map":
            return {
                "k": "map",
                "key": self.describe(self.u64(t + 48)),
                "elem": self.describe(self.u64(t + 56)),
            }
        if kind != "struct":
            return {"k": kind}
        nm, _, _ = self.name(self.base + self.i32(t + 40))
        if self.u8(t + 20) & 2:  # tflagExtraStar
            nm = nm[1:]
        pkg = self.name(self.base + self.i32(t + 80))[0] if self.u8(t + 20) & 1 else ""
        full = f"{pkg}.{nm.split('.', 1)[-1]}" if pkg else nm
        if full not in self.structs:
            self.structs[full] = []
            fields = []
            fp, n = self.u64(t + 56), self.u64(t + 64)
            for i in range(n):
                fname, ftag, embedded = self.name(self.u64(fp + 24 * i))
                ftype = self.describe(self.u64(fp + 24 * i + 8))
                fields.append({"name": fname, "tag": ftag, "embedded": embedded, "type": ftype})
            self.structs[full] = fields
        return {"k": "struct", "name": full}


def tag_get(tag: str, key: str) -> str | None:
    m = re.search(r"(?:^|\s)" + re.escape(key) + r':"([^"]*)"', tag)
    return m.group(1) if m else None


# --- .proto files --------------------------------------------------------------------------------

FIELD_RE = re.compile(
    r"^\s*(optional|repeated)?\s*(map<\s*(\S+)\s*,\s*(\S+)\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;"
)


def parse_protos(proto_dir: Path) -> dict[str, dict[str, Any]]:
    """{"k8s.io.api.core.v1.Pod": {"pkg": ..., "fields": {num: (label, type, name, key, val)}}}."""
    messages: dict[str, dict[str, Any]] = {}
    for path in sorted(proto_dir.glob("*.proto")):
        pkg = ""
        current: dict[str, Any] | None = None
        for line in path.read_text().splitlines():
            s = line.split("//", 1)[0].strip()
            if not s:
                continue
            if s.startswith("package "):
                pkg = s[len("package ") :].rstrip(";").strip()
            elif s.startswith("message "):
                name = s.split()[1]
                current = {"pkg": pkg, "name": name, "fields": {}}
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
    return messages


def resolve(pkg: str, typ: str, messages: dict[str, Any]) -> str:
    """Full name of a message type as protoc resolves it from package `pkg`."""
    if typ.startswith("."):
        return typ[1:]
    parts = pkg.split(".")
    for i in range(len(parts), -1, -1):
        cand = ".".join([*parts[:i], typ])
        if cand in messages:
            return cand
    raise SystemExit(f"unresolved type {typ} in {pkg}")


def go_to_proto(go_name: str) -> str:
    pkg, name = go_name.rsplit(".", 1)
    return pkg.replace("/", ".") + "." + name


# --- schema --------------------------------------------------------------------------------------


class Builder:
    def __init__(self, protos: dict[str, Any], go: GoBinary) -> None:
        self.protos = protos
        self.go = go
        self.out: dict[str, Any] = {}
        self.by_go = {go_to_proto(k): k for k in go.structs if k.startswith("k8s.io/")}

    def add(self, msg: str) -> None:
        if msg in self.out:
            return
        go_name = self.by_go.get(msg)
        if go_name is None:
            raise SystemExit(f"no Go type for message {msg}")
        self.out[msg] = None
        proto = self.protos.get(msg)
        fields = []
        seen: set[int] = set()
        for f in self.go.structs[go_name]:
            ptag = tag_get(f["tag"], "protobuf")
            if not ptag or ptag == "-":
                continue
            wire, num_s, _label, *rest = ptag.split(",")
            num = int(num_s)
            # The tag's opt/rep is not reliable (*ScopeType is tagged "rep"): use the Go shape.
            shape = f["type"]["elem"] if f["type"]["k"] == "ptr" else f["type"]
            is_list = shape["k"] == "map" or (
                shape["k"] == "slice"
                and shape["elem"]["k"] != "uint8"
                and not self.named_slice(shape, proto, num)
            )
            label = "rep" if is_list else "opt"
            seen.add(num)
            pname = next((x[5:] for x in rest if x.startswith("name=")), "")
            jtag = tag_get(f["tag"], "json")
            jparts = (jtag if jtag is not None else f["name"]).split(",")
            jname = jparts[0]
            flags = 0
            if "omitempty" in jparts[1:]:
                flags |= OMITEMPTY
            if jname == "-" and len(jparts) == 1:
                flags |= SKIPJSON
            if jname == "" and ("inline" in jparts[1:] or f["embedded"]):
                flags |= INLINE
            t = f["type"]
            if t["k"] == "ptr":
                flags |= POINTER
                t = t["elem"]
            kind, ref = self.kind_of(t, wire, label, msg, num, flags)
            if label == "rep" and kind not in ("map", "bytes"):
                flags |= REPEATED
            if kind == "bytes" and t["k"] == "slice" and t["elem"]["k"] == "slice":
                flags |= REPEATED  # [][]byte
            if proto is not None:
                self.check(proto, msg, num, pname, label, kind, ref, t)
            fields.append([num, jname, kind, ref, flags, f["name"]])
        if proto is not None and set(proto["fields"]) != seen:
            raise SystemExit(f"{msg}: proto fields {sorted(proto['fields'])} != Go {sorted(seen)}")
        self.out[msg] = {"go": msg.rsplit(".", 1)[1], "fields": fields}

    def named_slice(self, shape: dict[str, Any], proto: dict[str, Any] | None, num: int) -> bool:
        """A named slice type (ExtraValue, Verbs) is one non-repeated wrapper message field."""
        if proto is None or num not in proto["fields"]:
            return False
        return proto["fields"][num][0] != "repeated" and proto["fields"][num][1] not in SCALARS

    def kind_of(
        self, t: dict[str, Any], wire: str, label: str, msg: str, num: int, flags: int
    ) -> tuple[str, Any]:
        k = t["k"]
        if k == "struct":
            special = SPECIAL.get(t["name"])
            if special:
                return special, None
            ref = go_to_proto(t["name"])
            self.add(ref)
            return "msg", ref
        if k == "slice":
            e = t["elem"]
            if e["k"] == "uint8":
                return "bytes", None
            if e["k"] == "ptr":
                e = e["elem"]
            proto = self.protos.get(msg)
            if label == "rep":
                return self.kind_of(e, wire, "opt", msg, num, flags)
            # a named slice type encoded as a message with `repeated items = 1`
            inner, _ = self.kind_of(e, wire, "opt", msg, num, flags)
            if proto is not None and proto["fields"][num][1] in ("map",):
                raise SystemExit(f"{msg}.{num}: unexpected map")
            return "wrap", inner
        if k == "map":
            key, _ = self.kind_of(t["key"], "bytes", "opt", msg, num, flags)
            ve = t["elem"]
            if ve["k"] == "slice" and ve["elem"]["k"] != "uint8":
                vk, vref = "wrap", self.kind_of(ve["elem"], "bytes", "opt", msg, num, flags)[0]
            else:
                vk, vref = self.kind_of(ve, "bytes", "opt", msg, num, flags)
            return "map", [key, vk, vref]
        if k == "int":
            return "int64", None
        if k in SCALARS:
            return SCALARS[k], None
        raise SystemExit(f"{msg}.{num}: unsupported Go kind {k}")

    def check(
        self,
        proto: dict[str, Any],
        msg: str,
        num: int,
        pname: str,
        label: str,
        kind: str,
        ref: Any,
        t: dict[str, Any],
    ) -> None:
        if num not in proto["fields"]:
            raise SystemExit(f"{msg}: Go field {pname}={num} missing from .proto")
        plabel, ptype, name, _key, _val = proto["fields"][num]
        if pname and name != pname:
            raise SystemExit(f"{msg}.{num}: proto name {name} != Go {pname}")
        if (plabel == "repeated") != (label == "rep" and ptype != "map") and not (
            ptype == "map" and label == "rep"
        ):
            raise SystemExit(f"{msg}.{num}: repeated mismatch")
        if ptype in SCALARS:
            if kind != SCALARS[ptype] and not (kind == "bytes" and ptype == "bytes"):
                raise SystemExit(f"{msg}.{num}: type {ptype} vs Go {kind}")
        elif ptype == "map":
            if kind != "map":
                raise SystemExit(f"{msg}.{num}: map vs Go {kind}")
        else:
            full = resolve(proto["pkg"], ptype, self.protos)
            if kind == "msg" and full != ref:
                raise SystemExit(f"{msg}.{num}: {full} vs Go {ref}")
            if kind == "wrap":
                wf = self.protos[full]["fields"]
                if list(wf) != [1] or wf[1][0] != "repeated":
                    raise SystemExit(f"{msg}.{num}: {full} is not an items wrapper")


def kubectl_binary() -> Path:
    exe = shutil.which("kubectl")
    if not exe:
        raise SystemExit("kubectl not found on PATH; pass the kubectl 1.33 binary explicitly")
    return Path(os.path.realpath(exe)).parent / "kubectl.1.33"


def build_schema(ref_dir: Path, binary: Path) -> dict[str, Any]:
    """The 1.33 schema: {"messages": ..., "kinds": ...} (see the module docstring)."""
    protos = parse_protos(ref_dir / "proto")
    go = GoBinary(binary)
    swagger = json.loads((ref_dir / "openapi-v2" / "swagger-v1.33.json").read_text())
    b = Builder(protos, go)

    kinds: dict[str, str] = {}
    for dname, d in swagger["definitions"].items():
        if not dname.startswith("io.k8s.api.") and not dname.startswith("io.k8s.apimachinery."):
            continue
        msg = "k8s.io." + dname[len("io.k8s.") :]
        if msg not in b.by_go:
            continue
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            b.add(msg)
            kinds[f"{api_version} {gvk['kind']}"] = msg
    # Kinds kube-apiserver's scheme still registers although 1.33 no longer serves (nor
    # documents) them, e.g. apps/v1beta2 Deployment: a body of that kind decodes and then fails
    # the handler's version check rather than "no kind is registered". Group names come from the
    # documented versions of the same package directory.
    groups = {
        msg.rsplit(".", 2)[0]: av.split("/")[0] if "/" in av else ""
        for (av, _k), msg in ((k.split(" "), v) for k, v in kinds.items())
        if msg.startswith("k8s.io.api.")
    }
    groups.update(EXTRA_GROUPS)
    for msg, go_name in b.by_go.items():
        pkg_dir, version, name = msg.rsplit(".", 2)
        if not msg.startswith("k8s.io.api.") or pkg_dir not in groups:
            continue
        fields = go.structs[go_name]
        embeds = {f["type"].get("name", "") for f in fields if f["embedded"]}
        is_kind = "k8s.io/apimachinery/pkg/apis/meta/v1.TypeMeta" in embeds and any(
            f["type"].get("name", "").endswith(("meta/v1.ObjectMeta", "meta/v1.ListMeta"))
            for f in fields
        )
        if not is_kind:
            continue
        group = groups[pkg_dir]
        key = f"{group + '/' if group else ''}{version} {name}"
        if key not in kinds:
            b.add(msg)
            kinds[key] = msg

    for msg in protos:  # everything the .proto files define, reachable or not
        if msg.startswith("k8s.io.api.") and msg in b.by_go:
            b.add(msg)

    # Cross-check JSON names against the OpenAPI definitions.
    mismatches = 0
    for msg, m in b.out.items():
        d = swagger["definitions"].get("io.k8s." + msg[len("k8s.io.") :])
        if not d or "properties" not in d:
            continue
        props = set(d["properties"])
        for num, jname, _kind, _ref, flags, _g in m["fields"]:
            if flags & (INLINE | SKIPJSON):
                continue
            if jname not in props:
                mismatches += 1
                print(f"warning: {msg}.{num} json {jname!r} not in OpenAPI", file=sys.stderr)

    from_proto = sum(1 for k in b.out if k in protos)
    print(
        f"  1.33 Go facts: {len(b.out)} messages ({from_proto} from .proto, "
        f"{len(b.out) - from_proto} from Go tags only), {len(kinds)} kinds, {mismatches} OpenAPI "
        "name mismatches"
    )
    return {"messages": dict(sorted(b.out.items())), "kinds": dict(sorted(kinds.items()))}


if __name__ == "__main__":
    raise SystemExit("a helper of scripts/gen_releases.py: run that (or scripts/regen.py)")
