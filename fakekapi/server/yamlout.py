"""YAML responses as sigs.k8s.io/yaml writes them (`JSONToYAML`: the JSON value as goyaml.v2
block YAML, map keys sorted as goyaml.v2 sorts them), produced a slice at a time.

goyaml.v2's key order (sorter.go `keyList.Less`) is not Python's: runs of digits compare as
numbers (`key-9` before `key-10`) and characters that are not letters come before letters
(`_x` before `B`). Keys that are ASCII letters only (every field name) sort the same either way.

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

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
import yaml

_BASE: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def go_key_less(a: str, b: str) -> bool:
    """goyaml.v2's `keyList.Less` for two string keys (sorter.go, v2.4 as sigs.k8s.io/yaml's
    fork has it). Hand-written: no Python library sorts as goyaml does."""
    n = min(len(a), len(b))
    for i in range(n):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return bl
        an = bn = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and a[j].isdecimal():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and a[ai].isdecimal():
            an = an * 10 + ord(a[ai]) - 48
            ai += 1
        bi = i
        while bi < len(b) and b[bi].isdecimal():
            bn = bn * 10 + ord(b[bi]) - 48
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return len(a) < len(b)


def _go_compare(a: str, b: str) -> int:
    return -1 if go_key_less(a, b) else 1 if go_key_less(b, a) else 0


_GO_ORDER = functools.cmp_to_key(_go_compare)
_LETTERS = re.compile(r"[A-Za-z]*")


def go_sorted(keys: Iterable[str]) -> list[str]:
    """`keys` in goyaml.v2's order. goyaml sorts Go's randomised map iteration with a comparison
    that is not a total order for some digit runs with leading zeros (`0a`, `00b`): those come out
    in any order from kube, and here in the one a lexical sort followed by a stable sort gives."""
    ordered = sorted(keys)
    if all(_LETTERS.fullmatch(k) for k in ordered):
        return ordered
    return sorted(ordered, key=_GO_ORDER)


class _Dumper(_BASE):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_go_map(self, data: dict[Any, Any]) -> Any:
        if not all(isinstance(k, str) for k in data):
            return self.represent_dict(data)
        pairs = [(k, data[k]) for k in go_sorted(data)]
        return self.represent_mapping("tag:yaml.org,2002:map", pairs)


_Dumper.add_representer(dict, _Dumper.represent_go_map)


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
    return _mapping(obj, {})


def encode_json_items(head: dict[str, Any], items: Sequence[bytes]) -> bytes:
    """`encode({**head, "items": [the decoded items]})`, decoding SLICE items at a time.

    A list read from the store has its items as JSON bytes: decoded all at once, 10,000 of them
    are ~100,000 live objects whose allocation sets off full garbage collections that stop every
    thread, the event loop's too; decoded a slice at a time, each slice is garbage before the
    next one is made."""
    if not items:
        return _mapping({**head, "items": []}, {})
    slices = (
        [orjson.loads(data) for data in items[start : start + SLICE]]
        for start in range(0, len(items), SLICE)
    )
    return _mapping(head, {"items": (slices, lambda: [orjson.loads(data) for data in items])})


_Sliced = tuple[Iterable[Any], Callable[[], Any]]
"""A big value given as its slices, and how to make it whole (if it must be written at once)."""


def _mapping(obj: dict[str, Any], sliced: dict[str, _Sliced]) -> bytes:
    """The block mapping of `obj`'s entries and `sliced`'s, keys in goyaml's order: small values
    written together, big ones (and those of `sliced`) a slice at a time."""
    parts: list[str] = []
    small: dict[str, Any] = {}
    for key in go_sorted([*obj, *sliced]):
        big = sliced.get(key)
        if big is None:
            value = obj[key]
            if not (
                _SIMPLE_KEY.fullmatch(key)
                and isinstance(value, (dict, list))
                and len(value) > SLICE
            ):
                small[key] = value
                continue
            big = (_slices(value), lambda value=value: value)
        if small:
            parts.append(dump(small))
            small = {}
        parts.extend(_entry_in_slices(key, *big))
    if small:
        parts.append(dump(small))
    return "".join(parts).encode()


def _slices(value: dict[str, Any] | list[Any]) -> list[Any]:
    """A big list or map as SLICE-entry pieces (a map's in goyaml's key order)."""
    if isinstance(value, list):
        return [value[i : i + SLICE] for i in range(0, len(value), SLICE)]
    keys = go_sorted(value)
    return [{k: value[k] for k in keys[i : i + SLICE]} for i in range(0, len(keys), SLICE)]


def _entry_in_slices(key: str, chunks: Iterable[Any], whole: Callable[[], Any]) -> list[str]:
    """`key: value` as the emitter writes it in a block mapping at column 0."""
    head = f"{key}:\n"
    out = [head]
    for chunk in chunks:
        text = dump({key: chunk})
        if not text.startswith(head):  # not a block value after all: write it in one call
            return [dump({key: whole()})]
        out.append(text[len(head) :])
    return out
