"""Each command as a real subprocess: `fakekapi serve` on a free port (ready by polling, SIGTERM
and SIGINT give exit 0, server.json removed, a port in use is one line and exit 1, a restart keeps
the CA), and the other commands against it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakekapi.testing import (
    fakekapi_command,
    require_client,
    spawned_server,
    stop_process,
    subprocess_env,
)

REPO = Path(__file__).resolve().parents[2]


def fakekapi(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*fakekapi_command(), *map(str, args)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def test_version() -> None:
    result = fakekapi("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("fakekapi, version ")


def test_serve_ready_status_kubeconfig_and_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    with spawned_server(data_dir=data_dir) as server:
        info = json.loads((data_dir / "server.json").read_text())
        assert info["url"] == server.url
        assert info["pid"] == server.process.pid if server.process else False
        assert server.url.startswith("https://127.0.0.1:") and not server.url.endswith(":0")

        out, _ = server.output()
        assert f"ready at {server.url}\n" in out
        assert f"kubectl --kubeconfig {data_dir / 'admin.kubeconfig'} get ns" in out

        status = fakekapi("status", "--data-dir", data_dir)
        assert status.returncode == 0
        assert status.stdout.startswith(f"running at {server.url} (pid {info['pid']})")

        kc = yaml.safe_load(fakekapi("kubeconfig", "--data-dir", data_dir).stdout)
        assert kc["clusters"][0]["cluster"]["server"] == server.url
        assert yaml.safe_load((data_dir / "admin.kubeconfig").read_text()) == kc

        assert server.process is not None
        assert stop_process(server.process) == 0
        assert not (data_dir / "server.json").exists()
        assert fakekapi("status", "--data-dir", data_dir).returncode == 1


def test_sigint_stops_cleanly(tmp_path: Path) -> None:
    with spawned_server(data_dir=tmp_path) as server:
        assert server.process is not None
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(30) == 0
    assert not (tmp_path / "server.json").exists()


def test_port_in_use_is_one_line_exit_1(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = fakekapi("serve", "--data-dir", tmp_path / "d", "--port", port)
    assert result.returncode == 1
    assert result.stderr == f"fakekapi: port {port} on 127.0.0.1 is already in use\n"
    assert not (tmp_path / "d").exists()


def test_restart_keeps_the_ca(tmp_path: Path) -> None:
    with spawned_server(data_dir=tmp_path) as first:
        ca = first.ca_path.read_bytes()
        status, _, _ = first.request("GET", "/readyz")
        assert status == 200
    with spawned_server(data_dir=tmp_path) as second:
        assert second.ca_path.read_bytes() == ca
        status, _, _ = second.request("GET", "/readyz")  # the old CA still verifies the server
        assert status == 200


def _maps_cryptography(pid: int) -> bool:
    """Whether the process has cryptography's compiled core mapped (i.e. imported it)."""
    return "/cryptography/" in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc (Linux)")
def test_a_started_server_has_not_loaded_cryptography(tmp_path: Path) -> None:
    """A first start issues the PKI in a child process and a restart only reads it: at ready,
    neither server holds cryptography's ~8 MiB, nor after a client certificate's request (its
    subject is read from what `ssl` decoded). The PKI is whole and the CA verifies the server."""
    data_dir = tmp_path / "d"
    cmd = [*fakekapi_command(), "serve", "--port", "0", "--data-dir", str(data_dir)]
    for _ in range(2):
        proc = subprocess.Popen(
            [*cmd, "--tls-san", "x.example.test"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=subprocess_env(),
        )
        try:
            deadline = time.monotonic() + 60
            info: dict[str, object] = {}
            while info.get("pid") != proc.pid:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
                with contextlib.suppress(OSError, ValueError):
                    info = json.loads((data_dir / "server.json").read_bytes())
            assert not _maps_cryptography(proc.pid)  # server.json: listening, nothing asked yet
            # Nor PyYAML's (the admin kubeconfig is written without it; YAML requests load it).
            assert "/_yaml" not in Path(f"/proc/{proc.pid}/maps").read_text()
            sans = json.loads((data_dir / "pki" / "apiserver.sans").read_text())
            assert "x.example.test" in sans
            ctx = ssl.create_default_context(cafile=str(data_dir / "pki" / "ca.crt"))
            port = int(str(info["url"]).rsplit(":", 1)[1])
            with (
                socket.create_connection(("127.0.0.1", port)) as sock,
                ctx.wrap_socket(sock, server_hostname="localhost") as tls,
            ):
                tls.sendall(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                assert tls.recv(64).startswith(b"HTTP/1.1 200 ")
            assert not _maps_cryptography(proc.pid), "an anonymous request needs none either"
            ctx.load_cert_chain(data_dir / "pki" / "admin.crt", data_dir / "pki" / "admin.key")
            review = _post_self_subject_review(ctx, port)
            assert review["status"]["userInfo"]["username"] == "kubernetes-admin"
            assert "system:masters" in review["status"]["userInfo"]["groups"]
            assert not _maps_cryptography(proc.pid), "a certificate's subject comes from ssl"
        finally:
            assert stop_process(proc) == 0


def _post_self_subject_review(ctx: ssl.SSLContext, port: int) -> dict[str, Any]:
    """Who the server says the client is (a SelfSubjectReview over one TLS connection)."""
    body = b'{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'
    request = (
        b"POST /apis/authentication.k8s.io/v1/selfsubjectreviews HTTP/1.1\r\n"
        b"Host: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    with (
        socket.create_connection(("127.0.0.1", port)) as sock,
        ctx.wrap_socket(sock, server_hostname="localhost") as tls,
    ):
        tls.sendall(request)
        response = b""
        while chunk := tls.recv(65536):
            response += chunk
    head, _, payload = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 "), head
    review: dict[str, Any] = json.loads(payload)
    return review


def test_a_second_server_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    with spawned_server(data_dir=tmp_path) as server:
        result = fakekapi("serve", "--data-dir", tmp_path, "--port", "0")
        assert result.returncode == 1
        assert result.stderr.startswith("fakekapi: a server (pid ")
        assert f"is already running at {server.url} on data dir {tmp_path}" in result.stderr


def test_ephemeral_data_dir_is_removed_at_exit(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    with open(out, "wb") as f:
        proc = subprocess.Popen(
            [*fakekapi_command(), "serve", "--ephemeral", "--port", "0"],
            stdout=f,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=subprocess_env(),
        )
    try:
        deadline = time.monotonic() + 30
        data_dir: Path | None = None
        while data_dir is None and time.monotonic() < deadline and proc.poll() is None:
            for line in out.read_text().splitlines():
                if line.strip().startswith("data dir:"):
                    data_dir = Path(line.split(":", 1)[1].replace("(ephemeral)", "").strip())
            time.sleep(0.02)
        assert data_dir is not None, out.read_text()
        assert (data_dir / "pki" / "ca.crt").is_file()
    finally:
        code = stop_process(proc)
    assert code == 0
    assert not data_dir.exists()


def test_bad_fixture_stops_start_up_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: ConfigMap\nmetadata:\n  name: x\n")
    result = fakekapi("serve", "--data-dir", tmp_path / "d", "--port", "0", "--fixtures", bad)
    assert result.returncode == 2
    assert result.stderr.startswith(f"fakekapi: {bad}:1: ")
    assert not (tmp_path / "d").exists()
    # a new data dir's PKI is issued while the fixtures are checked: none of it stays
    nested = tmp_path / "new" / "d"
    result = fakekapi("serve", "--data-dir", nested, "--port", "0", "--fixtures", bad)
    assert result.returncode == 2
    assert not (tmp_path / "new").exists()


def test_ca_export(tmp_path: Path) -> None:
    out = tmp_path / "ca.crt"
    result = fakekapi("ca", "export", "--data-dir", tmp_path / "d", "-o", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == (tmp_path / "d" / "pki" / "ca.crt").read_bytes()
    assert "curl --cacert" in result.stderr


def test_kubeconfig_without_a_server(tmp_path: Path) -> None:
    result = fakekapi("kubeconfig", "--data-dir", tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["clusters"][0]["cluster"]["server"] == (
        "https://127.0.0.1:6443"
    )


def test_fixtures_check(tmp_path: Path) -> None:
    good = fakekapi("fixtures", "check", REPO / "fixtures" / "postman-walkthrough")
    assert (good.returncode, good.stdout) == (0, "4 documents OK\n")
    bad = tmp_path / "bad.json"
    bad.write_text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 1}')
    result = fakekapi("fixtures", "check", bad)
    assert result.returncode == 2
    assert result.stderr.startswith(f"fakekapi: {bad}:1: ")


def test_status_without_a_server(tmp_path: Path) -> None:
    result = fakekapi("status", "--data-dir", tmp_path)
    assert (result.returncode, result.stdout) == (1, f"not running (data dir {tmp_path})\n")


@pytest.mark.kubectl
def test_kubectl_talks_to_the_served_api(tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    require_client(kubectl is not None, "kubectl")
    assert kubectl is not None
    with spawned_server(data_dir=tmp_path) as server:
        result = subprocess.run(
            [kubectl, "--kubeconfig", str(server.kubeconfig_path), "get", "ns", "-o", "name"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "HOME": str(tmp_path)},
        )
        assert result.returncode == 0, result.stderr
        assert "namespace/default" in result.stdout.split()


NOT_LOADED_AT_READY = (
    # the standard library's, imported where they are first needed
    "csv",  # --token-auth-file
    "encodings.idna",  # a --host that is a name, not an address
    "fractions",  # sums of quantities (scheduler, LimitRanger, volume binder)
    "gzip",  # zlib reads the packaged data
    "stringprep",
    "zoneinfo",  # a CronJob's timeZone
    # fakekapi's own
    "fakekapi.registry.fixtures",  # --fixtures
    "fakekapi.registry.core.printers",  # Tables (strategies.printers())
    "fakekapi.registry.core.pod_printer",
    "fakekapi.registry.apps.printers",
    "fakekapi.nodes.podstatus",  # the kubelet's pods
    # the request path, imported by the first request (server/entrypoints.py)
    "fakekapi.server.middleware",
    "fakekapi.server.negotiation",
    "fakekapi.server.handlers.resources",
    "fakekapi.server.handlers.discovery",
    "fakekapi.registry.generic.tables",
    "fakekapi.auth.impersonation",
    # custom resources' schemas, CEL and OpenAPI documents, for the first CRD
    "fakekapi.registry.apiextensions.cel",
    "fakekapi.registry.apiextensions.schema",
    "fakekapi.catalog.openapi",
    "fakekapi.registry.generic.printing",  # Tables (strategies.table_printer)
)
"""Modules a start must not import: nothing a server that has only started needs them, and
each costs every start its import time (tests below: a fresh and a warm start)."""

_REPORT_MODULES_AT_READY = """
import json, os, signal, sys
from pathlib import Path
from fakekapi.server.run import serve
from fakekapi.server.settings import Settings

def ready(server):
    print(json.dumps(sorted(sys.modules)), flush=True)
    os.kill(os.getpid(), signal.SIGTERM)

sys.exit(serve(Settings(data_dir=Path(sys.argv[1]), port=0), ready=ready))
"""


def test_a_start_imports_only_what_serving_needs(tmp_path: Path) -> None:
    """`fakekapi serve`'s start (a new data dir, then a restart on it) has not imported the
    modules of NOT_LOADED_AT_READY by the time it is ready."""
    for start in ("fresh", "warm"):
        result = subprocess.run(
            [sys.executable, "-c", _REPORT_MODULES_AT_READY, str(tmp_path / "d")],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        loaded = set(json.loads(result.stdout.splitlines()[-1]))
        assert "fakekapi.server.app" in loaded  # the report is from a started server
        assert sorted(loaded & set(NOT_LOADED_AT_READY)) == [], start
