"""The official Python client (kubernetes 37: pydantic models with strict types) deserializes
every answer for the common kinds, sync and `kubernetes.aio`.

kubernetes 37's models refuse `None` for fields kube always sends (V1ReplicationControllerStatus
.replicas, V1DaemonSetStatus.currentNumberScheduled...): kube encodes every object through its Go
type, so those fields are present with their zero value. Each kind is written minimal, the way a
user's script writes it, then created, read, listed, replaced, patched and deleted.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client, config
from kubernetes.aio import client as aio_client
from kubernetes.aio import config as aio_config
from kubernetes.client.exceptions import ApiException
from narrow import present

from fakekapi.testing import ServerHandle

_names = itertools.count(1)


def _template(app: str, restart: str = "Always") -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {
            "restartPolicy": restart,
            "containers": [
                {"name": "c", "image": "busybox", "resources": {"limits": {"cpu": "0.5"}}}
            ],
        },
    }


def _bodies(name: str) -> dict[str, dict[str, Any]]:
    sel = {"matchLabels": {"app": name}}
    return {
        "ReplicationController": {
            "metadata": {"name": name},
            "spec": {"replicas": 0, "selector": {"app": name}, "template": _template(name)},
        },
        "DaemonSet": {
            "metadata": {"name": name},
            "spec": {"selector": sel, "template": _template(name)},
        },
        "Deployment": {
            "metadata": {"name": name},
            "spec": {"replicas": 0, "selector": sel, "template": _template(name)},
        },
        "Job": {
            "metadata": {"name": name},
            "spec": {"suspend": True, "template": _template(name, "Never")},
        },
        "Service": {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}},
        "ConfigMap": {"metadata": {"name": name}, "data": {"a": "b"}},
    }


# kind → (API class name, method suffix)
_APIS = {
    "ReplicationController": ("CoreV1Api", "replication_controller"),
    "DaemonSet": ("AppsV1Api", "daemon_set"),
    "Deployment": ("AppsV1Api", "deployment"),
    "Job": ("BatchV1Api", "job"),
    "Service": ("CoreV1Api", "service"),
    "ConfigMap": ("CoreV1Api", "config_map"),
}


@pytest.fixture(scope="module")
def sync_api(server: ServerHandle) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(server.kubeconfig_path), client_configuration=cfg)
    with client.ApiClient(cfg) as api:
        yield api


def _retry_conflicts(write: Callable[[], Any]) -> Any:
    """Controllers write status concurrently, as on a cluster: retry a PUT on 409."""
    for _ in range(20):
        try:
            return write()
        except ApiException as e:
            if e.status != 409:
                raise
    raise AssertionError("conflicts did not stop")


@pytest.mark.parametrize("kind", list(_APIS))
def test_sync_client_crud(sync_api: client.ApiClient, kind: str) -> None:
    cls, suffix = _APIS[kind]
    api = getattr(client, cls)(sync_api)
    ns = "default"
    name = f"go-{suffix.replace('_', '-')}-{next(_names)}"
    created = getattr(api, f"create_namespaced_{suffix}")(ns, _bodies(name)[kind])
    assert created.metadata.name == name
    read = getattr(api, f"read_namespaced_{suffix}")(name, ns)
    assert read.metadata.uid == created.metadata.uid
    listed = getattr(api, f"list_namespaced_{suffix}")(ns)
    assert name in [i.metadata.name for i in listed.items]
    if hasattr(api, f"read_namespaced_{suffix}_status"):
        getattr(api, f"read_namespaced_{suffix}_status")(name, ns)

    def replace() -> Any:
        cur = getattr(api, f"read_namespaced_{suffix}")(name, ns)
        cur.metadata.labels = {"replaced": "yes"}
        return getattr(api, f"replace_namespaced_{suffix}")(name, ns, cur)

    assert _retry_conflicts(replace).metadata.labels == {"replaced": "yes"}
    patched = getattr(api, f"patch_namespaced_{suffix}")(
        name, ns, {"metadata": {"annotations": {"patched": "yes"}}}
    )
    assert patched.metadata.annotations["patched"] == "yes"
    getattr(api, f"delete_namespaced_{suffix}")(name, ns)


def test_replication_controller_status_fields(sync_api: client.ApiClient) -> None:
    """The fields the issue's failing e2e run named: zero, not missing."""
    core = client.CoreV1Api(sync_api)
    name = f"go-rc-{next(_names)}"
    rc = core.create_namespaced_replication_controller(
        "default",
        _bodies(name)["ReplicationController"],  # type: ignore[arg-type]
    )
    assert present(rc.status).replicas == 0
    core.delete_namespaced_replication_controller(name, "default")
    apps = client.AppsV1Api(sync_api)
    ds = apps.create_namespaced_daemon_set("default", _bodies(name)["DaemonSet"])  # type: ignore[arg-type]
    status = ds.status
    assert (
        present(status).current_number_scheduled,
        present(status).number_misscheduled,
        present(status).desired_number_scheduled,
        present(status).number_ready,
    ) == (0, 0, 0, 0)
    assert present(present(ds.spec.template.spec).containers[0].resources).limits == {"cpu": "500m"}
    apps.delete_namespaced_daemon_set(name, "default")


def test_aio_client_crud(server: ServerHandle) -> None:
    """The same through `kubernetes.aio` (the asyncio client kubernetes 37 ships)."""

    async def main() -> None:
        cfg = aio_client.Configuration()
        await aio_config.load_kube_config(
            config_file=str(server.kubeconfig_path), client_configuration=cfg
        )
        async with aio_client.ApiClient(cfg) as api_client:
            for kind, (cls, suffix) in _APIS.items():
                api = getattr(aio_client, cls)(api_client)
                ns = "default"
                name = f"aio-{suffix.replace('_', '-')}-{next(_names)}"
                created = await getattr(api, f"create_namespaced_{suffix}")(ns, _bodies(name)[kind])
                assert created.metadata.name == name
                await getattr(api, f"read_namespaced_{suffix}")(name, ns)
                listed = await getattr(api, f"list_namespaced_{suffix}")(ns)
                assert name in [i.metadata.name for i in listed.items]
                for _ in range(20):
                    cur = await getattr(api, f"read_namespaced_{suffix}")(name, ns)
                    cur.metadata.labels = {"replaced": "yes"}
                    try:
                        await getattr(api, f"replace_namespaced_{suffix}")(name, ns, cur)
                        break
                    except aio_client.ApiException as e:
                        if e.status != 409:
                            raise
                await getattr(api, f"patch_namespaced_{suffix}")(
                    name, ns, {"metadata": {"annotations": {"patched": "yes"}}}
                )
                await getattr(api, f"delete_namespaced_{suffix}")(name, ns)

    asyncio.run(main())
