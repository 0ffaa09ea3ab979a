"""Kopf running an operator whose resources need the controllers and the simulated kubelet:
it creates a Deployment and reports when its pods are Ready (workload_operator.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config
from narrow import present
from polling import until

from fakekapi.testing import ServerHandle, stop_process

HERE = Path(__file__).resolve().parent
OPERATOR = HERE / "workload_operator.py"
NAMESPACE = "kopf-workloads"


@pytest.fixture(scope="module")
def api(server: ServerHandle) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(server.kubeconfig_path), client_configuration=cfg)
    with client.ApiClient(cfg) as api_client:
        yield api_client


@pytest.fixture(scope="module")
def operator(
    server: ServerHandle, api: client.ApiClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """`kopf run --standalone` for the test namespace; yields its log once it watches."""
    client.CoreV1Api(api).create_namespace({"metadata": {"name": NAMESPACE}})  # type: ignore[arg-type]
    log = tmp_path_factory.mktemp("kopf-workloads") / "operator.log"
    env = {**os.environ, "KUBECONFIG": str(server.kubeconfig_path)}
    cmd = [
        sys.executable, "-m", "kopf", "run", str(OPERATOR), "--namespace", NAMESPACE,
        "--standalone", "--verbose",
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=log.parent)
    try:

        def watching() -> bool:
            assert proc.poll() is None, log.read_text()
            return "Starting the watch-stream for configmaps" in log.read_text()

        until(watching, "the operator to watch ConfigMaps")
        yield log
    finally:
        stop_process(proc)
    text = log.read_text()
    problems = [line for line in text.splitlines() if "[ERROR" in line or "Traceback" in line]
    assert not problems, text


def test_operator_sees_its_deployment_become_ready(api: client.ApiClient, operator: Path) -> None:
    core = client.CoreV1Api(api)
    core.create_namespaced_config_map(
        NAMESPACE,
        {"metadata": {"name": "shop", "labels": {"app-request": "yes"}}, "data": {"replicas": "2"}},  # type: ignore[arg-type]
    )

    def reported() -> bool:
        cm = core.read_namespaced_config_map("shop", NAMESPACE)
        return (present(cm.metadata).annotations or {}).get("ready-replicas") == "2"

    until(reported, "the operator to report two ready replicas")
    pods = core.list_namespaced_pod(NAMESPACE, label_selector="app=shop-app").items
    ready = [
        p
        for p in pods
        if any(c.type == "Ready" and c.status == "True" for c in present(p.status).conditions or [])
    ]
    assert len(ready) == 2
    deployment = client.AppsV1Api(api).read_namespaced_deployment("shop-app", NAMESPACE)
    assert present(present(deployment.metadata).owner_references)[0].kind == "ConfigMap"
