"""The persistentvolume-binder controller: the default class, provisioning and binding."""

from __future__ import annotations

from typing import Any

from controllers.controller_harness import create, eventually, items, rt
from fakekapi.controllers.manager import ControllerManager
from fakekapi.registry.generic.options import DeleteOptions
from fakekapi.registry.registry import Registry


def claim(name: str, size: str = "1Gi", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}},
            **spec,
        },
    }


async def test_claims_are_provisioned_and_bound_on_the_default_class(
    registry: Registry, manager: ControllerManager
) -> None:
    async def default_class() -> dict[str, Any]:
        sc = await registry.get(
            rt(registry, "storage.k8s.io", "v1", "storageclasses"), "", "standard"
        )
        assert sc["metadata"]["annotations"] == {
            "storageclass.kubernetes.io/is-default-class": "true"
        }
        return sc

    sc = await eventually(default_class)
    assert sc["reclaimPolicy"] == "Delete" and sc["volumeBindingMode"] == "Immediate"
    created = await create(registry, claim("data", "2Gi"))
    # The DefaultStorageClass admission plugin names the class at create.
    assert created["spec"]["storageClassName"] == "standard"
    no_class = await create(registry, claim("none", storageClassName=""))
    assert no_class["spec"]["storageClassName"] == ""
    pvc_rt = rt(registry, "", "v1", "persistentvolumeclaims")

    async def bound() -> dict[str, Any]:
        got = await registry.get(pvc_rt, "default", "data")
        assert got["status"]["phase"] == "Bound"
        return got

    pvc = await eventually(bound)
    volume = f"pvc-{created['metadata']['uid']}"
    assert pvc["spec"]["storageClassName"] == "standard"
    assert pvc["spec"]["volumeName"] == volume
    assert pvc["status"]["capacity"] == {"storage": "2Gi"}
    assert pvc["status"]["accessModes"] == ["ReadWriteOnce"]
    assert pvc["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
    assert pvc["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] == (
        "fakekapi.dev/hostpath"
    )
    pv_rt = rt(registry, "", "v1", "persistentvolumes")
    pv = await registry.get(pv_rt, "", volume)
    assert pv["status"]["phase"] == "Bound"
    assert pv["spec"]["claimRef"]["uid"] == created["metadata"]["uid"]
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"

    async def recorded() -> None:
        events = await items(registry, "", "v1", "events", "default")
        assert {"ExternalProvisioning", "Provisioning", "ProvisioningSucceeded"} <= {
            e["reason"] for e in events
        }

    await eventually(recorded)

    await registry.delete(pvc_rt, "default", "data", DeleteOptions())

    async def deleted() -> None:
        names = {
            p["metadata"]["name"] for p in await items(registry, "", "v1", "persistentvolumes", "")
        }
        assert volume not in names

    await eventually(deleted)


async def test_a_matching_volume_is_bound(registry: Registry, manager: ControllerManager) -> None:
    await create(
        registry,
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": "manual"},
            "spec": {
                "capacity": {"storage": "5Gi"},
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "slow",
                "hostPath": {"path": "/tmp/x"},
            },
        },
    )
    await create(registry, claim("mine", "3Gi", storageClassName="slow"))

    async def bound() -> None:
        got = await registry.get(
            rt(registry, "", "v1", "persistentvolumeclaims"), "default", "mine"
        )
        assert got["status"]["phase"] == "Bound"
        assert got["spec"]["volumeName"] == "manual"
        assert got["status"]["capacity"] == {"storage": "5Gi"}

    await eventually(bound)
