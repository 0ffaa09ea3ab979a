"""kubectl against `fakekapi serve` from the installed wheel (issue 9): the steps that failed
when `pip install .` left `openapi_v2.pb.gz` and `.well-known__openid-configuration.json.gz`
out of the package — kubectl 1.27 `apply` and `explain` (OpenAPI v2 as protobuf) and kubectl
1.33 `create -f` with client-side schema validation (OpenAPI v3)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from installed import Installation

from e2e.clients import Kubectl, kubectl_path
from fakekapi.testing import SpawnedServer, spawned_server

pytestmark = pytest.mark.kubectl


@pytest.fixture(scope="module")
def server(installed_fakekapi: Installation) -> Iterator[SpawnedServer]:
    with spawned_server(command=[installed_fakekapi.fakekapi]) as s:
        yield s


def kubectl(minor: int, server: SpawnedServer, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_path(minor), server.kubeconfig_path, tmp_path / f"cache-1.{minor}")


def test_server_runs_from_the_wheel(
    server: SpawnedServer, installed_fakekapi: Installation
) -> None:
    assert server.process is not None
    args = server.process.args
    assert isinstance(args, list | tuple)
    assert Path(args[0]) == installed_fakekapi.fakekapi


@pytest.mark.parametrize(
    "path",
    ["/openapi/v2", "/openapi/v3", "/openapi/v3/.well-known/openid-configuration"],
)
def test_openapi_documents_answer(server: SpawnedServer, path: str) -> None:
    status, _, body = server.request("GET", path, headers={"Accept": "application/json"})
    assert status == 200, body[:300]
    assert json.loads(body)


def test_kubectl_127_apply_and_explain(server: SpawnedServer, tmp_path: Path) -> None:
    k = kubectl(27, server, tmp_path)
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: installed-127\n  namespace: default\n"
        "data:\n  a: '1'\n"
    )
    assert "configmap/installed-127 created" in k("apply", "-f", str(manifest)).out
    manifest.write_text(manifest.read_text().replace("'1'", "'2'"))
    assert "configmap/installed-127 configured" in k("apply", "-f", str(manifest)).out
    out = k("explain", "deployments.spec.replicas").out
    assert re.search(r"^KIND:\s+Deployment$", out, re.M), out
    assert "FIELD:    replicas <integer>" in out or re.search(r"replicas\s+<integer>", out), out


def test_kubectl_133_create_token_review(server: SpawnedServer, tmp_path: Path) -> None:
    k = kubectl(33, server, tmp_path)
    review = tmp_path / "tokenreview.yaml"
    review.write_text(
        "apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec:\n  token: not-a-token\n"
    )
    result = k("create", "-f", str(review), "-o", "json")
    body = json.loads(result.out)
    assert body["kind"] == "TokenReview"
    assert body["status"].get("authenticated") is not True


def test_kubectl_delete_of_the_walkthrough_succeeds(server: SpawnedServer, tmp_path: Path) -> None:
    """kubectl deletes the ServiceAccount, then its token Secret: as on a real cluster, the token
    controller removes that Secret only a moment after the ServiceAccount, so kubectl's own
    delete of it finds it and succeeds."""
    k = kubectl(33, server, tmp_path)
    walkthrough = str(Path(__file__).resolve().parents[2] / "fixtures" / "postman-walkthrough")
    k("apply", "-f", walkthrough)
    assert k("get", "secret", "postman-token", "-n", "default").code == 0
    result = k("delete", "-f", walkthrough, check=False)
    assert result.code == 0, result.err
    assert 'secret "postman-token" deleted' in result.out
