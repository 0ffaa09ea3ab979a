"""CRDs and their custom resources from --fixtures (also after a restart on the same data dir),
and the official Python client's CustomObjectsApi: create, list, watch."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import yaml
from e2e.clients import Kubectl, kubectl_path, table
from narrow import as_dict, present
from polling import until

from crd import manifests
from fakekapi.testing import ServerHandle, running_server


def write_fixtures(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # The custom resource comes first in file order: CRDs are applied first regardless.
    (folder / "00-crontabs.yaml").write_text(
        yaml.safe_dump_all(
            [manifests.crontab("from-fixture", "default", replicas=2), manifests.crontab("b")]
        )
    )
    (folder / "10-crd.yaml").write_text(manifests.CRD_YAML)


def test_fixtures_with_crds_and_custom_resources(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    write_fixtures(fixtures)
    data = tmp_path / "data"
    binary = kubectl_path(33)
    for round_ in range(2):  # the second start finds CRD and objects in the data dir
        with running_server(fixtures=(fixtures,), data_dir=data, ephemeral=False) as server:
            k = Kubectl(binary, server.kubeconfig_path, tmp_path / f"cache-{round_}")
            rows = table(k("get", "ct").out)
            assert [r[0] for r in rows[1:]] == ["b", "from-fixture"]
            assert rows[2][6] == "2"
            status, _, body = server.request("GET", f"/apis/{manifests.GROUP}/v1/crontabs")
            assert status == 200, body


@pytest.fixture
def client_server(tmp_path: Path) -> Any:
    with running_server(data_dir=tmp_path / "data", ephemeral=False) as server:
        yield server


@pytest.fixture
def api_client(client_server: ServerHandle) -> Any:
    client: Any = kubernetes.config.new_client_from_config(
        config_file=str(client_server.kubeconfig_path)
    )
    # The server closes every connection after its response: none is left open at its shutdown.
    client.set_default_header("Connection", "close")
    yield client
    client.close()
    client.rest_client.pool_manager.clear()


def test_python_client_custom_objects(api_client: Any) -> None:
    ext = kubernetes.client.ApiextensionsV1Api(api_client)
    ext.create_custom_resource_definition(manifests.crd())  # type: ignore[arg-type]
    custom = kubernetes.client.CustomObjectsApi(api_client)
    w = kubernetes.watch.Watch()
    seen: list[tuple[str, str]] = []
    ready = threading.Event()

    def established() -> bool:
        crd = ext.read_custom_resource_definition(manifests.CRD_NAME)
        conds = present(crd.status).conditions or []
        return any(c.type == "Established" and c.status == "True" for c in conds)

    until(established, "the CRD Established")
    listed = as_dict(
        custom.list_namespaced_custom_object(manifests.GROUP, "v1", "default", "crontabs")
    )
    rv = listed["metadata"]["resourceVersion"]

    def watch() -> None:
        ready.set()
        for ev in w.stream(
            custom.list_namespaced_custom_object,
            manifests.GROUP,
            "v1",
            "default",
            "crontabs",
            resource_version=rv,
            timeout_seconds=2,
        ):
            seen.append((ev["type"], ev["object"]["metadata"]["name"]))

    thread = threading.Thread(target=watch)
    thread.start()
    ready.wait(5)
    created = as_dict(
        custom.create_namespaced_custom_object(
            manifests.GROUP, "v1", "default", "crontabs", manifests.crontab("py-1")
        )
    )
    assert created["spec"]["replicas"] == 1
    custom.create_namespaced_custom_object(
        manifests.GROUP, "v1", "default", "crontabs", manifests.crontab("py-2")
    )
    thread.join(15)
    assert seen == [("ADDED", "py-1"), ("ADDED", "py-2")]
    items = as_dict(custom.list_cluster_custom_object(manifests.GROUP, "v1", "crontabs"))["items"]
    assert [i["metadata"]["name"] for i in items] == ["py-1", "py-2"]
    with pytest.raises(kubernetes.client.exceptions.ApiException) as e:
        custom.create_namespaced_custom_object(
            manifests.GROUP, "v1", "default", "crontabs", manifests.crontab("py-3", replicas=0)
        )
    assert e.value.status == 422
