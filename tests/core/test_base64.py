"""core.gojson.base64_decode: canonical text takes binascii's path and gives what Go's
StdEncoding loop gives; anything else keeps Go's skipping and error offsets."""

from __future__ import annotations

import base64
import random

import pytest

from fakekapi.core import gojson
from fakekapi.core.gojson import Base64Error, base64_decode
from fakekapi.core.lazyre import LazyPattern

_NEVER = LazyPattern(r"(?!)")
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


def _reencoded(s: str) -> str:
    """What `base64_canonical` must give: the decoded bytes encoded again (or the error)."""
    try:
        return base64.b64encode(base64_decode(s)).decode("ascii")
    except Base64Error as e:
        return f"error: {e}"


def test_the_check_and_the_re_encoding_agree_with_decoding() -> None:
    """`base64_check` refuses what decoding refuses; `base64_canonical` is the decoded bytes
    encoded again (whole unpadded quads come back as they are, a padded quad's unused bits
    are dropped, newlines are skipped)."""
    rng = random.Random(16)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n\r -_"
    texts = ["", "QQ==", "QR==", "QUI=", "QUJ=", "QUJD", "QU\nJD", "QUJD\n", "!", "QUJ", "QQ=\n="]
    for _ in range(3000):
        text = base64.b64encode(rng.randbytes(rng.randint(0, 12))).decode()
        if rng.random() < 0.5:
            i = rng.randint(0, len(text))
            text = text[:i] + rng.choice(alphabet) + text[i:]
        texts.append(text)
    for text in texts:
        try:
            got = gojson.base64_canonical(text)
        except Base64Error as e:
            got = f"error: {e}"
        assert got == _reencoded(text), text
        try:
            gojson.base64_check(text)
            checked = ""
        except Base64Error as e:
            checked = str(e)
        decoded = _decode(text)
        assert checked == (decoded if isinstance(decoded, str) else ""), text
