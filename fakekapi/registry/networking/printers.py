"""`kubectl get` printers of the networking.k8s.io kinds (Ingress, IngressClass, NetworkPolicy,
ServiceCIDR, IPAddress), ported from printers.go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_list
from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import (
    age_of,
    as_str,
    format_label_selector,
    get,
    load_balancer_addresses,
    name_of,
)


def _ingress_hosts(rules: Any) -> str:
    """printers.go `formatHosts`."""
    rules = as_list(rules)
    shown: list[str] = []
    limit = 3
    more = False
    for rule in rules:
        if len(shown) == limit:
            more = True
        host = as_str(get(rule, "host"))
        if not more and host:
            shown.append(host)
    if not shown:
        return "*"
    text = ",".join(shown)
    return f"{text} + {len(rules) - limit} more..." if more else text


def _ingress_row(ing: JSONDict, now: datetime) -> list[Any]:
    class_name = get(ing, "spec", "ingressClassName")
    return [
        name_of(ing),
        class_name if isinstance(class_name, str) else "<none>",
        _ingress_hosts(get(ing, "spec", "rules")),
        load_balancer_addresses(get(ing, "status", "loadBalancer", "ingress")),
        "80, 443" if as_list(get(ing, "spec", "tls")) else "80",
        age_of(ing, now),
    ]


INGRESS = Printer(
    (
        NAME,
        col(
            "Class",
            "string",
            "The name of the IngressClass resource that should be used for additional "
            "configuration",
        ),
        col(
            "Hosts",
            "string",
            "Hosts that incoming requests are matched against before the ingress rule",
        ),
        col(
            "Address", "string", "Address is a list containing ingress points for the load-balancer"
        ),
        col("Ports", "string", "Ports of TLS configurations that open"),
        AGE,
    ),
    _ingress_row,
)


def _ingress_class_row(obj: JSONDict, now: datetime) -> list[Any]:
    params = get(obj, "spec", "parameters")
    text = "<none>"
    if isinstance(params, dict):
        text = as_str(params.get("kind"))
        if isinstance(params.get("apiGroup"), str):
            text += "." + params["apiGroup"]
        text += "/" + as_str(params.get("name"))
    return [name_of(obj), as_str(get(obj, "spec", "controller")), text, age_of(obj, now)]


INGRESS_CLASS = Printer(
    (
        NAME,
        col("Controller", "string", "Controller that is responsible for handling this class"),
        col("Parameters", "string", "A reference to a resource with additional parameters"),
        AGE,
    ),
    _ingress_class_row,
)

NETWORK_POLICY = Printer(
    (NAME, col("Pod-Selector", "string", "networking.v1.NetworkPolicySpec.podSelector"), AGE),
    lambda o, now: [
        name_of(o),
        format_label_selector(get(o, "spec", "podSelector") or {}),
        age_of(o, now),
    ],
)

SERVICE_CIDR = Printer(
    (NAME, col("CIDRs", "string", "networking.v1.ServiceCIDRSpec.cidrs"), AGE),
    lambda o, now: [
        name_of(o),
        ",".join(str(c) for c in as_list(get(o, "spec", "cidrs"))),
        age_of(o, now),
    ],
)


def _ip_address_row(obj: JSONDict, now: datetime) -> list[Any]:
    ref = get(obj, "spec", "parentRef")
    text = "<none>"
    if isinstance(ref, dict):
        group = as_str(ref.get("group"))
        resource = as_str(ref.get("resource"))
        text = (f"{resource}.{group}" if group else resource).lower()
        if as_str(ref.get("namespace")):
            text += "/" + as_str(ref.get("namespace"))
        text += "/" + as_str(ref.get("name"))
    return [name_of(obj), text, age_of(obj, now)]


IP_ADDRESS = Printer(
    (NAME, col("ParentRef", "string", "networking.v1.IPAddressSpec.parentRef")),
    _ip_address_row,
)


PRINTERS: dict[str, Printer] = {
    "Ingress": INGRESS,
    "IngressClass": INGRESS_CLASS,
    "NetworkPolicy": NETWORK_POLICY,
    "ServiceCIDR": SERVICE_CIDR,
    "IPAddress": IP_ADDRESS,
}
"""Kind → printer."""
