"""The few Prometheus metrics a kube-apiserver dashboard or test looks at first.

`apiserver_request_total` (counter) and `apiserver_request_duration_seconds` (histogram) with
kube's label names, label rules (apiserver `endpoints/metrics/metrics.go`: CleanVerb, CleanScope,
cleanDryRun) and buckets, in the Prometheus text exposition format 0.0.4. The format is a handful
of lines, so it is written here rather than pulling in a client library; label names are sorted
and values escaped as the Go client does.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from fakekapi.core.requestinfo import RequestInfo

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

DURATION_BUCKETS = (
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0,
    10.0, 15.0, 20.0, 30.0, 45.0, 60.0,
)  # fmt: skip

_REQUEST_TOTAL_HELP = (
    "[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, "
    "version, resource, scope, component, and HTTP response code."
)
_DURATION_HELP = (
    "[STABLE] Response latency distribution in seconds for each verb, dry run value, group, "
    "version, resource, subresource, scope and component."
)

_LONG_RUNNING_VERBS = {"watch": "WATCH", "proxy": "CONNECT"}
_RESOURCE_VERBS = {
    "get": "GET",
    "list": "LIST",
    "create": "POST",
    "update": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "deletecollection": "DELETECOLLECTION",
}

Labels = tuple[tuple[str, str], ...]

MEMO_MAX = 4096
"""At most this many remembered label sets in `Metrics.observe_memo` (emptied when full)."""


def request_labels(
    method: str, info: RequestInfo | None, *, dry_run: str = "", apply: bool = False
) -> dict[str, str]:
    """The label set of one request (without `code`)."""
    if info is None or not info.is_resource_request:
        verb = method.upper()
        return {
            "verb": verb,
            "dry_run": dry_run,
            "group": "",
            "version": "",
            "resource": "",
            "subresource": "",
            "scope": "",
            "component": "apiserver",
        }
    verb = _LONG_RUNNING_VERBS.get(info.verb) or _RESOURCE_VERBS.get(info.verb, method.upper())
    if verb == "PATCH" and apply:
        verb = "APPLY"
    if info.name or info.verb == "create":
        scope = "resource"
    elif info.namespace:
        scope = "namespace"
    else:
        scope = "cluster"
    return {
        "verb": verb,
        "dry_run": dry_run,
        "group": info.api_group,
        "version": info.api_version,
        "resource": info.resource,
        "subresource": info.subresource,
        "scope": scope,
        "component": "apiserver",
    }


def clean_dry_run(values: Iterable[str]) -> str:
    """cleanDryRun: the sorted, de-duplicated dryRun values joined with commas."""
    return ",".join(sorted(set(values)))


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(DURATION_BUCKETS))
    total: int = 0
    sum: float = 0.0

    def observe(self, seconds: float) -> None:
        i = bisect.bisect_left(DURATION_BUCKETS, seconds)
        if i < len(self.counts):
            self.counts[i] += 1
        self.total += 1
        self.sum += seconds


class Metrics:
    """In-memory metric values of one server."""

    def __init__(self) -> None:
        self._requests: dict[Labels, int] = {}
        self._durations: dict[Labels, _Histogram] = {}
        self._memo: dict[tuple[Hashable, int], tuple[Labels, _Histogram]] = {}

    def observe_request(self, labels: Mapping[str, str], code: int, seconds: float) -> None:
        with_code, hist = self._series(labels, code)
        self._requests[with_code] = self._requests.get(with_code, 0) + 1
        hist.observe(seconds)

    def observe_memo(
        self,
        memo: Hashable,
        labels: Callable[[], Mapping[str, str]],
        code: int,
        seconds: float,
    ) -> None:
        """`observe_request(labels(), code, seconds)`, where `memo` determines the labels: the
        series of a memo seen before are found without building and sorting the label set
        (clients repeat their requests, and every request is counted)."""
        found = self._memo.get((memo, code))
        if found is None:
            found = self._series(labels(), code)
            if len(self._memo) >= MEMO_MAX:
                self._memo.clear()
            self._memo[(memo, code)] = found
        with_code, hist = found
        self._requests[with_code] = self._requests.get(with_code, 0) + 1
        hist.observe(seconds)

    def _series(self, labels: Mapping[str, str], code: int) -> tuple[Labels, _Histogram]:
        """The request counter's key (labels and code) and the duration histogram (labels)."""
        key = tuple(sorted(labels.items()))
        with_code = tuple(sorted((*labels.items(), ("code", str(code)))))
        hist = self._durations.get(key)
        if hist is None:
            hist = self._durations[key] = _Histogram()
        return with_code, hist

    def request_count(self, **labels: str) -> int:
        """The sum of apiserver_request_total over series matching every given label (tests)."""
        return sum(
            n
            for key, n in self._requests.items()
            if all(dict(key).get(k) == v for k, v in labels.items())
        )

    def render(self) -> bytes:
        """The text exposition of every metric."""
        out: list[str] = [
            f"# HELP apiserver_request_duration_seconds {_DURATION_HELP}",
            "# TYPE apiserver_request_duration_seconds histogram",
        ]
        for key in sorted(self._durations):
            hist = self._durations[key]
            cumulative = 0
            for bound, n in zip(DURATION_BUCKETS, hist.counts, strict=True):
                cumulative += n
                out.append(
                    "apiserver_request_duration_seconds_bucket"
                    f"{_labels(key, ('le', _num(bound)))} {cumulative}"
                )
            out.append(
                f"apiserver_request_duration_seconds_bucket{_labels(key, ('le', '+Inf'))} "
                f"{hist.total}"
            )
            out.append(f"apiserver_request_duration_seconds_sum{_labels(key)} {_num(hist.sum)}")
            out.append(f"apiserver_request_duration_seconds_count{_labels(key)} {hist.total}")
        out.append(f"# HELP apiserver_request_total {_REQUEST_TOTAL_HELP}")
        out.append("# TYPE apiserver_request_total counter")
        for key in sorted(self._requests):
            out.append(f"apiserver_request_total{_labels(key)} {self._requests[key]}")
        return ("\n".join(out) + "\n").encode()


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(key: Labels, *extra: tuple[str, str]) -> str:
    pairs = sorted(key) + list(extra)
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _num(v: float) -> str:
    """Go's strconv 'g' formatting for the common cases (`1`, `0.005`, `2.5`)."""
    s = repr(float(v))
    return s[:-2] if s.endswith(".0") else s
