"""Connections as kube-apiserver's `http.Server` keeps them (apiserver
`pkg/server/secure_serving.go`):

* `ReadHeaderTimeout: 32 * time.Second`: a request's headers must arrive within 32 s of the
  connection being ready (after its TLS handshake) or, on a kept-alive connection, of the
  request's first byte; otherwise the connection is closed without an answer (net/http's
  `conn.serve` answers read timeouts with nothing). Slowloris clients used to hold a connection,
  and ~280 KiB of memory, forever.
* The TLS handshake has the same 32 s (net/http `tlsHandshakeTimeout` is the smallest of the
  read/write/header timeouts).
* `IdleTimeout: 90 * time.Second`: a kept-alive connection waiting for its next request is closed
  after 90 s (aiohttp's `keepalive_timeout`, which was 3,630 s).
* The listen backlog is the kernel's (Go listens with somaxconn), not aiohttp's 128.
* Running out of file descriptors: accepting pauses for a second, and `AcceptErrorLog` writes
  one line per interval saying how many accepts failed (asyncio's own accept loop retried in a
  growing storm and logged a traceback each time: 1 GB of log in seconds; see `Listener`). The
  soft fd limit is raised to the hard one at start (`raise_fd_limit`), as Go's runtime does for
  every Go program.

`ApiSite` is aiohttp's TCPSite with these limits: each connection's protocol (aiohttp's request
handler) is wrapped by `HeaderDeadline`, which the request pipeline tells when a request's
headers have been read (`request_started`) and when its answer is done (`request_finished`).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import resource
import socket
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

log = logging.getLogger("fakekapi.server")

HEADER_TIMEOUT = 32.0
"""kube-apiserver's http.Server ReadHeaderTimeout (and so its TLS handshake timeout)."""
IDLE_TIMEOUT = 90.0
"""kube-apiserver's http.Server IdleTimeout."""
BACKLOG = 4096
"""Go's listen backlog (somaxconn; the kernel caps it to its own setting)."""
ACCEPT_ERROR_LOG_INTERVAL = 10.0
"""Seconds between two log lines about failing accepts."""
ACCEPT_BATCH = 64
"""Connections accepted per readiness of the listening socket before others get a turn."""
ACCEPT_RETRY_DELAY = 1.0
"""Seconds accepting pauses after a failure (asyncio's ACCEPT_RETRY_DELAY)."""


UNKNOWN = object()
"""A connection's peer certificate before anyone asked for it."""


class HeaderDeadline(asyncio.Protocol):
    """A connection's protocol (aiohttp's request handler) behind a header-read deadline."""

    def __init__(self, inner: Any, timeout: float) -> None:
        self._inner = inner
        self._timeout = timeout
        self._transport: asyncio.BaseTransport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._deadline: float | None = None
        """When the headers being waited for are due (loop time); None while none are."""
        self._in_request = False
        self.peer_certificate: object = UNKNOWN
        """The client's certificate (DER and decoded subject, None without one) once the
        pipeline has read it."""

    # -- what the pipeline reports --------------------------------------------------------------

    def request_started(self) -> None:
        """A request's headers have been read: no deadline while it is served (the timer stays;
        finding no deadline when it fires, it stops)."""
        self._in_request = True
        self._deadline = None

    def request_finished(self) -> None:
        """The answer is done: the connection idles (aiohttp's keep-alive timeout) until the
        next request's first byte starts a new deadline."""
        self._in_request = False

    # -- asyncio.Protocol, delegated --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        _CONNECTIONS[transport] = self
        self._arm()
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        if self._transport is not None:
            _CONNECTIONS.pop(self._transport, None)
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._in_request and self._deadline is None:
            self._arm()
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        result: bool | None = self._inner.eof_received()
        return result

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    # -- the deadline ---------------------------------------------------------------------------

    # One timer per connection at most, moved lazily: a kept-alive connection's every request
    # would otherwise schedule a timer and cancel it (a heap push, and a cancelled handle the
    # loop drops later) for a deadline that is nearly always met.

    def _arm(self) -> None:
        loop = asyncio.get_running_loop()
        self._deadline = deadline = loop.time() + self._timeout
        if self._timer is None:
            self._timer = loop.call_at(deadline, self._expired)

    def _cancel(self) -> None:
        self._deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        deadline = self._deadline
        if deadline is None or self._in_request or self._transport is None:
            return
        loop = asyncio.get_running_loop()
        if loop.time() < deadline:  # a later request's deadline: wait for that one
            self._timer = loop.call_at(deadline, self._expired)
            return
        self._deadline = None
        # Go closes the connection without writing anything; abort frees the socket now (a TLS
        # close would wait up to 30 s for a peer that is not answering).
        peer = self._transport.get_extra_info("peername")
        log.info("closing connection from %s: no request headers within %.0fs", peer, self._timeout)
        transport = self._transport
        if isinstance(transport, asyncio.Transport):
            transport.abort()
        else:  # pragma: no cover - TCP connections always have a full Transport
            transport.close()


_CONNECTIONS: dict[asyncio.BaseTransport, HeaderDeadline] = {}


def connection_of(request: web.BaseRequest) -> HeaderDeadline | None:
    """The deadline of the connection a request came on (None for connections made otherwise,
    as by aiohttp's test server)."""
    transport = request.transport
    return _CONNECTIONS.get(transport) if transport is not None else None


class ApiSite(web.BaseSite):
    """aiohttp's TCPSite with kube-apiserver's connection limits (see the module docstring)."""

    __slots__ = ("_header_timeout", "_host", "_port")

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        *,
        ssl_context: Any = None,
        header_timeout: float | None = None,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context, backlog=BACKLOG)
        self._host = host
        self._port = port
        self._header_timeout = HEADER_TIMEOUT if header_timeout is None else header_timeout

    @property
    def name(self) -> str:
        return f"https://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        handler_factory = self._runner.server
        assert handler_factory is not None
        timeout = self._header_timeout

        def protocol() -> asyncio.Protocol:
            return HeaderDeadline(handler_factory(), timeout)

        listener = Listener(protocol, self._ssl_context, timeout)
        listener.listen(self._host, self._port, self._backlog)
        self._server = listener  # type: ignore[assignment]


class Listener:
    """Listening sockets with an accept loop of our own (what BaseSite calls its server).

    asyncio's (3.11-3.13 `_accept_connection`) goes on calling accept() after one fails for
    want of file descriptors, up to the backlog (4096) times in one go, logging a traceback and
    scheduling one more retry each time: the retries multiply, every second, and so does the
    log. This loop stops at the first such failure, retries once a second later, and reports
    failures through `AcceptErrorLog` (one line per interval)."""

    def __init__(
        self,
        protocol_factory: Callable[[], asyncio.Protocol],
        ssl_context: Any,
        handshake_timeout: float,
        errors: AcceptErrorLog | None = None,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._factory = protocol_factory
        self._ssl = ssl_context
        self._handshake_timeout = handshake_timeout
        self._errors = errors or AcceptErrorLog()
        self._socks: list[socket.socket] = []
        self._retries: dict[int, asyncio.TimerHandle] = {}
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def sockets(self) -> list[socket.socket]:
        return list(self._socks)

    def listen(self, host: str, port: int, backlog: int) -> None:
        """Bind every address of `host` (as loop.create_server does) and start accepting."""
        infos = listen_addresses(host or None, port)
        try:
            for family, kind, proto, address in dict.fromkeys(infos):
                sock = socket.socket(family, kind, proto)
                self._socks.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind(address)
                sock.listen(backlog)
                sock.setblocking(False)
        except BaseException:
            self.close()
            raise
        for sock in self._socks:
            self._loop.add_reader(sock.fileno(), self._accept, sock)

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                conn, _addr = sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as e:
                # Out of descriptors or memory (or a stranger failure): pause this socket for a
                # second; the connections wait in the kernel's queue meanwhile.
                self._errors.report(e)
                fd = sock.fileno()
                self._loop.remove_reader(fd)
                self._retries[fd] = self._loop.call_later(ACCEPT_RETRY_DELAY, self._resume, sock)
                return
            conn.setblocking(False)
            task = self._loop.create_task(self._connect(conn))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    def _resume(self, sock: socket.socket) -> None:
        fd = sock.fileno()
        self._retries.pop(fd, None)
        if fd >= 0:
            self._loop.add_reader(fd, self._accept, sock)

    async def _connect(self, conn: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(
                self._factory,
                conn,
                ssl=self._ssl,
                ssl_handshake_timeout=self._handshake_timeout if self._ssl is not None else None,
            )
        except asyncio.CancelledError:
            conn.close()
            raise
        except Exception as e:  # a failed or timed-out handshake: as Go, nothing to answer
            log.debug("incoming connection failed before its first request: %r", e)
            conn.close()

    def close(self) -> None:
        for handle in self._retries.values():
            handle.cancel()
        self._retries.clear()
        for sock in self._socks:
            if sock.fileno() >= 0:
                self._loop.remove_reader(sock.fileno())
            sock.close()
        for task in self._pending:
            task.cancel()

    async def wait_closed(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)


Address = tuple[socket.AddressFamily, socket.SocketKind, int, tuple[Any, ...]]
"""(family, type, proto, address) of a socket to bind."""


def listen_addresses(host: str | None, port: int) -> list[Address]:
    """What getaddrinfo(host, port, SOCK_STREAM, AI_PASSIVE) gives to bind (socket.gaierror
    when `host` is unknown), without a lookup when `host` is an IP address written out, as
    asyncio's create_server does it (`_ipaddr_info`): getaddrinfo encodes a str host with the
    `idna` codec, whose import (with `stringprep`) cost every start ~0.5 ms."""
    if host:
        for family in (socket.AF_INET, socket.AF_INET6):
            try:
                socket.inet_pton(family, host)
            except OSError:
                continue
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, (host, port))]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    return [(family, kind, proto, address) for family, kind, proto, _, address in infos]


def raise_fd_limit() -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to the hard limit (Go's runtime does this at start for every
    Go program, kube-apiserver included); returns (soft, hard) as they are now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as e:
            log.warning("could not raise the open file limit from %d to %d: %s", soft, target, e)
    return soft, hard


class AcceptErrorLog:
    """Failed accepts, logged as one line per `interval` with how many failed meanwhile."""

    def __init__(
        self,
        interval: float = ACCEPT_ERROR_LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._last = -float("inf")
        self._suppressed = 0

    def report(self, exc: OSError) -> None:
        now = self._clock()
        if now - self._last < self._interval:
            self._suppressed += 1
            return
        more = f" ({self._suppressed} more since the last report)" if self._suppressed else ""
        hint = ""
        if exc.errno in (errno.EMFILE, errno.ENFILE):
            soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
            hint = f"; open file limit {soft}"
        log.error(
            "cannot accept connections: %s%s%s; retrying every second",
            exc.strerror or exc,
            more,
            hint,
        )
        self._last = now
        self._suppressed = 0
