"""Helpers for comparing what kubectl 1.33 (protobuf bodies) and 1.31 (JSON bodies) leave behind.

`written_bodies` reads the request bodies back out of kubectl's `-v=8` log, so a test can prove
which encoding went over the wire; `normalise` strips what legitimately differs between two runs
of the same command (names, uids, resource versions, times, allocated IPs and ports) so the stored
objects can be compared for equality.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

PROTOBUF = "application/vnd.kubernetes.protobuf"

# kubectl >= 1.32 logs requests as structured klog entries, a protobuf body as a hex dump:
#   I... type.go:252] "Request Body" body=<
#   \t00000000  6b 38 73 00 0a 0f 0a 02  76 31 12 09 43 6f 6e 66  |k8s.....v1..Conf|
#    >
#   I... round_trippers.go:527] "Request" verb="POST" url="https://..." headers=<
#   \tContent-Type: application/vnd.kubernetes.protobuf
#    >
_BODY_DUMP = re.compile(r'"Request Body" body=<\n((?:\t.*\n)+?) >')
_REQUEST = re.compile(r'"Request" verb="(\w+)" url="([^"]+)" headers=<\n((?:\t.*\n)*?) >')
# kubectl <= 1.31 logs them as plain lines:
#   I... request.go:1351] Request Body: {"kind":"ConfigMap",...}
#   I... round_trippers.go:463] POST https://...
#   I... round_trippers.go:473]     Content-Type: application/json
_JSON_BODY = re.compile(r"\] Request Body: (.*)$", re.M)
_OLD_REQUEST = re.compile(
    r"\] (POST|PUT|PATCH|GET|DELETE) (https://\S+)\n(?:.*\] Request Headers:\n)?"
    r"((?:.*\]     [\w-]+: .*\n)*)"
)


@dataclass(frozen=True)
class Written:
    """One request with a body, as kubectl logged it."""

    method: str
    url: str
    content_type: str
    body: bytes
    complete: bool
    """False when kubectl cut the logged body short (`[truncated N chars]`, long bodies)."""


_TRUNCATED = re.compile(r" \[truncated \d+ chars\]$")


def _hexdump_bytes(dump: str) -> bytes:
    out = bytearray()
    for line in dump.splitlines():
        hexpart = line.strip().split("  |", 1)[0].split()[1:]  # drop the offset column
        out.extend(bytes.fromhex("".join(hexpart)))
    return bytes(out)


def _header(block: str, name: str) -> str:
    for line in block.splitlines():
        key, _, value = line.strip().partition(": ")
        if key.lower() == name.lower():
            return value.strip()
    return ""


def written_bodies(log: str) -> list[Written]:
    """The POST/PUT requests with a body in a `-v=8` log, in order, for either log format."""
    out: list[Written] = []
    dumps = [m.group(1) for m in _BODY_DUMP.finditer(log)]
    requests = [m for m in _REQUEST.finditer(log) if m.group(1) in ("POST", "PUT", "PATCH")]
    if requests:
        # Structured format: every body dump precedes its request entry.
        for dump, req in zip(dumps, requests, strict=True):
            ct = _header(req.group(3), "Content-Type")
            complete = "[truncated " not in dump
            out.append(Written(req.group(1), req.group(2), ct, _hexdump_bytes(dump), complete))
        return out
    bodies = [m.group(1) for m in _JSON_BODY.finditer(log)]
    old = [m for m in _OLD_REQUEST.finditer(log) if m.group(1) in ("POST", "PUT", "PATCH")]
    for text, req in zip(bodies, old, strict=True):
        ct = _header(re.sub(r"(?m)^.*\]     ", "", req.group(3)), "Content-Type")
        body, cut = _TRUNCATED.subn("", text)
        out.append(Written(req.group(1), req.group(2), ct, body.encode(), cut == 0))
    return out


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = buf[pos]
        value |= (b & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if b < 0x80:
            return value, pos


def envelope_type_meta(body: bytes) -> tuple[str, str]:
    """(apiVersion, kind) of a `k8s\\0` envelope from its first bytes (enough of a cut-short
    body: kubectl writes typeMeta, field 1, first)."""
    assert body[:4] == b"k8s\x00", body[:16]
    assert body[4] == 0x0A, "runtime.Unknown does not start with typeMeta"
    size, pos = _varint(body, 5)
    meta, fields = body[pos : pos + size], {}
    i = 0
    while i < len(meta):
        tag, i = _varint(meta, i)
        n, i = _varint(meta, i)
        fields[tag >> 3] = meta[i : i + n].decode()
        i += n
    return fields.get(1, ""), fields.get(2, "")


_JSON_TYPE = re.compile(r'^\{"kind":"([^"]*)","apiVersion":"([^"]*)"')


def json_type_meta(body: bytes) -> tuple[str, str]:
    """(apiVersion, kind) of a JSON body as client-go writes it (kind first), even cut short."""
    m = _JSON_TYPE.match(body.decode())
    assert m, body[:80]
    return m.group(2), m.group(1)


def retag(text: str, tag: str) -> str:
    """Replace a run's tag (its namespace, part of its cluster-scoped names) with a neutral one."""
    return text.replace(tag, "TAG")


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")


def printed(text: str, tag: str) -> str:
    """What kubectl printed, with the run's tag and any RFC 3339 times made neutral."""
    return _TIMESTAMP.sub("TIME", retag(text, tag))


_KUBECTL_AGENT = re.compile(r"kubectl\.1\.\d+")


def normalise(obj: dict[str, Any], tag: str) -> dict[str, Any]:
    """A stored object with what differs between two equivalent creates made neutral.

    Removed: uid (also wherever it was copied, e.g. a Job's controller-uid selector),
    resourceVersion, creationTimestamp, managedFields times, and the status with its managedFields
    entries (what controllers and kubelets report as the object progresses, not what the command
    wrote: a Job's pods may finish a second apart in the two runs). Replaced: the run's tag, a
    manager derived from kubectl's user agent, a Service's allocated cluster IPs and node ports.
    """
    obj = json.loads(json.dumps(obj))
    obj.pop("status", None)
    meta = obj.get("metadata", {})
    uid = meta.pop("uid", None)
    meta.pop("resourceVersion", None)
    meta.pop("creationTimestamp", None)
    if "managedFields" in meta:
        meta["managedFields"] = [
            e for e in meta["managedFields"] if e.get("subresource") != "status"
        ]
    for entry in meta.get("managedFields", []):
        entry.pop("time", None)
    annotations = meta.get("annotations") or {}
    # The deployment controller's, written through status after the create.
    annotations.pop("deployment.kubernetes.io/revision", None)
    if "annotations" in meta and not annotations:
        meta.pop("annotations")
    if obj.get("kind") == "Service":
        spec = obj.get("spec", {})
        if "clusterIP" in spec:
            spec["clusterIP"] = "IP"
        if "clusterIPs" in spec:
            spec["clusterIPs"] = ["IP" for _ in spec["clusterIPs"]]
        for port in spec.get("ports", []):
            if "nodePort" in port:
                port["nodePort"] = 0
    text = json.dumps(obj, sort_keys=True)
    if uid:
        text = text.replace(uid, "UID")
    text = _KUBECTL_AGENT.sub("kubectl", retag(text, tag))
    result: dict[str, Any] = json.loads(text)
    return result


def jwt_claims(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys kept, leaves replaced by their type's name."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__
