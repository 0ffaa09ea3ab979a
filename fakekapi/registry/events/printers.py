"""The events.k8s.io Event's printer: kube serves both Event groups from one storage
(`pkg/registry/core/event`) and prints both with printers.go `printEvent`, after converting an
events.k8s.io/v1 Event to the internal (core) type."""

from __future__ import annotations

from fakekapi.core.objects import JSONDict
from fakekapi.registry.core.printers import EVENT as CORE_EVENT
from fakekapi.registry.generic.printing import Printer


def core_event_from_events_v1(ev: JSONDict) -> JSONDict:
    """The events.k8s.io/v1 → internal Event field mapping (the two share one printer)."""
    return {
        "metadata": ev.get("metadata"),
        "involvedObject": ev.get("regarding"),
        "reason": ev.get("reason"),
        "message": ev.get("note"),
        "source": ev.get("deprecatedSource"),
        "firstTimestamp": ev.get("deprecatedFirstTimestamp"),
        "lastTimestamp": ev.get("deprecatedLastTimestamp"),
        "count": ev.get("deprecatedCount"),
        "type": ev.get("type"),
        "eventTime": ev.get("eventTime"),
        "series": ev.get("series"),
        "reportingComponent": ev.get("reportingController"),
        "reportingInstance": ev.get("reportingInstance"),
    }


EVENT = Printer(
    CORE_EVENT.columns, lambda ev, now: CORE_EVENT.row(core_event_from_events_v1(ev), now)
)

PRINTERS: dict[str, Printer] = {"Event": EVENT}
"""Kind → printer."""
