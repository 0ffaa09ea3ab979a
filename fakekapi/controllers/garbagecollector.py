"""The garbage collector (kube-controller-manager's `garbagecollector`,
pkg/controller/garbagecollector: graph_builder.go and garbagecollector.go).

The graph. kube builds it from a metadata informer per resource type. Here one store-level watch
of every key (`/`) feeds it instead: with 10,000 objects, an informer per served kind would copy
and cache every object a second time, while the graph only needs the edges. It keeps, for objects
that have ownerReferences, their owners (by uid) and the reverse index owner uid → dependents,
plus the owners waiting in foreground deletion; an object without ownerReferences costs one dict
lookup per change and nothing on the request path.

The work (attemptToDelete and attemptToOrphan, one queue):
- `delete:<key>`, an object whose owners may be gone (it was added with owners, its owners
  changed, an owner was deleted or is being deleted in the foreground). Its owners are looked up
  live (isDangling: by apiVersion/kind/name, compared by uid). With a live owner that is not
  waiting for it, dangling references and references to owners deleting their dependents are
  removed from it; with none left it is deleted — in the foreground when an owner waits for it
  and it has dependents itself, else as its own finalizers say (orphan, foregroundDeletion) or in
  the background, with uid and resourceVersion preconditions.
  An owner being deleted in the foreground (`foregroundDeletion` finalizer) loses that finalizer
  once no dependent that has `blockOwnerDeletion: true` remains; the registry then removes it.
- `orphan:<key>`, an owner deleted with the `orphan` finalizer: its uid is removed from every
  dependent's ownerReferences, then the finalizer from the owner.

Writes go through the registry as kube-controller-manager (its field manager) under the
`generic-garbage-collector` ServiceAccount, as kube's GC client does.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from fakekapi.controllers.base import FIELD_MANAGER, Controller
from fakekapi.controllers.context import ControllerContext, controller_identity
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import meta_of
from fakekapi.registry.gcfinalizers import FOREGROUND, ORPHAN
from fakekapi.registry.generic.keys import object_key
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.generic.patch import MERGE_PATCH
from fakekapi.store.base import Event, TooOldError

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)

NAME = "garbage-collector-controller"
SERVICE_ACCOUNT = "generic-garbage-collector"
RETRY_DELAY = 1.0
"""Owners of a kind the server does not serve (yet) are looked at again after this long."""
WATCH_BACKOFF = 0.2
IGNORED_PREFIXES = ("/core/events/", "/events.k8s.io/events/")
"""DefaultIgnoredResources (pkg/controller/garbagecollector/config): Events are never collected,
whatever ownerReferences they carry."""


class OwnerRef(NamedTuple):
    uid: str
    api_version: str
    kind: str
    name: str
    block: bool


def owner_refs(obj: dict[str, Any]) -> tuple[OwnerRef, ...]:
    refs = (obj.get("metadata") or {}).get("ownerReferences")
    if not isinstance(refs, list):
        return ()
    out = []
    for r in refs:
        if isinstance(r, dict) and isinstance(r.get("uid"), str):
            out.append(
                OwnerRef(
                    r["uid"],
                    str(r.get("apiVersion") or ""),
                    str(r.get("kind") or ""),
                    str(r.get("name") or ""),
                    r.get("blockOwnerDeletion") is True,
                )
            )
    return tuple(out)


def _finalizers(obj: dict[str, Any]) -> list[str]:
    f = meta_of(obj).get("finalizers")
    return [x for x in f if isinstance(x, str)] if isinstance(f, list) else []


def deleting_dependents(obj: dict[str, Any]) -> bool:
    """isDeletingDependents: deleted in the foreground, waiting for its dependents."""
    return bool(meta_of(obj).get("deletionTimestamp")) and FOREGROUND in _finalizers(obj)


class Graph:
    """The owner/dependent edges of the objects that have ownerReferences (GraphBuilder's uidToNode,
    reduced to what the decisions need)."""

    def __init__(self) -> None:
        self.refs: dict[str, tuple[OwnerRef, ...]] = {}
        """store key → its ownerReferences."""
        self.dependents: dict[str, set[str]] = {}
        """owner uid → store keys of the objects that reference it."""
        self.waiting: dict[str, str] = {}
        """uid → store key of owners deleted in the foreground, waiting for their dependents."""

    def observe(self, key: str, obj: dict[str, Any], deleted: bool) -> list[str]:
        """processGraphChanges for one change; the work items it makes."""
        work: list[str] = []
        md = meta_of(obj)
        uid = str(md.get("uid") or "")
        old = self.refs.get(key, ())
        new = () if deleted else owner_refs(obj)
        if old != new:
            for r in old:
                deps = self.dependents.get(r.uid)
                if deps is not None:
                    deps.discard(key)
                    if not deps:
                        del self.dependents[r.uid]
                owner = self.waiting.get(r.uid)
                if owner is not None:
                    work.append("delete:" + owner)
            for r in new:
                self.dependents.setdefault(r.uid, set()).add(key)
            if new:
                self.refs[key] = new
                if {r.uid for r in new} - {r.uid for r in old}:
                    work.append("delete:" + key)
            else:
                self.refs.pop(key, None)
        if deleted:
            self.waiting.pop(uid, None)
            work.extend("delete:" + d for d in sorted(self.dependents.get(uid, ())))
            return work
        if not md.get("deletionTimestamp"):
            return work
        finalizers = _finalizers(obj)
        if ORPHAN in finalizers:
            work.append("orphan:" + key)
        if FOREGROUND in finalizers:
            if uid not in self.waiting:
                self.waiting[uid] = key
                work.extend("delete:" + d for d in sorted(self.dependents.get(uid, ())))
            work.append("delete:" + key)
        return work


class GarbageCollector(Controller):
    """The garbage collector: a graph fed by a watch of the whole store, and one work queue."""

    name = "garbagecollector"

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry, [])
        self.graph = Graph()
        self.user = controller_identity(SERVICE_ACCOUNT)
        self.synced = asyncio.Event()

    # -- the graph -------------------------------------------------------------------------------

    def _feed(self, key: str, obj: dict[str, Any], deleted: bool) -> None:
        if key.startswith(IGNORED_PREFIXES):
            return
        for item in self.graph.observe(key, obj, deleted):
            self.queue.add(item)

    def _unseen(self, key: str, data: bytes) -> bool:
        """Whether a stored (not deleted) object is nothing to the graph, judged on its bytes
        without decoding them: it has no ownerReferences now or before and is not being deleted,
        so `Graph.observe` would change nothing and make no work. Most objects are; a bulk load
        (10,000 fixtures) no longer decodes every one of them here. The stored bytes are orjson's,
        which writes every key as plain text, so a field absent from the bytes is absent."""
        return (
            key not in self.graph.refs
            and b'"ownerReferences"' not in data
            and b'"deletionTimestamp"' not in data
        )

    async def _follow(self) -> None:
        """List every key, then follow the store's changes; relist when the history is gone
        (or after an unexpected error, logged, as a reflector starts over)."""
        revision: int | None = None
        while True:
            try:
                revision = await self._follow_from(revision)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("garbagecollector: following the store failed; listing again")
                revision = None
            await asyncio.sleep(WATCH_BACKOFF)

    async def _follow_from(self, revision: int | None) -> int | None:
        """One list (when `revision` is None) and one watch; the revision to resume from."""
        store = self.registry.store
        if revision is None:
            self.graph = Graph()
            # The stored bytes, decoded one at a time: a decoded copy of every object at once
            # would set the server's peak memory (~7 KiB per object, then kept by the heap).
            items, revision = store.list_raw("/")
            for key, data, _ in items:
                if not self._unseen(key, data):
                    self._feed(key, orjson.loads(data), False)
            del items
            self.synced.set()
        try:
            watch = store.watch("/", revision)
        except TooOldError:
            return None
        try:
            async for event in watch:
                self._event(event)
                revision = event.revision
        finally:
            watch.stop()
        return revision

    def _event(self, event: Event) -> None:
        deleted = event.type == "DELETED"
        if deleted or not self._unseen(event.key, event.data):
            self._feed(event.key, event.object, deleted)

    async def run(self) -> None:
        follower = asyncio.create_task(self._follow(), name="garbagecollector graph")
        try:
            await self.synced.wait()
            await super().run()
        finally:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)

    # -- the work --------------------------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        kind, _, store_key = key.partition(":")
        if kind == "orphan":
            return await self._orphan(store_key)
        return await self._attempt_to_delete(store_key)

    def _type_of(self, obj: dict[str, Any]) -> ResourceType | None:
        api_version = str(obj.get("apiVersion") or "")
        group, _, version = api_version.rpartition("/")
        rt: ResourceType | None = self.registry.catalog.by_kind(
            group, version, str(obj.get("kind") or "")
        )
        return rt

    def _lookup(self, ref: OwnerRef, namespace: str) -> tuple[str, dict[str, Any] | None]:
        """isDangling: ("absent" | "present" | "unknown" | "invalid", the owner)."""
        group, _, version = ref.api_version.rpartition("/")
        rt: ResourceType | None = self.registry.catalog.by_kind(group, version, ref.kind)
        if rt is None:
            return "unknown", None
        if rt.namespaced and not namespace:
            # namespacedOwnerOfClusterScopedObjectErr: never resolves, kube leaves it alone.
            return "invalid", None
        cur = self.registry.store.get(object_key(rt, namespace if rt.namespaced else "", ref.name))
        if cur is None or meta_of(cur[0]).get("uid") != ref.uid:
            return "absent", None
        return "present", cur[0]

    async def _attempt_to_delete(self, key: str) -> float | None:
        """attemptToDeleteItem."""
        cur = self.registry.store.get(key)
        if cur is None:
            return None
        obj = cur[0]
        md = meta_of(obj)
        uid = str(md.get("uid") or "")
        if md.get("deletionTimestamp") and not deleting_dependents(obj):
            return None
        if deleting_dependents(obj):
            return await self._process_deleting_dependents(key, obj, uid)
        refs = owner_refs(obj)
        if not refs:
            return None
        namespace = str(md.get("namespace") or "")
        solid: list[OwnerRef] = []
        dangling: list[OwnerRef] = []
        waiting: list[OwnerRef] = []
        for ref in refs:
            state, owner = self._lookup(ref, namespace)
            if state == "unknown":
                return RETRY_DELAY  # a kind not served (yet): look again, as kube retries
            if state == "invalid":
                return None
            if state == "absent":
                dangling.append(ref)
            elif owner is not None and deleting_dependents(owner):
                waiting.append(ref)
            else:
                solid.append(ref)
        if solid:
            if dangling or waiting:
                await self._remove_owner_refs(key, obj, {r.uid for r in dangling + waiting})
            return None
        if waiting and self.graph.dependents.get(uid):
            await self._delete(obj, "Foreground")
            return None
        finalizers = _finalizers(obj)
        policy = "Background"
        if ORPHAN in finalizers:
            policy = "Orphan"
        elif FOREGROUND in finalizers:
            policy = "Foreground"
        await self._delete(obj, policy)
        return None

    async def _process_deleting_dependents(
        self, key: str, obj: dict[str, Any], uid: str
    ) -> float | None:
        """processDeletingDependentsItem: let the owner go once no blocking dependent is left."""
        blocking: list[str] = []
        for dep_key in sorted(self.graph.dependents.get(uid, ())):
            cur = self.registry.store.get(dep_key)
            if cur is None:
                continue
            if any(r.uid == uid and r.block for r in owner_refs(cur[0])):
                blocking.append(dep_key)
        if not blocking:
            await self._remove_finalizer(key, FOREGROUND)
            return None
        for dep_key in blocking:
            cur = self.registry.store.get(dep_key)
            if cur is not None and not deleting_dependents(cur[0]):
                self.queue.add("delete:" + dep_key)
        return None

    async def _orphan(self, key: str) -> float | None:
        """attemptToOrphanWorker: dependents lose their reference to the owner, then the owner
        its `orphan` finalizer."""
        cur = self.registry.store.get(key)
        if cur is None:
            return None
        obj = cur[0]
        uid = str(meta_of(obj).get("uid") or "")
        if not meta_of(obj).get("deletionTimestamp") or ORPHAN not in _finalizers(obj):
            return None
        for dep_key in sorted(self.graph.dependents.get(uid, ())):
            dep = self.registry.store.get(dep_key)
            if dep is not None:
                await self._remove_owner_refs(dep_key, dep[0], {uid})
        await self._remove_finalizer(key, ORPHAN)
        return None

    # -- writes ----------------------------------------------------------------------------------

    async def _patch(self, obj: dict[str, Any], patch: dict[str, Any]) -> None:
        rt = self._type_of(obj)
        if rt is None:
            return
        md = meta_of(obj)
        try:
            await self.registry.patch(
                rt,
                str(md.get("namespace") or ""),
                str(md.get("name") or ""),
                MERGE_PATCH,
                json.dumps(patch).encode(),
                WriteOptions(field_manager=FIELD_MANAGER),
                user=self.user,
            )
        except StatusError as e:
            if e.code != 404:
                raise

    async def _remove_owner_refs(self, key: str, obj: dict[str, Any], uids: set[str]) -> None:
        """deleteOwnerRefJSONMergePatch: the remaining references, at the read resourceVersion
        (a conflict is retried with the newer object)."""
        refs = meta_of(obj).get("ownerReferences") or []
        remaining = [r for r in refs if not (isinstance(r, dict) and r.get("uid") in uids)]
        if len(remaining) == len(refs):
            return
        md = meta_of(obj)
        await self._patch(
            obj,
            {
                "metadata": {
                    "resourceVersion": md.get("resourceVersion"),
                    "ownerReferences": remaining or None,
                }
            },
        )

    async def _remove_finalizer(self, key: str, finalizer: str) -> None:
        """removeFinalizer: the finalizers without this one, at the read resourceVersion."""
        cur = self.registry.store.get(key)
        if cur is None:
            return
        obj = cur[0]
        finalizers = _finalizers(obj)
        if finalizer not in finalizers:
            return
        remaining = [f for f in finalizers if f != finalizer]
        await self._patch(
            obj,
            {
                "metadata": {
                    "resourceVersion": meta_of(obj).get("resourceVersion"),
                    "finalizers": remaining or None,
                }
            },
        )

    async def _delete(self, obj: dict[str, Any], policy: str) -> None:
        """deleteObject: with uid and resourceVersion preconditions and the chosen policy."""
        rt = self._type_of(obj)
        if rt is None:
            return
        md = meta_of(obj)
        opts = DeleteOptions(
            preconditions_uid=str(md.get("uid") or ""),
            preconditions_resource_version=str(md.get("resourceVersion") or ""),
            propagation_policy=policy,
        )
        try:
            await self.registry.delete(
                rt,
                str(md.get("namespace") or ""),
                str(md.get("name") or ""),
                opts,
                user=self.user,
            )
        except StatusError as e:
            if e.code != 404:
                raise


def init(ctx: ControllerContext) -> Sequence[Controller]:
    return [GarbageCollector(ctx.registry)]
