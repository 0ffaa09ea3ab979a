"""@kubernetes/client-node 2.x against a real server: client_node_checks.mjs, one scenario a run.

The script loads the admin kubeconfig with `KubeConfig.loadFromFile` and asserts with node:assert;
these tests run it in a namespace of its own and check its exit code and report. The package comes
from this folder's package-lock.json (`npm ci` by the `node_packages` fixture, once per run).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from polling import until

from fakekapi.testing import ServerHandle, require_client

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "client_node_checks.mjs"
PACKAGE = HERE / "node_modules" / "@kubernetes" / "client-node" / "package.json"


@pytest.fixture(scope="module", autouse=True)
def _client_node(node_packages: Callable[[Path], Path]) -> None:
    node_packages(HERE)


@pytest.fixture
def namespace(server: ServerHandle, ns_name: str) -> str:
    """A namespace, once kube-root-ca.crt is in it (so the scenarios' lists hold no surprise)."""
    body = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns_name}})
    status, _, out = server.request(
        "POST",
        "/api/v1/namespaces",
        body=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert status == 201, out
    path = f"/api/v1/namespaces/{ns_name}/configmaps/kube-root-ca.crt"
    until(lambda: server.request("GET", path)[0] == 200, "kube-root-ca.crt published")
    return ns_name


def run_scenario(server: ServerHandle, namespace: str, scenario: str) -> dict[str, Any]:
    node = shutil.which("node")
    require_client(node is not None and PACKAGE.is_file(), "node with @kubernetes/client-node")
    assert node is not None
    proc = subprocess.run(
        [node, str(SCRIPT), str(server.kubeconfig_path), namespace, scenario],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=HERE,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ok"]
    result: dict[str, Any] = report["result"]
    return result


def test_core_v1_crud_and_errors(server: ServerHandle, namespace: str) -> None:
    result = run_scenario(server, namespace, "crud")
    assert result["deleted"] == "node-cm"


def test_patch_strategies(server: ServerHandle, namespace: str) -> None:
    """Merge, strategic, JSON patch and apply through PatchStrategy; the default json-patch
    content type with an object body gets the JSON patch decoder's 400, as from kube."""
    result = run_scenario(server, namespace, "patch")
    assert (
        result["refused"] == "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
    )


def test_informer_add_update_delete(server: ServerHandle, namespace: str) -> None:
    result = run_scenario(server, namespace, "informer")
    assert [e[0] for e in result["events"]] == ["add", "add", "update", "delete"]


def test_watch_and_resume(server: ServerHandle, namespace: str) -> None:
    result = run_scenario(server, namespace, "watch")
    assert [e[0] for e in result["seen"]] == ["ADDED", "MODIFIED", "DELETED"]
    assert result["resumed"] == ["MODIFIED", "DELETED"]


def test_informer_waits_for_pods_to_become_ready(server: ServerHandle, namespace: str) -> None:
    """The controllers and the simulated kubelet, seen through a client-node pod informer."""
    result = run_scenario(server, namespace, "podsready")
    assert len(result["ready"]) == 2
    assert all(name.startswith("informed-") for name in result["ready"])
