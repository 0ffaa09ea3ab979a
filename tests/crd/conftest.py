"""Fixtures for the CRD end-to-end tests: one real server per module, real kubectl binaries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e.clients import Kubectl, kubectl_path

from fakekapi.testing import ServerHandle, running_server

MINORS = (33, 27)
"""The newest kubectl (aggregated discovery, OpenAPI v3) and the oldest (legacy discovery)."""


@pytest.fixture(scope="module")
def crd_server() -> Iterator[ServerHandle]:
    with running_server() as server:
        yield server


@pytest.fixture(scope="module", params=MINORS, ids=[f"kubectl-1.{m}" for m in MINORS])
def kubectl(
    request: pytest.FixtureRequest,
    crd_server: ServerHandle,
    tmp_path_factory: pytest.TempPathFactory,
) -> Kubectl:
    minor: int = request.param
    binary = kubectl_path(minor)
    cache = tmp_path_factory.mktemp(f"kubectl-1.{minor}-cache")
    return Kubectl(binary, crd_server.kubeconfig_path, cache)
