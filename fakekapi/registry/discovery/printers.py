"""The EndpointSlice's `kubectl get` printer, ported from printers.go."""

from __future__ import annotations

from typing import Any

from fakekapi.core.objects import as_list
from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import age_of, as_str, get, name_of


def _list_with_more(shown: list[str], more: bool, count: int, limit: int) -> str:
    """printers.go `listWithMoreString`."""
    text = ",".join(shown)
    if more:
        return f"{text} + {count - limit} more..."
    return text or "<unset>"


def _slice_ports(ports: Any) -> str:
    shown: list[str] = []
    limit, more, count = 3, False, 0
    for port in as_list(ports):
        if len(shown) < limit:
            if isinstance(get(port, "port"), int):
                shown.append(str(get(port, "port")))
            elif isinstance(get(port, "name"), str):
                shown.append(get(port, "name"))
            else:
                shown.append("*")
        elif len(shown) == limit:
            more = True
        count += 1
    return _list_with_more(shown, more, count, limit)


def _slice_endpoints(endpoints: Any) -> str:
    shown: list[str] = []
    limit, more, count = 3, False, 0
    for ep in as_list(endpoints):
        for address in as_list(get(ep, "addresses")):
            if len(shown) < limit:
                shown.append(str(address))
            elif len(shown) == limit:
                more = True
            count += 1
    return _list_with_more(shown, more, count, limit)


ENDPOINT_SLICE = Printer(
    (
        NAME,
        col("AddressType", "string", "discovery.v1.EndpointSlice.addressType"),
        col("Ports", "string", "discovery.v1.EndpointSlice.ports"),
        col("Endpoints", "string", "discovery.v1.EndpointSlice.endpoints"),
        AGE,
    ),
    lambda o, now: [
        name_of(o),
        as_str(o.get("addressType")),
        _slice_ports(o.get("ports")),
        _slice_endpoints(o.get("endpoints")),
        age_of(o, now),
    ],
)


PRINTERS: dict[str, Printer] = {
    "EndpointSlice": ENDPOINT_SLICE,
}
"""Kind → printer."""
