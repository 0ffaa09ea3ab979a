"""YAML responses as sigs.k8s.io/yaml writes them (`JSONToYAML`: the JSON value as goyaml.v2
block YAML, map keys sorted), produced a slice at a time.

libyaml's emitter (PyYAML's CSafeDumper) is used where PyYAML has it: several times faster than
the Python one, and goyaml.v2 is a port of it, so it quotes as kube does where PyYAML's Python
emitter differs (characters outside the BMP and NEL are escaped in double quotes). goyaml.v2
never writes anchors and aliases: neither do we, even where two parts of a value are one Python
object.

Why slices: the C emitter writes a whole document in one call that keeps the GIL, so one
10,000-item list would keep the event loop from running for seconds even from a worker thread
(`offload`). A block mapping's entries and a block sequence's items are written independently of
one another at the same column, so the document is the concatenation of the top-level entries
written one by one, and a big top-level value (a list's `items`, a ConfigMap's `data`) is its
first line plus its entries written a slice at a time under the same key: the same bytes as one
call (tests/server/test_yamlout.py checks it).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_BASE: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BASE):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True


SLICE = 32
"""Entries (list items, map keys) written per emitter call for a big top-level value."""
_SIMPLE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9]*")
"""Keys written bare at the start of their line (`key:`), whatever the emitter's settings."""


def dump(value: Any) -> str:
    """One emitter call: the YAML of `value`."""
    text: str = yaml.dump(
        value, Dumper=_Dumper, sort_keys=True, default_flow_style=False, allow_unicode=True
    )
    return text


def encode(obj: Any) -> bytes:
    """The YAML of a JSON value, written a slice at a time when it is a big mapping."""
    if not isinstance(obj, dict) or not obj or not all(isinstance(k, str) for k in obj):
        return dump(obj).encode()
    parts: list[str] = []
    small: dict[str, Any] = {}
    for key in sorted(obj):
        value = obj[key]
        if _SIMPLE_KEY.fullmatch(key) and isinstance(value, (dict, list)) and len(value) > SLICE:
            if small:
                parts.append(dump(small))
                small = {}
            parts.extend(_entry_in_slices(key, value))
        else:
            small[key] = value
    if small:
        parts.append(dump(small))
    return "".join(parts).encode()


def _entry_in_slices(key: str, value: dict[str, Any] | list[Any]) -> list[str]:
    """`key: value` as the emitter writes it in a block mapping at column 0."""
    head = f"{key}:\n"
    chunks: list[Any]
    if isinstance(value, list):
        chunks = [value[i : i + SLICE] for i in range(0, len(value), SLICE)]
    else:
        keys = sorted(value)
        chunks = [{k: value[k] for k in keys[i : i + SLICE]} for i in range(0, len(keys), SLICE)]
    out = [head]
    for chunk in chunks:
        text = dump({key: chunk})
        if not text.startswith(head):  # not a block value after all: write it in one call
            return [dump({key: value})]
        out.append(text[len(head) :])
    return out
