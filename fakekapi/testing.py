"""Real fakekapi servers for test suites: in-process (a thread) or as a subprocess.

```python
from fakekapi.testing import running_server

with running_server() as server:          # a free 127.0.0.1 port, a temporary data dir
    subprocess.run(["kubectl", "--kubeconfig", str(server.kubeconfig_path), "get", "ns"])
```

With pytest, import the fixture into a conftest.py: `from fakekapi.testing import fakekapi_server`.

Why a thread with its own event loop rather than the test's loop: the server must keep answering
while the test blocks (kubectl in a subprocess, a synchronous client library), and a separate loop
keeps the server's tasks out of the test's own asyncio bookkeeping. `spawned_server()` runs the
real `fakekapi serve` command instead, for end-to-end tests of the CLI and signal handling.

Readiness is always polled (`GET /readyz` over TLS with the admin certificate), never slept for.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakekapi.server.settings import Settings

START_TIMEOUT = 30.0
"""Seconds to wait for a server to become ready before giving up (CI machines can be slow)."""

REQUIRE_CLIENTS_ENV = "FAKEKAPI_REQUIRE_CLIENTS"


@dataclass(frozen=True)
class ServerHandle:
    """Where a test server listens and the files a client needs to talk to it."""

    url: str
    """e.g. `https://127.0.0.1:40123`."""
    host: str
    port: int
    data_dir: Path
    ca_path: Path
    """The cluster CA (PEM): what clients must trust."""
    kubeconfig_path: Path
    """An admin kubeconfig (kubernetes-admin, system:masters) with everything embedded."""
    kubernetes_version: str = ""
    """The emulated release (`1.36`)."""

    @property
    def admin_cert_path(self) -> Path:
        return self.data_dir / "pki" / "admin.crt"

    @property
    def admin_key_path(self) -> Path:
        return self.data_dir / "pki" / "admin.key"

    def ssl_context(self, *, admin: bool = True) -> ssl.SSLContext:
        """A client TLS context trusting the cluster CA; with the admin certificate when `admin`."""
        ctx = ssl.create_default_context(cafile=str(self.ca_path))
        if admin:
            ctx.load_cert_chain(self.admin_cert_path, self.admin_key_path)
        return ctx

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        admin: bool = True,
        timeout: float = 10.0,
    ) -> tuple[int, dict[str, str], bytes]:
        """One blocking HTTPS request (status, headers, body): enough for smoke checks."""
        conn = http.client.HTTPSConnection(
            self.host, self.port, context=self.ssl_context(admin=admin), timeout=timeout
        )
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()


@dataclass(frozen=True)
class SpawnedServer(ServerHandle):
    """A `fakekapi serve` subprocess; its stdout and stderr go to files (no pipe can fill up)."""

    process: subprocess.Popen[bytes] | None = None
    stdout_path: Path | None = None
    stderr_path: Path | None = None

    def output(self) -> tuple[str, str]:
        """What the process printed so far: (stdout, stderr)."""
        out = self.stdout_path.read_text() if self.stdout_path else ""
        err = self.stderr_path.read_text() if self.stderr_path else ""
        return out, err


def wait_ready(
    handle: ServerHandle,
    timeout: float = START_TIMEOUT,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Poll `/readyz` until it answers 200; `alive()` False stops early (dead server)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError("fakekapi server exited before it was ready")
        try:
            status, _, body = handle.request("GET", "/readyz", timeout=2.0)
            if status == 200:
                return
            last = f"HTTP {status}: {body[:200]!r}"
        except (OSError, http.client.HTTPException) as e:
            last = e
        time.sleep(0.02)
    raise TimeoutError(f"fakekapi at {handle.url} not ready after {timeout:.0f}s (last: {last})")


@contextlib.contextmanager
def running_server(**settings_overrides: Any) -> Iterator[ServerHandle]:
    """Start a real server in a background thread; yield its ServerHandle; stop it cleanly.

    Defaults: 127.0.0.1, a free port, an ephemeral data dir. Any Settings field can be
    overridden, e.g. `running_server(fixtures=(Path("k8s"),), kubernetes_version="1.30")`; pass
    `data_dir=..., ephemeral=False` to keep the data dir. `controllers="namespace,job"` (or a
    sequence) selects controllers as `serve --controllers` does; the default runs them all.
    """
    from fakekapi.server.run import RunningServer, start

    fields = {"host": "127.0.0.1", "port": 0, "ephemeral": True, **settings_overrides}
    if isinstance(fields.get("controllers"), str):  # "namespace,serviceaccount-token", as the flag
        fields["controllers"] = tuple(fields["controllers"].split(","))
    for key in ("fixtures", "tls_sans", "api_audiences", "authorization_mode", "controllers"):
        if key in fields and not isinstance(fields[key], tuple):
            fields[key] = tuple(fields[key])
    # Paths may be given as strings, as with any Python API taking file names.
    if "fixtures" in fields:
        fields["fixtures"] = tuple(Path(p) for p in fields["fixtures"])
    for key in ("data_dir", "token_auth_file", "client_ca_file", "audit_log_path"):
        if fields.get(key) is not None:
            fields[key] = Path(fields[key])
    settings = Settings(**fields)

    loop = asyncio.new_event_loop()
    started = threading.Event()
    outcome: dict[str, Any] = {}

    async def main() -> None:
        stop = asyncio.Event()
        outcome["stop"] = stop
        try:
            server: RunningServer = await start(settings)
        except BaseException as e:
            outcome["error"] = e
            started.set()
            return
        outcome["server"] = server
        started.set()
        try:
            await stop.wait()
        finally:
            await server.stop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        finally:
            _close_loop(loop)

    thread = threading.Thread(target=run, name="fakekapi-server", daemon=True)
    thread.start()
    try:
        if not started.wait(START_TIMEOUT):
            raise TimeoutError(f"fakekapi did not start within {START_TIMEOUT:.0f}s")
        if "error" in outcome:
            raise outcome["error"]
        server = outcome["server"]
        handle = ServerHandle(
            url=server.url,
            host=_connect_host(settings.host),
            port=server.port,
            data_dir=server.data_dir,
            ca_path=server.ca_path,
            kubeconfig_path=server.kubeconfig_path,
            kubernetes_version=server.settings.kubernetes_version,
        )
        wait_ready(handle, alive=thread.is_alive)
        yield handle
    finally:
        stop_event = outcome.get("stop")
        if stop_event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop already finished
                loop.call_soon_threadsafe(stop_event.set)
        thread.join(START_TIMEOUT)
        if thread.is_alive():  # pragma: no cover - only when shutdown hangs
            raise RuntimeError("fakekapi server thread did not stop")


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what the app left behind, then close the loop (no 'Task was destroyed' noise)."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def _connect_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host in ("::", "[::]"):
        return "::1"
    return host.strip("[]")


def fakekapi_command() -> list[str]:
    """How to run this installation's CLI in a subprocess (works without the console script)."""
    return [sys.executable, "-m", "fakekapi.cli"]


def subprocess_env(
    extra: dict[str, str] | None = None, *, this_package: bool = True
) -> dict[str, str]:
    """The environment for a fakekapi subprocess: ours, plus (with `this_package`) this package
    on PYTHONPATH; without it, PYTHONPATH is dropped so the command finds its own install."""
    env = dict(os.environ)
    if this_package:
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    else:
        env.pop("PYTHONPATH", None)
    env.pop("FAKEKAPI_DATA_DIR", None)
    env.update(extra or {})
    return env


@contextlib.contextmanager
def spawned_server(
    *args: str,
    data_dir: Path | None = None,
    host: str = "127.0.0.1",
    env: dict[str, str] | None = None,
    command: Sequence[str | os.PathLike[str]] | None = None,
) -> Iterator[SpawnedServer]:
    """Run `fakekapi serve --port 0 --data-dir D ARGS...` and yield once it answers /readyz.

    The real port comes from `D/server.json`, written once the server listens. On exit the
    process gets SIGTERM (a graceful stop) and, if it lingers, SIGKILL. Without `data_dir` a
    temporary one is used and removed afterwards. `command` runs another installation's CLI
    (e.g. `[venv / "bin" / "fakekapi"]`, a wheel installed elsewhere) instead of this one's.
    """
    own_dir = data_dir is None
    work = Path(tempfile.mkdtemp(prefix="fakekapi-spawn-"))
    dd = work / "data" if data_dir is None else data_dir
    out, err = work / "stdout.txt", work / "stderr.txt"
    program = [str(c) for c in command] if command is not None else fakekapi_command()
    cmd = [*program, "serve", "--host", host, "--port", "0", "--data-dir", str(dd)]
    with open(out, "wb") as out_f, open(err, "wb") as err_f:
        proc = subprocess.Popen(
            [*cmd, *args],
            stdout=out_f,
            stderr=err_f,
            stdin=subprocess.DEVNULL,
            env=subprocess_env(env, this_package=command is None),
        )
    try:
        info = _wait_server_json(dd, proc, err)
        handle = SpawnedServer(
            url=info["url"],
            host=_connect_host(host),
            port=int(info["url"].rsplit(":", 1)[1]),
            data_dir=dd,
            ca_path=Path(info["ca"]),
            kubeconfig_path=Path(info["kubeconfig"]),
            process=proc,
            stdout_path=out,
            stderr_path=err,
        )
        wait_ready(handle, alive=lambda: proc.poll() is None)
        yield handle
    finally:
        stop_process(proc)
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                out.unlink()
                err.unlink()
                work.rmdir()


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> int:
    """SIGTERM, wait, then SIGKILL if needed; returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def _wait_server_json(
    data_dir: Path, proc: subprocess.Popen[bytes], stderr_path: Path
) -> dict[str, Any]:
    path = data_dir / "server.json"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"fakekapi serve exited with {proc.returncode}: {stderr_path.read_text().strip()}"
            )
        with contextlib.suppress(OSError, ValueError):
            info: dict[str, Any] = json.loads(path.read_bytes())
            if info.get("pid") == proc.pid:
                return info
        time.sleep(0.02)
    raise TimeoutError(f"fakekapi serve wrote no {path} within {START_TIMEOUT:.0f}s")


def require_client(available: bool, what: str) -> None:
    """Skip a test whose client (kubectl, node, ...) is missing; fail instead under
    `FAKEKAPI_REQUIRE_CLIENTS=1` (CI), so a missing install step cannot hide behind a skip."""
    if available:
        return
    import pytest

    if os.environ.get(REQUIRE_CLIENTS_ENV) == "1":
        pytest.fail(f"{what} is required ({REQUIRE_CLIENTS_ENV}=1) but not available")
    pytest.skip(f"{what} not available")


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is only needed for the fixture
    pass
else:

    @pytest.fixture
    def fakekapi_server(request: pytest.FixtureRequest) -> Iterator[ServerHandle]:
        """A fresh fakekapi server (ephemeral data dir, free port) for one test.

        The emulated Kubernetes release is the default one; parametrize the fixture indirectly
        to choose it: `@pytest.mark.parametrize("fakekapi_server", ["1.30"], indirect=True)`.
        """
        version = str(getattr(request, "param", "") or "")
        with running_server(kubernetes_version=version) as server:
            yield server


__all__ = [
    "ServerHandle",
    "SpawnedServer",
    "fakekapi_command",
    "fakekapi_server",
    "require_client",
    "running_server",
    "spawned_server",
    "stop_process",
    "subprocess_env",
    "wait_ready",
]
