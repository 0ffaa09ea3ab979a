"""Odd requests and odd process states answered as kube-apiserver answers them (issue: security
and reliability under hostile use, item 7)."""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakekapi import testing
from fakekapi.datadir.serverinfo import pid_alive
from fakekapi.testing import ServerHandle, running_server
from server.conftest import ADMIN, ClientFactory
from server.fakes import FakeRegistry

CMS = "/api/v1/namespaces/default/configmaps"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server(controllers=(), nodes=0) as handle:
        yield handle


def _raw(handle: ServerHandle, request: bytes, wait: float = 30.0) -> bytes:
    """Send bytes over TLS, return everything until the server closes the connection."""
    raw = socket.create_connection((handle.host, handle.port), timeout=wait)
    with handle.ssl_context().wrap_socket(raw, server_hostname=handle.host) as sock:
        sock.sendall(request)
        out = b""
        with contextlib.suppress(ConnectionError):
            while chunk := sock.recv(65536):
                out += chunk
    return out


def test_watch_over_http_1_0(server: ServerHandle, caplog: pytest.LogCaptureFixture) -> None:
    """HTTP/1.0 has no chunked encoding: Go writes the stream unchunked and closes the connection
    at its end. fakekapi answered a body with no status line and logged a traceback."""
    with caplog.at_level(logging.INFO):
        out = _raw(server, b"GET /api/v1/namespaces?watch=1&timeoutSeconds=1 HTTP/1.0\r\n\r\n")
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.0 200 OK"
    assert b"Content-Type: application/json" in lines
    assert not any(line.lower().startswith(b"transfer-encoding") for line in lines)
    events = [json.loads(line) for line in body.splitlines()]
    assert {e["type"] for e in events} == {"ADDED"}
    assert "default" in {e["object"]["metadata"]["name"] for e in events}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _post(handle: ServerHandle, body: bytes, encoding: str) -> tuple[int, dict[str, object]]:
    status, _, answer = handle.request(
        "POST",
        CMS,
        body=body,
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    return status, json.loads(answer)


def test_content_encoding_is_not_decoded(server: ServerHandle) -> None:
    """kube-apiserver reads a body as sent, whatever its Content-Encoding says: a gzip header on
    a JSON body is JSON, a gzip body is a JSON parse error (400); a body that is not gzip was a
    500 here (aiohttp decompressed it)."""
    status, obj = _post(server, b'{"metadata":{"name":"plain-json"}}', "gzip")
    assert status == 201, obj
    status, obj = _post(server, b"\x00\x01 certainly not gzip", "gzip")
    assert status == 400 and obj["reason"] == "BadRequest", obj
    status, obj = _post(server, gzip.compress(b'{"metadata":{"name":"gz"}}'), "gzip")
    assert status == 400 and "json parse error" in str(obj["message"]), obj


def test_malformed_requests_are_logged_in_one_line(
    server: ServerHandle, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="aiohttp.server"):
        out = _raw(server, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
        assert out.startswith(b"HTTP/1.0 400 Bad Request") or out.startswith(b"HTTP/1.1 400")
        _raw(
            server,
            b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        )
    records = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert records
    for r in records:
        assert r.levelno == logging.INFO and r.exc_info is None
        assert "\n" not in r.getMessage()


@pytest.mark.parametrize(
    ("values", "code"),
    [(["All", "All"], 201), (["All", "Bogus"], 422), (["Bogus", "All"], 422)],
)
async def test_every_dry_run_value_is_validated(
    make_client: ClientFactory, values: list[str], code: int
) -> None:
    """kube's options have `dryRun []string`; ValidateDryRun checks each value."""
    registry = FakeRegistry()
    c = await make_client(registry)
    query = "&".join(f"dryRun={v}" for v in values)
    r = await c.post(f"{CMS}?{query}", json={"metadata": {"name": "a"}}, headers=ADMIN)
    assert r.status == code
    if code == 422:
        quoted = ", ".join(f'"{v}"' for v in values)
        assert (await r.json())["message"] == (
            'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: '
            f'[]string{{{quoted}}}: supported values: "All"'
        )
        assert not registry.calls
    else:
        assert registry.calls[0][1][3].dry_run
    r = await c.delete(f"{CMS}/a?{query}", headers=ADMIN)
    assert r.status == (422 if code == 422 else 200)  # (the fake stores dry runs too)


def test_audit_log_is_private_whatever_the_umask(tmp_path: Path) -> None:
    """kube creates the audit log 0600 (options/audit.go ensureLogFile); it followed the umask."""
    path = tmp_path / "audit.log"
    old = os.umask(0)
    try:
        with running_server(controllers=(), nodes=0, audit_log_path=path) as handle:
            assert handle.request("GET", "/readyz")[0] == 200
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().count('"stage":"ResponseComplete"') >= 1


def _state(pid: int) -> bytes:
    data = Path(f"/proc/{pid}/stat").read_bytes()
    return data[data.rfind(b")") + 1 :].split()[0]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_restart_while_the_killed_server_is_a_zombie(tmp_path: Path) -> None:
    """After kill -9 the old server stays a zombie until its parent reaps it, and kill(pid, 0)
    still succeeds on a zombie: a new server on the data dir was refused ("already running")."""
    data_dir = tmp_path / "data"
    cmd = [*testing.fakekapi_command(), "serve", "--port", "0", "--data-dir", str(data_dir)]
    first = subprocess.Popen(
        [*cmd, "--controllers", "", "--nodes", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=testing.subprocess_env(),
    )
    try:
        deadline = time.monotonic() + testing.START_TIMEOUT
        while not (data_dir / "server.json").exists():
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        while _state(first.pid) != b"Z":  # not reaped: Popen only reaps in poll()/wait()
            assert time.monotonic() < deadline + 30
            time.sleep(0.02)
        assert not pid_alive(first.pid)
        with testing.spawned_server(
            "--controllers", "", "--nodes", "0", data_dir=data_dir
        ) as handle:
            assert handle.request("GET", "/readyz")[0] == 200
            assert json.loads((data_dir / "server.json").read_text())["pid"] != first.pid
    finally:
        first.kill()
        first.wait()


def test_a_live_server_still_blocks_a_second_one(tmp_path: Path) -> None:
    with testing.spawned_server("--controllers", "", "--nodes", "0", data_dir=tmp_path) as handle:
        assert pid_alive(json.loads((tmp_path / "server.json").read_text())["pid"])
        result = subprocess.run(
            [*testing.fakekapi_command(), "serve", "--port", "0", "--data-dir", str(tmp_path)],
            capture_output=True,
            env=testing.subprocess_env(),
            timeout=60,
        )
        assert result.returncode == 1
        assert b"is already running" in result.stderr
        assert handle.request("GET", "/readyz")[0] == 200
