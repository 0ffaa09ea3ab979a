"""Big response bodies written a slice at a time, letting the event loop run between slices.

An aiohttp `Response` hands its whole body to the transport in one call, and the TLS transport
encrypts all of it before returning: a 10,000-item list (4-8 MiB) kept the loop busy for
60-120 ms in that one call, and `/readyz`, every watch and every other request waited. kube's
apiserver writes a response from its own goroutine. Here a body from `BIG_BODY` bytes on is
sent by a `StreamResponse` in `SLICE` pieces with a turn of the loop after each, so other
requests are answered in between; the bytes on the wire (status, headers, Content-Length, body)
are the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from aiohttp import web

BIG_BODY = 256 * 1024
SLICE = 64 * 1024


async def sliced(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """`response`, or once its big body has been written in slices, the response that did."""
    if type(response) is not web.Response or request.method == "HEAD":
        return response
    body = response.body
    if not isinstance(body, bytes) or len(body) < BIG_BODY:
        return response
    view = memoryview(body)
    pieces = [view[start : start + SLICE] for start in range(0, len(body), SLICE)]
    return await write_pieces(
        request, response.status, response.headers, pieces, reason=response.reason
    )


async def write_pieces(
    request: web.Request,
    status: int,
    headers: Mapping[str, str],
    pieces: Sequence[bytes | memoryview],
    *,
    reason: str | None = None,
) -> web.StreamResponse:
    """The response whose body is the bytes `pieces` join to (Content-Length included), written
    a piece at a time with a turn of the loop after each. A client gone mid-body ends it: there
    is nobody left to answer."""
    resp = web.StreamResponse(status=status, reason=reason)
    resp.headers.extend(headers)
    resp.content_length = sum(map(len, pieces))
    try:
        await resp.prepare(request)
        for piece in pieces:
            await resp.write(piece)
            await asyncio.sleep(0)
        await resp.write_eof()
    except ConnectionError:
        pass
    return resp
