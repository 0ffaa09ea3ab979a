"""`--max-requests-inflight` and `--max-mutating-requests-inflight`: apiserver
`pkg/server/filters/maxinflight.go` `WithMaxInFlightLimit`.

Two pools of slots, one for reads (verbs get, list, watch) and one for everything else. A
request takes a slot for as long as it is served; when its pool is full it is refused with
`429` and `Retry-After: 1`, the plain-text body of Go's `http.Error` ("Too many requests, please
try again later."), before authorization (the filter sits between impersonation and
authorization in `DefaultBuildHandlerChain`). Exempt, as in kube:

* long-running requests (`BasicLongRunningRequestCheck` as kube-apiserver configures it: verbs
  watch and proxy; subresources attach, exec, proxy, log, portforward), which never take a slot;
* members of `system:masters`, served without a slot when the pool is full ("A system:master is
  so powerful that they should always get an answer").

A limit of 0 turns its pool off. kube 1.33 enables API Priority and Fairness by default, which
uses these flags' sum as its total concurrency and queues before refusing; fakekapi implements
the filter kube uses with `--enable-priority-and-fairness=false`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakekapi.core.errors import PlainHTTPError
from fakekapi.core.requestinfo import RequestInfo

DEFAULT_MAX_REQUESTS_INFLIGHT = 400
DEFAULT_MAX_MUTATING_REQUESTS_INFLIGHT = 200
RETRY_AFTER = "1"
TOO_MANY_REQUESTS = "Too many requests, please try again later."

NON_MUTATING_VERBS = frozenset({"get", "list", "watch"})
LONG_RUNNING_VERBS = frozenset({"watch", "proxy"})
LONG_RUNNING_SUBRESOURCES = frozenset({"attach", "exec", "proxy", "log", "portforward"})


def is_long_running(info: RequestInfo) -> bool:
    """kube-apiserver's LongRunningFunc (`BasicLongRunningRequestCheck`)."""
    if info.verb in LONG_RUNNING_VERBS:
        return True
    if info.is_resource_request and info.subresource in LONG_RUNNING_SUBRESOURCES:
        return True
    return not info.is_resource_request and info.path.startswith("/debug/pprof/")


def too_many_requests() -> PlainHTTPError:
    """maxinflight.go `tooManyRequests`: http.Error's text/plain body, Retry-After: 1."""
    return PlainHTTPError(429, TOO_MANY_REQUESTS + "\n", {"Retry-After": RETRY_AFTER})


@dataclass
class InFlight:
    """The two pools (a limit of 0: no pool) and what they have refused."""

    max_read_only: int = DEFAULT_MAX_REQUESTS_INFLIGHT
    max_mutating: int = DEFAULT_MAX_MUTATING_REQUESTS_INFLIGHT
    read_only: int = 0
    mutating: int = 0
    dropped_read_only: int = 0
    dropped_mutating: int = 0

    def acquire(self, mutating: bool) -> bool | None:
        """Take a slot: True when taken, None when the pool is off, False when it is full (and
        the refusal counted, as kube's apiserver_dropped_requests_total)."""
        if mutating:
            if not self.max_mutating:
                return None
            if self.mutating >= self.max_mutating:
                self.dropped_mutating += 1
                return False
            self.mutating += 1
            return True
        if not self.max_read_only:
            return None
        if self.read_only >= self.max_read_only:
            self.dropped_read_only += 1
            return False
        self.read_only += 1
        return True

    def release(self, mutating: bool) -> None:
        if mutating:
            self.mutating -= 1
        else:
            self.read_only -= 1
