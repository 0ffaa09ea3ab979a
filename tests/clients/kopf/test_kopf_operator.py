"""Kopf against a real server: crontab_operator.py run by `kopf run` in a subprocess.

The operator watches one namespace, with peering through a KopfPeering object (Kopf's own CRDs,
as its docs install them): it announces itself in the peering object's status, which is also
how the fixture knows the operator is up. Kopf lists, then watches with bookmarks; it adds its
finalizer to CronTabs before the create handler runs, keeps its progress in annotations and in
`status` (so the CRD's status preserves unknown fields, as Kopf's docs ask), and patches the
finalizer away after the delete handler.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from narrow import as_dict, present
from polling import until

from fakekapi.testing import ServerHandle, stop_process

HERE = Path(__file__).resolve().parent
OPERATOR = HERE / "crontab_operator.py"
GROUP = "stable.example.com"
NAMESPACE = "kopf-test"
PEERING = "fakekapi-test"
FINALIZER = f"{GROUP}/kopf-finalizer"

_PRESERVE = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def crontab_crd() -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"crontabs.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {"cronSpec": {"type": "string"}},
                                },
                                "status": _PRESERVE,
                            },
                        }
                    },
                }
            ],
        },
    }


def peering_crd(kind: str, scope: str) -> dict[str, Any]:
    """Kopf's peering CRDs (peering.yaml in Kopf's repository)."""
    plural = kind.lower() + "s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.kopf.dev"},
        "spec": {
            "scope": scope,
            "group": "kopf.dev",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"status": _PRESERVE},
                        }
                    },
                }
            ],
        },
    }


class Cluster:
    """Typed access to the server for the assertions."""

    def __init__(self, api: client.ApiClient) -> None:
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)
        self.crds = client.ApiextensionsV1Api(api)

    def crontab(self, name: str) -> dict[str, Any] | None:
        try:
            obj = as_dict(
                self.custom.get_namespaced_custom_object(GROUP, "v1", NAMESPACE, "crontabs", name)
            )
        except ApiException as e:
            if e.status == 404:
                return None
            raise
        return obj

    def peering(self) -> dict[str, Any]:
        return as_dict(
            self.custom.get_namespaced_custom_object(
                "kopf.dev", "v1", NAMESPACE, "kopfpeerings", PEERING
            )
        )


@pytest.fixture(scope="module")
def api(server: ServerHandle) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(server.kubeconfig_path), client_configuration=cfg)
    # Closed before the server stops: no keep-alive connection outlives it.
    with client.ApiClient(cfg) as api_client:
        yield api_client


@pytest.fixture(scope="module")
def cluster(api: client.ApiClient) -> Cluster:
    c = Cluster(api)
    for definition in (
        crontab_crd(),
        peering_crd("KopfPeering", "Namespaced"),
        peering_crd("ClusterKopfPeering", "Cluster"),
    ):
        c.crds.create_custom_resource_definition(definition)  # type: ignore[arg-type]
    for crd in ("crontabs.stable.example.com", "kopfpeerings.kopf.dev"):

        def established(name: str = crd) -> bool:
            conditions = (
                present(c.crds.read_custom_resource_definition(name).status).conditions or []
            )
            return any(x.type == "Established" and x.status == "True" for x in conditions)

        until(established, f"{crd} established")
    c.core.create_namespace({"metadata": {"name": NAMESPACE}})  # type: ignore[arg-type]
    c.custom.create_namespaced_custom_object(
        "kopf.dev",
        "v1",
        NAMESPACE,
        "kopfpeerings",
        {"apiVersion": "kopf.dev/v1", "kind": "KopfPeering", "metadata": {"name": PEERING}},
    )
    return c


@pytest.fixture(scope="module")
def operator(
    server: ServerHandle, cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """`kopf run` for the test namespace; yields its log file once it has joined the peering."""
    log = tmp_path_factory.mktemp("kopf") / "operator.log"
    env = {**os.environ, "KUBECONFIG": str(server.kubeconfig_path)}
    cmd = [
        sys.executable, "-m", "kopf", "run", str(OPERATOR), "--namespace", NAMESPACE,
        "--peering", PEERING, "--verbose",
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=log.parent)
    try:

        def joined() -> bool:
            assert proc.poll() is None, log.read_text()
            return bool(cluster.peering().get("status") or {})

        until(joined, "the operator to join the peering")
        yield log
    finally:
        stop_process(proc)
    text = log.read_text()
    problems = [line for line in text.splitlines() if "[ERROR" in line or "Traceback" in line]
    assert not problems, text


def test_operator_joins_the_peering(cluster: Cluster, operator: Path) -> None:
    status = cluster.peering()["status"]
    assert len(status) == 1
    (peer,) = status.values()
    assert peer["priority"] == 0
    assert "lastseen" in peer


def test_create_update_delete_reactions(cluster: Cluster, operator: Path) -> None:
    body = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "CronTab",
        "metadata": {"name": "nightly"},
        "spec": {"cronSpec": "0 3 * * *"},
    }
    cluster.custom.create_namespaced_custom_object(GROUP, "v1", NAMESPACE, "crontabs", body)

    def handled() -> dict[str, Any] | None:
        obj = cluster.crontab("nightly")
        status = (obj or {}).get("status") or {}
        return obj if status.get("phase") == "Scheduled" and "created" in status else None

    obj = until(handled, "the create handler")
    assert obj["status"]["created"] == {"schedule": "0 3 * * *", "name": "nightly"}
    assert FINALIZER in obj["metadata"]["finalizers"]
    assert any(k.startswith("kopf.zalando.org/") for k in obj["metadata"]["annotations"])

    cluster.custom.patch_namespaced_custom_object(
        GROUP, "v1", NAMESPACE, "crontabs", "nightly", {"spec": {"cronSpec": "0 4 * * *"}}
    )

    def annotated() -> bool:
        obj = cluster.crontab("nightly") or {}
        annotations = obj["metadata"].get("annotations") or {}
        return annotations.get(f"{GROUP}/schedule") == "0 4 * * *"

    until(annotated, "the update handler")

    cluster.custom.delete_namespaced_custom_object(GROUP, "v1", NAMESPACE, "crontabs", "nightly")
    until(lambda: cluster.crontab("nightly") is None, "the finalizer to be removed")
    marker = cluster.core.read_namespaced_config_map("deleted-nightly", NAMESPACE)
    assert marker.data == {"crontab": "nightly"}


def test_built_in_kind(cluster: Cluster, operator: Path) -> None:
    cluster.core.create_namespaced_config_map(
        NAMESPACE,
        {"metadata": {"name": "watched", "labels": {"kopf-watch": "yes"}}, "data": {"a": "1"}},  # type: ignore[arg-type]
    )

    def seen(expected: str) -> Callable[[], bool]:
        def check() -> bool:
            cm = cluster.core.read_namespaced_config_map("watched", NAMESPACE)
            return (present(cm.metadata).annotations or {}).get("kopf-seen") == expected

        return check

    until(seen("1"), "the ConfigMap create handler")
    cluster.core.patch_namespaced_config_map("watched", NAMESPACE, {"data": {"b": "2"}})
    until(seen("2"), "the ConfigMap update handler")
