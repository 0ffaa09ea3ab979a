"""`kubectl get` printers of the storage.k8s.io kinds (StorageClass, CSIDriver, CSINode,
VolumeAttachment, CSIStorageCapacity), ported from printers.go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list
from fakekapi.registry.generic.printing import AGE, NAME, Column, Printer, col, doc
from fakekapi.registry.generic.printing.cells import age_of, as_str, get, name_of, quantity

_DEFAULT_CLASS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def _storage_class_row(sc: JSONDict, now: datetime) -> list[Any]:
    annotations = as_dict(get(sc, "metadata", "annotations"))
    name = name_of(sc)
    if any(annotations.get(a) == "true" for a in _DEFAULT_CLASS):
        name += " (default)"
    return [
        name,
        as_str(sc.get("provisioner")),
        as_str(sc.get("reclaimPolicy")) or "Delete",
        as_str(sc.get("volumeBindingMode")) or "Immediate",
        sc.get("allowVolumeExpansion") is True,
        age_of(sc, now),
    ]


STORAGE_CLASS = Printer(
    (
        NAME,
        col("Provisioner", "string", "storage.v1.StorageClass.provisioner"),
        col("ReclaimPolicy", "string", "storage.v1.StorageClass.reclaimPolicy"),
        col("VolumeBindingMode", "string", "storage.v1.StorageClass.volumeBindingMode"),
        col("AllowVolumeExpansion", "string", "storage.v1.StorageClass.allowVolumeExpansion"),
        AGE,
    ),
    _storage_class_row,
)


def _csi_driver_row(obj: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(obj.get("spec"))
    tokens = spec.get("tokenRequests")
    token_text = "<unset>"
    if isinstance(tokens, list):
        token_text = ",".join(as_str(get(t, "audience")) for t in tokens)
    modes = ",".join(str(m) for m in as_list(spec.get("volumeLifecycleModes"))) or "<none>"
    attach = spec.get("attachRequired")
    return [
        name_of(obj),
        attach if isinstance(attach, bool) else True,
        spec.get("podInfoOnMount") is True,
        spec.get("storageCapacity") is True,
        token_text,
        spec.get("requiresRepublish") is True,
        modes,
        age_of(obj, now),
    ]


CSI_DRIVER = Printer(
    (
        NAME,
        col("AttachRequired", "boolean", "storage.v1.CSIDriverSpec.attachRequired"),
        col("PodInfoOnMount", "boolean", "storage.v1.CSIDriverSpec.podInfoOnMount"),
        col("StorageCapacity", "boolean", "storage.v1.CSIDriverSpec.storageCapacity"),
        col("TokenRequests", "string", "storage.v1.CSIDriverSpec.tokenRequests"),
        col("RequiresRepublish", "boolean", "storage.v1.CSIDriverSpec.requiresRepublish"),
        col("Modes", "string", "storage.v1.CSIDriverSpec.volumeLifecycleModes"),
        AGE,
    ),
    _csi_driver_row,
)

CSI_NODE = Printer(
    (
        NAME,
        col(
            "Drivers",
            "integer",
            "Drivers indicates the number of CSI drivers registered on the node",
        ),
        AGE,
    ),
    lambda o, now: [name_of(o), len(as_list(get(o, "spec", "drivers"))), age_of(o, now)],
)

VOLUME_ATTACHMENT = Printer(
    (
        NAME,
        Column(
            "Attacher", "string", doc("storage.v1.VolumeAttachmentSpec.attacher"), format="name"
        ),
        col("PV", "string", "storage.v1.VolumeAttachmentSource.persistentVolumeName"),
        col("Node", "string", "storage.v1.VolumeAttachmentSpec.nodeName"),
        col("Attached", "boolean", "storage.v1.VolumeAttachmentStatus.attached"),
        AGE,
    ),
    lambda o, now: [
        name_of(o),
        as_str(get(o, "spec", "attacher")),
        as_str(get(o, "spec", "source", "persistentVolumeName")),
        as_str(get(o, "spec", "nodeName")),
        get(o, "status", "attached") is True,
        age_of(o, now),
    ],
)

CSI_STORAGE_CAPACITY = Printer(
    (
        NAME,
        col("StorageClassName", "string", "storage.v1.CSIStorageCapacity.storageClassName"),
        col("Capacity", "string", "storage.v1.CSIStorageCapacity.capacity"),
    ),
    lambda o, now: [
        name_of(o),
        as_str(o.get("storageClassName")),
        quantity(o.get("capacity")) if o.get("capacity") is not None else "<unset>",
    ],
)


PRINTERS: dict[str, Printer] = {
    "StorageClass": STORAGE_CLASS,
    "CSIDriver": CSI_DRIVER,
    "CSINode": CSI_NODE,
    "VolumeAttachment": VOLUME_ATTACHMENT,
    "CSIStorageCapacity": CSI_STORAGE_CAPACITY,
}
"""Kind → printer."""
