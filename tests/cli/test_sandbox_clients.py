"""The official Python client with what the CLI writes: in-cluster files and kubeconfigs.

`load_incluster_config()` reads the `incluster` folder (its token and CA paths monkeypatched from
/var/run/secrets/kubernetes.io/serviceaccount) and the printed KUBERNETES_SERVICE_HOST/PORT;
`load_kube_config()` reads the generated kubeconfig. Both list pods in the ServiceAccount's
namespace, and get kube's 403 where its roles do not reach.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config import incluster_config
from narrow import present

from cli.test_sandbox_support import invoke
from fakekapi.testing import ServerHandle, spawned_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerHandle]:
    """A `fakekapi serve` subprocess: the client's keep-alive sockets end with that process."""
    with spawned_server(data_dir=tmp_path / "d") as s:
        yield s


@contextlib.contextmanager
def api_client(cfg: client.Configuration) -> Iterator[client.ApiClient]:
    """An ApiClient whose connections are closed afterwards: `ApiClient.close()` stops only its
    thread pool, and a keep-alive socket left to the GC outlives the test's server."""
    api = client.ApiClient(cfg)
    try:
        yield api
    finally:
        api.close()
        api.rest_client.pool_manager.clear()


@contextlib.contextmanager
def admin(server: ServerHandle) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(server.kubeconfig_path), client_configuration=cfg)
    with api_client(cfg) as api:
        yield api


def test_load_incluster_config_with_the_incluster_files(
    server: ServerHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = invoke("sa", "create", "worker", "-n", "jobs", "--create-namespace",
                     "--cluster-role", "view", "--data-dir", server.data_dir)  # fmt: skip
    assert created.exit_code == 0, created.output
    with admin(server) as api:
        client.CoreV1Api(api).create_namespaced_pod(
            "jobs",
            {  # type: ignore[arg-type]
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "job-1"},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        )

    out = tmp_path / "serviceaccount"
    result = invoke("incluster", "jobs/worker", "-o", out, "--data-dir", server.data_dir)
    assert result.exit_code == 0, result.output
    for line in result.stdout.splitlines():
        key, value = line.removeprefix("export ").split("=", 1)
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(out / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(out / "ca.crt"))

    cfg = client.Configuration()
    config.load_incluster_config(client_configuration=cfg)
    assert cfg.host == server.url
    namespace = (out / "namespace").read_text()
    with api_client(cfg) as api:
        pods = client.CoreV1Api(api).list_namespaced_pod(namespace)
        assert [present(p.metadata).name for p in pods.items] == ["job-1"]
        with pytest.raises(ApiException) as e:
            client.CoreV1Api(api).list_namespaced_secret(namespace)
    assert e.value.status == 403


def test_load_kube_config_with_the_generated_kubeconfig(
    server: ServerHandle, tmp_path: Path
) -> None:
    with admin(server) as api:
        client.CoreV1Api(api).create_namespace({"metadata": {"name": "shop"}})  # type: ignore[arg-type]
        client.RbacAuthorizationV1Api(api).create_namespaced_role(
            "shop",
            {  # type: ignore[arg-type]
                "metadata": {"name": "pod-reader"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
            },
        )
    created = invoke("sa", "create", "app", "-n", "shop", "--role", "pod-reader",
                     "--data-dir", server.data_dir)  # fmt: skip
    assert created.exit_code == 0, created.output

    kubeconfig = tmp_path / "kubeconfig"
    result = invoke("kubeconfig", "--serviceaccount", "shop/app", "-o", kubeconfig,
                    "--data-dir", server.data_dir)  # fmt: skip
    assert result.exit_code == 0, result.output

    cfg = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)
    _, active = config.list_kube_config_contexts(config_file=str(kubeconfig))
    namespace = active["context"]["namespace"]
    assert namespace == "shop"
    with api_client(cfg) as api:
        assert client.CoreV1Api(api).list_namespaced_pod(namespace).items == []
        with pytest.raises(ApiException) as e:
            client.CoreV1Api(api).list_namespaced_pod("default")
    assert e.value.status == 403
