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


CHUNK_BYTES = 512 * 1024
"""About how many bytes each of `RawList.json_chunks`' pieces holds: big enough that writing a
piece costs little next to its bytes, small enough that the first ones are on the wire (and
being read) while the next are encrypted."""


@dataclass(slots=True)
class RawList:
    """A `<Kind>List` of stored objects, written as JSON without decoding them."""

    kind: str
    api_version: str
    metadata: dict[str, Any]
    stored: list[bytes]
    """Each item's stored JSON bytes, as the store holds them."""
    strip_type_meta: bool = True
    """Built-in kinds' list items carry no kind/apiVersion (`list_item`)."""

    @property
    def head(self) -> dict[str, Any]:
        """The list without its items."""
        return {"kind": self.kind, "apiVersion": self.api_version, "metadata": self.metadata}

    @property
    def items(self) -> list[bytes]:
        """Each item's JSON as the list holds it."""
        return [list_item(data, self.strip_type_meta) for data in self.stored]

    def json_chunks(self, size: int = 0) -> list[bytes]:
        """`to_json()` in pieces of about `size` (default `CHUNK_BYTES`) bytes, cut between items.

        An item without its leading kind and apiVersion is written as `{` and a view of the
        stored bytes past them: each item's bytes are copied once, into its piece."""
        size = size or CHUNK_BYTES
        head = orjson.dumps(
            {"kind": self.kind, "apiVersion": self.api_version, "metadata": self.metadata}
        )
        chunks: list[bytes] = []
        parts: list[bytes | memoryview] = [head[:-1], b',"items":[']
        filled = 0
        sep = b""
        open_sep = b"{"
        strip = self.strip_type_meta
        match = _LEADING_TYPE_META.match
        for data in self.stored:
            m = match(data) if strip else None
            if m is not None:
                rest = memoryview(data)[m.end() :]
                parts.append(open_sep)
                parts.append(rest)
                filled += len(rest)
            else:
                item = list_item(data, strip)
                if sep:
                    parts.append(sep)
                parts.append(item)
                filled += len(item)
            sep, open_sep = b",", b",{"
            if filled >= size:
                chunks.append(b"".join(parts))
                parts, filled = [], 0
        parts.append(b"]}")
        chunks.append(b"".join(parts))
        return chunks

    def to_json(self) -> bytes:
        """The list's JSON (compact, as orjson writes the same list decoded)."""
        return b"".join(self.json_chunks())

    def to_dict(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """The list with its items decoded (by the caller, which decodes them in turns)."""
        return {**self.head, "items": items}
