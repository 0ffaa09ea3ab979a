"""Long request lines and headers, up to kube-apiserver's limit.

kube-apiserver's http.Server has MaxHeaderBytes of 1 MiB (k8s.io/apiserver
pkg/server/secure_serving.go), so URLs with long label selectors are served; aiohttp's default
line limit (8190 bytes) answered them with a plain-text 400.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from fakekapi.testing import ServerHandle, running_server


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server() as s:
        yield s


def test_a_12_kib_label_selector_is_served(server: ServerHandle) -> None:
    selector = ",".join(f"key-{i:04d}!=value-{i:04d}" for i in range(600))
    path = f"/api/v1/namespaces/default/configmaps?labelSelector={selector}"
    assert len(path) > 12 * 1024
    status, _, body = server.request("GET", path)
    assert status == 200, body[:300]
    assert json.loads(body)["kind"] == "ConfigMapList"


def test_a_long_header_is_accepted(server: ServerHandle) -> None:
    status, _, body = server.request("GET", "/api/v1/namespaces", headers={"X-Long": "x" * 64_000})
    assert status == 200, body[:300]
