"""The PriorityClass's `kubectl get` printer, ported from printers.go."""

from __future__ import annotations

from fakekapi.registry.generic.printing import AGE, NAME, Printer, Variant, col
from fakekapi.registry.generic.printing.cells import age_of, as_int, as_str, name_of

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
    variants=(
        Variant(
            (29, 31),
            "priorityClassColumnDefinitions gained PreemptionPolicy in 1.32",
            drop=("PreemptionPolicy",),
        ),
    ),
)


PRINTERS: dict[str, Printer] = {
    "PriorityClass": PRIORITY_CLASS,
}
"""Kind → printer (1.33's; its variants say how other releases differ)."""
