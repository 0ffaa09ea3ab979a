"""The apimachinery types whose JSON is not their protobuf shape: Time, MicroTime, Duration,
Quantity. Each function reproduces the Go MarshalJSON/parse code it is named after, because
kubectl compares and prints these strings and a client-go round trip must give the same text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fakekapi.core import gotime, quantity

GO_ZERO_UNIX = gotime.ZERO_UNIX
"""Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds: metav1.Time writes it as null."""


def time_json(seconds: int) -> str | None:
    """metav1.Time: whole seconds, UTC, RFC 3339; the zero time is null."""
    if seconds == GO_ZERO_UNIX:
        return None
    return gotime.format_utc(seconds)


def microtime_json(seconds: int, nanos: int) -> str | None:
    """metav1.MicroTime: RFC 3339 with six (truncated) fractional digits; zero time is null."""
    seconds += nanos // 1_000_000_000
    nanos %= 1_000_000_000
    if seconds == GO_ZERO_UNIX and nanos == 0:
        return None
    return gotime.format_utc(seconds, nanos, gotime.RFC3339_MICRO)


def parse_time(s: str) -> tuple[int, int]:
    """RFC 3339 → (unix seconds, nanoseconds); for the encoder (years 1-9999)."""
    m = re.fullmatch(r"(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", s)
    if not m:
        raise ValueError(f"not an RFC 3339 time: {s!r}")
    base, frac, zone = m.groups()
    dt = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    seconds = delta.days * 86400 + delta.seconds
    nanos = int((frac or "0")[:9].ljust(9, "0"))
    return seconds, nanos


def _frac(v: int, prec: int) -> tuple[str, int]:
    digits = ""
    printing = False
    for _ in range(prec):
        digit = v % 10
        printing = printing or digit != 0
        if printing:
            digits = str(digit) + digits
        v //= 10
    return ("." + digits if printing else ""), v


def duration_json(ns: int) -> str:
    """Go's time.Duration.String() (metav1.Duration marshals to it)."""
    ns = (ns + (1 << 63)) % (1 << 64) - (1 << 63)  # int64 wrap-around
    neg = ns < 0
    u = -ns if neg else ns
    if u < 1_000_000_000:
        if u == 0:
            return "0s"
        if u < 1000:
            prec, unit = 0, "ns"
        elif u < 1_000_000:
            prec, unit = 3, "µs"
        else:
            prec, unit = 6, "ms"
        frac, u = _frac(u, prec)
        out = f"{u}{frac}{unit}"
    else:
        frac, u = _frac(u, 9)
        out = f"{u % 60}{frac}s"
        u //= 60
        if u > 0:
            out = f"{u % 60}m{out}"
            u //= 60
            if u > 0:
                out = f"{u}h{out}"
    return "-" + out if neg else out


parse_duration = gotime.parse_duration


def check_quantity(s: str) -> str | None:
    """resource.ParseQuantity's error for `s`, or None when it parses (core/quantity)."""
    try:
        quantity.parse(s)
    except quantity.QuantityError as e:
        return str(e)
    return None
