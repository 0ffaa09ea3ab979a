"""An event recorder: core/v1 Events as client-go's tools/record writes them for a component.

As record.recorderImpl.makeEvent/generateEvent: the Event is named `<object name>.<now in Unix
nanoseconds, hex>`, lives in the object's namespace (`default` for cluster-scoped objects), refers
to the object with an ObjectReference (kind, namespace, name, uid, apiVersion, resourceVersion),
has count 1, first and last timestamps, `source.component` and `reportingComponent` set to the
component's name (e.g. `deployment-controller`). Recording never blocks the caller and never fails
it: as the real broadcaster, the write happens in the background and an error is only logged.

The same event again (same object, type, reason and message, as record.EventCorrelator's
eventLogger keys them) is not a new Event: the first one is patched with the count and the last
timestamp, so `kubectl get events` shows `3x` rather than three lines (the cache, as kube's, keeps
the latest 4096 keys).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fakekapi.client.informer import cancel_and_wait
from fakekapi.controllers.base import now_rfc3339
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.core.user import UserInfo
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)

NORMAL = "Normal"
WARNING = "Warning"
CACHE_SIZE = 4096


@dataclass
class _Seen:
    """One event key: the Event written for it and how often it happened."""

    name: str
    namespace: str
    count: int = 1
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def object_reference(obj: JSONDict, *, field_path: str = "") -> JSONDict:
    """reference.GetReference: what an Event's involvedObject (or an ownerReference's source) is."""
    md = obj.get("metadata") or {}
    ref: dict[str, Any] = {"kind": obj.get("kind", "")}
    if md.get("namespace"):
        ref["namespace"] = md["namespace"]
    ref["name"] = md.get("name", "")
    if md.get("uid"):
        ref["uid"] = md["uid"]
    ref["apiVersion"] = obj.get("apiVersion", "")
    if md.get("resourceVersion"):
        ref["resourceVersion"] = md["resourceVersion"]
    if field_path:
        ref["fieldPath"] = field_path
    return ref


class EventRecorder:
    """Records Events for one component under one identity."""

    def __init__(
        self,
        registry: Registry,
        component: str,
        *,
        user: UserInfo | None = None,
        host: str = "",
    ) -> None:
        self.registry = registry
        self.component = component
        self.user = user
        self.host = host
        rt = registry.catalog.lookup("", "v1", "events")
        assert rt is not None
        self._rt: ResourceType = rt
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: OrderedDict[tuple[Any, ...], _Seen] = OrderedDict()

    def event(
        self, obj: JSONDict, type_: str, reason: str, message: str, *, field_path: str = ""
    ) -> None:
        """Record an event about `obj` (which must carry kind and apiVersion)."""
        ref = object_reference(obj, field_path=field_path)
        stamp = now_rfc3339()
        source: JSONDict = {"component": self.component}
        if self.host:
            source["host"] = self.host
        ev: JSONDict = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{ref['name']}.{time.time_ns():x}",
                "namespace": ref.get("namespace") or "default",
            },
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }
        key = (
            self.component, self.host, ref.get("kind"), ref.get("namespace"), ref.get("name"),
            ref.get("uid"), ref.get("apiVersion"), ref.get("fieldPath"), type_, reason, message,
        )  # fmt: skip
        seen = self._seen.get(key)
        if seen is None:
            seen = _Seen(ev["metadata"]["name"], ev["metadata"]["namespace"])
            self._seen[key] = seen
            if len(self._seen) > CACHE_SIZE:
                self._seen.popitem(last=False)
            write = self._write(ev, seen)
        else:
            self._seen.move_to_end(key)
            seen.count += 1
            write = self._bump(ev, seen, seen.count, stamp)
        task = asyncio.get_running_loop().create_task(write)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def eventf(self, obj: JSONDict, type_: str, reason: str, fmt: str, *args: object) -> None:
        """`event` with a printf-style message (Go's %s/%d/%v are written as Python's %s)."""
        self.event(obj, type_, reason, fmt % args if args else fmt)

    async def _write(self, ev: JSONDict, seen: _Seen) -> None:
        async with seen.lock:
            await self._create(ev)

    async def _bump(self, ev: JSONDict, seen: _Seen, count: int, stamp: str) -> None:
        """The Event of this key again: count and lastTimestamp patched (a new Event when the
        old one is gone)."""
        body = {"count": count, "lastTimestamp": stamp, "message": ev["message"]}
        async with seen.lock:
            try:
                await self.registry.patch(
                    self._rt,
                    seen.namespace,
                    seen.name,
                    "application/strategic-merge-patch+json",
                    json.dumps(body).encode(),
                    WriteOptions(field_manager=self.component),
                    user=self.user,
                )
            except StatusError as e:
                if e.code != 404:
                    log.debug("event %s/%s not updated: %s", seen.namespace, seen.name, e.message)
                    return
                seen.name = ev["metadata"]["name"]
                await self._create(ev)

    async def _create(self, ev: JSONDict) -> None:
        ns = ev["metadata"]["namespace"]
        try:
            await self.registry.create(
                self._rt, ns, ev, WriteOptions(field_manager=self.component), user=self.user
            )
        except StatusError as e:
            # As the broadcaster: a namespace being deleted or gone refuses events; not retried.
            log.debug("event %s/%s not recorded: %s", ns, ev["reason"], e.message)
        except Exception:
            log.exception("event %s/%s not recorded", ns, ev["reason"])

    def pending(self) -> bool:
        return bool(self._tasks)

    async def flush(self) -> None:
        """Wait for the events recorded so far to be written."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        await cancel_and_wait(list(self._tasks))
