"""`kubectl auth can-i` and `can-i --list` against checked-in expected output.

Three identities, each with kubectl 1.31 (JSON bodies) and 1.33 (protobuf bodies): a ServiceAccount
with a token, a user certificate issued by the cluster CA, and the admin impersonating a user in a
group (`--as`/`--as-group`). The expected files live in `expected/`; set
FAKEKAPI_UPDATE_EXPECTED=1 to rewrite them (then review the diff by hand).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from auth.e2e import kubectl, legacy_token, service_account
from certs import client_cert, cluster_ca, kubeconfig
from polling import until

from fakekapi.testing import ServerHandle, running_server
from rbac.helpers import binding, cluster_binding, cluster_role, group, rule, sa, user
from rbac.test_e2e import ensure_namespace, sar, setup

EXPECTED = Path(__file__).parent / "expected"

CHECKS: dict[str, list[list[str]]] = {
    "serviceaccount": [
        ["list", "pods"],
        ["delete", "pods"],
        ["list", "secrets", "-n", "kube-system"],
        ["get", "/apis"],
        ["get", "/metrics"],
        ["create", "selfsubjectaccessreviews"],
        ["--list"],
    ],
    "user-cert": [
        ["get", "pods", "-n", "team"],
        ["get", "pods", "--subresource=log", "-n", "team"],
        ["get", "pods/log", "-n", "team"],
        ["list", "pods", "--all-namespaces"],
        ["get", "configmaps/app-config", "-n", "team"],
        ["list", "configmaps", "-n", "team"],
        ["--list", "-n", "team"],
    ],
    "impersonated-group": [
        ["list", "deployments.apps", "-n", "default", "--as=alice", "--as-group=viewers"],
        ["create", "deployments", "-n", "default", "--as=alice", "--as-group=viewers"],
        ["get", "nodes", "--as=alice", "--as-group=viewers"],
        ["list", "pods", "-n", "default", "--as=alice"],
        ["--list", "-n", "default", "--as=alice", "--as-group=viewers"],
    ],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    with running_server() as s:
        ensure_namespace(s, "team")
        service_account(s, "reader")
        setup(
            s,
            [
                cluster_role(
                    "pod-reader", rule(["get", "list", "watch"], [""], ["pods", "namespaces"])
                ),
                cluster_binding("reader", "pod-reader", sa("reader", "default")),
                cluster_role(
                    "team-dev",
                    rule(["get", "list"], [""], ["pods", "pods/log"]),
                    rule(["get"], [""], ["configmaps"], ["app-config"]),
                ),
                binding("team", "jane-dev", "ClusterRole", "team-dev", user("jane")),
                binding("default", "viewers", "ClusterRole", "view", group("viewers")),
                cluster_role("node-reader", rule(["get"], [""], ["nodes"])),
                cluster_binding("viewers-nodes", "node-reader", group("viewers")),
            ],
        )
        until(
            lambda: sar(s, "alice", ["viewers"], {"verb": "get", "resource": "nodes"})["allowed"],
            "the RBAC objects in the authorizer's index",
        )
        yield s


def kubeconfig_for(server: ServerHandle, identity: str, directory: Path, minor: int) -> Path:
    if identity == "serviceaccount":
        token = legacy_token(server, "reader", f"reader-token-{minor}")
        return kubeconfig(server, directory / "sa.kubeconfig", token=token)
    if identity == "user-cert":
        leaf = client_cert(cluster_ca(server), "jane", "devs")
        return kubeconfig(server, directory / "jane.kubeconfig", cert=leaf)
    return server.kubeconfig_path


@pytest.mark.kubectl
@pytest.mark.parametrize("minor", [31, 33])
@pytest.mark.parametrize("identity", sorted(CHECKS))
def test_can_i(server: ServerHandle, tmp_path: Path, identity: str, minor: int) -> None:
    k = kubectl(minor, kubeconfig_for(server, identity, tmp_path, minor), tmp_path / "cache")
    transcript = []
    for args in CHECKS[identity]:
        r = k("auth", "can-i", *args, check=False)
        transcript.append(f"$ kubectl auth can-i {' '.join(args)}\n{r.out}exit {r.code}\n")
    got = "\n".join(transcript)
    path = EXPECTED / f"can-i-{identity}.txt"
    if os.environ.get("FAKEKAPI_UPDATE_EXPECTED"):
        EXPECTED.mkdir(exist_ok=True)
        path.write_text(got)
    assert got == path.read_text()
