"""Every emulated release (1.29 - 1.36) against real kubectl 1.33: /version, the API versions a
default server of that release lists, api-resources, and the writes kubectl sends as protobuf
(`create deployment`, `create configmap`) or as JSON (`apply -f`).

The expected API versions come from each release's swagger (scripts/gen_test_expectations.py,
tests/e2e/data/release_api_versions.json), not from the catalog the server serves. One server per
release, shared by that release's tests (pytest groups the tests by the module fixture's param).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from e2e.clients import Kubectl, kubectl_path
from fakekapi.catalog import releases
from fakekapi.testing import ServerHandle, running_server

pytestmark = pytest.mark.kubectl

EXPECTED: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "data" / "release_api_versions.json").read_text()
)["apiVersions"]


@pytest.fixture(scope="module", params=releases.supported())
def release_server(request: pytest.FixtureRequest) -> Iterator[ServerHandle]:
    """A server emulating one release, shared by that release's tests."""
    with running_server(kubernetes_version=request.param) as server:
        yield server


@pytest.fixture(scope="module")
def kubectl_1_33(release_server: ServerHandle, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    cache = tmp_path_factory.mktemp(f"kubectl-1.33-{release_server.kubernetes_version}")
    return Kubectl(kubectl_path(33), release_server.kubeconfig_path, cache)


def test_the_expectations_cover_every_release() -> None:
    assert list(EXPECTED) == list(releases.supported())
    assert releases.default() == releases.supported()[-1] == "1.36"


def test_version(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    release = release_server.kubernetes_version
    info = json.loads(kubectl_1_33("version", "-o", "json").out)["serverVersion"]
    assert info["gitVersion"] == releases.git_version(release)
    assert info["gitVersion"].startswith(f"v{release}.")
    assert (info["major"], info["minor"]) == ("1", release.split(".")[1])


def test_api_versions(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    lines = kubectl_1_33("api-versions").out.splitlines()
    assert lines == EXPECTED[release_server.kubernetes_version]


def test_api_resources(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    out = kubectl_1_33("api-resources").out
    names = {line.split()[0] for line in out.splitlines()[1:]}
    assert {"pods", "deployments", "configmaps", "clusterroles"} <= names
    dra = kubectl_1_33("api-resources", "--api-group=resource.k8s.io", "-o", "name").out
    # resource.k8s.io/v1 is GA, hence served by default, from 1.34 on.
    ga = int(release_server.kubernetes_version.split(".")[1]) >= 34
    assert ("resourceclaims.resource.k8s.io" in dra.split()) is ga


def test_protobuf_creates_and_apply(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    k = kubectl_1_33
    k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    k("create", "configmap", "settings", "--from-literal=mode=fast")
    manifest = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "applied"},
            "data": {"a": "1"},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "applied"},
            "spec": {
                "selector": {"matchLabels": {"app": "applied"}},
                "template": {
                    "metadata": {"labels": {"app": "applied"}},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                },
            },
        },
    ]
    out = k("apply", "-f", "-", stdin=yaml.safe_dump_all(manifest)).out
    assert out.splitlines() == ["configmap/applied created", "deployment.apps/applied created"]
    got = json.loads(k("get", "deployment", "web", "-o", "json").out)
    assert got["spec"]["replicas"] == 2
    assert got["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    cm = json.loads(k("get", "configmap", "settings", "-o", "json").out)
    assert cm["data"] == {"mode": "fast"}
