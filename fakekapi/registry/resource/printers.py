"""Printers of resource.k8s.io (dynamic resource allocation): DeviceClass, ResourceClaim,
ResourceClaimTemplate and ResourceSlice, ported from printers.go (the same columns from 1.31,
when the structured-parameters API replaced the classic one, through 1.36)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list
from fakekapi.registry.generic.printing import AGE, NAME, Printer, Variant, col
from fakekapi.registry.generic.printing.cells import age_of, as_str, get, name_of

STATE_DOC = "A summary of the current state (allocated, pending, reserved, etc.)."


def _device_class_row(obj: JSONDict, now: datetime) -> list[Any]:
    return [name_of(obj), age_of(obj, now)]


def claim_state(obj: JSONDict) -> str:
    """printers.go `resourceClaimState`: deleted, then pending or allocated[,reserved]."""
    states: list[str] = []
    deleting = get(obj, "metadata", "deletionTimestamp") is not None
    if deleting:
        states.append("deleted")
    status = as_dict(obj.get("status"))
    if status.get("allocation") is None:
        if not deleting:
            states.append("pending")
    else:
        states.append("allocated")
        if as_list(status.get("reservedFor")):
            states.append("reserved")
    return ",".join(states)


def _claim_row(obj: JSONDict, now: datetime) -> list[Any]:
    return [name_of(obj), claim_state(obj), age_of(obj, now)]


def _slice_row(obj: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(obj.get("spec"))
    return [
        name_of(obj),
        as_str(spec.get("nodeName")),
        as_str(spec.get("driver")),
        as_str(get(spec, "pool", "name")),
        age_of(obj, now),
    ]


_CLASSIC_DRA = Variant((29, 30), "1.31 replaced the classic DRA API", absent=True)
"""1.29 and 1.30 served the classic DRA API (v1alpha2), whose printers these are not."""

DEVICE_CLASS = Printer((NAME, AGE), _device_class_row, variants=(_CLASSIC_DRA,))
RESOURCE_CLAIM = Printer(
    (NAME, col("State", "string", STATE_DOC), AGE), _claim_row, variants=(_CLASSIC_DRA,)
)
RESOURCE_CLAIM_TEMPLATE = Printer((NAME, AGE), _device_class_row, variants=(_CLASSIC_DRA,))
RESOURCE_SLICE = Printer(
    (
        NAME,
        col("Node", "string", "resource.v1beta2.ResourceSliceSpec.nodeName"),
        col("Driver", "string", "resource.v1beta2.ResourceSliceSpec.driver"),
        col("Pool", "string", "resource.v1beta2.ResourcePool.name"),
        AGE,
    ),
    _slice_row,
    variants=(
        Variant(
            (35, 36),
            "resourceapi.ResourceSliceSpec's driver doc was reworded in 1.35",
            describe=(("Driver", "resource.v1.ResourceSliceSpec.driver"),),
        ),
        _CLASSIC_DRA,
    ),
)

PRINTERS: dict[str, Printer] = {
    "DeviceClass": DEVICE_CLASS,
    "ResourceClaim": RESOURCE_CLAIM,
    "ResourceClaimTemplate": RESOURCE_CLAIM_TEMPLATE,
    "ResourceSlice": RESOURCE_SLICE,
}
"""Kind → printer (1.31 on; each printer's variants say how other releases differ)."""
