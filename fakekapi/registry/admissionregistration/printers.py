"""`kubectl get` printers of the admissionregistration.k8s.io kinds (webhook configurations,
ValidatingAdmissionPolicy and its bindings), ported from printers.go."""

from __future__ import annotations

from fakekapi.core.objects import JSONDict, as_list
from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import (
    age_of,
    as_str,
    format_label_selector,
    get,
    name_of,
)

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


PRINTERS: dict[str, Printer] = {
    "MutatingWebhookConfiguration": WEBHOOK_CONFIGURATION,
    "ValidatingWebhookConfiguration": WEBHOOK_CONFIGURATION,
    "ValidatingAdmissionPolicy": VALIDATING_ADMISSION_POLICY,
    "ValidatingAdmissionPolicyBinding": VALIDATING_ADMISSION_POLICY_BINDING,
}
"""Kind → printer."""
