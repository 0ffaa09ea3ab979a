"""Concurrent writes without a precondition over HTTPS all apply (issue: 50 concurrent PUTs
answered 47x500 "_Retry"; 100 concurrent strategic patches 98x409)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from fakekapi.testing import ServerHandle, running_server

CM = "/api/v1/namespaces/default/configmaps"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server(controllers=(), nodes=0) as handle:
        yield handle


def _json(handle: ServerHandle, method: str, path: str, body: object, ctype: str) -> int:
    status, _, _ = handle.request(
        method, path, body=json.dumps(body).encode(), headers={"Content-Type": ctype}, timeout=120
    )
    return status


def test_50_concurrent_puts_without_resource_version(server: ServerHandle) -> None:
    assert _json(server, "POST", CM, {"metadata": {"name": "puts"}}, "application/json") == 201

    def put(i: int) -> int:
        body = {"metadata": {"name": "puts"}, "data": {"i": str(i)}}
        return _json(server, "PUT", f"{CM}/puts", body, "application/json")

    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(put, range(50)))
    assert codes == [200] * 50


def test_100_concurrent_strategic_patches(server: ServerHandle) -> None:
    assert _json(server, "POST", CM, {"metadata": {"name": "smp"}}, "application/json") == 201

    def patch(i: int) -> int:
        body = {"metadata": {"labels": {f"l{i}": "x"}}}
        return _json(server, "PATCH", f"{CM}/smp", body, "application/strategic-merge-patch+json")

    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(patch, range(100)))
    assert codes == [200] * 100
    _, _, raw = server.request("GET", f"{CM}/smp")
    assert json.loads(raw)["metadata"]["labels"] == {f"l{i}": "x" for i in range(100)}
