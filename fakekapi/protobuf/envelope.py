"""The `k8s\\0` + runtime.Unknown envelope, and the errors kube-apiserver's create/update handlers
answer when a protobuf body cannot be used for the resource in the URL.

Mirrors apimachinery `runtime/serializer/protobuf` Serializer.Decode, the versioning codec's
conversion to the internal type, and apiserver `handlers.transformDecodeError`.
"""

from __future__ import annotations

from typing import Any

from fakekapi.core import errors
from fakekapi.protobuf.decoder import (
    Decoder,
    ProtoError,
    read_length,
    read_varint,
    skip_field,
    to_int32,
)

MAGIC = b"k8s\x00"
SCHEME = "pkg/api/legacyscheme/scheme.go:30"

# The internal (hub) package a group's kinds convert into; events.k8s.io Events are core Events.
_INTERNAL = {
    "": "core",
    "events.k8s.io": "core",
    "rbac.authorization.k8s.io": "rbac",
    "flowcontrol.apiserver.k8s.io": "flowcontrol",
    "internal.apiserver.k8s.io": "apiserverinternal",
}
_EXTENSIONS = {"Ingress": "networking", "NetworkPolicy": "networking", "IngressList": "networking"}


def internal_package(group: str, kind: str) -> str:
    """Go package name of the internal type `kind` of `group` converts to."""
    if group == "extensions":
        return _EXTENSIONS.get(kind, "apps")
    return _INTERNAL.get(group, group.split(".", 1)[0])


def split_api_version(api_version: str) -> tuple[str, str] | None:
    """schema.ParseGroupVersion: ("", "") for "", None when malformed."""
    if not api_version:
        return "", ""
    parts = api_version.split("/")
    if len(parts) == 1:
        return "", api_version
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


def join_api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


class Envelope:
    """What runtime.Unknown carried."""

    __slots__ = ("api_version", "kind", "raw")

    def __init__(self, api_version: str, kind: str, raw: bytes) -> None:
        self.api_version = api_version
        self.kind = kind
        self.raw = raw


def _strings(buf: bytes, pos: int, end: int, names: dict[int, str], msg: str) -> dict[int, str]:
    """Parse a message made of string fields only (TypeMeta)."""
    out: dict[int, str] = {}
    while pos < end:
        tag, pos = read_varint(buf, pos, end)
        num, wire = tag >> 3, tag & 7
        if wire == 4:
            raise ProtoError(f"proto: {msg}: wiretype end group for non-group")
        if num & 0xFFFFFFFF == 0 or num & 0xFFFFFFFF >= 1 << 31:
            raise ProtoError(f"proto: {msg}: illegal tag {to_int32(num)} (wire type {tag})")
        if num in names:
            if wire != 2:
                raise ProtoError(f"proto: wrong wireType = {wire} for field {names[num]}")
            s, pos = read_length(buf, pos, end)
            out[num] = buf[s:pos].decode("utf-8", "replace")
        else:
            pos = skip_field(buf, pos, end, wire)
    return out


def parse_envelope(body: bytes) -> Envelope:
    """Serializer.Decode up to runtime.Unknown; raises ProtoError with the Go texts."""
    if len(body) == 0:
        raise ProtoError("empty data")
    if body[:4] != MAGIC:
        raise ProtoError(
            "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
        )
    if len(body) == 4:
        raise ProtoError("empty body")
    buf = body
    pos, end = 4, len(body)
    meta: list[tuple[int, int]] = []
    raw = b""
    while pos < end:
        tag, pos = read_varint(buf, pos, end)
        num, wire = tag >> 3, tag & 7
        if wire == 4:
            raise ProtoError("proto: Unknown: wiretype end group for non-group")
        if num & 0xFFFFFFFF == 0 or num & 0xFFFFFFFF >= 1 << 31:
            raise ProtoError(f"proto: Unknown: illegal tag {to_int32(num)} (wire type {tag})")
        if num in (1, 2, 3, 4):
            if wire != 2:
                name = ("TypeMeta", "Raw", "ContentEncoding", "ContentType")[num - 1]
                raise ProtoError(f"proto: wrong wireType = {wire} for field {name}")
            s, pos = read_length(buf, pos, end)
            if num == 1:
                meta.append((s, pos))
            elif num == 2:
                raw = buf[s:pos]
        else:
            pos = skip_field(buf, pos, end, wire)
    tm: dict[int, str] = {}
    for s, e in meta:  # a repeated TypeMeta merges
        tm.update(_strings(buf, s, e, {1: "APIVersion", 2: "Kind"}, "TypeMeta"))
    return Envelope(tm.get(1, ""), tm.get(2, ""), raw)


def not_registered(kind: str, group: str, version: str) -> str:
    gv = join_api_version(group, version)
    return f'no kind "{kind}" is registered for version "{gv}" in scheme "{SCHEME}"'


def decode_envelope(body: bytes, decoder: Decoder) -> tuple[str, str, dict[str, Any]]:
    """Envelope and typed message, no URL context; raises ProtoError."""
    env = parse_envelope(body)
    if not env.kind:
        raise ProtoError(
            f"Object 'Kind' is missing in 'runtime.TypeMeta{{APIVersion:\"{env.api_version}\", "
            f'Kind:""}}\''
        )
    gv = split_api_version(env.api_version)
    if not gv or not gv[1]:
        raise ProtoError(
            "Object 'apiVersion' is missing in 'runtime.TypeMeta{APIVersion:"
            f'"{env.api_version}", Kind:"{env.kind}"}}\''
        )
    return typed(env, gv[0], gv[1], env.kind, decoder)


def typed(
    env: Envelope, group: str, version: str, kind: str, decoder: Decoder
) -> tuple[str, str, dict[str, Any]]:
    """Decode env.raw as group/version kind into the JSON object (with kind and apiVersion)."""
    api_version = join_api_version(group, version)
    msg = decoder.schema.message_for(api_version, kind)
    if msg is None:
        raise ProtoError(not_registered(kind, group, version))
    body = decoder.message(env.raw, 0, len(env.raw), msg)
    obj = {"kind": kind, "apiVersion": api_version}
    obj.update(body)
    return api_version, kind, obj


def summarize(data: bytes, limit: int = 30) -> str:
    """handlers.summarizeData."""
    if not data:
        return "<empty>"
    if data[:1] == b"{":
        text = data[:limit].decode("utf-8", "replace")
        return text + " ..." if len(data) > limit else text
    return data[:limit].hex() + " ..." if len(data) > limit else data.hex()


def decode_for_resource(
    body: bytes, api_version: str, kind: str, decoder: Decoder
) -> dict[str, Any]:
    """What a create/update handler for `api_version` `kind` makes of a protobuf body.

    Missing typeMeta parts default to the URL's (copyKindDefaults). Every failure is the 400
    BadRequest kube-apiserver answers, worded as transformDecodeError wraps it.
    """
    url_gv = split_api_version(api_version) or ("", api_version)
    url_group, url_version = url_gv

    def unrecognized(err: str) -> errors.StatusError:
        return errors.bad_request(
            f"the object provided is unrecognized (must be of type {kind}): {err} "
            f"({summarize(body)})"
        )

    try:
        env = parse_envelope(body)
    except ProtoError as e:
        raise unrecognized(str(e)) from None
    gv = split_api_version(env.api_version) or ("", "")
    group, version = gv
    data_kind = env.kind or kind
    if not version:
        group, version = url_group, url_version

    def cannot_handle(err: str) -> errors.StatusError:
        return errors.bad_request(
            f'{data_kind} in version "{version}" cannot be handled as a {kind}: {err}'
        )

    try:
        _, _, obj = typed(env, group, version, data_kind, decoder)
    except ProtoError as e:
        raise cannot_handle(str(e)) from None
    src = internal_package(group, data_kind)
    dst = internal_package(url_group, kind)
    if (src, data_kind) != (dst, kind):
        msg = decoder.schema.message_for(join_api_version(group, version), data_kind)
        go_pkg = msg.name.rsplit(".", 2)[-2] if msg else version
        raise cannot_handle(
            f"converting ({go_pkg}.{data_kind}) to ({dst}.{kind}): unknown conversion"
        )
    if (group, version) != (url_group, url_version):
        raise errors.bad_request(
            f"the API version in the data ({join_api_version(group, version)}) does not match "
            f"the expected API version ({api_version})"
        )
    return obj
