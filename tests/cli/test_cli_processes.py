"""Each command as a real subprocess: `fakekapi serve` on a free port (ready by polling, SIGTERM
and SIGINT give exit 0, server.json removed, a port in use is one line and exit 1, a restart keeps
the CA), and the other commands against it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

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
