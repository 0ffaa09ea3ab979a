"""The shape of a printer: its column definitions and the function that turns one object into cells.

Mirrors kubernetes `pkg/printers` TableHandler(columnDefinitions, printFunc); the server always
prints with `Wide: true`, so every row function returns the priority-1 cells too. A printer also
says how earlier or later releases' printers.go differed from it (`variants`, applied by
releases.py), and which served versions' objects another printer reads (`versions`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from fakekapi.core.objects import JSONDict

from .descriptions import DOCS


class Column(NamedTuple):
    """metav1.TableColumnDefinition."""

    name: str
    type: str
    description: str
    priority: int = 0
    format: str = ""

    def to_json(self) -> JSONDict:
        """The JSON object, keys in Go's field order (none of them omitempty)."""
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


RowFunc = Callable[[JSONDict, datetime], list[Any]]
ConditionsFunc = Callable[[JSONDict], list[JSONDict] | None]


class Variant(NamedTuple):
    """One kind's columns in a run of releases, relative to the 1.33 printer."""

    releases: tuple[int, int]
    """First and last minor (inclusive)."""
    why: str
    drop: tuple[str, ...] = ()
    """Columns the releases do not have."""
    order: tuple[str, ...] = ()
    """The releases' column order (names), when it differs."""
    describe: tuple[tuple[str, str], ...] = ()
    """(column, DOCS key) pairs: descriptions the releases word otherwise."""
    absent: bool = False
    """The releases have no printer like this one (the 1.29/1.30 DRA API was another)."""


class Printer(NamedTuple):
    """One kind's table handler."""

    columns: tuple[Column, ...]
    row: RowFunc
    conditions: ConditionsFunc | None = None
    """Row conditions (metav1.TableRowCondition), only pods set them."""
    variants: tuple[Variant, ...] = ()
    """How releases other than 1.33 print this kind, where their printers.go differs."""
    versions: tuple[tuple[str, Printer], ...] = ()
    """(API version, printer): served versions whose objects this printer cannot read, printed
    by their own printer as it is in every release. kube prints the internal type, converted
    from any version; fakekapi prints the stored version's JSON, so autoscaling/v1
    HorizontalPodAutoscalers (metrics in an annotation) need their own row function."""


def doc(key: str) -> str:
    """The Go doc string of `Type.field` (an empty string for a field Go has no doc for)."""
    return DOCS.get(key, "")


NAME = Column("Name", "string", doc("meta.v1.ObjectMeta.name"), format="name")
AGE = Column("Age", "string", doc("meta.v1.ObjectMeta.creationTimestamp"))
CONTAINERS = Column("Containers", "string", "Names of each container in the template.", 1)
IMAGES = Column("Images", "string", "Images referenced by each container in the template.", 1)


def col(name: str, type_: str, description: str, priority: int = 0) -> Column:
    """A column whose description is literal text or a `DOCS` key."""
    return Column(name, type_, DOCS.get(description, description), priority)
