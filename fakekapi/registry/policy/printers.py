"""The PodDisruptionBudget's `kubectl get` printer, ported from printers.go."""

from __future__ import annotations

from typing import Any

from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import age_of, as_int, get, name_of


def _int_or_string(value: Any) -> str:
    if value is None:
        return "N/A"
    return str(value)


POD_DISRUPTION_BUDGET = Printer(
    (
        NAME,
        col("Min Available", "string", "The minimum number of pods that must be available."),
        col("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
        col(
            "Allowed Disruptions",
            "integer",
            "Calculated number of pods that may be disrupted at this time.",
        ),
        AGE,
    ),
    lambda o, now: [
        name_of(o),
        _int_or_string(get(o, "spec", "minAvailable")),
        _int_or_string(get(o, "spec", "maxUnavailable")),
        as_int(get(o, "status", "disruptionsAllowed")),
        age_of(o, now),
    ],
)


PRINTERS: dict[str, Printer] = {"PodDisruptionBudget": POD_DISRUPTION_BUDGET}
"""Kind → printer."""
