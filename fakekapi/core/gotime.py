"""metav1.Time and metav1.MicroTime through Go's JSON: UnmarshalJSON parses with time.Parse
(layouts RFC3339 and RFC3339Micro), MarshalJSON writes `t.UTC().Format(layout)`, and the zero
time is `null` (k8s.io/apimachinery pkg/apis/meta/v1/time.go, micro_time.go).

time.Parse's errors are what kube answers a bad timestamp with (`parsing time "yesterday" as
"2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`), so the layout walk of Go's
time/format.go `parse` is ported for these two layouts: the element that failed, range errors
(`month out of range`), `extra text`, and fractional seconds the layout does not name.
"""

from __future__ import annotations

import functools
import re
import time
from datetime import UTC, datetime

RFC3339 = "2006-01-02T15:04:05Z07:00"
RFC3339_MICRO = "2006-01-02T15:04:05.000000Z07:00"

# (literal prefix, element) pairs of the two layouts, as nextStdChunk splits them: the same
# date and clock, RFC3339_MICRO with its fraction before the zone.
_DATE_CLOCK = (("", "2006"), ("-", "01"), ("-", "02"), ("T", "15"), (":", "04"), (":", "05"))
_CHUNKS = {
    RFC3339: (*_DATE_CLOCK, ("", "Z07:00")),
    RFC3339_MICRO: (*_DATE_CLOCK, ("", ".000000"), ("", "Z07:00")),
}
_CANONICAL = {
    RFC3339: re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"),
    RFC3339_MICRO: re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"),
}
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class TimeError(ValueError):
    """time.Parse refused the text; the message is Go's ParseError text."""


def _quote(s: str) -> str:
    """time's quote(): bytes outside printable ASCII as \\xNN."""
    out = ['"']
    for c in s:
        if c < " " or c >= "\x80":
            out.extend(f"\\x{b:02x}" for b in c.encode("utf-8", "surrogatepass"))
        else:
            if c in ('"', "\\"):
                out.append("\\")
            out.append(c)
    out.append('"')
    return "".join(out)


def _error(layout: str, value: str, elem: str, rest: str, message: str = "") -> TimeError:
    if message:
        return TimeError(f"parsing time {_quote(value)}{message}")
    return TimeError(
        f"parsing time {_quote(value)} as {_quote(layout)}: cannot parse {_quote(rest)} as "
        f"{_quote(elem)}"
    )


def _digit(s: str, i: int) -> bool:
    return len(s) > i and "0" <= s[i] <= "9"


def _getnum(s: str, fixed: bool) -> tuple[int, str] | None:
    if not _digit(s, 0):
        return None
    if not _digit(s, 1):
        return None if fixed else (int(s[0]), s[1:])
    return int(s[:2]), s[2:]


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def parse(value: str, layout: str = RFC3339) -> tuple[int, int]:
    """time.Parse(layout, value) → (Unix seconds, nanoseconds); raises TimeError."""
    year = month = day = hour = minute = sec = nsec = offset = 0
    rest = value
    chunks = _CHUNKS[layout]
    for i, (prefix, elem) in enumerate(chunks):
        if not rest.startswith(prefix):
            # skip() stops at the first byte that differs
            common = 0
            while common < len(prefix) and common < len(rest) and rest[common] == prefix[common]:
                common += 1
            raise _error(layout, value, prefix[common:], rest[common:])
        rest = rest[len(prefix) :]
        hold = rest
        bad = False
        range_err = ""
        if elem == "2006":
            if len(rest) < 4 or not _digit(rest, 0) or not rest[:4].isdigit():
                bad = True
            else:
                year, rest = int(rest[:4]), rest[4:]
        elif elem in ("01", "02", "15", "04", "05"):
            got = _getnum(rest, elem != "15")
            if got is None:
                bad = True
            else:
                n, rest = got
                if elem == "01":
                    month = n
                    range_err = "month" if not 1 <= n <= 12 else ""
                elif elem == "02":
                    day = n
                elif elem == "15":
                    hour = n
                    range_err = "hour" if n >= 24 else ""
                elif elem == "04":
                    minute = n
                    range_err = "minute" if n >= 60 else ""
                else:
                    sec = n
                    range_err = "second" if n >= 60 else ""
                    next_is_frac = i + 1 < len(chunks) and chunks[i + 1][1] == ".000000"
                    frac = len(rest) >= 2 and rest[0] in ".," and _digit(rest, 1)
                    if not range_err and not next_is_frac and frac:
                        n_end = 2
                        while _digit(rest, n_end):
                            n_end += 1
                        nsec = int(rest[1:n_end][:9].ljust(9, "0"))
                        rest = rest[n_end:]
        elif elem == ".000000":
            if len(rest) < 7 or rest[0] not in ".," or not rest[1:7].isdigit():
                bad = True
            else:
                nsec, rest = int(rest[1:7]) * 1000, rest[7:]
        else:  # Z07:00
            if rest[:1] == "Z":
                rest = rest[1:]
            elif len(rest) < 6 or rest[3] != ":" or rest[0] not in "+-":
                bad = True
            else:
                hh, mm = _getnum(rest[1:3], True), _getnum(rest[4:6], True)
                if hh is None or mm is None:
                    bad = True
                else:
                    if hh[0] > 24:
                        range_err = "time zone offset hour"
                    elif mm[0] > 60:
                        range_err = "time zone offset minute"
                    offset = (hh[0] * 60 + mm[0]) * 60 * (-1 if rest[0] == "-" else 1)
                    rest = rest[6:]
        if range_err:
            raise _error(layout, value, elem, rest, f": {range_err} out of range")
        if bad:
            raise _error(layout, value, elem, hold)
    if rest:
        raise _error(layout, value, "", rest, f": extra text: {_quote(rest)}")
    dim = 29 if month == 2 and _leap(year) else _DAYS[month - 1]
    if day < 1 or day > dim:
        raise _error(layout, value, "", rest, ": day out of range")
    days = _days_from_civil(year, month, day)
    return days * 86400 + hour * 3600 + minute * 60 + sec - offset, nsec


ZERO_UNIX = _days_from_civil(1, 1, 1) * 86400
"""Go's zero time.Time, 0001-01-01T00:00:00Z, in Unix seconds (metav1.Time marshals it as null)."""


def format_utc(seconds: int, nanos: int = 0, layout: str = RFC3339) -> str:
    """`t.UTC().Format(layout)` for the two layouts."""
    days, secs = divmod(seconds, 86400)
    y, m, d = _civil_from_days(days)
    hh, rem = divmod(secs, 3600)
    mm, ss = divmod(rem, 60)
    year = f"{y:04d}" if y >= 0 else f"-{-y:04d}"
    frac = f".{nanos // 1000:06d}" if layout == RFC3339_MICRO else ""
    return f"{year}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}{frac}Z"


def from_json(value: object, layout: str = RFC3339) -> str | None:
    """UnmarshalJSON then MarshalJSON of a decoded JSON value; None is JSON null (the zero
    time). Raises TimeError with Go's message (a non-string: json's UnmarshalTypeError)."""
    if value.__class__ is str:
        return _from_text(value, layout)
    return _from_value(value, layout)


@functools.lru_cache(maxsize=256)
def _from_text(value: str, layout: str) -> str | None:
    """`from_json` of a string, remembered: every write of an object re-encodes its times, and
    the times of one second (creationTimestamp, the managedFields entry's time) are the same
    text for every write in it. A refused text raises each time (exceptions are not kept)."""
    return _from_value(value, layout)


def _from_value(value: object, layout: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        kind = (
            "bool"
            if isinstance(value, bool)
            else "number"
            if isinstance(value, int | float)
            else "array"
            if isinstance(value, list)
            else "object"
        )
        raise TimeError(f"json: cannot unmarshal {kind} into Go value of type string")
    if (
        _CANONICAL[layout].fullmatch(value)
        and 1 <= int(value[5:7]) <= 12
        and 1 <= int(value[8:10]) <= 28
        and int(value[11:13]) < 24
        and int(value[14:16]) < 60
        and int(value[17:19]) < 60
    ):
        return None if _zero(value) else value
    seconds, nanos = parse(value, layout)
    if seconds == ZERO_UNIX and nanos == 0:
        return None
    return format_utc(seconds, nanos, layout)


def _zero(value: str) -> bool:
    return value in ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z")


def now_rfc3339() -> str:
    """Now as metav1.Time marshals it: RFC 3339 in UTC, whole seconds (the text made once per
    second: every write asks for it, and strftime is most of a small write's time handling)."""
    second = int(time.time())
    cached = _NOW
    if cached[0] != second:
        cached = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        globals()["_NOW"] = cached
    return cached[1]


_NOW: tuple[int, str] = (-1, "")


def now_micro() -> str:
    """Now as metav1.MicroTime marshals it: RFC 3339 in UTC with microseconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_DURATION_UNITS = {
    "ns": 1,
    "us": 1000,
    "µs": 1000,
    "μs": 1000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(s: str) -> int:
    """Go's time.ParseDuration: "1h2m3.5s" → nanoseconds; ValueError for what Go refuses.
    The one parser of Go durations (protobuf Duration fields, duration flags, pod knobs)."""
    sign = 1
    body = s
    if body[:1] in "+-" and body:
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    total = 0
    pos = 0
    while pos < len(body):
        m = _DURATION_PART.match(body, pos)
        if not m or m.group(1) in ("", "."):
            raise ValueError(f"invalid duration {s!r}")
        whole, _, frac = m.group(1).partition(".")
        unit = _DURATION_UNITS[m.group(2)]
        total += int(whole or "0") * unit
        if frac:
            total += int(frac) * unit // 10 ** len(frac)
        pos = m.end()
    if not body:
        raise ValueError(f"invalid duration {s!r}")
    return sign * total
