"""The CertificateSigningRequest's `kubectl get` printer, ported from printers.go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list
from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import (
    age_of,
    as_str,
    get,
    human_duration_micros,
    name_of,
)


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


PRINTERS: dict[str, Printer] = {
    "CertificateSigningRequest": CERTIFICATE_SIGNING_REQUEST,
}
"""Kind → printer."""
