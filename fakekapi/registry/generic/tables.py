"""Server-side printing: objects → a `meta.k8s.io/v1` Table, as kube-apiserver answers
`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.

Three convertors, chosen the way kube-apiserver's storages choose theirs:

* built-in kinds with a printer (their group package's, handed in by the caller from the
  strategy table, fakekapi.registry.strategies.table_printer): the printer's column set, every
  column filled (the server prints with `Wide: true`; kubectl hides priority > 0 unless `-o wide`);
* custom resources: `Name` plus the CRD's `additionalPrinterColumns` (default: `Age`, a date);
* everything else (Roles, LimitRanges, CRDs themselves, ...): the generic `Name` / `Created At`.

Each row then carries, per `includeObject`, a PartialObjectMetadata (default), the object, or null.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import bad_request, invalid_value
from fakekapi.core.objects import OBJECT_META_ORDER, JSONDict

from .printing import NAME, Column, Printer, doc
from .printing import custom as custom_printer
from .printing.cells import rfc3339

INCLUDE_OBJECT_VALUES: Final = ("Metadata", "Object", "None")
TABLE_API_VERSION: Final = "meta.k8s.io/v1"

_CREATED_AT = Column("Created At", "date", doc("meta.v1.ObjectMeta.creationTimestamp"))
_GENERIC_COLUMNS: Final = (NAME, _CREATED_AT)
_STATUS_COLUMNS: Final = (
    Column("Status", "string", doc("meta.v1.Status.status")),
    Column("Reason", "string", doc("meta.v1.Status.reason")),
    # printers.go asks SwaggerDoc() for "Message" (capital M), which has no entry.
    Column("Message", "string", ""),
)


def check_include_object(value: str) -> str:
    """Validate `?includeObject=`; "" means Metadata. Raises the apiserver's 400 otherwise."""
    if value == "" or value in INCLUDE_OBJECT_VALUES:
        return value or "Metadata"
    err = invalid_value("includeObject", value, "must be 'Metadata', 'Object', 'None', or empty")
    raise bad_request(f"Unable to convert to Table as requested: {err}")


def partial_object_metadata(obj: JSONDict) -> JSONDict:
    """meta.AsPartialObjectMetadata: every ObjectMeta field, in Go's order, zero values omitted
    (except creationTimestamp, which Go always writes, as null when unset)."""
    source = obj.get("metadata")
    md: JSONDict = source if isinstance(source, dict) else {}
    out: JSONDict = {}
    for key in OBJECT_META_ORDER:
        value = md.get(key)
        if key == "creationTimestamp":
            out[key] = value if value else None
        elif value not in (None, "", 0, {}, []):
            out[key] = value
    for key, value in md.items():  # anything newer than this list still round-trips
        if key not in out and key not in OBJECT_META_ORDER:
            out[key] = value
    return {"kind": "PartialObjectMetadata", "apiVersion": TABLE_API_VERSION, "metadata": out}


def _row_object(obj: JSONDict, include_object: str) -> JSONDict | None:
    if include_object == "Object":
        return obj
    if include_object == "None":
        return None
    return partial_object_metadata(obj)


class _Convertor:
    """One kind's columns and cells (printer, custom resource or generic)."""

    def __init__(
        self,
        rt: ResourceType,
        printer: Printer | None,
        printer_columns: Sequence[JSONDict] | None,
    ) -> None:
        self.printer = None if rt.is_crd else printer
        self.custom_columns = printer_columns
        self.is_custom = rt.is_crd
        if self.printer is not None:
            self.columns = self.printer.columns
        elif self.is_custom:
            self.columns = custom_printer.columns(printer_columns)
        else:
            self.columns = _GENERIC_COLUMNS

    @property
    def generic(self) -> bool:
        return self.printer is None and not self.is_custom

    def row(self, obj: JSONDict, include_object: str, now: datetime) -> JSONDict:
        conditions = None
        if self.printer is not None:
            cells = self.printer.row(obj, now)
            if self.printer.conditions is not None:
                conditions = self.printer.conditions(obj)
        elif self.is_custom:
            cells = custom_printer.cells(obj, self.custom_columns, now)
        else:
            md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            assert isinstance(md, dict)
            cells = [md.get("name", ""), rfc3339(md.get("creationTimestamp"))]
        row: JSONDict = {"cells": cells}
        if conditions:
            row["conditions"] = conditions
        row["object"] = _row_object(obj, include_object)
        return row


def _table(
    convertor: _Convertor,
    rows: list[JSONDict] | None,
    metadata: JSONDict,
    with_columns: bool,
) -> JSONDict:
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": metadata,
        "columnDefinitions": [c.to_json() for c in convertor.columns] if with_columns else None,
        "rows": rows,
    }


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def to_table(
    rt: ResourceType,
    objects: list[JSONDict],
    *,
    printer: Printer | None,
    resource_version: str,
    continue_token: str = "",
    remaining_item_count: int | None = None,
    include_object: str = "Metadata",
    now: datetime | None = None,
    printer_columns: Sequence[JSONDict] | None = None,
) -> JSONDict:
    """The Table for a list (or, with one object and its resourceVersion, for a single GET).

    `printer`: the kind's printer as the emulated release has it (strategies.table_printer; None:
    the generic convertor, or a custom resource's). `include_object` must already be checked
    (check_include_object). `printer_columns` are the CRD version's `additionalPrinterColumns`
    for custom resources (None: the default Age column).
    """
    include = check_include_object(include_object)
    moment = _now(now)
    convertor = _Convertor(rt, printer, printer_columns)
    rows: list[JSONDict] | None = [convertor.row(o, include, moment) for o in objects]
    if convertor.generic and not objects:
        rows = None  # the generic convertor appends to a nil slice: "rows": null
    metadata: JSONDict = {}
    if resource_version:
        metadata["resourceVersion"] = resource_version
    if continue_token:
        metadata["continue"] = continue_token
    if remaining_item_count is not None:
        metadata["remainingItemCount"] = remaining_item_count
    return _table(convertor, rows, metadata, with_columns=True)


def watch_table(
    rt: ResourceType,
    obj: JSONDict,
    *,
    printer: Printer | None,
    include_object: str = "Metadata",
    with_columns: bool,
    now: datetime | None = None,
    printer_columns: Sequence[JSONDict] | None = None,
) -> JSONDict:
    """One watch event's object as a one-row Table (`printer` as to_table's).

    The first event of a watch carries the column definitions; later ones are encoded with
    NoHeaders, i.e. `"columnDefinitions": null`. A Status (an ERROR event) cannot be tabled with
    row metadata, so kube-apiserver sends it unchanged; so does this.
    """
    include = check_include_object(include_object)
    moment = _now(now)
    convertor = _Convertor(rt, printer, printer_columns)
    if obj.get("kind") == "Status" and obj.get("apiVersion") == "v1":
        if convertor.printer is None or include != "None":
            return obj
        return _status_table(obj, with_columns)
    md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(md, dict)
    metadata: JSONDict = {}
    if md.get("resourceVersion"):
        metadata["resourceVersion"] = md["resourceVersion"]
    return _table(convertor, [convertor.row(obj, include, moment)], metadata, with_columns)


def _status_table(status: JSONDict, with_columns: bool) -> JSONDict:
    """printers.go `printStatus`, reached only with includeObject=None."""
    cells: list[Any] = [
        status.get("status", ""),
        status.get("reason", ""),
        status.get("message", ""),
    ]
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": {},
        "columnDefinitions": [c.to_json() for c in _STATUS_COLUMNS] if with_columns else None,
        "rows": [{"cells": cells, "object": None}],
    }


__all__ = [
    "INCLUDE_OBJECT_VALUES",
    "check_include_object",
    "partial_object_metadata",
    "to_table",
    "watch_table",
]
