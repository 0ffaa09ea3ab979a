"""The shape of a printer: its column definitions and the function that turns one object into cells.

Mirrors kubernetes `pkg/printers` TableHandler(columnDefinitions, printFunc); the server always
prints with `Wide: true`, so every row function returns the priority-1 cells too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict

from .descriptions import DOCS


@dataclass(frozen=True)
class Column:
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


@dataclass(frozen=True)
class Printer:
    """One kind's table handler."""

    columns: tuple[Column, ...]
    row: RowFunc
    conditions: ConditionsFunc | None = None
    """Row conditions (metav1.TableRowCondition), only pods set them."""


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
