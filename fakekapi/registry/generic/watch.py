"""Watch streams over the store, as kube-apiserver's watch cache serves them.

One generator per watcher: optional synthetic ADDED events for the current state, then the store's
changes filtered by the selectors with kube's transitions (an update that makes an object match is
ADDED, one that makes it stop matching is DELETED with the previous state), BOOKMARKs when asked,
and the end at the timeout. No task is started per watch; the generator's `finally` stops the
store watch, so closing the stream (aclose, or cancelling its consumer) leaks nothing.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple

import orjson

from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import StatusError, expired
from fakekapi.store.base import Event, Store, TooOldError

from .rawlist import MATCH_ALL

BOOKMARK_INTERVAL = 60.0
"""kube's defaultBookmarkFrequency."""
BOOKMARK_BEFORE_TIMEOUT = 2.0
"""kube sends a last bookmark this long before the watch's deadline."""


class WatchEvent:
    """One event of a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.

    `raw`, when set, is the object's stored JSON bytes: a stream that writes JSON uses them as
    they are (nothing decoded or encoded per watcher, as kube's cachingObject); `object` decodes
    them on first use into a dict this event owns."""

    __slots__ = ("_object", "raw", "type")

    def __init__(
        self, type: str, object: dict[str, Any] | None = None, *, raw: bytes | None = None
    ) -> None:
        if object is None and raw is None:
            raise ValueError("a WatchEvent needs an object or its bytes")
        self.type = type
        self._object = object
        self.raw = raw

    @property
    def object(self) -> dict[str, Any]:
        if self._object is None:
            assert self.raw is not None
            self._object = orjson.loads(self.raw)
        return self._object

    def __eq__(self, other: builtins.object) -> bool:
        if not isinstance(other, WatchEvent):
            return NotImplemented
        return (self.type, self.object) == (other.type, other.object)

    def __repr__(self) -> str:
        return f"WatchEvent({self.type!r}, {self.object!r})"


def copy_obj(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy (JSON round trip: the objects are JSON anyway, and this is fast)."""
    out: dict[str, Any] = orjson.loads(orjson.dumps(obj))
    return out


class WatchSpec(NamedTuple):
    """Everything one watch needs, resolved and validated before streaming starts."""

    rt: ResourceType
    prefix: str
    matches: Callable[[dict[str, Any]], bool]
    start: int | None
    """Revision to watch after; None = send the current state first (RV unset or "0")."""
    timeout: float | None
    """Seconds until the watch ends (timeoutSeconds, or the deadline of the request it
    serves: kube's request context); None: it runs until the caller closes it."""
    bookmarks: bool
    bookmark_interval: float = BOOKMARK_INTERVAL
    too_large_wait: float = 3.0
    name: str | None = None
    """The metadata.name the field selector requires exactly, if any: a change to another key
    can match neither before nor after, so the store's watch leaves it out without waking this
    one (an informer that selects one ConfigMap by name would see every ConfigMap's changes go
    by); bookmarks still carry the revision of the last change passed over."""


def _bookmark(rt: ResourceType, revision: int) -> WatchEvent:
    return WatchEvent(
        "BOOKMARK",
        {
            "kind": rt.kind,
            "apiVersion": rt.group_version,
            "metadata": {"resourceVersion": str(revision)},
        },
    )


def _error(err: StatusError) -> WatchEvent:
    return WatchEvent("ERROR", err.to_status())


def _with_rv(obj: dict[str, Any], revision: int) -> dict[str, Any]:
    out = copy_obj(obj)
    md = out.get("metadata")
    if isinstance(md, dict):
        md["resourceVersion"] = str(revision)
    return out


def convert(event: Event, matches: Callable[[dict[str, Any]], bool]) -> WatchEvent | None:
    """cacheWatcher.convertToWatchEvent: the event this watcher sees, if any. Without selectors
    nothing is decoded: the event carries the stored bytes."""
    match_all = matches is MATCH_ALL
    if event.type == "DELETED":
        if match_all or matches(event.object):
            return WatchEvent("DELETED", raw=event.data)
        return None
    cur = match_all or matches(event.object)
    old = (
        event.prev_data is not None
        and event.type == "MODIFIED"
        and (match_all or matches(event.prev or {}))
    )
    if cur and old:
        return WatchEvent("MODIFIED", raw=event.data)
    if cur:
        return WatchEvent("ADDED", raw=event.data)
    if old and event.prev is not None:
        return WatchEvent("DELETED", _with_rv(event.prev, event.revision))
    return None


async def wait_for_revision(store: Store, revision: int, wait: float) -> bool:
    """Whether the store reaches `revision` within `wait` seconds (a read or watch from a
    resourceVersion newer than the store's waits this long before kube's 504)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while store.revision < revision:
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def too_large_error(requested: int, current: int) -> StatusError:
    return StatusError(
        504,
        "Timeout",
        f"Timeout: Too large resource version: {requested}, current: {current}",
        {
            "causes": [
                {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
            ],
            "retryAfterSeconds": 1,
        },
    )


async def stream(store: Store, spec: WatchSpec) -> AsyncIterator[WatchEvent]:
    """The events of one watch (see the module docstring)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + spec.timeout if spec.timeout is not None else None
    initial: list[WatchEvent] = []
    if spec.start is None:
        items, after = store.list_raw(spec.prefix)
        if spec.matches is MATCH_ALL:
            initial = [WatchEvent("ADDED", raw=data) for _, data, _ in items]
        else:
            initial = [
                WatchEvent("ADDED", raw=data)
                for _, data, _ in items
                if spec.matches(orjson.loads(data))
            ]
    else:
        after = spec.start
        if after > store.revision and not await wait_for_revision(
            store, after, spec.too_large_wait
        ):
            yield _error(too_large_error(after, store.revision))
            return
    try:
        watch = store.watch(spec.prefix, after, spec.name)
    except TooOldError:
        yield _error(expired(f"too old resource version: {after} ({store.oldest_revision})"))
        return

    # Waiting for "the next store event, or the next bookmark/timeout" uses asyncio.timeout_at
    # around the store iterator itself: no helper task, and (unlike asyncio.wait_for in 3.11) an
    # outside cancellation racing with an event is never swallowed. The store's iterators
    # (QueueWatch) are cancel-safe: an interrupted wait loses no event. An event already queued
    # is taken without the timeout's timer (`poll`): each one cost a timer scheduled and
    # cancelled, per watcher, on every write (a 10,000-object load: ~10,000 per watch).
    events = watch.__aiter__()
    try:
        for ev in initial:
            yield ev
        seen = after

        def next_bookmark(now: float) -> float | None:
            if not spec.bookmarks:
                return None
            at = now + spec.bookmark_interval
            if deadline is not None:
                at = min(at, deadline - BOOKMARK_BEFORE_TIMEOUT)
            return at if at > now else None

        bookmark_at = next_bookmark(loop.time())
        while True:
            if deadline is not None and loop.time() >= deadline:
                return
            item = watch.poll()
            if item is None:
                wakes = [t for t in (deadline, bookmark_at) if t is not None]
                wake = min(wakes) if wakes else None  # None: wait for the next event only
                try:
                    async with asyncio.timeout_at(wake):
                        item = await anext(events)
                except TimeoutError:
                    if bookmark_at is not None and loop.time() >= bookmark_at:
                        yield _bookmark(spec.rt, max(seen, watch.passed_over))
                        bookmark_at = next_bookmark(loop.time())
                    continue
                except StopAsyncIteration:
                    return
            seen = item.revision
            out = convert(item, spec.matches)
            if out is not None:
                yield out
    finally:
        watch.stop()
