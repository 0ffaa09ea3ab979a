"""Printers of the remaining built-in groups: rbac, networking, storage, scheduling, coordination,
certificates, node, discovery, admissionregistration and flowcontrol (ported from printers.go)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list

from .base import AGE, NAME, Column, Printer, col, doc
from .util import (
    age_of,
    as_int,
    as_str,
    format_label_selector,
    get,
    human_duration_micros,
    load_balancer_addresses,
    name_of,
    quantity,
)


def _list_with_more(shown: list[str], more: bool, count: int, limit: int) -> str:
    """printers.go `listWithMoreString`."""
    text = ",".join(shown)
    if more:
        return f"{text} + {count - limit} more..."
    return text or "<unset>"


# --- rbac ----------------------------------------------------------------------------------------


def subjects_strings(subjects: Any) -> tuple[list[str], list[str], list[str]]:
    """rbac.SubjectsStrings: users, groups and `namespace/name` service accounts."""
    users: list[str] = []
    groups: list[str] = []
    sas: list[str] = []
    for s in as_list(subjects):
        kind = get(s, "kind")
        if kind == "ServiceAccount":
            sas.append(f"{as_str(get(s, 'namespace'))}/{as_str(get(s, 'name'))}")
        elif kind == "User":
            users.append(as_str(get(s, "name")))
        elif kind == "Group":
            groups.append(as_str(get(s, "name")))
    return users, groups, sas


def _binding_row(b: JSONDict, now: datetime) -> list[Any]:
    users, groups, sas = subjects_strings(b.get("subjects"))
    ref = as_dict(b.get("roleRef"))
    return [
        name_of(b),
        f"{as_str(ref.get('kind'))}/{as_str(ref.get('name'))}",
        age_of(b, now),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(sas),
    ]


def _binding_printer(doc_type: str, word: str) -> Printer:
    return Printer(
        (
            NAME,
            col("Role", "string", f"rbac.v1.{doc_type}.roleRef"),
            AGE,
            col("Users", "string", f"Users in the {word}", 1),
            col("Groups", "string", f"Groups in the {word}", 1),
            col("ServiceAccounts", "string", f"ServiceAccounts in the {word}", 1),
        ),
        _binding_row,
    )


ROLE_BINDING = _binding_printer("RoleBinding", "roleBinding")
CLUSTER_ROLE_BINDING = _binding_printer("ClusterRoleBinding", "clusterRoleBinding")


# --- networking ----------------------------------------------------------------------------------


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


# --- coordination, scheduling, node --------------------------------------------------------------

LEASE = Printer(
    (NAME, col("Holder", "string", "coordination.v1.LeaseSpec.holderIdentity"), AGE),
    lambda o, now: [name_of(o), as_str(get(o, "spec", "holderIdentity")), age_of(o, now)],
)

PRIORITY_CLASS = Printer(
    (
        NAME,
        col("Value", "integer", "scheduling.v1.PriorityClass.value"),
        col("Global-Default", "boolean", "scheduling.v1.PriorityClass.globalDefault"),
        AGE,
        col("PreemptionPolicy", "string", "scheduling.v1.PriorityClass.preemptionPolicy"),
    ),
    lambda o, now: [
        name_of(o),
        as_int(o.get("value")),
        o.get("globalDefault") is True,
        age_of(o, now),
        as_str(o.get("preemptionPolicy")) or "PreemptLowerPriority",
    ],
)

RUNTIME_CLASS = Printer(
    # printers.go describes Handler with ObjectMeta's (non-existent) "handler" doc: empty text.
    (NAME, Column("Handler", "string", ""), AGE),
    lambda o, now: [name_of(o), as_str(o.get("handler")), age_of(o, now)],
)


# --- storage -------------------------------------------------------------------------------------

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


# --- certificates --------------------------------------------------------------------------------


def _csr_condition(csr: JSONDict) -> str:
    types = {get(c, "type") for c in as_list(get(csr, "status", "conditions"))}
    if "Denied" in types:
        status = "Denied"
    elif "Approved" in types:
        status = "Approved"
    else:
        status = "Pending"
    if "Failed" in types:
        status += ",Failed"
    if get(csr, "status", "certificate"):
        status += ",Issued"
    return status


def _csr_row(csr: JSONDict, now: datetime) -> list[Any]:
    spec = as_dict(csr.get("spec"))
    seconds = spec.get("expirationSeconds")
    duration = "<none>"
    if isinstance(seconds, int):
        duration = human_duration_micros(seconds * 1_000_000)
    return [
        name_of(csr),
        age_of(csr, now),
        as_str(spec.get("signerName")) or "<none>",
        as_str(spec.get("username")),
        duration,
        _csr_condition(csr),
    ]


CERTIFICATE_SIGNING_REQUEST = Printer(
    (
        NAME,
        AGE,
        col("SignerName", "string", "certificates.v1.CertificateSigningRequestSpec.signerName"),
        col("Requestor", "string", "certificates.v1.CertificateSigningRequestSpec.request"),
        col(
            "RequestedDuration",
            "string",
            "certificates.v1.CertificateSigningRequestSpec.expirationSeconds",
        ),
        col("Condition", "string", "certificates.v1.CertificateSigningRequestStatus.conditions"),
    ),
    _csr_row,
)


# --- discovery -----------------------------------------------------------------------------------


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


# --- admissionregistration -----------------------------------------------------------------------

WEBHOOK_CONFIGURATION = Printer(
    (
        NAME,
        col(
            "Webhooks",
            "integer",
            "Webhooks indicates the number of webhooks registered in this configuration",
        ),
        AGE,
    ),
    lambda o, now: [name_of(o), len(as_list(o.get("webhooks"))), age_of(o, now)],
)


def _param_kind(obj: JSONDict) -> str:
    kind = get(obj, "spec", "paramKind")
    if not isinstance(kind, dict):
        return "<unset>"
    return f"{as_str(kind.get('apiVersion'))}/{as_str(kind.get('kind'))}"


VALIDATING_ADMISSION_POLICY = Printer(
    (
        NAME,
        col(
            "Validations",
            "integer",
            "Validations indicates the number of validation rules defined in this configuration",
        ),
        col(
            "ParamKind",
            "string",
            "ParamKind specifies the kind of resources used to parameterize this policy",
        ),
        AGE,
    ),
    lambda o, now: [
        name_of(o),
        len(as_list(get(o, "spec", "validations"))),
        _param_kind(o),
        age_of(o, now),
    ],
)


def _param_ref(obj: JSONDict) -> str:
    ref = get(obj, "spec", "paramRef")
    if not isinstance(ref, dict):
        return "<unset>"
    name = as_str(ref.get("name"))
    if name:
        ns = as_str(ref.get("namespace"))
        return f"{ns}/{name}" if ns else f"*/{name}"
    if isinstance(ref.get("selector"), dict):
        return format_label_selector(ref["selector"]).replace("<none>", "")
    return "<unset>"


VALIDATING_ADMISSION_POLICY_BINDING = Printer(
    (
        NAME,
        col(
            "PolicyName",
            "string",
            "PolicyName indicates the policy definition which the policy binding binded to",
        ),
        col(
            "ParamRef",
            "string",
            "ParamRef indicates the param resource which sets the configration param",
        ),
        AGE,
    ),
    lambda o, now: [
        name_of(o),
        as_str(get(o, "spec", "policyName")),
        _param_ref(o),
        age_of(o, now),
    ],
)


# --- flowcontrol ---------------------------------------------------------------------------------


def _flow_schema_row(fs: JSONDict, now: datetime) -> list[Any]:
    method = get(fs, "spec", "distinguisherMethod")
    dangling = "?"
    for cond in as_list(get(fs, "status", "conditions")):
        if get(cond, "type") == "Dangling":
            dangling = as_str(get(cond, "status"))
            break
    return [
        name_of(fs),
        as_str(get(fs, "spec", "priorityLevelConfiguration", "name")),
        as_int(get(fs, "spec", "matchingPrecedence")),
        as_str(get(method, "type")) if isinstance(method, dict) else "<none>",
        age_of(fs, now),
        dangling,
    ]


FLOW_SCHEMA = Printer(
    (
        NAME,
        col("PriorityLevel", "string", "flowcontrol.v1.PriorityLevelConfigurationReference.name"),
        col("MatchingPrecedence", "string", "flowcontrol.v1.FlowSchemaSpec.matchingPrecedence"),
        col("DistinguisherMethod", "string", "flowcontrol.v1.FlowSchemaSpec.distinguisherMethod"),
        AGE,
        col(
            "MissingPL", "string", "references a broken or non-existent PriorityLevelConfiguration"
        ),
    ),
    _flow_schema_row,
)


def _priority_level_row(pl: JSONDict, now: datetime) -> list[Any]:
    limited = get(pl, "spec", "limited")
    shares: Any = "<none>"
    queues: Any = "<none>"
    hand: Any = "<none>"
    length: Any = "<none>"
    if isinstance(limited, dict):
        shares = as_int(limited.get("nominalConcurrencyShares"))
        queuing = get(limited, "limitResponse", "queuing")
        if isinstance(queuing, dict):
            queues = as_int(queuing.get("queues"))
            hand = as_int(queuing.get("handSize"))
            length = as_int(queuing.get("queueLengthLimit"))
    return [
        name_of(pl),
        as_str(get(pl, "spec", "type")),
        shares,
        queues,
        hand,
        length,
        age_of(pl, now),
    ]


PRIORITY_LEVEL_CONFIGURATION = Printer(
    (
        NAME,
        col("Type", "string", "flowcontrol.v1.PriorityLevelConfigurationSpec.type"),
        col(
            "NominalConcurrencyShares",
            "string",
            "flowcontrol.v1.LimitedPriorityLevelConfiguration.nominalConcurrencyShares",
        ),
        col("Queues", "string", "flowcontrol.v1.QueuingConfiguration.queues"),
        col("HandSize", "string", "flowcontrol.v1.QueuingConfiguration.handSize"),
        col("QueueLengthLimit", "string", "flowcontrol.v1.QueuingConfiguration.queueLengthLimit"),
        AGE,
    ),
    _priority_level_row,
)
