"""The live request feed: the records the access log is written from, for the console.

Each finished request becomes one record (method, URI, status, user and groups, how it
authenticated, the authorization decision and explanation, latency, masked headers, the Status
body of an error). The last `CAPACITY` are kept; subscribers (open console streams) get each new
one. Nothing secret is recorded: credentials in headers are masked, bodies other than a failure's
Status are not kept, and the console's own feed requests are left out (they would echo forever).

Cost on the hot path: one small record per request appended to a bounded deque; the request's
headers are kept as they are (read-only) and masked, like the rest of the JSON form, only when a
console reads the record.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from fakekapi.core.requestinfo import RequestInfo
    from fakekapi.server.state import RequestState

CAPACITY = 500
FEED_PATH = "/fakekapi/v1/requests"
_SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization", "x-remote-user"}
_SHOWN_HEADERS = (
    "accept",
    "content-type",
    "user-agent",
    "impersonate-user",
    "impersonate-group",
    "audit-id",
)


_LEFT_OUT = (FEED_PATH, "/ui")
"""The console's own requests: its feed (which would echo forever) and its assets."""


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers a learner may see: credentials replaced by their scheme and `<masked>`."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower in _SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            out[name] = f"{scheme} <masked>".strip()
        elif lower in _SHOWN_HEADERS:
            out[name] = value
    return out


class _Entry(NamedTuple):
    seq: int
    at: float
    method: str
    uri: str
    code: int
    latency_ms: float
    user: str
    groups: tuple[str, ...]
    authn: str
    authn_error: str
    decision: str
    reason: str
    explanation: str
    verb: str
    namespace: str
    resource: str
    headers: Mapping[str, str]
    """The request's headers as received (masked by `to_json`)."""
    status: dict[str, Any] | None
    audit_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.at))
            + f".{int(self.at * 1000) % 1000:03d}Z",
            "method": self.method,
            "uri": self.uri,
            "code": self.code,
            "latencyMs": round(self.latency_ms, 1),
            "user": self.user,
            "groups": list(self.groups),
            "authentication": self.authn,
            "authenticationError": self.authn_error,
            "decision": self.decision,
            "reason": self.reason,
            "explanation": self.explanation,
            "verb": self.verb,
            "namespace": self.namespace,
            "resource": self.resource,
            "headers": mask_headers(self.headers),
            "status": self.status,
            "auditID": self.audit_id,
        }


def _about(info: RequestInfo | None) -> tuple[str, str, str]:
    return (info.verb, info.namespace, info.resource) if info is not None else ("", "", "")


def _entry(values: tuple[Any, ...]) -> _Entry:
    """The record of a ring item (seq, at, method, uri, code, latency, facts, headers, status)."""
    seq, at, method, uri, code, latency_ms, facts, headers, status = values
    user = facts.user
    name, groups = (user.name, tuple(user.groups)) if user is not None else ("", ())
    return _Entry(
        seq, at, method, uri, code, latency_ms, name, groups, facts.authn_method,
        facts.authn_error, facts.decision, facts.authz_reason, facts.authz_explanation,
        *_about(facts.info), headers, status, facts.audit_id,
    )  # fmt: skip


@dataclass
class RequestFeed:
    """The ring of recent records and the queues of open streams."""

    capacity: int = CAPACITY
    _ring: deque[tuple[Any, ...]] = field(init=False)
    """The records as `add_request` keeps them (made into `_Entry`s when read)."""
    _subscribers: set[asyncio.Queue[_Entry]] = field(default_factory=set)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    users_seen: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ring = deque(maxlen=self.capacity)

    def add_request(
        self,
        method: str,
        uri: str,
        code: int,
        latency_ms: float,
        state: RequestState,
        headers: Mapping[str, str],
        status: dict[str, Any] | None,
    ) -> None:
        """Record a request as the pipeline's state tells it (once per request: the state is
        kept as it is and read only when a console reads the record)."""
        if uri.startswith(_LEFT_OUT):
            return
        user = state.user
        if user is not None and user.name:
            seen = self.users_seen
            seen[user.name] = tuple(user.groups)
            if len(seen) > 1000:
                seen.pop(next(iter(seen)))
        values = (
            next(self._seq),
            time.time(),
            method,
            uri,
            code,
            latency_ms,
            state,
            headers,
            status,
        )
        self._ring.append(values)
        if self._subscribers:
            entry = _entry(values)
            for queue in self._subscribers:
                if queue.qsize() < self.capacity:
                    queue.put_nowait(entry)

    def recent(self) -> list[dict[str, Any]]:
        return [_entry(values).to_json() for values in self._ring]

    def subscribe(self) -> asyncio.Queue[_Entry]:
        queue: asyncio.Queue[_Entry] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[_Entry]) -> None:
        self._subscribers.discard(queue)


__all__ = ["CAPACITY", "FEED_PATH", "RequestFeed", "mask_headers"]
