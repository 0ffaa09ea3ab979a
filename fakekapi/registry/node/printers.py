"""The RuntimeClass's `kubectl get` printer, ported from printers.go."""

from __future__ import annotations

from fakekapi.registry.generic.printing import AGE, NAME, Column, Printer
from fakekapi.registry.generic.printing.cells import age_of, as_str, name_of

RUNTIME_CLASS = Printer(
    # printers.go describes Handler with ObjectMeta's (non-existent) "handler" doc: empty text.
    (NAME, Column("Handler", "string", ""), AGE),
    lambda o, now: [name_of(o), as_str(o.get("handler")), age_of(o, now)],
)


PRINTERS: dict[str, Printer] = {
    "RuntimeClass": RUNTIME_CLASS,
}
"""Kind → printer."""
