"""How each release's printers differ from the group packages' printers (which are 1.33's).

kube-apiserver's columns come from `pkg/printers/internalversion/printers.go` of its release;
between 1.29 and 1.36 a few column sets changed (compared release by release, printers.go as
openshift/kubernetes carries it at each release: openshift/microshift release-4.16 ... 4.23). Each
printer's `variants` (base.Variant, declared next to the printer in its group package) rebuild a
release's printer from the 1.33 one by dropping columns, putting them in the release's order or
taking another description; the cells follow their columns. `None` as a printer: the release has
no printer the 1.33 one is right for (generic Name / Created At columns). Column descriptions (Go
doc strings) are the release's own where its OpenAPI document words a field otherwise than
1.33's (descriptions.RELEASE_DOCS).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from fakekapi.catalog import releases
from fakekapi.core.objects import JSONDict

from .base import Column, Printer, Variant, doc
from .descriptions import DOCS, RELEASE_DOCS


@functools.cache
def _reworded(release: str) -> dict[str, str]:
    """1.33 description text -> the release's, for the fields the release words otherwise
    (RELEASE_DOCS); a text two fields share is reworded only where both agree."""
    own = RELEASE_DOCS.get(release, {})
    out: dict[str, str] = {}
    ambiguous: set[str] = set()
    for key, text in own.items():
        old = DOCS[key]
        if out.get(old, text) != text:
            ambiguous.add(old)
        out[old] = text
    for key, text in DOCS.items():
        if key not in own and text in out:
            ambiguous.add(text)  # another field with the same 1.33 text was not reworded
    return {k: v for k, v in out.items() if k not in ambiguous}


def _apply(printer: Printer, variant: Variant | None, release: str) -> Printer:
    names = [c.name for c in printer.columns]
    keep = [n for n in names if variant is None or n not in variant.drop]
    if variant is not None and variant.order:
        assert sorted(variant.order) == sorted(keep), (variant.order, keep)
        keep = list(variant.order)
    index = [names.index(n) for n in keep]
    descriptions = dict(variant.describe) if variant is not None else {}
    reworded = _reworded(release)
    columns: list[Column] = []
    for i in index:
        c = printer.columns[i]
        if c.name in descriptions:
            c = c._replace(description=doc(descriptions[c.name]))
        elif c.description in reworded:
            c = c._replace(description=reworded[c.description])
        columns.append(c)
    if index == list(range(len(names))):
        if tuple(columns) == printer.columns:
            return printer
        return printer._replace(columns=tuple(columns))
    row = printer.row

    def cells(obj: JSONDict, now: datetime) -> list[Any]:
        full = row(obj, now)
        return [full[i] for i in index]

    return printer._replace(columns=tuple(columns), row=cells)


@functools.cache
def for_release(printer: Printer, release: str) -> Printer | None:
    """`printer` (the 1.33 one) as `release` prints, or None where it has no such printer."""
    minor = releases.minor(release)
    for variant in printer.variants:
        first, last = variant.releases
        if first <= minor <= last:
            return None if variant.absent else _apply(printer, variant, release)
    return _apply(printer, None, release)


def resolve(printer: Printer | None, version: str, release: str | None) -> Printer | None:
    """The printer for objects of `version` as `release` prints them (None: 1.33's), given the
    kind's printer (None: the kind has none, the generic convertor applies)."""
    if printer is None:
        return None
    for served, own in printer.versions:
        if served == version:
            return own
    if release is None:
        return printer
    return for_release(printer, release)
