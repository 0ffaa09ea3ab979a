"""Watch streaming: newline-delimited JSON events over a chunked 200 response.

Framing follows apiserver `endpoints/handlers/watch.go`: `Content-Type: application/json` (no
stream parameter for JSON), one `{"type":...,"object":...}` line per event, flushed as it happens.
The stream ends cleanly (the terminating chunk) when the registry's iterator ends, at the
deadline (`timeoutSeconds`, or kube's random 30-60 min default), when the client goes away, or
when the server shuts down.

Shutdown: aiohttp waits for running handlers before it runs the app's cleanup, so a watch that
only ended at cleanup would hold shutdown for the whole grace period. The `WatchTracker` is
therefore closed from `on_shutdown` (which runs first, right after the listener stops) and again
from its cleanup context as a backstop; closing sets every open watch's stop event, and each
stream ends at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from fakekapi.core.errors import StatusError, internal
from fakekapi.server.ports import WatchEventLike
from fakekapi.server.responses import encode_json

log = logging.getLogger("fakekapi.server.watch")

MIN_REQUEST_TIMEOUT = 1800.0
"""kube-apiserver --min-request-timeout: watches without timeoutSeconds last 1-2x this."""

_LIVENESS_POLL = 5.0
"""How often an idle watch checks whether its client has gone away."""


def default_watch_timeout() -> float:
    """kube's default for a watch without timeoutSeconds: minRequestTimeout * (1 + rand)."""
    return MIN_REQUEST_TIMEOUT * (1.0 + random.random())


class WatchTracker:
    """The app's open watches, so shutdown can end them all at once."""

    def __init__(self) -> None:
        self._open: set[asyncio.Event] = set()
        self.closing = False

    def open(self) -> asyncio.Event:
        """Register a watch; its stop event is set when the server shuts down."""
        stop = asyncio.Event()
        if self.closing:
            stop.set()
        self._open.add(stop)
        return stop

    def release(self, stop: asyncio.Event) -> None:
        self._open.discard(stop)

    def close_all(self) -> None:
        """Ask every open watch to end now (idempotent)."""
        self.closing = True
        for stop in self._open:
            stop.set()

    def __len__(self) -> int:
        return len(self._open)

    async def on_shutdown(self, app: web.Application) -> None:
        self.close_all()

    async def cleanup_ctx(self, app: web.Application) -> AsyncIterator[None]:
        self.closing = False
        yield
        self.close_all()


def _client_gone(request: web.BaseRequest) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def stream_events(
    request: web.Request,
    events: AsyncIterator[WatchEventLike],
    encode: Callable[[WatchEventLike], dict[str, Any] | bytes],
    *,
    tracker: WatchTracker,
    timeout: float,
) -> web.StreamResponse:
    """Send `events` as a watch stream until one of the ending conditions; returns the response.

    `encode` turns an event into the JSON value of its line (`{"type":..., "object":...}`), or
    into the line's bytes themselves (an object written as stored).
    """
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    if request.version >= (1, 1):
        resp.enable_chunked_encoding()
    else:
        # HTTP/1.0 has no chunks: Go's server then writes the stream as it comes and ends it by
        # closing the connection (net/http `chunkWriter`: no chunking for HTTP/1.0 requests).
        resp.force_close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    stop = tracker.open()
    stop_waiter: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
    pending: asyncio.Future[Any] | None = None
    try:
        await resp.prepare(request)
        while not stop.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait(
                {pending, stop_waiter},
                timeout=min(remaining, _LIVENESS_POLL),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if pending not in done:
                if _client_gone(request):
                    break
                continue
            fut, pending = pending, None
            try:
                event = fut.result()
            except StopAsyncIteration:
                break
            except StatusError as e:
                await resp.write(encode_json({"type": "ERROR", "object": e.to_status()}))
                break
            line = encode(event)
            await resp.write(line if isinstance(line, bytes) else encode_json(line))
    except (ConnectionResetError, ConnectionError):
        log.debug("watch client went away: %s", request.path)
    except Exception as e:
        # The stream has started: the failure can only be reported as an ERROR event.
        log.exception("watch of %s failed", request.path)
        err = internal(str(e) or type(e).__name__)
        with contextlib.suppress(ConnectionResetError, ConnectionError, RuntimeError):
            await resp.write(encode_json({"type": "ERROR", "object": err.to_status()}))
    finally:
        stop_waiter.cancel()
        tracker.release(stop)
        if pending is not None:
            pending.cancel()
            await asyncio.wait({pending})
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
    with contextlib.suppress(ConnectionResetError, ConnectionError, RuntimeError):
        await resp.write_eof()
    return resp
