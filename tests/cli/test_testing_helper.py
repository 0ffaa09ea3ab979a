"""fakekapi.testing: the in-process server users and our own suites start."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import yaml

from fakekapi.server.run import ServeError
from fakekapi.testing import ServerHandle, running_server


def test_running_server_is_ready_and_cleans_up() -> None:
    with running_server() as server:
        assert server.url == f"https://127.0.0.1:{server.port}"
        assert server.port != 0
        status, _, body = server.request("GET", "/readyz")
        assert (status, body) == (200, b"ok")
        assert server.ca_path == server.data_dir / "pki" / "ca.crt"
        kc = yaml.safe_load(server.kubeconfig_path.read_text())
        assert kc["clusters"][0]["cluster"]["server"] == server.url
        info = json.loads((server.data_dir / "server.json").read_text())
        assert info["url"] == server.url
        data_dir = server.data_dir
    assert not data_dir.exists(), "the ephemeral data dir is removed"
    assert not [t for t in threading.enumerate() if t.name == "fakekapi-server"]


def test_a_kept_data_dir_survives_without_server_json(tmp_path: Path) -> None:
    with running_server(data_dir=tmp_path, ephemeral=False) as server:
        assert server.data_dir == tmp_path
        ca = server.ca_path.read_bytes()
    assert not (tmp_path / "server.json").exists()
    assert (tmp_path / "pki" / "ca.crt").read_bytes() == ca


def test_two_servers_at_once_get_their_own_ports_and_cas() -> None:
    with running_server() as a, running_server() as b:
        assert a.port != b.port
        assert a.ca_path.read_bytes() != b.ca_path.read_bytes()
        assert a.request("GET", "/readyz")[0] == b.request("GET", "/readyz")[0] == 200


def test_bad_settings_raise_serve_error() -> None:
    with (
        pytest.raises(ServeError, match="--authorization-mode 'ABAC'") as e,
        running_server(authorization_mode=["ABAC"]),
    ):
        pass  # pragma: no cover
    assert e.value.exit_code == 2


def test_warm_start_is_under_a_second(tmp_path: Path) -> None:
    with running_server(data_dir=tmp_path, ephemeral=False):
        pass  # the first start creates the PKI and the store
    started = time.monotonic()
    with running_server(data_dir=tmp_path, ephemeral=False):
        ready = time.monotonic() - started
    assert ready < 1.0, f"ready after {ready:.2f}s"


def test_pytest_fixture(fakekapi_server: ServerHandle) -> None:
    assert fakekapi_server.request("GET", "/readyz")[0] == 200


def test_paths_may_be_strings(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-fixture, namespace: default}\n"
    )
    fixtures = (f"{tmp_path}/k8s/",)
    with running_server(fixtures=fixtures, data_dir=str(tmp_path / "d"), ephemeral=False) as server:
        assert server.data_dir == tmp_path / "d"
        status, _, _ = server.request("GET", "/api/v1/namespaces/default/configmaps/from-fixture")
        assert status == 200
