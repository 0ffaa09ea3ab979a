"""Fixtures for the end-to-end tests: one real server per module, real kubectl binaries.

A server costs about a second to start, so each module shares one (`e2e_server`); tests keep
out of each other's way by working in their own namespaces, named after the kubectl version.
That server is `fakekapi serve` from the wheel installed the way users install it (the
`installed_fakekapi` fixture of tests/conftest.py), so a file the wheel lacks fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from certs import client_cert, cluster_ca, kubeconfig
from installed import Installation

from e2e.clients import Kubectl, kubectl_path
from fakekapi.testing import ServerHandle, spawned_server

MINORS = (33, 29, 27)
"""The newest kubectl, the oldest, and one in between (the first to use OpenAPI v3)."""


@pytest.fixture(scope="module")
def e2e_server(installed_fakekapi: Installation) -> Iterator[ServerHandle]:
    """A real `fakekapi serve` of the installed wheel (TLS, free port, temporary data dir)
    shared by one test module."""
    with spawned_server(command=[installed_fakekapi.fakekapi]) as server:
        yield server


@pytest.fixture(scope="module", params=MINORS, ids=[f"kubectl-1.{m}" for m in MINORS])
def kubectl(
    request: pytest.FixtureRequest,
    e2e_server: ServerHandle,
    tmp_path_factory: pytest.TempPathFactory,
) -> Kubectl:
    """kubectl 1.NN with the admin kubeconfig and a discovery cache of its own."""
    minor: int = request.param
    binary = kubectl_path(minor)
    cache = tmp_path_factory.mktemp(f"kubectl-1.{minor}-cache")
    return Kubectl(binary, e2e_server.kubeconfig_path, cache)


def minor_of(k: Kubectl) -> int:
    """The minor version of a Kubectl (from its binary's name, `kubectl.1.NN`)."""
    return int(k.binary.name.rsplit(".", 1)[1])


def user_kubeconfig(
    server: ServerHandle, path: Path, user: str, groups: tuple[str, ...] = ()
) -> Path:
    """A kubeconfig whose client certificate the cluster CA signed for CN=user, O=groups
    (one O only: trustme takes a single organization)."""
    leaf = client_cert(cluster_ca(server), user, *groups[:1])
    return kubeconfig(server, path, cert=leaf, user=user, namespace="default")
