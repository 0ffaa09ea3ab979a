"""An informer over the registry: list, then watch, keeping a cache and telling handlers.

The same shape as client-go's reflector + shared informer, minus HTTP: the cache answers the
controllers' reads, a watch that ends is resumed from the last resourceVersion seen, and a watch
that is too old (410 Expired/Gone, as an ERROR event or a raised StatusError) starts over with a
fresh list whose differences from the cache are handed to the handlers as adds/updates/deletes.
Errors are logged and retried; only cancellation ends `run()`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.options import ListOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)

Handler = Callable[[JSONDict | None, JSONDict | None], None]
"""Called with (None, new) on add, (old, new) on update, (old, None) on delete."""
Key = tuple[str, str]
"""(namespace, name); namespace is "" for cluster-scoped objects."""

MIN_WATCH_TIMEOUT = 300
"""Watches are renewed every 5-10 minutes, as client-go's reflector does."""
MAX_BACKOFF = 2.0


def key_of(obj: JSONDict) -> Key:
    md = obj.get("metadata") or {}
    return str(md.get("namespace") or ""), str(md.get("name") or "")


def _trim(obj: JSONDict) -> None:
    """Drop metadata.managedFields from an object the informer owns (its own decoding), as
    kube-controller-manager's shared informers do (`informers.WithTransform(trim)`): no
    controller reads them, a write of a cached object without them keeps the stored ones, and
    they are a large part of a decoded object (10,000 Pods as fixtures: 378 -> 270 MiB at
    ready; 4,000 Services: 145 -> 116 MiB)."""
    md = obj.get("metadata")
    if isinstance(md, dict):
        md.pop("managedFields", None)


def _rv(obj: JSONDict) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


class Informer:
    """Keeps an up-to-date cache of every object of one resource type."""

    def __init__(self, registry: Registry, rt: ResourceType, *, field_selector: str = "") -> None:
        self.registry = registry
        self.rt = rt
        self.field_selector = field_selector
        """Only objects matching it are listed, watched and cached (client-go's
        `WithTweakListOptions`): a controller that cares about one name then neither copies nor
        keeps every object of a large collection."""
        self.cache: dict[Key, JSONDict] = {}
        self.synced = asyncio.Event()
        """Set once the first list is in the cache."""
        self._handlers: list[Handler] = []

    def add_handler(self, handler: Handler) -> None:
        """Call `handler` for every change from now on, and at once with an add for each object
        already cached, as client-go's AddEventHandler does: a handler registered after the
        informer's first list (the scheduler's, which starts after the fixtures are applied)
        would otherwise never hear of the objects already there."""
        self._handlers.append(handler)
        for obj in list(self.cache.values()):
            try:
                handler(None, obj)
            except Exception:
                log.exception("handler for %s failed", self.rt.qualified)

    def get(self, namespace: str, name: str) -> JSONDict | None:
        return self.cache.get((namespace, name))

    async def run(self) -> None:
        backoff = 0.0
        while True:
            try:
                rv = await self._relist()
                self.synced.set()
                backoff = 0.0
                await self._watch(rv)
            except asyncio.CancelledError:
                raise
            except Exception:
                backoff = min(max(backoff * 2, 0.05), MAX_BACKOFF)
                log.exception(
                    "informer for %s failed; retrying in %.2fs", self.rt.qualified, backoff
                )
                await asyncio.sleep(backoff)

    async def _relist(self) -> str:
        listed = await self.registry.list(
            self.rt, "", ListOptions(field_selector=self.field_selector), each=_trim
        )
        items: list[JSONDict] = listed.get("items") or []
        fresh = {key_of(o): o for o in items}
        old = self.cache
        self.cache = fresh
        for k, obj in fresh.items():
            prev = old.get(k)
            if prev is None:
                self._dispatch(None, obj)
            elif _rv(prev) != _rv(obj):
                self._dispatch(prev, obj)
        for k, prev in old.items():
            if k not in fresh:
                self._dispatch(prev, None)
        return str((listed.get("metadata") or {}).get("resourceVersion") or "")

    async def _watch(self, rv: str) -> None:
        """Follow changes from `rv`; returns when a fresh list is needed."""
        loop = asyncio.get_running_loop()
        while True:
            opts = ListOptions(
                watch=True,
                field_selector=self.field_selector,
                resource_version=rv,
                allow_watch_bookmarks=True,
                timeout_seconds=random.randint(MIN_WATCH_TIMEOUT, 2 * MIN_WATCH_TIMEOUT),
            )
            started, seen = loop.time(), 0
            stream: Any = self.registry.watch(self.rt, "", opts)
            try:
                async for ev in stream:
                    seen += 1
                    if ev.type == "ERROR":
                        code = ev.object.get("code")
                        if code in (410, 504):  # too old / timed out: start over
                            log.info("watch of %s: %s", self.rt.qualified, ev.object.get("message"))
                            return
                        raise StatusError(
                            int(code or 500),
                            str(ev.object.get("reason") or ""),
                            str(ev.object.get("message") or ""),
                        )
                    new_rv = _rv(ev.object)
                    if ev.type != "BOOKMARK":
                        self._apply(ev.type, ev.object)
                    if new_rv:
                        rv = new_rv
            except StatusError as e:
                if e.code == 410:
                    log.info("watch of %s: %s", self.rt.qualified, e.message)
                    return
                raise
            finally:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()
            if not seen and loop.time() - started < 0.5:
                await asyncio.sleep(0.1)  # a stream that ends at once: do not spin

    def _apply(self, type_: str, obj: JSONDict) -> None:
        _trim(obj)
        k = key_of(obj)
        prev = self.cache.get(k)
        if type_ == "DELETED":
            self.cache.pop(k, None)
            self._dispatch(prev or obj, None)
        else:
            self.cache[k] = obj
            self._dispatch(prev, obj)

    def _dispatch(self, old: JSONDict | None, new: JSONDict | None) -> None:
        for handler in self._handlers:
            try:
                handler(old, new)
            except Exception:
                log.exception("handler for %s failed", self.rt.qualified)


class SharedInformers:
    """One informer per (resource type, field selector), shared by every controller that asks.

    As client-go's SharedInformerFactory: the kube-controller-manager's controllers (and the
    simulated kubelet) read Pods, ReplicaSets, Nodes ... from one cache each instead of one per
    controller. Informers asked for after `start()` are started at once.
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._informers: dict[tuple[str, str], Informer] = {}
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._started = False

    def informer(self, rt: ResourceType, *, field_selector: str = "") -> Informer:
        key = (rt.qualified + "/" + rt.version, field_selector)
        found = self._informers.get(key)
        if found is None:
            found = self._informers[key] = Informer(
                self.registry, rt, field_selector=field_selector
            )
            if self._started:
                self._launch(key, found)
        return found

    def _launch(self, key: tuple[str, str], informer: Informer) -> None:
        self._tasks[key] = asyncio.create_task(
            informer.run(), name=f"informer {informer.rt.qualified}"
        )

    def start(self) -> None:
        """Run every informer asked for so far (and, from now on, each one when asked for)."""
        self._started = True
        for key, informer in self._informers.items():
            if key not in self._tasks:
                self._launch(key, informer)

    async def wait_synced(self) -> None:
        await asyncio.gather(*(i.synced.wait() for i in self._informers.values()))

    async def stop(self) -> None:
        """Cancel the informers and wait for them."""
        self._started = False
        tasks, self._tasks = list(self._tasks.values()), {}
        await cancel_and_wait(tasks)


async def cancel_and_wait(tasks: list[asyncio.Task[None]], recancel: float = 0.1) -> None:
    """Cancel `tasks` and wait until all have ended; errors other than cancellation are logged.

    The cancellation is repeated: on Python 3.11 an asyncio.wait_for() below a task can swallow
    one that races with its inner future completing."""
    pending: set[asyncio.Task[None]] = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=recancel)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s ended with an error", task.get_name(), exc_info=task.exception())
