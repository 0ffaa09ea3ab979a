"""newman (Postman's command-line runner) runs the exported collection against a real server.

`fakekapi postman export` computes, for one ServiceAccount, the status code every request must
get; newman runs the collection over TLS (`--ssl-extra-ca-certs` with the exported CA) and every
test in it must pass. For a ServiceAccount bound to `view` the run shows exactly the expected
403s (Secrets, nodes, writes, cluster-wide RBAC objects); for one bound to `cluster-admin`, none.
newman comes from tests/e2e/package-lock.json (`npm ci` by the `node_packages` fixture, once per
run).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fakekapi import cli
from fakekapi.auth import postman
from fakekapi.testing import ServerHandle, require_client, running_server

NEWMAN = Path(__file__).resolve().parent / "node_modules" / "newman" / "bin" / "newman.js"


def run_cli(*args: str | Path) -> str:
    result = CliRunner().invoke(cli.cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module", autouse=True)
def _newman_package(node_packages: Callable[[Path], Path]) -> None:
    node_packages(NEWMAN.parents[3])


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server() as s:
        yield s


def newman(export_dir: Path, tmp_path: Path) -> dict[str, Any]:
    """Run newman on an export; the JSON report's `run` (newman's exit code checked by callers)."""
    node = shutil.which("node")
    require_client(node is not None and NEWMAN.is_file(), "newman (npm ci in tests/e2e)")
    assert node is not None
    report = tmp_path / "newman.json"
    proc = subprocess.run(
        [
            node, str(NEWMAN), "run", str(export_dir / postman.COLLECTION_FILE),
            "-e", str(export_dir / postman.ENVIRONMENT_FILE),
            "--ssl-extra-ca-certs", str(export_dir / "ca.crt"),
            "--reporters", "cli,json", "--reporter-json-export", str(report),
            "--color", "off", "--disable-unicode",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert report.is_file(), proc.stdout + proc.stderr
    run: dict[str, Any] = json.loads(report.read_text())["run"]
    run["exit_code"] = proc.returncode
    run["output"] = proc.stdout[-20000:] + proc.stderr[-5000:]
    return run


def export(server: ServerHandle, tmp_path: Path, ref: str) -> tuple[Path, list[int]]:
    out = tmp_path / "postman"
    run_cli("postman", "export", "--serviceaccount", ref, "-o", out, "--data-dir", server.data_dir)
    collection = json.loads((out / postman.COLLECTION_FILE).read_text())
    return out, list(postman.expected_codes(collection).values())


def check_run(run: dict[str, Any], expected: list[int]) -> list[str]:
    """Every assertion passed and each request got its expected code; the 403'd request names."""
    failures = [f"{f['source'].get('name')}: {f['error'].get('message')}" for f in run["failures"]]
    assert not failures, "\n".join(failures) + "\n" + run["output"]
    assert run["exit_code"] == 0, run["output"]
    stats = run["stats"]
    assert stats["assertions"]["failed"] == 0
    assert stats["assertions"]["total"] >= 2 * len(expected)
    codes = [e["response"]["code"] for e in run["executions"]]
    assert codes == expected
    return [e["item"]["name"] for e in run["executions"] if e["response"]["code"] == 403]


def test_newman_view_serviceaccount_sees_the_expected_403s(
    server: ServerHandle, tmp_path: Path
) -> None:
    run_cli("sa", "create", "postman", "--cluster-role", "view", "--data-dir", server.data_dir)
    out, expected = export(server, tmp_path, "default/postman")
    forbidden = check_run(newman(out, tmp_path), expected)
    assert expected.count(403) == len(forbidden) > 0
    assert {
        "5. List secrets in default",
        "7. List nodes (cluster scope)",
        "8. Create a ConfigMap in default (dry run)",
        "List secrets in {{namespace}}",
        "List clusterroles",
    } <= set(forbidden)
    assert "4. List pods in default" not in forbidden
    assert 401 in expected


def test_newman_cluster_admin_serviceaccount_gets_no_403(
    server: ServerHandle, tmp_path: Path
) -> None:
    run_cli("sa", "create", "root", "-n", "ops", "--create-namespace", "--cluster-role",
            "cluster-admin", "--data-dir", server.data_dir)  # fmt: skip
    out, expected = export(server, tmp_path, "ops/root")
    assert 403 not in expected
    assert check_run(newman(out, tmp_path), expected) == []


def test_newman_unbound_serviceaccount_may_only_discover(
    server: ServerHandle, tmp_path: Path
) -> None:
    run_cli("sa", "create", "nobody", "--data-dir", server.data_dir)
    out, expected = export(server, tmp_path, "default/nobody")
    forbidden = check_run(newman(out, tmp_path), expected)
    assert "4. List pods in default" in forbidden
    assert "3. Discovery: the API groups" not in forbidden
