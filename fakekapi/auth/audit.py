"""Audit events (audit.k8s.io/v1 `Event`, level Metadata) for `--audit-log-path`.

kube-apiserver's log backend writes one JSON object per line; with a policy of `level: Metadata`
and no omitted stages each request produces a `RequestReceived` event and a `ResponseComplete`
event (`ResponseStarted` too for long-running requests such as watches), all with the same
`auditID` (also the `Audit-Id` response header). A request whose authentication failed gets one
`ResponseStarted` event with an empty user and the message `Authentication failed, attempted:
<methods>` (apiserver `endpoints/filters/authn_audit.go`). At level Metadata no request or
response bodies are recorded.

Fields are emitted in the Go struct's order, and timestamps are MicroTime (`...T15:04:05.000000Z`),
so tools written against real audit logs read these unchanged. Building an event is pure
(`build_event`); `AuditLog` only appends lines.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import UserInfo

API_VERSION = "audit.k8s.io/v1"
LEVEL = "Metadata"
STAGE_RECEIVED = "RequestReceived"
STAGE_STARTED = "ResponseStarted"
STAGE_COMPLETE = "ResponseComplete"
DECISION_ANNOTATION = "authorization.k8s.io/decision"
REASON_ANNOTATION = "authorization.k8s.io/reason"


def micro_time(t: datetime) -> str:
    """metav1.MicroTime's RFC 3339 form with exactly six fractional digits, in UTC."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def object_ref(info: RequestInfo | None) -> dict[str, str] | None:
    """The request's `objectRef` (resource requests only; empty fields left out)."""
    if info is None or not info.is_resource_request:
        return None
    ref = {
        "resource": info.resource,
        "namespace": info.namespace,
        "name": info.name,
        "apiGroup": info.api_group,
        "apiVersion": info.api_version,
        "subresource": info.subresource,
    }
    return {k: v for k, v in ref.items() if v}


@dataclass
class AuditRecord:
    """What the pipeline knows about a request, accumulated as it runs."""

    audit_id: str
    request_uri: str
    verb: str
    source_ips: tuple[str, ...]
    user_agent: str
    received: datetime = field(default_factory=lambda: datetime.now(UTC))
    info: RequestInfo | None = None
    user: UserInfo | None = None
    impersonated_user: UserInfo | None = None
    annotations: dict[str, str] = field(default_factory=dict)


def build_event(
    rec: AuditRecord,
    stage: str,
    *,
    code: int | None = None,
    status: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One audit.k8s.io/v1 Event at level Metadata.

    `status` is the failure Status the client got (its details are not logged), `code` the
    HTTP status; both are left out of RequestReceived events.
    """
    ev: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": API_VERSION,
        "level": LEVEL,
        "auditID": rec.audit_id,
        "stage": stage,
        "requestURI": rec.request_uri,
        "verb": rec.verb,
        "user": rec.user.to_json() if rec.user is not None else {},
    }
    if rec.impersonated_user is not None:
        ev["impersonatedUser"] = rec.impersonated_user.to_json()
    if rec.source_ips:
        ev["sourceIPs"] = list(rec.source_ips)
    if rec.user_agent:
        ev["userAgent"] = rec.user_agent
    ref = object_ref(rec.info)
    if ref:
        ev["objectRef"] = ref
    if stage != STAGE_RECEIVED and (code is not None or status is not None):
        rs: dict[str, Any] = {"metadata": {}}
        if status:
            for k in ("status", "message", "reason"):
                if status.get(k):
                    rs[k] = status[k]
        if code is not None:
            rs["code"] = code
        ev["responseStatus"] = rs
    ev["requestReceivedTimestamp"] = micro_time(rec.received)
    ev["stageTimestamp"] = micro_time(now or datetime.now(UTC))
    if rec.annotations and stage != STAGE_RECEIVED:
        ev["annotations"] = dict(rec.annotations)
    return ev


def failed_authentication_event(
    rec: AuditRecord, methods: list[str], code: int = 401, now: datetime | None = None
) -> dict[str, Any]:
    """The single event of a request whose credentials were refused (user left empty)."""
    saved, rec.user = rec.user, None
    try:
        message = "Authentication failed, attempted: " + ", ".join(methods)
        return build_event(rec, STAGE_STARTED, code=code, status={"message": message}, now=now)
    finally:
        rec.user = saved


class AuditLog:
    """Appends events as JSON lines to a file (`-` = standard output), flushed per line."""

    def __init__(self, path: Path | str, stream: IO[bytes] | None = None) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._owned = stream is None
        if stream is not None:
            self._stream: IO[bytes] = stream
        elif self.path == "-":
            import sys

            self._stream = sys.stdout.buffer
            self._owned = False
        else:
            # apiserver options/audit.go ensureLogFile: the folder 0700, a new file 0600 (the
            # mode is given at creation, so no umask widens it; an existing file keeps its own).
            p = Path(self.path)
            p.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._stream = os.fdopen(fd, "ab")

    def write(self, event: dict[str, Any]) -> None:
        line = orjson.dumps(event) + b"\n"
        with self._lock:
            self._stream.write(line)
            self._stream.flush()

    def close(self) -> None:
        if self._owned:
            self._stream.close()


__all__ = [
    "AuditLog",
    "AuditRecord",
    "build_event",
    "failed_authentication_event",
    "micro_time",
    "object_ref",
]
