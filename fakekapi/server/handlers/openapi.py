"""`/openapi/v2` and `/openapi/v3[/<group-version>]`, with kube-openapi's HTTP behaviour.

The documents and their hashes come from `fakekapi.catalog.openapi`; this module adds what
kube-openapi's `handler` and `handler3` do on the wire: Accept matching (first clause in
goautoneg order that names a served type, else 406 with no body), `ETag` (quoted), `Vary: Accept`,
`If-None-Match` → 304, and for v3 group-version documents the `?hash=` contract: a matching hash
gets `Cache-Control: public, immutable` and an `Expires` a year ahead, a stale one a 301 to the
current hash, none a plain 200. An unknown group-version is an empty 200, as in handler3.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

from aiohttp import web

from fakekapi.core.errors import page_not_found
from fakekapi.server.responses import raw_response
from fakekapi.server.state import CATALOG

V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
V3_PROTOBUF = "application/com.github.proto-openapi.spec.v3.v1.0+protobuf"

_STARTED: web.AppKey[float] = web.AppKey("openapi_started", float)


def _openapi() -> Any:
    try:
        from fakekapi.catalog import openapi
    except ImportError:  # pragma: no cover - until the documents are generated
        raise page_not_found() from None
    return openapi


def _pick(accept: str, served: list[tuple[str, str]]) -> str | None:
    """The first served subtype (application/<subtype>) matching the Accept clauses."""
    # Here, not at the top: negotiation is the request path's (server/entrypoints.py).
    from fakekapi.server.negotiation import parse_accept

    for clause in parse_accept(accept or "*/*"):
        for typ, sub in served:
            if clause.type not in (typ, "*"):
                continue
            if clause.subtype not in (sub, "*"):
                continue
            return sub
    return None


_ETAGS: dict[int, tuple[bytes, str]] = {}


def _etag(oa: Any, data: bytes) -> str:
    """The quoted ETag of a served document, computed once per (cached, immutable) bytes object."""
    hit = _ETAGS.get(id(data))
    if hit is None or hit[0] is not data:
        hit = (data, f'"{oa.etag(data)}"')
        _ETAGS[id(data)] = hit
    return hit[1]


def _http_date(ts: float) -> str:
    return formatdate(ts, usegmt=True)


def _serve_content(
    request: web.Request, data: bytes, content_type: str, etag: str, extra: dict[str, str]
) -> web.Response:
    """Go's http.ServeContent for an in-memory body: ETag check, Last-Modified, Accept-Ranges."""
    headers = {
        "Vary": "Accept",
        "Etag": etag,
        "Last-Modified": _http_date(request.app.get(_STARTED, time.time())),
        **extra,
    }
    if request.headers.get("If-None-Match") in (etag, "*"):
        return web.Response(status=304, headers=headers)
    headers["Accept-Ranges"] = "bytes"
    return raw_response(data, content_type, 200, headers)


async def v2(request: web.Request) -> web.Response:
    oa = _openapi()
    sub = _pick(
        request.headers.get("Accept", ""),
        [
            ("application", "json"),
            ("application", "com.github.proto-openapi.spec.v2@v1.0+protobuf"),
            ("application", "com.github.proto-openapi.spec.v2.v1.0+protobuf"),
        ],
    )
    if sub is None:
        return web.Response(status=406, headers={"Vary": "Accept"})
    served = _served(request)
    release = _release(request)
    if sub == "json":
        data, content_type = oa.v2_json_for(served, release), "application/json"
    else:
        data, content_type = oa.v2_protobuf_for(served, release), V2_PROTOBUF
    custom = _custom(request)
    if custom is not None:
        data = custom.v2_document(data, protobuf=content_type == V2_PROTOBUF)
    return _serve_content(request, data, content_type, _etag(oa, data), {})


def _served(request: web.Request) -> frozenset[tuple[str, str]]:
    """(group, version) pairs the app's catalog serves: disabled APIs have no OpenAPI either."""
    catalog = request.app[CATALOG]
    served = {(g, v) for g, versions in catalog.group_versions() for v in versions}
    if catalog.serves("", "v1"):
        served.add(("", "v1"))
    return frozenset(served)


def _release(request: web.Request) -> str | None:
    """The emulated release of the app's catalog (None: the default)."""
    catalog = request.app.get(CATALOG)
    return catalog.release if catalog is not None else None


def _custom(request: web.Request) -> Any:
    """The catalog's custom resource documents (CRD group-versions), if it has any."""
    catalog = request.app.get(CATALOG)
    return catalog.custom if catalog is not None else None


async def v3_index(request: web.Request) -> web.Response:
    oa = _openapi()
    custom = _custom(request)
    extra = {k: custom.v3_hash(k) for k in custom.v3_keys()} if custom is not None else {}
    data: bytes = oa.v3_index_for(_served(request), extra, _release(request))
    return _serve_content(request, data, "application/json", _etag(oa, data), {})


async def v3_document(request: web.Request) -> web.Response:
    oa = _openapi()
    key = request.match_info["key"]
    sub = _pick(
        request.headers.get("Accept", ""),
        [
            ("application", "json"),
            ("application", "com.github.proto-openapi.spec.v3@v1.0+protobuf"),
            ("application", "com.github.proto-openapi.spec.v3.v1.0+protobuf"),
        ],
    )
    if sub is None:
        return web.Response(status=406, headers={"Vary": "Accept"})
    release = _release(request)
    hidden = key.strip("/") in oa.hidden_v3_keys(_served(request), release)
    data: bytes | None = None if hidden else oa.v3_document(key, release)
    custom = _custom(request)
    current: str = oa.v3_hash(key, release)
    if data is None and custom is not None:
        data, current = custom.v3_document(key), custom.v3_hash(key)
    if data is None:
        return web.Response(status=200, headers={"Vary": "Accept"})
    content_type = "application/json"
    if sub != "json":
        to_pb: Callable[[str], bytes | None] | None = getattr(oa, "v3_protobuf", None)
        pb = to_pb(key) if to_pb is not None else None
        if pb is None:
            return web.Response(status=406, headers={"Vary": "Accept"})
        data, content_type = pb, V3_PROTOBUF
    extra: dict[str, str] = {}
    wanted = request.query.get("hash", "")
    if wanted:
        if wanted != current:
            location = f"/openapi/v3/{key}?hash={current}"
            body = f'<a href="{location}">Moved Permanently</a>.\n\n'.encode()
            return raw_response(
                body,
                "text/html; charset=utf-8",
                301,
                {"Location": location, "Vary": "Accept", "Etag": f'"{current}"'},
            )
        extra = {
            "Cache-Control": "public, immutable",
            "Expires": time.strftime(
                "%a, %d %b %Y %H:%M:%S UTC", time.gmtime(time.time() + 365 * 86400)
            ),
        }
    etag = f'"{current}"' if content_type == "application/json" else _etag(oa, data)
    return _serve_content(request, data, content_type, etag, extra)


def add_routes(app: web.Application) -> list[str]:
    app[_STARTED] = time.time()
    app.router.add_get("/openapi/v2", v2)
    app.router.add_get("/openapi/v3", v3_index)
    app.router.add_get("/openapi/v3/", v3_index)
    app.router.add_get("/openapi/v3/{key:.+}", v3_document)
    return ["/openapi/v2", "/openapi/v3", "/openapi/v3/"]
