"""Every credential-sandbox command once as a real `fakekapi` subprocess, and curl with the token.

The design's promise, end to end: `fakekapi sa create` prints a token that curl can use against
`/apis` and `/api/v1/namespaces/default/pods` (200s), whether the server was running when the
command ran or was started afterwards.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml

from cli.test_sandbox_support import fakekapi, jwt_claims
from fakekapi.auth import postman
from fakekapi.testing import SpawnedServer, require_client, spawned_server


def curl(server: SpawnedServer, path: str, token: str) -> int:
    require_client(shutil.which("curl") is not None, "curl")
    result = subprocess.run(
        [
            "curl", "--silent", "--show-error", "--output", "/dev/null",
            "--write-out", "%{http_code}",
            "--cacert", str(server.ca_path),
            "-H", f"Authorization: Bearer {token}",
            f"{server.url}{path}",
        ],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


def test_sa_create_then_curl_with_the_server_running(tmp_path: Path) -> None:
    dd = tmp_path / "d"
    with spawned_server(data_dir=dd) as server:
        result = fakekapi("sa", "create", "postman", "--cluster-role", "view", "--data-dir", dd)
        assert result.returncode == 0, result.stderr
        token = result.stdout.strip()
        assert curl(server, "/apis", token) == 200
        assert curl(server, "/api/v1/namespaces/default/pods", token) == 200
        assert curl(server, "/api/v1/namespaces/default/secrets", token) == 403
        assert curl(server, "/apis", "wrong") == 401

        again = fakekapi("sa", "create", "postman", "--cluster-role", "view", "--data-dir", dd)
        assert again.returncode == 0 and again.stdout.strip() == token

        status = fakekapi("status", "--data-dir", dd)
        assert status.returncode == 0
        assert "  serviceaccounts " in status.stdout


def test_sa_create_then_curl_with_the_server_started_afterwards(tmp_path: Path) -> None:
    dd = tmp_path / "d"
    result = fakekapi("sa", "create", "postman", "--cluster-role", "view", "--data-dir", dd)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    with spawned_server(data_dir=dd) as server:
        assert curl(server, "/apis", token) == 200
        assert curl(server, "/api/v1/namespaces/default/pods", token) == 200


def test_the_other_commands_as_subprocesses(tmp_path: Path) -> None:
    dd = tmp_path / "d"
    assert (
        fakekapi("sa", "create", "postman", "--cluster-role", "view", "--data-dir", dd).returncode
        == 0
    )

    token = fakekapi("token", "create", "postman", "--duration", "1h", "--data-dir", dd)
    assert token.returncode == 0, token.stderr
    assert jwt_claims(token.stdout.strip())["sub"] == "system:serviceaccount:default:postman"

    usage = fakekapi("token", "create", "postman", "--duration", "-5m", "--data-dir", dd)
    assert usage.returncode == 2
    assert "--duration must be greater than or equal to 0" in usage.stderr

    der = fakekapi("ca", "export", "--format", "der", "-o", tmp_path / "ca.der", "--data-dir", dd)
    assert der.returncode == 0, der.stderr
    assert (tmp_path / "ca.der").read_bytes()[:1] == b"\x30"

    kc = fakekapi("kubeconfig", "--serviceaccount", "default/postman", "-o", tmp_path / "kc",
                  "--data-dir", dd)  # fmt: skip
    assert kc.returncode == 0, kc.stderr
    assert yaml.safe_load((tmp_path / "kc").read_text())["users"][0]["user"]["token"]

    inc = fakekapi("incluster", "default/postman", "-o", tmp_path / "sa", "--data-dir", dd)
    assert inc.returncode == 0, inc.stderr
    assert inc.stdout.startswith("export KUBERNETES_SERVICE_HOST=")
    assert (tmp_path / "sa" / "namespace").read_text() == "default"

    pm = fakekapi("postman", "export", "-o", tmp_path / "pm", "--data-dir", dd)
    assert pm.returncode == 0, pm.stderr
    collection = json.loads((tmp_path / "pm" / postman.COLLECTION_FILE).read_text())
    assert collection["info"]["schema"] == postman.SCHEMA

    fx = fakekapi("fixtures", "export", "-o", tmp_path / "fx", "--data-dir", dd)
    assert fx.returncode == 0, fx.stderr
    check = fakekapi("fixtures", "check", tmp_path / "fx")
    assert (check.returncode, check.stdout) == (0, "3 documents OK\n")

    status = fakekapi("status", "--json", "--data-dir", dd)
    assert status.returncode == 1
    assert json.loads(status.stdout)["objects"]["serviceaccounts"] == 1

    missing = fakekapi("sa", "create", "x", "-n", "nope", "--data-dir", dd)
    assert missing.returncode == 1
    assert missing.stderr == (
        'fakekapi: namespaces "nope" not found (add --create-namespace to create it)\n'
    )
