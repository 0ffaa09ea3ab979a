"""core.gojson.base64_decode: canonical text takes binascii's path and gives what Go's
StdEncoding loop gives; anything else keeps Go's skipping and error offsets."""

from __future__ import annotations

import base64
import random
import re

import pytest

from fakekapi.core import gojson
from fakekapi.core.gojson import Base64Error, base64_decode

_NEVER = re.compile(r"(?!)")
"""A pattern nothing matches."""


def _loop(s: str) -> bytes | str:
    """The Go-semantics loop alone (the canonical-text path switched off)."""
    saved = gojson._CANONICAL_B64
    try:
        gojson._CANONICAL_B64 = _NEVER
        return base64_decode(s)
    except Base64Error as e:
        return str(e)
    finally:
        gojson._CANONICAL_B64 = saved


def _decode(s: str) -> bytes | str:
    try:
        return base64_decode(s)
    except Base64Error as e:
        return str(e)


def test_canonical_values_decode_as_the_loop_does() -> None:
    rng = random.Random(15)
    for n in range(0, 70):
        raw = rng.randbytes(n)
        text = base64.b64encode(raw).decode()
        assert _decode(text) == raw == _loop(text)


def test_unused_bits_of_a_padded_quad_are_ignored_on_both_paths() -> None:
    for text in ("AB==", "AAB=", "QUJDRB==", "////"):
        assert _decode(text) == _loop(text)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("QUJD\nREVG", b"ABCDEF"),  # LF skipped, as Go does
        ("QUJD\r\nREVG\n", b"ABCDEF"),
        ("QUJDRA", "illegal base64 data at input byte 4"),  # padding required
        ("QU=D", "illegal base64 data at input byte 2"),
        ("QUJD====", "illegal base64 data at input byte 4"),
        ("QUJ*", "illegal base64 data at input byte 3"),
        ("QUJDRA==QUJD", "illegal base64 data at input byte 8"),
        ("aGVsbG8", "illegal base64 data at input byte 4"),
        ("naïve===", "illegal base64 data at input byte 2"),
    ],
)
def test_other_text_keeps_go_semantics(text: str, want: bytes | str) -> None:
    assert _decode(text) == want == _loop(text)


def test_random_text_agrees_with_the_loop() -> None:
    rng = random.Random(7)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n\r*"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14)))
        assert _decode(text) == _loop(text), text
