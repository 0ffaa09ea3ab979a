"""The Lease's `kubectl get` printer, ported from printers.go."""

from __future__ import annotations

from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import age_of, as_str, get, name_of

LEASE = Printer(
    (NAME, col("Holder", "string", "coordination.v1.LeaseSpec.holderIdentity"), AGE),
    lambda o, now: [name_of(o), as_str(get(o, "spec", "holderIdentity")), age_of(o, now)],
)


PRINTERS: dict[str, Printer] = {
    "Lease": LEASE,
}
"""Kind → printer."""
