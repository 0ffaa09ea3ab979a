"""Server-side printing's shared machinery: what kube's `pkg/printers` gives every group's
printers (printers.go's TableHandler, its cell helpers) and what the apiextensions convertor
does for custom resources.

Owns: `base.py` (Column, Printer, Variant: a kind's columns, its row function and how other
releases printed it), `cells.py` (Go's formatting of cells), `releases.py` (a printer as an
emulated release has it), `custom.py` (custom resources' `additionalPrinterColumns`),
`descriptions.py` (the columns' Go doc strings, generated). Each kind's printer lives in its API
group's package (fakekapi.registry.core.printers, apps.printers, ...), as kube wires a
TableConvertor per resource in `pkg/registry/<group>/<resource>/storage`; the strategy table
(fakekapi.registry.strategies) looks them up; generic/tables.py prints with the one it is given.

Pure functions over plain dicts: imports nothing outside fakekapi.core and this package.
"""

from __future__ import annotations

from .base import AGE, CONTAINERS, IMAGES, NAME, Column, Printer, Variant, col, doc
from .releases import for_release, resolve

__all__ = [
    "AGE",
    "CONTAINERS",
    "IMAGES",
    "NAME",
    "Column",
    "Printer",
    "Variant",
    "col",
    "doc",
    "for_release",
    "resolve",
]
