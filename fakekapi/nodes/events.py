"""Events as the kubelet and the scheduler record them, written in the background.

The kubelet records through client-go's core/v1 EventRecorder (tools/record): the event is
named `<object>.<hex nanoseconds>`, carries `source: {component: kubelet, host: <node>}`,
first/last timestamps and `count: 1`. The scheduler records through the events.k8s.io/v1
recorder (tools/events); read back as core/v1 such an event has an `eventTime`, `action`,
`reportingComponent` and an empty `source`, which is what is written here.

As in client-go, recording never blocks the caller and a failed write is only logged: events
are best effort.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from fakekapi.core.errors import StatusError
from fakekapi.core.gotime import now_micro, now_rfc3339
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)

SEEN_EVENTS = 4096
"""client-go's maxLruCacheEntries: how many distinct events are remembered for counting."""
MAX_IN_FLIGHT = 256
"""Past this many unwritten events new ones are dropped, as client-go's full broadcaster does."""


def involved(pod: dict[str, Any], field_path: str = "") -> dict[str, Any]:
    """An ObjectReference to the pod (ref.GetReference plus the container's fieldPath)."""
    md = pod.get("metadata") or {}
    ref: dict[str, Any] = {
        "kind": "Pod",
        "namespace": md.get("namespace"),
        "name": md.get("name"),
        "uid": md.get("uid"),
        "apiVersion": "v1",
        "resourceVersion": md.get("resourceVersion"),
    }
    if field_path:
        ref["fieldPath"] = field_path
    return ref


class Recorder:
    """Writes Events through the registry as one component."""

    def __init__(self, registry: Registry, events_rt: ResourceType) -> None:
        self.registry = registry
        self.rt = events_rt
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: OrderedDict[tuple[str, ...], dict[str, Any]] = OrderedDict()
        """The events written, by what makes a repeat the same event (an LRU, as client-go's)."""
        self._pending: dict[tuple[str, ...], asyncio.Task[None]] = {}
        self.hostname = socket.gethostname() or "fakekapi"

    def kubelet(
        self, node: str, pod: dict[str, Any], type_: str, reason: str, message: str, path: str = ""
    ) -> None:
        now = now_rfc3339()
        md = pod.get("metadata") or {}
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": _name(str(md.get("name"))), "namespace": md.get("namespace")},
            "involvedObject": involved(pod, path),
            "reason": reason,
            "message": message,
            "source": {"component": "kubelet", "host": node},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": "kubelet",
            "reportingInstance": node,
        }
        self._write(event, UserInfo(f"system:node:{node}", groups=("system:nodes",)), "kubelet")

    def node(
        self,
        node: str,
        reason: str,
        message: str,
        *,
        component: str = "kubelet",
        uid: str = "",
    ) -> None:
        """An event about a Node. The kubelet refers to its node with the node's name as uid
        (kubelet.go's nodeRef); the node-controller with the Node's real uid."""
        now = now_rfc3339()
        kubelet = component == "kubelet"
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": _name(node), "namespace": "default"},
            "involvedObject": {
                "kind": "Node",
                "name": node,
                "uid": uid or node,
                "apiVersion": "v1",
            },
            "reason": reason,
            "message": message,
            "source": {"component": component, "host": node}
            if kubelet
            else {"component": component},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": "Normal",
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": node if kubelet else "",
        }
        if kubelet:
            self._write(event, UserInfo(f"system:node:{node}", groups=("system:nodes",)), "kubelet")
        else:
            user = UserInfo(f"system:serviceaccount:kube-system:{component}")
            self._write(event, user, "kube-controller-manager")

    def scheduler(
        self, pod: dict[str, Any], type_: str, reason: str, action: str, note: str
    ) -> None:
        md = pod.get("metadata") or {}
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": _name(str(md.get("name"))), "namespace": md.get("namespace")},
            "involvedObject": involved(pod),
            "reason": reason,
            "message": note,
            "source": {},
            "firstTimestamp": None,
            "lastTimestamp": None,
            "type": type_,
            "eventTime": now_micro(),
            "action": action,
            "reportingComponent": "default-scheduler",
            "reportingInstance": f"default-scheduler-{self.hostname}",
        }
        self._write(event, UserInfo("system:kube-scheduler"), "kube-scheduler")

    def _write(self, event: dict[str, Any], user: UserInfo, manager: str) -> None:
        if len(self._tasks) >= MAX_IN_FLIGHT:
            log.info("dropping event %s: too many in flight", event["reason"])
            return
        namespace = str(event["metadata"]["namespace"] or "default")
        key = _dedup_key(event) if event.get("firstTimestamp") else None
        before = self._pending.get(key) if key is not None else None
        task = asyncio.get_running_loop().create_task(
            self._record(namespace, event, user, manager, key, before)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if key is not None:
            self._pending[key] = task

    async def _record(
        self,
        namespace: str,
        event: dict[str, Any],
        user: UserInfo,
        manager: str,
        key: tuple[str, ...] | None,
        before: asyncio.Task[None] | None,
    ) -> None:
        """Create the event, or, for a repeat of one already written, count it there (client-go's
        EventCorrelator: the same object, reason, message and source make one event whose
        `count` grows and `lastTimestamp` moves, shown by kubectl as `(x3 over 2m)`)."""
        opts = WriteOptions(field_manager=manager)
        try:
            if before is not None:
                await asyncio.wait([before])
            last = self._seen.get(key) if key is not None else None
            if last is not None:
                body = {
                    **last,
                    "count": int(last.get("count") or 1) + 1,
                    "lastTimestamp": event["lastTimestamp"],
                }
                md = last.get("metadata") or {}
                try:
                    written = await self.registry.update(
                        self.rt, namespace, str(md.get("name")), body, opts, user=user
                    )
                except StatusError:
                    pass  # gone or changed meanwhile: record it afresh
                else:
                    self._remember(key, written.object)
                    return
            created = await self.registry.create(self.rt, namespace, event, opts, user=user)
            self._remember(key, created.object)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # best effort, as client-go's recorder
            log.info("event %s for %s not written: %s", event["reason"], namespace, e)
        finally:
            if key is not None and self._pending.get(key) is asyncio.current_task():
                del self._pending[key]

    def _remember(self, key: tuple[str, ...] | None, event: dict[str, Any]) -> None:
        if key is None:
            return
        self._seen[key] = event
        self._seen.move_to_end(key)
        while len(self._seen) > SEEN_EVENTS:
            self._seen.popitem(last=False)

    async def close(self) -> None:
        """Let the events already recorded be written (briefly), then cancel the rest."""
        tasks = set(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=1.0)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)


def _dedup_key(event: dict[str, Any]) -> tuple[str, ...]:
    """client-go's getEventKey: source, involved object, type, reason and message."""
    ref = event.get("involvedObject") or {}
    source = event.get("source") or {}
    return tuple(
        str(v or "")
        for v in (
            source.get("component"),
            source.get("host"),
            ref.get("kind"),
            ref.get("namespace"),
            ref.get("name"),
            ref.get("fieldPath"),
            ref.get("uid"),
            ref.get("apiVersion"),
            event.get("type"),
            event.get("reason"),
            event.get("message"),
        )
    )


def _name(obj_name: str) -> str:
    return f"{obj_name}.{time.time_ns():x}"
