"""How Go's encoding/json names JSON values in its errors, which kube-apiserver passes on verbatim.

`json: cannot unmarshal <type> into Go struct field ...` is what clients see for a body of the
wrong shape; one function keeps every such message naming types the same way.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping
from typing import Any

from fakekapi.core.lazyre import LazyPattern

_HTML_ESCAPES = (
    ("&", "\\u0026"),
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def marshal(value: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON as Go's encoding/json.Marshal writes it: `<`, `>`, `&`, U+2028 and U+2029
    escaped, non-ASCII kept. `sort_keys` for Go maps (marshalled in key order); structs keep
    their field order, which is the order of `value` here. The one home of Go's JSON text."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)
    for ch, esc in _HTML_ESCAPES:
        if ch in text:
            text = text.replace(ch, esc)
    return text


def unmarshal_type(v: Any) -> str:
    """The `<type>` of an UnmarshalTypeError: object, array, string, bool, number (null: null)."""
    if isinstance(v, Mapping):
        return "object"
    if isinstance(v, list):
        return "array"
    if isinstance(v, str):
        return "string"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    return "null" if v is None else "value"


_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUES = {c: i for i, c in enumerate(_B64_ALPHABET)}


class Base64Error(ValueError):
    """base64.CorruptInputError: `illegal base64 data at input byte N`."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"illegal base64 data at input byte {offset}")
        self.offset = offset


_CANONICAL_B64 = LazyPattern(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
"""Base64 with nothing for the decoder below to skip or refuse: whole quads of the alphabet, the
last one padded where short."""


def base64_check(s: str) -> None:
    """Raise the Base64Error `base64_decode(s)` would raise, decoding nothing when `s` is
    canonical (which decodes without error): a body's []byte values are checked at decode time,
    and only the stored encoding needs their bytes."""
    if not _CANONICAL_B64.fullmatch(s):
        _go_decode(s)


def base64_canonical(s: str) -> str:
    """StdEncoding.EncodeToString of `base64_decode(s)`: how a []byte marshals again. Text of
    whole unpadded quads is its own encoding (each quad is three bytes and back, no unused
    bits), so it is returned as it is; a padded or non-canonical text is decoded and encoded."""
    if _CANONICAL_B64.fullmatch(s):
        if not s.endswith("="):
            return s
        data = binascii.a2b_base64(s)
    else:
        data = _go_decode(s)
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def base64_decode(s: str) -> bytes:
    """encoding/base64 StdEncoding.Decode, as encoding/json decodes a []byte: padding
    required, CR and LF skipped anywhere, the error offset counted in input bytes.

    Canonical text (every Secret value a client sends) is decoded by binascii, which gives the
    same bytes (both ignore the unused bits of a padded quad): the loop below, written for Go's
    skipping and error offsets, took ~30 us for a 48-character value, and a Secret's values go
    through it three times per write."""
    if _CANONICAL_B64.fullmatch(s):
        return binascii.a2b_base64(s)
    return _go_decode(s)


def _go_decode(s: str) -> bytes:
    """StdEncoding.Decode's own loop: any text, Go's skipping and error offsets."""
    src = s.encode("utf-8", "surrogatepass")
    out = bytearray()
    si = 0
    n = len(src)
    while True:
        dbuf = [0, 0, 0, 0]
        dlen = 4
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise Base64Error(si - j)
            c = src[si]
            si += 1
            v = _B64_VALUES.get(chr(c)) if c < 128 else None
            if v is not None:
                dbuf[j] = v
                j += 1
                continue
            if c in (0x0A, 0x0D):
                continue
            if c != 0x3D:  # '='
                raise Base64Error(si - 1)
            if j in (0, 1):
                raise Base64Error(si - 1)
            if j == 2:
                while si < n and src[si] in (0x0A, 0x0D):
                    si += 1
                if si == n:
                    raise Base64Error(n)
                if src[si] != 0x3D:
                    raise Base64Error(si - 1)
                si += 1
            while si < n and src[si] in (0x0A, 0x0D):
                si += 1
            if si < n:
                raise Base64Error(si)
            dlen = j
            break
        val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3]
        chunk = bytes(((val >> 16) & 0xFF, (val >> 8) & 0xFF, val & 0xFF))
        out += chunk[: dlen - 1]
        if dlen < 4:
            return bytes(out)
