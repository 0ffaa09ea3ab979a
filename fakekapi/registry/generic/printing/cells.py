"""Formatting helpers shared by the printers, each a port of the Go function named in its docstring.

Cells must match kube-apiserver character for character (kubectl prints them verbatim), so these
keep Go's integer arithmetic and its odd corners (`<unknown>` for a zero time, `<none>` for an
empty selector) rather than anything more Pythonic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list

_MICROS_PER_SECOND = 1_000_000


def parse_time(value: Any) -> datetime | None:
    """A metav1.Time / MicroTime string as an aware UTC datetime; None for absent or unparsable."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def micros_between(start: datetime, end: datetime) -> int:
    """end - start in whole microseconds (Go durations are integers; so are these)."""
    delta = end - start
    return (delta.days * 86_400 + delta.seconds) * _MICROS_PER_SECOND + delta.microseconds


def _trunc_div(a: int, b: int) -> int:
    """Go's integer division truncates toward zero; Python's floors."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def human_duration_micros(micros: int) -> str:
    """apimachinery `duration.HumanDuration`: 2-3 significant figures (`3m20s`, `5h`, `2y30d`)."""
    seconds = _trunc_div(micros, _MICROS_PER_SECOND)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if dy == 0 else f"{years}y{dy}d"
    return f"{hours // 24 // 365}y"


def human_duration(start: datetime, end: datetime) -> str:
    """HumanDuration(end.Sub(start))."""
    return human_duration_micros(micros_between(start, end))


def since(value: Any, now: datetime) -> str:
    """printers.go `translateTimestampSince`: the age of a timestamp, `<unknown>` when unset."""
    t = parse_time(value)
    if t is None or t == _GO_ZERO_TIME:
        return "<unknown>"
    return human_duration(t, now)


_GO_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


def rfc3339(value: Any) -> str:
    """`t.UTC().Format(time.RFC3339)`: the generic convertor's `Created At` cell."""
    t = parse_time(value) or _GO_ZERO_TIME
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def get(obj: Any, *path: str | int) -> Any:
    """obj[path...] tolerating missing keys, None and wrong types (Go's zero values)."""
    cur = obj
    for key in path:
        if isinstance(key, int):
            if not isinstance(cur, list) or key >= len(cur):
                return None
            cur = cur[key]
        else:
            if not isinstance(cur, dict):
                return None
            cur = cur.get(key)
    return cur


def as_str(value: Any) -> str:
    """A string field, "" when absent (Go's zero value)."""
    return value if isinstance(value, str) else ""


def as_int(value: Any, default: int = 0) -> int:
    """An integer field, `default` when absent."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return default


def format_labels(labels: Any) -> str:
    """labels.FormatLabels: `k=v,k2=v2` sorted by key, `<none>` when empty."""
    items = as_dict(labels)
    if not items:
        return "<none>"
    return ",".join(f"{k}={items[k]}" for k in sorted(items))


def format_label_selector(selector: Any) -> str:
    """metav1.FormatLabelSelector: `<none>` for nil/empty, else the selector's string form.

    matchLabels become `k=v`; expressions `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; requirements
    sorted by key as labels.Selector.String() does.
    """
    if not isinstance(selector, dict):
        return "<none>"
    reqs: list[tuple[str, str]] = []
    for key, value in as_dict(selector.get("matchLabels")).items():
        reqs.append((str(key), f"{key}={value}"))
    for expr in as_list(selector.get("matchExpressions")):
        key = as_str(get(expr, "key"))
        op = as_str(get(expr, "operator"))
        values = sorted(str(v) for v in as_list(get(expr, "values")))
        if op == "In":
            reqs.append((key, f"{key} in ({','.join(values)})"))
        elif op == "NotIn":
            reqs.append((key, f"{key} notin ({','.join(values)})"))
        elif op == "Exists":
            reqs.append((key, key))
        elif op == "DoesNotExist":
            reqs.append((key, f"!{key}"))
        else:
            return "<error>"
    if not reqs:
        return "<none>"
    reqs.sort(key=lambda r: r[0])
    return ",".join(text for _, text in reqs)


def selector_string(selector: Any) -> str:
    """LabelSelectorAsSelector(sel).String(): like FormatLabelSelector but "" for empty/nil.

    (A nil selector is labels.Nothing(), whose String() is ""; an empty one is Everything(), "".)
    """
    text = format_label_selector(selector)
    return "" if text == "<none>" else text


def layout_container_cells(containers: Iterable[Any]) -> tuple[str, str]:
    """printers.go `layoutContainerCells`: container names and images, comma-joined."""
    names: list[str] = []
    images: list[str] = []
    for c in containers:
        names.append(as_str(get(c, "name")))
        images.append(as_str(get(c, "image")))
    return ",".join(names), ",".join(images)


def template_containers(obj: JSONDict, *path: str) -> list[Any]:
    """spec.template.spec.containers (or a deeper template) as a list."""
    return as_list(get(obj, *path, "spec", "containers"))


def access_modes(modes: Any) -> str:
    """helper.GetAccessModesAsString: RWO,ROX,RWX,RWOP in that fixed order, de-duplicated."""
    present = {m for m in as_list(modes) if isinstance(m, str)}
    order = (
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    )
    return ",".join(short for full, short in order if full in present)


def quantity(value: Any) -> str:
    """A resource.Quantity's String(); stored quantities are already strings, absent is `0`."""
    if value is None:
        return "0"
    return str(value)


def lower_map(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {k.lower(): v for k, v in mapping.items()}


def name_of(obj: JSONDict) -> str:
    """The Name cell every printer starts with."""
    return as_str(get(obj, "metadata", "name"))


def age_of(obj: JSONDict, now: datetime) -> str:
    """The Age cell: HumanDuration since creationTimestamp (`<unknown>` without one)."""
    return since(get(obj, "metadata", "creationTimestamp"), now)


def load_balancer_addresses(ingress: Any) -> str:
    """loadBalancerStatusStringer(wide=true): sorted unique IPs or hostnames, comma-joined.

    Services (External-IP) and Ingresses (Address) print their load balancer the same way.
    """
    found: set[str] = set()
    for entry in as_list(ingress):
        ip = as_str(get(entry, "ip"))
        host = as_str(get(entry, "hostname"))
        if ip:
            found.add(ip)
        elif host:
            found.add(host)
    return ",".join(sorted(found))
