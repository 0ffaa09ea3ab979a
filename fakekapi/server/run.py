"""The serve loop: settings in, a listening TLS API server out, a clean stop on SIGINT/SIGTERM.

Start-up order is chosen so that a bad start leaves nothing behind:
1. validate the settings (and parse the fixtures) before touching the disk;
2. create the data dir (or a temporary one for --ephemeral) and the PKI;
3. build the aiohttp app and run its start-up (store, bootstrap, fixtures, controllers);
4. bind the TLS socket;
5. only then write `admin.kubeconfig` and `server.json` and report ready.
Stopping runs the same steps backwards; the app's cleanup closes open watches so shutdown never
waits for a client.

`start()` is the async core (used by `fakekapi.testing` on its own loop); `serve()` wraps it for
the CLI: it prints one clear line per failure and returns the exit code.

Failures (`ServeError.exit_code`): 2 = the input is wrong (settings, fixtures), 1 = the
environment is (port in use, unreadable data dir).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import gc
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from fakekapi.datadir.serverinfo import (
    ServerInfo,
    kubeconfig_path,
    read_server_info,
    server_json_path,
)
from fakekapi.server.settings import Settings, default_data_dir

if TYPE_CHECKING:
    from aiohttp import web

    from fakekapi.datadir.pki import PKI
    from fakekapi.registry.fixtures import FixtureDocument

log = logging.getLogger("fakekapi.server")

AUTHORIZATION_MODES = ("AlwaysAllow", "AlwaysDeny", "RBAC", "Node")
"""kube-apiserver's --authorization-mode values fakekapi knows (not ABAC, Webhook: no files)."""

SHUTDOWN_TIMEOUT = 2.0
"""Seconds in-flight requests get at stop; watches are closed by the app, so this is rarely used."""

MAX_HEADER_BYTES = 1 << 20
"""Longest request line and header line accepted. kube-apiserver's http.Server sets
MaxHeaderBytes to 1 MiB (k8s.io/apiserver pkg/server/secure_serving.go), so a URL with a long
label selector works; aiohttp's default of 8190 bytes answered such requests with a plain-text
400."""

STOP_TIMEOUT = 15.0
"""Seconds the whole stop (requests, app cleanup, store) may take before serve gives up."""


class ServeError(Exception):
    """A start-up failure a person can fix; the message is one line, without `fakekapi:`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def normalize_version(value: str) -> str:
    """`v1.36`, `1.36` or `1.36.2` → `1.36` ("" → the default release); ServeError(2) listing
    the supported releases for versions not emulated."""
    from fakekapi.catalog import releases

    try:
        return releases.resolve(value)
    except releases.UnsupportedRelease as e:
        raise ServeError(str(e), 2) from None


def validate(settings: Settings) -> Settings:
    """Check every value a person can get wrong; returns the settings normalised.

    Raises ServeError(exit_code=2) with one line naming the flag. Touches nothing on disk.
    """
    from fakekapi.datadir.pki import validate_san

    if not 0 <= settings.port <= 65535:
        raise ServeError(f"--port {settings.port} is not a valid port (0-65535; 0 = any free)", 2)
    if not settings.host.strip():
        raise ServeError("--host must not be empty", 2)
    version = normalize_version(settings.kubernetes_version)
    for san in settings.tls_sans:
        problem = validate_san(san)
        if problem:
            raise ServeError(f"--tls-san: {problem}", 2)
    for path, flag in (
        (settings.token_auth_file, "--token-auth-file"),
        (settings.client_ca_file, "--client-ca-file"),
    ):
        if path is not None and not path.is_file():
            raise ServeError(f"{flag} {path}: no such file", 2)
    if settings.client_ca_file is not None:
        import ssl

        try:
            ssl.create_default_context(cafile=str(settings.client_ca_file))
        except (OSError, ssl.SSLError) as e:
            raise ServeError(
                f"--client-ca-file {settings.client_ca_file}: not a PEM certificate bundle ({e})", 2
            ) from e
    for path in settings.fixtures:
        if not path.exists():
            raise ServeError(f"--fixtures {path}: no such file or directory", 2)
    if settings.audit_log_path is not None and str(settings.audit_log_path) != "-":
        parent = settings.audit_log_path.parent
        if not parent.is_dir():
            raise ServeError(
                f"--audit-log-path {settings.audit_log_path}: {parent} does not exist", 2
            )
    if not settings.authorization_mode:
        raise ServeError("--authorization-mode must name at least one mode", 2)
    for mode in settings.authorization_mode:
        if mode not in AUTHORIZATION_MODES:
            raise ServeError(
                f"--authorization-mode {mode!r} is not supported "
                f"(choose from {', '.join(AUTHORIZATION_MODES)})",
                2,
            )
    if not settings.service_account_issuer.strip():
        raise ServeError("--service-account-issuer must not be empty", 2)
    if settings.service_account_max_token_expiration < 0:
        raise ServeError("--service-account-max-token-expiration must not be negative", 2)
    # kube-apiserver ServerRunOptions.Validate, word for word
    if settings.max_requests_inflight < 0:
        raise ServeError("--max-requests-inflight can not be negative value", 2)
    if settings.max_mutating_requests_inflight < 0:
        raise ServeError("--max-mutating-requests-inflight can not be negative value", 2)
    from fakekapi.controllers.names import ControllersFlagError, parse

    try:
        parse(settings.controllers)
    except ControllersFlagError as e:
        raise ServeError(f"--controllers: {e}", 2) from e
    return dataclasses.replace(settings, kubernetes_version=version)


def check_fixtures(paths: tuple[Path, ...], release: str | None = None) -> list[FixtureDocument]:
    """Parse the fixture files now, so a bad document stops start-up before anything is written
    (against the built-in types of the emulated `release`; None: the default). Returns the
    documents, which start-up then applies without reading and parsing the files again."""
    if not paths:
        return []
    from fakekapi.catalog.catalog import Catalog
    from fakekapi.registry.fixtures import FixtureError, load_fixture_files

    try:
        return load_fixture_files(list(paths), Catalog.builtin(release=release))
    except FixtureError as e:
        raise ServeError(str(e), 2) from e


def client_url(host: str, port: int) -> str:
    """The URL clients use for a listening address: wildcard binds are reached via loopback."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host in ("::", "[::]"):
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"https://{host}:{port}"


def write_admin_kubeconfig(path: Path, pki: PKI, server_url: str) -> None:
    """Write the admin kubeconfig a start leaves in the data dir (0600: it holds the admin key;
    always rewritten, never merged: `fakekapi kubeconfig` writes and merges users' files)."""
    from fakekapi.datadir.kubeconfigtext import kubeconfig_yaml
    from fakekapi.datadir.pki import write_atomic

    text = kubeconfig_yaml(pki.kubeconfig(server_url))
    write_atomic(path, text.encode(), 0o600)


class RunningServer:
    """A started server: where it listens, where its files are, and how to stop it."""

    def __init__(
        self,
        *,
        settings: Settings,
        pki: PKI,
        runner: web.AppRunner,
        url: str,
        port: int,
        temp_dir: Path | None,
    ) -> None:
        self.settings = settings
        self.pki = pki
        self.url = url
        self.port = port
        self.data_dir = settings.data_dir
        self.ca_path = pki.ca_cert_path
        self.kubeconfig_path = kubeconfig_path(settings.data_dir)
        self._runner = runner
        self._temp_dir = temp_dir
        self._stopped = False

    @property
    def info(self) -> ServerInfo:
        return ServerInfo(
            self.url,
            os.getpid(),
            self.data_dir,
            self.ca_path,
            self.kubeconfig_path,
            self.settings.kubernetes_version,
        )

    async def stop(self) -> None:
        """Stop listening, let the app close watches and the store, then remove server.json."""
        if self._stopped:
            return
        self._stopped = True
        server = self._runner.server
        transports = [h.transport for h in server.connections] if server is not None else []
        try:
            await self._runner.cleanup()
            # A TLS close waits for the peer's close_notify; a client that keeps its connection
            # (a keep-alive pool, a watch) would leave the socket open past the loop's end, as a
            # ResourceWarning. Go's Shutdown closes them; abort what is left, and let the loop
            # run the close callbacks.
            for transport in transports:
                if transport is not None:
                    transport.abort()
            await asyncio.sleep(0)
        finally:
            _remove_server_json(self.data_dir)
            if self._temp_dir is not None:
                shutil.rmtree(self._temp_dir, ignore_errors=True)


def _remove_server_json(data_dir: Path) -> None:
    """Remove server.json if it is ours (another server may have taken the data dir over)."""
    path = server_json_path(data_dir)
    try:
        if int(json.loads(path.read_bytes()).get("pid", -1)) != os.getpid():
            return
        path.unlink()
    except (OSError, ValueError, TypeError, AttributeError):
        pass


async def _build_app(
    settings: Settings, pki: PKI, fixture_docs: list[FixtureDocument] | None = None
) -> web.Application:
    from fakekapi.server.app import build_app

    app: web.Application = build_app(settings, pki=pki, fixture_docs=fixture_docs)
    return app


async def start(settings: Settings, *, own_process: bool = False) -> RunningServer:
    """Validate, prepare the data dir and PKI, start the app and bind; raises ServeError.

    `own_process`: this process is the server's and nothing else's (`fakekapi serve`). Then a
    PKI that needs issuing is made by a child process (`datadir/pkichild.py`: cryptography
    never loads here) while this one imports what start-up needs and freezes it out of the
    cyclic GC's reach (`_import_serving_modules`). In a test's process (fakekapi.testing) both
    are left alone: the PKI is issued here, and the test's heap stays the collector's.
    """
    from aiohttp import web

    from fakekapi.datadir import pkichild
    from fakekapi.datadir.pki import PKI, PKIError, write_atomic
    from fakekapi.server.connections import IDLE_TIMEOUT, ApiSite

    settings = validate(settings)
    temp_dir: Path | None = None
    if settings.ephemeral:
        temp_dir = Path(tempfile.mkdtemp(prefix="fakekapi-"))
        settings = dataclasses.replace(settings, data_dir=temp_dir)
    made = None if temp_dir is not None else _topmost_missing(settings.data_dir)
    """The topmost folder of a data dir that did not exist: a start that fails its checks removes
    it, with what an early PKI child made in it, as if the start never ran."""
    pki_child: asyncio.subprocess.Process | None = None
    runner: web.AppRunner | None = None
    try:
        if own_process:
            # A new data dir's PKI is issued while this process imports and parses the fixtures.
            if temp_dir is not None or made is not None:
                pki_child = await pkichild.begin(settings.data_dir, settings.tls_sans)
            # Frozen before the fixtures are parsed: their documents are garbage once applied,
            # and frozen they stayed (measured: +37 MiB at ready with 10,000 ConfigMaps).
            _import_serving_modules()
            gc.freeze()
        try:
            fixture_docs = check_fixtures(settings.fixtures, settings.kubernetes_version or None)
            probe_bind(settings.host, settings.port)
            if temp_dir is None:
                _check_data_dir(settings.data_dir)
        except BaseException:
            await pkichild.abandon(pki_child)  # before removing what it writes to
            if made is not None:
                shutil.rmtree(made, ignore_errors=True)
            raise

        if own_process and pki_child is None:
            pki_child = await pkichild.begin(settings.data_dir, settings.tls_sans)
        try:
            await pkichild.end(pki_child)
            pki = PKI.load_or_create(settings.data_dir, settings.tls_sans)
            ssl_context = pki.server_ssl_context(settings.client_ca_file)
        except PermissionError as e:
            raise ServeError(f"data dir {settings.data_dir}: {e.strerror}") from e
        except PKIError as e:
            raise ServeError(str(e)) from e

        # The app's start-up applies the documents and empties the list.
        app = await _build_app(settings, pki, fixture_docs)
        del fixture_docs
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            max_line_size=MAX_HEADER_BYTES,
            max_field_size=MAX_HEADER_BYTES,
            keepalive_timeout=IDLE_TIMEOUT,
            # kube-apiserver reads request bodies as sent, whatever their Content-Encoding: a
            # gzip header over a JSON body is JSON; a gzip body is a JSON parse error (400).
            auto_decompress=False,
        )
        try:
            await runner.setup()
        except Exception as e:
            _raise_fixture_error(e)
            raise
        site = ApiSite(runner, settings.host, settings.port, ssl_context=ssl_context)
        try:
            await site.start()
        except OSError as e:
            raise ServeError(_bind_error(settings.host, settings.port, e)) from e

        port = _bound_port(runner, settings.port)
        _publish_endpoint(app, settings.host, port)
        url = client_url(settings.host, port)
        server = RunningServer(
            settings=settings, pki=pki, runner=runner, url=url, port=port, temp_dir=temp_dir
        )
        write_admin_kubeconfig(server.kubeconfig_path, pki, url)
        write_atomic(
            server_json_path(settings.data_dir),
            json.dumps(server.info.to_json(), indent=2).encode() + b"\n",
            0o644,
        )
        return server
    except BaseException:
        await pkichild.abandon(pki_child)
        if runner is not None:
            with contextlib.suppress(Exception):
                await runner.cleanup()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        raise


def _check_data_dir(data_dir: Path) -> None:
    """ServeError unless `data_dir` is usable and no other server runs on it."""
    from fakekapi.datadir.check import DataDirError, check_data_dir

    try:
        check_data_dir(data_dir)
    except DataDirError as e:
        raise ServeError(str(e)) from e
    running = read_server_info(data_dir)
    if running is not None and running.pid != os.getpid():
        raise ServeError(
            f"a server (pid {running.pid}) is already running at {running.url} "
            f"on data dir {data_dir}"
        )


def _publish_endpoint(app: web.Application, host: str, port: int) -> None:
    """Tell the `kubernetes` Service controller the bound address (needed for --port 0); it
    reconciles from now on, and the nodes of a restart report their status (the server
    listens: kube-apiserver's post-start hooks run then)."""
    from fakekapi.server.app import API_ENDPOINT

    endpoint = app.get(API_ENDPOINT)
    if endpoint is not None:
        endpoint.set(host, port)


def _raise_fixture_error(e: Exception) -> None:
    """Fixture problems found while the app applies them are bad input too: exit 2, FILE:LINE."""
    try:
        from fakekapi.registry.fixtures import FixtureError
    except ImportError:  # pragma: no cover - the loader always ships with the server
        return
    if isinstance(e, FixtureError):
        raise ServeError(str(e), 2) from e


def probe_bind(host: str, port: int) -> None:
    """Fail fast, before anything is written, when the address cannot be listened on.

    The real bind happens after the app has started (aiohttp needs a set-up runner first); this
    probe turns the common case, a port already in use, into a clean error with no side effects.
    """
    if port == 0:
        return
    from fakekapi.server.connections import listen_addresses

    try:
        infos = listen_addresses(host.strip("[]"), port)
    except socket.gaierror as e:
        raise ServeError(_bind_error(host, port, e)) from e
    for family, kind, proto, address in infos:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as e:
                raise ServeError(_bind_error(host, port, e)) from e


def _bound_port(runner: web.AppRunner, requested: int) -> int:
    """The port actually bound (differs from the request only for --port 0)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return requested


def _bind_error(host: str, port: int, e: OSError) -> str:
    if isinstance(e, socket.gaierror):
        return f"cannot listen on {host}:{port}: unknown host {host!r}"
    if e.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use"
    if e.errno == errno.EACCES:
        return f"cannot listen on {host}:{port}: permission denied (ports below 1024 need root)"
    if e.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}:{port}: {host} is not an address of this machine"
    return f"cannot listen on {host}:{port}: {e.strerror or e}"


def ready_message(server: RunningServer, *, default_dir: Path | None = None) -> str:
    """What a person sees once the server is up: the URL, the files, and the next commands."""
    default_dir = default_data_dir() if default_dir is None else default_dir
    dd = "" if server.data_dir == default_dir else f" --data-dir {server.data_dir}"
    lines = [
        f"fakekapi: Kubernetes v{server.settings.kubernetes_version} API server ready at "
        f"{server.url}",
        f"  data dir:    {server.data_dir}" + (" (ephemeral)" if server.settings.ephemeral else ""),
        f"  CA:          {server.ca_path}",
        f"  kubeconfig:  {server.kubeconfig_path} (kubernetes-admin, system:masters)",
        "",
        "Try:",
        f"  kubectl --kubeconfig {server.kubeconfig_path} get ns",
        f"  curl --cacert {server.ca_path} {server.url}/version",
        f"  fakekapi ca export -o ca.crt{dd}     # for Postman: Settings > Certificates",
        "",
        "Press Ctrl+C to stop.",
    ]
    return "\n".join(lines)


@contextlib.contextmanager
def _no_collections_while_starting() -> Iterator[None]:
    """The cyclic GC off during start-up, back as it was once started (or failed).

    Start-up (imports, catalog, bootstrap, fixtures) allocates what lives as long as the server:
    the collections its allocations trigger find next to nothing to free (measured on a warm
    start: ~125 collections, ~45 ms of CPU; then ~40 more, ~7 ms, in aiohttp's import, which
    came before the block). The app's start-up ends with one full collection and freezes what
    is left (`app.components_lifecycle`), so nothing is kept that a collection would have
    freed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    except BaseException:
        gc.unfreeze()  # a failed start keeps nothing out of the collector's reach
        raise
    finally:
        if enabled:
            gc.enable()


def _topmost_missing(path: Path) -> Path | None:
    """The topmost folder of `path` (itself included) that does not exist; None: it exists."""
    if path.exists() or path.is_symlink():
        return None
    top = path
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            break
        top = parent
    return top


def _import_serving_modules() -> None:
    """Import what `start()` and the app's start-up import on their way anyway, so that they
    can be frozen at once: a process that serves keeps its modules to its end, and start-up's
    last full collection then walks only what start-up made (a warm start: ~5 ms instead of
    ~40 ms, for the ~200 objects it frees)."""
    import fakekapi.client.informer
    import fakekapi.controllers.early
    import fakekapi.controllers.manager
    import fakekapi.nodes
    import fakekapi.registry.bootstrap
    import fakekapi.registry.rbac_bootstrap
    import fakekapi.registry.registry
    import fakekapi.server.app
    import fakekapi.server.connections  # noqa: F401


def _configure_logging() -> None:
    """INFO and up to stderr, as `basicConfig` would set it up (`logoutput`: the same lines,
    written in batches), unless logging is configured already."""
    from fakekapi.server import logoutput

    if not logging.getLogger().handlers:
        logoutput.configure(sys.stderr)


def serve(settings: Settings, *, ready: Callable[[RunningServer], None] | None = None) -> int:
    """Run a server until SIGINT/SIGTERM; returns the exit code (0 after a signal).

    `ready` is called once the server listens (default: print the ready message to stdout).
    Failures print one line, `fakekapi: <what is wrong>`, on stderr.
    """
    _configure_logging()
    try:
        return asyncio.run(_serve(settings, ready))
    except ServeError as e:
        print(f"fakekapi: {e}", file=sys.stderr, flush=True)
        return e.exit_code
    except KeyboardInterrupt:  # a second Ctrl+C while stopping
        return 130
    except Exception as e:  # a bug: keep the traceback in the log, one line for the person
        log.error("server failed", exc_info=True)
        print(f"fakekapi: internal error: {e}", file=sys.stderr, flush=True)
        return 1


async def _serve(settings: Settings, ready: Callable[[RunningServer], None] | None) -> int:
    """Run until the first SIGINT/SIGTERM, then stop gracefully.

    Once stopping, the default signal behaviour is back: a second Ctrl+C or SIGTERM ends the
    process at once, and a shutdown stuck past STOP_TIMEOUT gives up with exit 1.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        started = time.monotonic()
        with _no_collections_while_starting():
            # aiohttp's import is start-up's too: what it makes lives as long as the server.
            from fakekapi.server.connections import raise_fd_limit

            raise_fd_limit()
            server = await start(settings, own_process=True)
        log.info(
            "listening on %s (ready in %.0f ms)", server.url, (time.monotonic() - started) * 1e3
        )
        try:
            if ready is None:
                print(ready_message(server), flush=True)
            else:
                ready(server)
            await stop.wait()
            log.info("stopping")
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            try:
                await asyncio.wait_for(server.stop(), STOP_TIMEOUT)
            except TimeoutError:
                raise ServeError(f"shutdown did not finish within {STOP_TIMEOUT:.0f}s") from None
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
    return 0
