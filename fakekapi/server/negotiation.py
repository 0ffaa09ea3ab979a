"""Content negotiation: which representation to answer with, and how to read a request body.

A port of apiserver `endpoints/handlers/negotiation/negotiate.go`: the Accept header is parsed and
ordered as goautoneg does (by q, then specificity, otherwise in the client's order); the first
clause the server can serve wins. A clause's `as`/`g`/`v` parameters ask for a transformation
(Table, PartialObjectMetadata, aggregated discovery) and each endpoint says which it allows.

fakekapi serves JSON and YAML. Protobuf is decoded in request bodies (kubectl 1.32+ sends it) but
never encoded: a clause asking only for protobuf is skipped, so `Accept:
application/vnd.kubernetes.protobuf,application/json` gets JSON, and protobuf alone gets 406 -
kubectl always lists JSON as well.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import orjson

from fakekapi import protobuf
from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import (
    StatusError,
    bad_request,
    go_quote,
    not_acceptable,
    unsupported_media_type,
    unsupported_patch_type,
)
from fakekapi.core.gojson import unmarshal_type
from fakekapi.protobuf.envelope import internal_package
from fakekapi.registry.generic.patch import APPLY_PATCH as APPLY_PATCH
from fakekapi.registry.generic.patch import CRD_PATCH_TYPES, PATCH_TYPES

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"

SERVED_MEDIA_TYPES = (JSON, YAML, PROTOBUF)
"""What a built-in endpoint lists in 406/415 messages (the apiserver's serializers, CBOR off)."""
"""Custom resources have no protobuf."""
ENCODABLE = frozenset({JSON, YAML})

META_GROUP = "meta.k8s.io"
META_VERSIONS = frozenset({"v1", "v1beta1"})


_NO_PARAMS: Mapping[str, str] = MappingProxyType({})


class MediaRange(NamedTuple):
    """One clause of an Accept header."""

    type: str
    subtype: str
    params: Mapping[str, str] = _NO_PARAMS
    q: float = 1.0


def parse_accept(header: str) -> list[MediaRange]:
    """goautoneg.ParseAccept: clauses ordered by q, then specificity; ties keep the client order."""
    out: list[MediaRange] = []
    for raw in header.split(","):
        pieces = raw.split(";")
        mt = pieces[0].strip().lower()
        if not mt:
            continue
        typ, slash, sub = mt.partition("/")
        if not slash:
            typ, sub = mt, "*"
        params: dict[str, str] = {}
        q = 1.0
        for p in pieces[1:]:
            k, eq, v = p.partition("=")
            k = k.strip().lower()
            v = v.strip().strip('"')
            if not eq or not k:
                continue
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
                continue
            params[k] = v
        out.append(MediaRange(typ, sub, params, q))
    out.sort(key=lambda m: (-m.q, m.type == "*", m.subtype == "*"))
    return out


class Target(NamedTuple):
    """The conversion a clause asks for with `as`, `g`, `v` (a GroupVersionKind)."""

    kind: str
    group: str
    version: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


class Negotiated(NamedTuple):
    """The chosen representation."""

    media_type: str
    target: Target | None = None
    pretty: bool = False


AllowTransform = Callable[[str, Target | None], bool]
"""Whether an endpoint can answer in (media type, conversion target)."""


def no_transform(media_type: str, target: Target | None) -> bool:
    """DefaultEndpointRestrictions: plain objects only."""
    return target is None


def resource_read_transform(media_type: str, target: Target | None) -> bool:
    """A get/list/watch endpoint (`RequestScope.AllowsMediaTypeTransform`)."""
    if target is None:
        return True
    if target.group != META_GROUP or target.version not in META_VERSIONS:
        return False
    if target.kind == "Table":
        return media_type in (JSON, YAML)
    return target.kind in ("PartialObjectMetadata", "PartialObjectMetadataList")


def _matches(clause: MediaRange, media_type: str) -> bool:
    typ, _, sub = media_type.partition("/")
    if clause.type == "*" and clause.subtype == "*":
        return True
    return clause.type == typ and clause.subtype in (sub, "*")


@functools.lru_cache(maxsize=1024)
def negotiate(
    accept: str,
    allow: AllowTransform = no_transform,
    served: tuple[str, ...] = SERVED_MEDIA_TYPES,
) -> Negotiated:
    """Pick the response representation or raise the 406 Status (no details) kube sends.

    Memoized: a pure function of its arguments, clients send the same few Accept headers, and
    the answer is immutable (a refusal is not cached: it raises)."""
    if not accept.strip():
        return Negotiated(JSON)
    for clause in parse_accept(accept):
        for media_type in served:
            if not _matches(clause, media_type):
                continue
            target = _target(clause.params)
            if not allow(media_type, target):
                continue
            if media_type not in ENCODABLE:
                continue
            return Negotiated(media_type, target, clause.params.get("pretty") == "1")
    raise not_acceptable(served)


def _target(params: Mapping[str, str]) -> Target | None:
    if not any(k in params for k in ("as", "g", "v")):
        return None
    return Target(params.get("as", ""), params.get("g", ""), params.get("v", ""))


# -- request bodies ---------------------------------------------------------------------------


def media_type_of(content_type: str | None) -> str:
    """The bare, lower-case media type of a Content-Type header ("" when absent)."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def load_yaml(data: bytes) -> Any:
    """YAML as the apiserver reads it (YAMLToJSON); raises yaml.YAMLError. (yaml is imported by
    the requests that carry it, not at start: ~8 ms and ~1 MiB for the servers that never do.)"""
    from fakekapi.core import yamljson

    return yamljson.load(data)


def _summarize(data: bytes, limit: int = 30) -> str:
    """create.go `summarizeData`: how a bad body is quoted back."""
    if not data:
        return "<empty>"
    if data[:1] == b"{":
        text = data[:limit].decode(errors="replace")
        return text + " ..." if len(data) > limit else text
    return data[:limit].hex() + (" ..." if len(data) > limit else "")


def _unrecognized(kind: str, err: str, data: bytes) -> StatusError:
    return bad_request(
        f"the object provided is unrecognized (must be of type {kind}): {err} ({_summarize(data)})"
    )


class ExpectedKind(NamedTuple):
    """The object kind a URL takes: the resource's, or a subresource's (Scale, Eviction ...)."""

    group: str
    version: str
    kind: str
    is_crd: bool = False
    release: str | None = None
    """The emulated release whose .proto layouts decode protobuf bodies (None: the default)."""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @classmethod
    def of(
        cls, rt: ResourceType, subresource: str = "", release: str | None = None
    ) -> ExpectedKind:
        sub = rt.subresource(subresource) if subresource else None
        if sub is not None:
            return cls(sub.group, sub.version, sub.kind, rt.is_crd, release)
        return cls(rt.group, rt.version, rt.kind, rt.is_crd, release)


def decode_object(content_type: str | None, data: bytes, expected: ExpectedKind) -> dict[str, Any]:
    """Decode a POST/PUT body into the object, defaulting apiVersion/kind from the URL.

    Missing Content-Type means JSON (the negotiator picks the first serializer). The API version in
    the body must be the URL's (`the API version in the data (...) does not match ...`).
    """
    mt = media_type_of(content_type) or JSON
    if mt not in SERVED_MEDIA_TYPES:
        raise unsupported_media_type(SERVED_MEDIA_TYPES)
    obj: Any
    if mt == PROTOBUF and expected.is_crd:
        raise protobuf.custom_resource_error(data, expected.api_version, expected.kind)
    if mt == PROTOBUF:
        obj = protobuf.decode_for(data, expected.api_version, expected.kind, expected.release)
    elif mt == YAML:
        import yaml

        try:
            obj = load_yaml(data)
        except yaml.YAMLError as e:
            raise _unrecognized(
                expected.kind, f"couldn't get version/kind; json parse error: {e}", data
            ) from None
    else:
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as e:
            raise _unrecognized(
                expected.kind, f"couldn't get version/kind; json parse error: {e}", data
            ) from None
    if not isinstance(obj, dict):
        raise _unrecognized(
            expected.kind,
            "couldn't get version/kind; json parse error: json: cannot unmarshal "
            f"{unmarshal_type(obj)} into Go value of type struct {{ APIVersion string "
            '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }',
            data,
        )
    return check_kind(obj, expected)


def check_kind(obj: dict[str, Any], expected: ExpectedKind) -> dict[str, Any]:
    """Default a missing apiVersion/kind from the URL; refuse another API version."""
    api_version = obj.get("apiVersion") or ""
    kind = obj.get("kind") or ""
    if not isinstance(api_version, str) or not isinstance(kind, str):
        raise bad_request("apiVersion and kind must be strings")
    if api_version and api_version != expected.api_version:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected "
            f"API version ({expected.api_version})"
        )
    if kind and kind != expected.kind and not expected.is_crd:
        raise _cannot_handle(kind, expected)
    if not api_version:
        obj["apiVersion"] = expected.api_version
    if not kind:
        obj["kind"] = expected.kind
    return obj


def _cannot_handle(kind: str, expected: ExpectedKind) -> StatusError:
    """transformDecodeError for a body of another kind than the URL's (create.go)."""
    version = go_quote(expected.version)
    prefix = f"{kind} in version {version} cannot be handled as a {expected.kind}"
    if protobuf.knows(expected.api_version, kind, expected.release):
        dst = internal_package(expected.group, expected.kind)
        return bad_request(
            f"{prefix}: converting ({expected.version}.{kind}) to ({dst}.{expected.kind}): "
            "unknown conversion"
        )
    return bad_request(
        f"{prefix}: no kind {go_quote(kind)} is registered for version "
        f'{go_quote(expected.api_version)} in scheme "pkg/api/legacyscheme/scheme.go:30"'
    )


def decode_options_body(content_type: str | None, data: bytes) -> dict[str, Any] | None:
    """A DELETE body (DeleteOptions); empty means none."""
    if not data.strip():
        return None
    mt = media_type_of(content_type) or JSON
    errors: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
    if mt == YAML:
        import yaml

        errors = (yaml.YAMLError,)
    try:
        obj = load_yaml(data) if mt == YAML else orjson.loads(data)
    except errors as e:
        raise bad_request(f"couldn't get version/kind; json parse error: {e}") from None
    if not isinstance(obj, dict):
        raise bad_request(
            "couldn't get version/kind; json parse error: json: cannot unmarshal "
            f"{unmarshal_type(obj)} into Go value of type DeleteOptions"
        )
    return obj


def patch_type(content_type: str | None, *, is_crd: bool) -> str:
    """The patch type of a PATCH, or the 415 the router (built-ins) or CRD handler sends."""
    mt = media_type_of(content_type)
    if is_crd:
        if mt not in CRD_PATCH_TYPES:
            raise unsupported_media_type(CRD_PATCH_TYPES)
        return mt
    if mt not in PATCH_TYPES:
        raise unsupported_patch_type()
    return mt
