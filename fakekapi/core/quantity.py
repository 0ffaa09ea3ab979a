"""resource.Quantity as apimachinery parses and prints it (k8s.io/apimachinery
pkg/api/resource/quantity.go, amount.go, suffix.go).

kube-apiserver decodes every quantity (container resources, ResourceQuota, LimitRange, PVC sizes,
node capacity...) into a Quantity and stores what MarshalJSON writes back: the canonical form
(`1.5Gi` → `1536Mi`, `0.5` → `500m`, `2048Mi` → `2Gi`), unless ParseQuantity found the text
already canonical and kept it as written (quantity.go: "if the number is in canonical form,
reuse the string" — which is why `+100Mi` and `100m` come back as sent).

A value is kept as an exact integer `unscaled` times 10**`exp`: no floats anywhere, as in Go.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from fractions import Fraction

SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT = f"quantities must match the regular expression '{SPLIT_RE}'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT = "DecimalSI", "BinarySI", "DecimalExponent"

_NANO = -9
_MAX_INT64 = 2**63 - 1
_MAX_INT64_FACTORS = 18
_DIGITS = frozenset("0123456789")
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DEC_SUFFIXES = {
    "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18
}  # fmt: skip
_BIN_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_BY_EXP = {e: s for s, e in _DEC_SUFFIXES.items()}
_BIN_BY_EXP = {e: s for s, e in _BIN_SUFFIXES.items()}
_MAX_DIGITS = 4000
"""Longer digit strings than Python converts to int by default (4300) are refused as
ErrNumeric; kube would take them, but no real quantity has them."""


class QuantityError(ValueError):
    """A string ParseQuantity refuses; the message is apimachinery's error text."""


class Quantity(NamedTuple):
    """A parsed quantity: the value `unscaled * 10**exp`, its format, and the text MarshalJSON
    writes verbatim when ParseQuantity kept it (`s`, else "")."""

    unscaled: int
    exp: int
    format: str
    s: str = ""

    def __str__(self) -> str:
        return self.s or canonical(self)


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """parseQuantityString: (positive, value, num, denom, suffix); raises ERR_FORMAT."""
    positive = True
    pos = 0
    end = len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    while pos < end and text[pos] == "0":  # leading zeros
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos >= end:
        return positive, text, text[start:] or "0", "", ""
    num = text[start:pos] or "0"
    denom = ""
    if text[pos] == ".":
        pos += 1
        dstart = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[dstart:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos >= end:
        return positive, value, num, denom, text[suffix_start:]
    if text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(ERR_FORMAT)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, int, str]:
    """suffixer.interpret: (base, exponent, format); raises ERR_SUFFIX."""
    if suffix in _DEC_SUFFIXES:
        return 10, _DEC_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIXES:
        return 2, _BIN_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[:1] in "+-" else digits
        if body and all(c in _DIGITS for c in body) and len(body) <= 19:
            exp = int(digits)
            if -(2**63) <= exp < 2**63:
                # int32(parsed): Go truncates the exponent to 32 bits
                exp32 = (exp + 2**31) % 2**32 - 2**31
                return 10, exp32, DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX)


def parse(text: str) -> Quantity:
    """ParseQuantity(text); raises QuantityError with apimachinery's message."""
    if not text:
        raise QuantityError(ERR_FORMAT)
    if text == "0":
        return Quantity(0, 0, DECIMAL_SI, "0")
    positive, _value, num, denom, suffix = _split(text)
    base, exponent, fmt = _interpret(suffix)
    if len(num) + len(denom) > _MAX_DIGITS:
        raise QuantityError(ERR_NUMERIC)
    sign = 1 if positive else -1
    # The int64 fast path: an exact value, and the text kept when it is already canonical.
    precision = -1
    mantissa = 1
    if fmt in (DECIMAL_EXPONENT, DECIMAL_SI):
        scale = exponent
        precision = _MAX_INT64_FACTORS - (len(num) + len(denom))
    else:
        scale = 0
        if exponent >= 0 and not denom:
            mantissa = 1 << exponent
            precision = 15 - len(num) - int(exponent * 3 / 10) - 1
    if precision >= 0:
        scale -= len(denom)
        if scale >= _NANO:
            shifted = num + denom
            value = int(shifted)
            if value > _MAX_INT64:
                raise QuantityError(ERR_NUMERIC)
            result = value * mantissa
            if result <= _MAX_INT64:
                keep = (
                    (exponent % 10 == 0 and value & 7 != 0)
                    if fmt == BINARY_SI
                    else (scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0")
                )
                return Quantity(sign * result, scale, fmt, text if keep else "")
    # The inf.Dec path: exact, then rounded up to nano units and capped.
    unscaled = int(num + denom)
    exp = -len(denom)
    if base == 10:
        exp += exponent
    else:
        unscaled <<= exponent
    if unscaled != 0 and exp < _NANO:
        shift = _NANO - exp
        if shift > len(str(unscaled)) + 1:
            unscaled = 1
        else:
            div = 10**shift
            unscaled = -(-unscaled // div)  # rounding up (away from zero: non-negative here)
        exp = _NANO
    if fmt == BINARY_SI and _compare(unscaled, exp, _MAX_INT64) > 0:
        unscaled, exp = _MAX_INT64, 0
    if fmt == BINARY_SI and unscaled > 0 and _compare(unscaled, exp, 1) < 0:
        fmt = DECIMAL_SI
    return Quantity(sign * unscaled, exp, fmt)


def _compare(unscaled: int, exp: int, n: int) -> int:
    """Sign of unscaled*10**exp - n (exponents in range of real quantities)."""
    lhs, rhs = (unscaled * 10**exp, n) if exp >= 0 else (unscaled, n * 10 ** (-exp))
    return 1 if lhs > rhs else -1 if lhs < rhs else 0


def canonical(q: Quantity) -> str:
    """CanonicalizeBytes: the number and suffix MarshalJSON writes when no text was kept."""
    unscaled, exp, fmt = q.unscaled, q.exp, q.format
    if unscaled == 0:
        return "0"
    if fmt == BINARY_SI:
        if _compare(unscaled, exp, -1024) > 0 and _compare(unscaled, exp, 1024) < 0:
            fmt = DECIMAL_SI
        else:
            whole, exact = _round_up_to_int(unscaled, exp)
            if not exact:
                fmt = DECIMAL_SI
            else:
                amount, times = _remove_factors(whole, 1024)
                return f"{amount}{_BIN_BY_EXP.get(times * 10, '')}"
    amount, times = _remove_factors(unscaled, 10)
    exp += times
    while exp % 3 != 0:
        amount *= 10
        exp -= 1
    if fmt == DECIMAL_EXPONENT:
        return f"{amount}e{exp}" if exp else str(amount)
    return f"{amount}{_DEC_BY_EXP.get(exp, '')}"


def _round_up_to_int(unscaled: int, exp: int) -> tuple[int, bool]:
    """AsScale(0): rounding up (away from zero); whether no precision was lost."""
    if exp >= 0:
        return unscaled * 10**exp, True
    div = 10**-exp
    magnitude, rem = divmod(abs(unscaled), div)
    if rem:
        magnitude += 1
    return (magnitude if unscaled > 0 else -magnitude), rem == 0


def _remove_factors(value: int, base: int) -> tuple[int, int]:
    times = 0
    negative = value < 0
    v = -value if negative else value
    while v >= base and v % base == 0:
        v //= base
        times += 1
    return (-v if negative else v), times


def amount(value: object) -> Fraction:
    """The exact amount of a stored quantity (cores, bytes, ...), for code that sums or compares
    them (the scheduler's requests, the volume binder's sizes); 0 when it does not parse, as
    the API server would have refused it. Surrounding white space is ignored.

    `fractions` is imported here, at the first sum: the server starts without it (~4 ms of
    imports) unless pods or claims need one."""
    from fractions import Fraction

    try:
        q = parse(str(value).strip())
    except QuantityError:
        return Fraction(0)
    return Fraction(q.unscaled) * Fraction(10) ** q.exp


@lru_cache(maxsize=4096)
def canonicalize(text: str) -> str:
    """What kube stores for a quantity written as `text` (parse, then MarshalJSON). Cached:
    the same few spellings (`100m`, `128Mi`) recur in every object."""
    return str(parse(text))


def from_json(value: object) -> str:
    """Quantity.UnmarshalJSON then MarshalJSON of a decoded JSON value: strings (surrounding
    spaces trimmed) and numbers parse, null is the zero quantity; raises QuantityError."""
    if value is None:
        return "0"
    if isinstance(value, str):
        text = value.strip(" \t\n\r\v\f")
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = _json_number(value)
    else:
        raise QuantityError(ERR_FORMAT)
    return canonicalize(text)


def _json_number(f: float) -> str:
    """The JSON text encoding/json would have been handed for a float (shortest, no +)."""
    if f.is_integer() and abs(f) < 1e21:
        return str(int(f))
    return repr(f).replace("e+", "e")
