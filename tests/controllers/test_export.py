"""`fakekapi fixtures export` leaves out what the controllers make again at every start."""

from __future__ import annotations

from fakekapi.catalog.catalog import Catalog
from fakekapi.sandbox.snapshot import clean, made_by_the_server

CATALOG = Catalog.builtin()


def rt(group: str, version: str, plural: str):  # type: ignore[no-untyped-def]
    found = CATALOG.lookup(group, version, plural)
    assert found is not None
    return found


def test_controller_identities_default_class_and_provisioned_volumes_are_left_out() -> None:
    sa = rt("", "v1", "serviceaccounts")
    assert made_by_the_server(
        sa, {"metadata": {"name": "deployment-controller", "namespace": "kube-system"}}
    )
    assert not made_by_the_server(
        sa, {"metadata": {"name": "deployment-controller", "namespace": "apps"}}
    )
    sc = rt("storage.k8s.io", "v1", "storageclasses")
    standard = {
        "metadata": {
            "name": "standard",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": "fakekapi.dev/hostpath",
    }
    assert made_by_the_server(sc, standard)
    assert not made_by_the_server(sc, {**standard, "provisioner": "ebs.csi.aws.com"})
    pv = rt("", "v1", "persistentvolumes")
    assert made_by_the_server(
        pv,
        {
            "metadata": {
                "name": "pvc-1",
                "annotations": {"pv.kubernetes.io/provisioned-by": "fakekapi.dev/hostpath"},
            }
        },
    )
    pvc = rt("", "v1", "persistentvolumeclaims")
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": "data",
            "namespace": "default",
            "annotations": {
                "pv.kubernetes.io/bind-completed": "yes",
                "pv.kubernetes.io/bound-by-controller": "yes",
                "volume.kubernetes.io/storage-provisioner": "fakekapi.dev/hostpath",
                "volume.beta.kubernetes.io/storage-provisioner": "fakekapi.dev/hostpath",
            },
        },
        "spec": {
            "storageClassName": "standard",
            "volumeName": "pvc-1",
            "accessModes": ["ReadWriteOnce"],
        },
        "status": {"phase": "Bound"},
    }
    out = clean(pvc, claim)
    assert out["spec"] == {"storageClassName": "standard", "accessModes": ["ReadWriteOnce"]}
    assert "annotations" not in out["metadata"] and "status" not in out
