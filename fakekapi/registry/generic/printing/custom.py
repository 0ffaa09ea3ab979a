"""Custom resources: the apiextensions table convertor driven by `additionalPrinterColumns`.

A CRD version without printer columns is served with one `Age` column (type `date`, JSONPath
`.metadata.creationTimestamp`), which apiextensions adds by defaulting; date cells are
HumanDuration ages. Cells of other columns are typed by the column (`integer`, `number`,
`boolean`, `string`), JSON null when the path finds nothing or the value has the wrong type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict

from .base import NAME, Column
from .cells import human_duration, parse_time

DEFAULT_COLUMNS: tuple[JSONDict, ...] = (
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
)

_TOKEN = re.compile(
    r"""\.(?P<field>[A-Za-z0-9_\-/]+)            # .field
    |\[\s*'(?P<quoted>[^']*)'\s*\]                # ['field']
    |\[\s*(?P<index>-?\d+)\s*\]                   # [0]
    |\[\s*\*\s*\]                                 # [*]
    |\[\s*\?\(\s*@\.(?P<fkey>[A-Za-z0-9_\-.]+)\s*==\s*(?P<fval>"[^"]*"|'[^']*'|[^)\s]+)\s*\)\s*\]""",
    re.VERBOSE,
)


def _values(data: Any, path: str) -> list[Any]:
    """All values a simple JSONPath selects (the forms CRD printer columns use)."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1].strip()
    current = [data]
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None:
            return []
        pos = m.end()
        nxt: list[Any] = []
        for value in current:
            if m.group("field") is not None or m.group("quoted") is not None:
                key = m.group("field") if m.group("field") is not None else m.group("quoted")
                if isinstance(value, dict) and key in value:
                    nxt.append(value[key])
            elif m.group("index") is not None:
                idx = int(m.group("index"))
                if isinstance(value, list) and -len(value) <= idx < len(value):
                    nxt.append(value[idx])
            elif m.group("fkey") is not None:
                want = m.group("fval").strip("\"'")
                for item in value if isinstance(value, list) else []:
                    got: Any = item
                    for part in m.group("fkey").split("."):
                        got = got.get(part) if isinstance(got, dict) else None
                    if got is not None and _text(got) == want:
                        nxt.append(item)
            elif isinstance(value, list):
                nxt.extend(value)
            elif isinstance(value, dict):
                nxt.extend(value.values())
        current = nxt
    return current


def _text(value: Any) -> str:
    """How client-go's jsonpath prints a value (fmt.Fprint of the unstructured value)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{_text(v)}" for k, v in sorted(value.items()))
        return f"map[{inner}]"
    if isinstance(value, list):
        return "[" + " ".join(_text(v) for v in value) + "]"
    return json.dumps(value)


def _cell(col_type: str, value: Any, now: datetime) -> Any:
    """apiextensions `cellForJSONValue` (and the string branch of its rowFn)."""
    if value is None:
        return None
    if col_type == "string":
        return _text(value)
    if col_type == "integer" and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if col_type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if col_type == "boolean" and isinstance(value, bool):
        return value
    if col_type == "date" and isinstance(value, str):
        t = parse_time(value)
        return "<invalid>" if t is None else human_duration(t, now)
    return None


def columns(printer_columns: Sequence[JSONDict] | None) -> tuple[Column, ...]:
    """Name plus one definition per printer column (description defaults to the JSONPath)."""
    out = [NAME]
    for pc in printer_columns if printer_columns is not None else DEFAULT_COLUMNS:
        path = str(pc.get("jsonPath", ""))
        desc = pc.get("description") or (
            f"Custom resource definition column (in JSONPath format): {path}"
        )
        out.append(
            Column(
                str(pc.get("name", "")),
                str(pc.get("type", "")),
                str(desc),
                int(pc.get("priority", 0) or 0),
                str(pc.get("format", "") or ""),
            )
        )
    return tuple(out)


def cells(obj: JSONDict, printer_columns: Sequence[JSONDict] | None, now: datetime) -> list[Any]:
    """The row: the name, then each column's first JSONPath result typed by the column."""
    name = obj.get("metadata", {}).get("name", "") if isinstance(obj.get("metadata"), dict) else ""
    row: list[Any] = [name]
    for pc in printer_columns if printer_columns is not None else DEFAULT_COLUMNS:
        found = _values(obj, str(pc.get("jsonPath", "")))
        row.append(_cell(str(pc.get("type", "")), found[0] if found else None, now))
    return row
