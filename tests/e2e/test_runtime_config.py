"""Real kubectl (1.33, 1.29, 1.27) against a server started with --runtime-config=api/all=true:
the beta and alpha APIs a default server keeps off are listed and served. Pinned to release 1.33,
whose list of alpha and beta group-versions is the one below."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e.clients import Kubectl
from e2e.test_kubectl import API_VERSIONS
from fakekapi.testing import ServerHandle, running_server

pytestmark = pytest.mark.kubectl

# The upstream aggregated discovery document (generated with every API enabled) lists these on
# top of the defaults.
ALPHA_AND_BETA = [
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "certificates.k8s.io/v1beta1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1beta2",
    "storage.k8s.io/v1alpha1",
    "storage.k8s.io/v1beta1",
    "storagemigration.k8s.io/v1alpha1",
]


@pytest.fixture(scope="module")
def e2e_server() -> Iterator[ServerHandle]:
    """This module's server enables every API (kube-apiserver --runtime-config=api/all=true)."""
    with running_server(runtime_config=("api/all=true",), kubernetes_version="1.33") as server:
        yield server


def test_api_versions_with_everything_enabled(kubectl: Kubectl) -> None:
    lines = kubectl("api-versions").out.splitlines()
    assert lines == sorted([*API_VERSIONS["1.33"], *ALPHA_AND_BETA])


def test_alpha_resources_are_served(kubectl: Kubectl) -> None:
    r = kubectl("get", "storageversionmigrations.storagemigration.k8s.io")
    assert r.out == "" and r.err == "No resources found\n"
    r = kubectl("get", "deviceclasses.v1beta2.resource.k8s.io")
    assert r.err == "No resources found\n"
