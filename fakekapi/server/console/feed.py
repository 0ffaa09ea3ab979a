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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class _Entry:
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


@dataclass
class RequestFeed:
    """The ring of recent records and the queues of open streams."""

    capacity: int = CAPACITY
    _ring: deque[tuple[Any, ...]] = field(init=False)
    """The records' values in `_Entry`'s field order."""
    _subscribers: set[asyncio.Queue[_Entry]] = field(default_factory=set)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    users_seen: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ring = deque(maxlen=self.capacity)

    def add(
        self,
        *,
        method: str,
        uri: str,
        code: int,
        latency_ms: float,
        user: str,
        groups: Iterable[str],
        authn: str,
        authn_error: str,
        decision: str,
        reason: str,
        explanation: str,
        verb: str,
        namespace: str,
        resource: str,
        headers: Mapping[str, str],
        status: dict[str, Any] | None,
        audit_id: str,
    ) -> None:
        self.add_values(
            method,
            uri,
            code,
            latency_ms,
            user,
            tuple(groups),
            authn,
            authn_error,
            decision,
            reason,
            explanation,
            verb,
            namespace,
            resource,
            headers,
            status,
            audit_id,
        )

    def add_values(
        self,
        method: str,
        uri: str,
        code: int,
        latency_ms: float,
        user: str,
        groups: tuple[str, ...],
        authn: str,
        authn_error: str,
        decision: str,
        reason: str,
        explanation: str,
        verb: str,
        namespace: str,
        resource: str,
        headers: Mapping[str, str],
        status: dict[str, Any] | None,
        audit_id: str,
    ) -> None:
        """`add`, positionally (the request pipeline's call, once per request: the ring keeps
        the values as one tuple, made into a record only when a console reads it)."""
        if uri.startswith(_LEFT_OUT):
            return
        if user:
            seen = self.users_seen
            seen[user] = groups
            if len(seen) > 1000:
                seen.pop(next(iter(seen)))
        values = (
            next(self._seq),
            time.time(),
            method,
            uri,
            code,
            latency_ms,
            user,
            groups,
            authn,
            authn_error,
            decision,
            reason,
            explanation,
            verb,
            namespace,
            resource,
            headers,
            status,
            audit_id,
        )
        self._ring.append(values)
        if self._subscribers:
            entry = _Entry(*values)
            for queue in self._subscribers:
                if queue.qsize() < self.capacity:
                    queue.put_nowait(entry)

    def recent(self) -> list[dict[str, Any]]:
        return [_Entry(*values).to_json() for values in self._ring]

    def subscribe(self) -> asyncio.Queue[_Entry]:
        queue: asyncio.Queue[_Entry] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[_Entry]) -> None:
        self._subscribers.discard(queue)


__all__ = ["CAPACITY", "FEED_PATH", "RequestFeed", "mask_headers"]
