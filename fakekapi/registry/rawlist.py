"""Lists and objects as the store's JSON bytes, written into responses without re-encoding.

kube-apiserver's watch cache serializes each object once per encoding and reuses the bytes for
every LIST and watch (`cachingObject`); the store here keeps each object as its JSON bytes, so a
LIST is the list's own few fields followed by the stored bytes of its items, joined. Built-in
kinds' list items carry no `kind`/`apiVersion` (typed lists drop TypeMeta): when those are the
object's first two keys (as Go's encoding writes them) the item is the stored bytes past them,
else the item is decoded, stripped and encoded again. Either way the bytes equal what encoding
the decoded list would give (orjson writes a dict's keys in order, a JSON object has each key once).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

_STR = rb'"(?:[^"\\]|\\.)*"'
_LEADING_TYPE_META = re.compile(
    rb'\{(?:"kind":' + _STR + rb',"apiVersion":' + _STR + rb'|"apiVersion":' + _STR
    + rb',"kind":' + _STR + rb"),"
)  # fmt: skip


def _match_all(obj: dict[str, Any]) -> bool:
    return True


MATCH_ALL: Callable[[dict[str, Any]], bool] = _match_all
"""The matcher of a list or watch without selectors: objects need not be decoded for it."""


def list_item(data: bytes, strip_type_meta: bool) -> bytes:
    """An object's bytes as a list item: without its kind and apiVersion for built-in kinds."""
    if not strip_type_meta:
        return data
    m = _LEADING_TYPE_META.match(data)
    if m is not None:
        return b"{" + data[m.end() :]
    obj = orjson.loads(data)
    if isinstance(obj, dict):
        obj.pop("kind", None)
        obj.pop("apiVersion", None)
    return orjson.dumps(obj)


@dataclass(slots=True)
class RawList:
    """A `<Kind>List` whose items are JSON bytes."""

    kind: str
    api_version: str
    metadata: dict[str, Any]
    items: list[bytes]

    def to_json(self) -> bytes:
        """The list's JSON (compact, as orjson writes the same list decoded)."""
        head = orjson.dumps(
            {"kind": self.kind, "apiVersion": self.api_version, "metadata": self.metadata}
        )
        return b"".join((head[:-1], b',"items":[', b",".join(self.items), b"]}"))

    def to_dict(self) -> dict[str, Any]:
        """The list decoded (fresh dicts the caller may change)."""
        return {
            "kind": self.kind,
            "apiVersion": self.api_version,
            "metadata": self.metadata,
            "items": [orjson.loads(item) for item in self.items],
        }
