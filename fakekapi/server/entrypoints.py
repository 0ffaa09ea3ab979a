"""What the app registers for requests, with the request path imported by the first request.

A start registers the request pipeline (`middleware`) and the resource handler
(`handlers.resources`) but runs neither; importing them, and what only they use (content
negotiation, impersonation, the Table printers, discovery documents), cost every start
~20 M instructions (13 modules; a warm start to ready needs ~1,650 M). The stand-ins here import
them when the first request arrives instead: that request pays it once (~7 ms, ~27 M
instructions), and every request one coroutine call more per stand-in (well under a
microsecond).

`add_common_headers` lives here itself: it runs for every response, needs nothing the request
path does, and a stand-in would cost each response a call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from fakekapi.server.responses import warning_header
from fakekapi.server.state import STATE, RequestState

MAX_BODY_BYTES = 3 * 1024 * 1024
"""kube-apiserver's --max-request-bytes default for resource bodies (3 MiB)."""

Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]

_pipeline: Middleware | None = None
_handle: Handler | None = None


@web.middleware
async def pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """`middleware.pipeline`, imported by the first request."""
    run = _pipeline if _pipeline is not None else _import_pipeline()
    return await run(request, handler)


async def handle(request: web.Request) -> web.StreamResponse:
    """`handlers.resources.handle` (every request under /api and /apis), imported by the first."""
    run = _handle if _handle is not None else _import_handle()
    return await run(request)


def _import_pipeline() -> Middleware:
    global _pipeline
    from fakekapi.server.middleware import pipeline as run

    _pipeline = run
    return run


def _import_handle() -> Handler:
    global _handle
    from fakekapi.server.handlers.resources import handle as run

    _handle = run
    return run


async def add_common_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: headers every kube-apiserver response has (also 401/403/404), and
    none it does not have: aiohttp's `Server` goes (kube-apiserver sends none).

    aiohttp fills in its defaults (Date, Server) before it fires on_response_prepare (since 3.10,
    the oldest version supported), so the hook sees the final headers and may drop one. One hook
    for both: each costs a coroutine per response.
    """
    headers = response.headers
    try:
        st: RequestState | None = request[STATE]
    except KeyError:  # answered before the pipeline ran (aiohttp's own refusals)
        st = None
    if st is not None:
        headers.setdefault("Audit-Id", st.audit_id)
        for text in st.warnings:
            header = warning_header(text)
            if header is not None:
                headers.add("Warning", header)
    headers.setdefault("Cache-Control", "no-cache, private")
    headers.popall(hdrs.SERVER, None)
