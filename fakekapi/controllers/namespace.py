"""The namespace controller: empties a namespace being deleted, then lets it go.

As kube-controller-manager's (pkg/controller/namespace/deletion/namespaced_resources_deleter.go):
for a namespace with a deletionTimestamp, make sure status.phase is Terminating, delete everything
in it (every namespaced resource type that can be listed and deleted, one version per resource),
record progress in the status conditions kube uses, and once nothing is left remove the
`kubernetes` finalizer through the `finalize` subresource; the registry then removes the namespace
when no finalizers remain. While content remains (finalizers, graceful deletion) it looks again
after a short delay.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from fakekapi.client.informer import Informer
from fakekapi.controllers.base import FIELD_MANAGER, Controller, now_rfc3339
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.options import DeleteOptions, ListOptions, WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

FINALIZER_TOKEN = "kubernetes"
CONFLICT_RETRIES = 5
REMAINING_DELAY = 0.1
REMAINING_MAX_DELAY = 5.0

# Condition types the deleter maintains, in the order kube appends them, with their "ok" variants.
CONDITION_TYPES = (
    "NamespaceDeletionDiscoveryFailure",
    "NamespaceDeletionGroupVersionParsingFailure",
    "NamespaceDeletionContentFailure",
    "NamespaceContentRemaining",
    "NamespaceFinalizersRemaining",
)
OK_REASONS = {
    "NamespaceDeletionDiscoveryFailure": "ResourcesDiscovered",
    "NamespaceDeletionGroupVersionParsingFailure": "ParsedGroupVersions",
    "NamespaceDeletionContentFailure": "ContentDeleted",
    "NamespaceContentRemaining": "ContentRemoved",
    "NamespaceFinalizersRemaining": "ContentHasNoFinalizers",
}
OK_MESSAGES = {
    "NamespaceDeletionDiscoveryFailure": "All resources successfully discovered",
    "NamespaceDeletionGroupVersionParsingFailure": "All legacy kube types successfully parsed",
    "NamespaceDeletionContentFailure": (
        "All content successfully deleted, may be waiting on finalization"
    ),
    "NamespaceContentRemaining": "All content successfully removed",
    "NamespaceFinalizersRemaining": "All content-preserving finalizers finished",
}


class ContentTotals:
    """What deleting a namespace's content left behind."""

    def __init__(self) -> None:
        self.remaining: dict[tuple[str, str], int] = {}
        """(group, resource) → objects still there."""
        self.finalizers: dict[str, int] = {}
        """finalizer → objects still carrying it."""
        self.errors: list[str] = []

    @property
    def any_remaining(self) -> bool:
        return any(self.remaining.values())


def deletable_types(types: list[ResourceType]) -> list[ResourceType]:
    """Namespaced types that can be listed and deleted, one version per group and resource."""
    seen: set[tuple[str, str]] = set()
    out: list[ResourceType] = []
    for rt in types:
        if not rt.namespaced or not {"list", "delete"} <= set(rt.verbs):
            continue
        if (rt.group, rt.plural) in seen:
            continue
        seen.add((rt.group, rt.plural))
        out.append(rt)
    return out


def new_conditions(totals: ContentTotals) -> dict[str, JSONDict]:
    """The failing conditions for these totals (types not listed are "ok")."""
    now = now_rfc3339()
    out: dict[str, JSONDict] = {}
    if totals.errors:
        msgs = sorted(totals.errors)
        out["NamespaceDeletionContentFailure"] = _condition(
            "NamespaceDeletionContentFailure",
            "True",
            now,
            "ContentDeletionFailed",
            f"Failed to delete all resource types, {len(msgs)} remaining: {', '.join(msgs)}",
        )
    remaining = sorted(
        f"{res}.{group} has {n} resource instances"
        for (group, res), n in totals.remaining.items()
        if n
    )
    if remaining:
        out["NamespaceContentRemaining"] = _condition(
            "NamespaceContentRemaining",
            "True",
            now,
            "SomeResourcesRemain",
            f"Some resources are remaining: {', '.join(remaining)}",
        )
    by_finalizer = sorted(
        f"{f} in {n} resource instances" for f, n in totals.finalizers.items() if n
    )
    if by_finalizer:
        out["NamespaceFinalizersRemaining"] = _condition(
            "NamespaceFinalizersRemaining",
            "True",
            now,
            "SomeFinalizersRemain",
            f"Some finalizers are remaining: {', '.join(by_finalizer)}",
        )
    return out


def _condition(type_: str, status: str, now: str, reason: str, message: str) -> JSONDict:
    # Key order of v1.NamespaceCondition.
    return {
        "type": type_,
        "status": status,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def update_conditions(status: JSONDict, failing: dict[str, JSONDict]) -> bool:
    """Merge conditions into status as kube's updateConditions does; True if anything changed."""
    conditions: list[JSONDict] = status.setdefault("conditions", [])
    changed = False
    now = now_rfc3339()
    for type_ in CONDITION_TYPES:
        new = failing.get(type_) or _condition(
            type_, "False", now, OK_REASONS[type_], OK_MESSAGES[type_]
        )
        old = next((c for c in conditions if c.get("type") == type_), None)
        if old is None:
            conditions.append(new)
            changed = True
        elif any(old.get(f) != new[f] for f in ("status", "message", "reason")):
            if old.get("status") != new["status"]:
                old["lastTransitionTime"] = now
            old.update(type=type_, status=new["status"], reason=new["reason"])
            old["message"] = new["message"]
            changed = True
    return changed


class NamespaceController(Controller):
    name = "namespace-controller"

    def __init__(self, registry: Registry, ns_type: ResourceType, namespaces: Informer) -> None:
        super().__init__(registry, [namespaces])
        self.ns_type = ns_type
        self.namespaces = namespaces
        self._attempts: dict[str, int] = {}
        namespaces.add_handler(self._namespace_changed)

    def _namespace_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is not None and (new.get("metadata") or {}).get("deletionTimestamp"):
            self.queue.add(new["metadata"]["name"])

    async def sync(self, key: str) -> float | None:
        ns = await self._get(key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            self._attempts.pop(key, None)
            return None
        ns = await self._ensure_terminating(ns)
        if ns is None:
            return None
        if FINALIZER_TOKEN not in ((ns.get("spec") or {}).get("finalizers") or []):
            self._attempts.pop(key, None)
            return None  # finalized already; other finalizers are not ours
        totals = await self._delete_all_content(key)
        ns = await self._update_conditions(ns, totals)
        if totals.errors:
            raise RuntimeError("; ".join(sorted(totals.errors)))
        if totals.any_remaining:
            n = self._attempts.get(key, 0)
            self._attempts[key] = n + 1
            return min(REMAINING_DELAY * 2.0**n, REMAINING_MAX_DELAY)
        self._attempts.pop(key, None)
        await self._finalize(ns)
        return None

    async def _get(self, name: str) -> JSONDict | None:
        try:
            return await self.registry.get(self.ns_type, "", name)
        except StatusError as e:
            if e.code == 404:
                return None
            raise

    async def _ensure_terminating(self, ns: JSONDict) -> JSONDict | None:
        """updateNamespaceStatusFunc: status.phase Terminating once deletion started."""
        if (ns.get("status") or {}).get("phase") == "Terminating":
            return ns
        updated = copy.deepcopy(ns)
        updated.setdefault("status", {})["phase"] = "Terminating"
        return await self._write_status(updated)

    async def _write_status(self, ns: JSONDict) -> JSONDict | None:
        name = ns["metadata"]["name"]
        try:
            result = await self.registry.update(
                self.ns_type,
                "",
                name,
                ns,
                WriteOptions(field_manager=FIELD_MANAGER),
                subresource="status",
            )
        except StatusError as e:
            if e.code == 404:
                return None
            if e.reason != "Conflict":
                raise
            return await self._get(name)  # someone else changed it; carry on with theirs
        return result.object

    async def _delete_all_content(self, namespace: str) -> ContentTotals:
        totals = ContentTotals()
        for rt in deletable_types(self.registry.catalog.all()):
            try:
                await self._delete_type(rt, namespace, totals)
            except StatusError as e:
                if e.code in (404, 405):
                    continue  # not served any more (a CRD being removed) or not deletable
                totals.errors.append(f"{rt.qualified}: {e.message}")
        return totals

    async def _delete_type(self, rt: ResourceType, namespace: str, totals: ContentTotals) -> None:
        items = await self._list(rt, namespace)
        if not items:
            return
        opts = DeleteOptions(propagation_policy="Background")
        if "deletecollection" in rt.verbs:
            await self.registry.delete_collection(rt, namespace, ListOptions(), opts)
        else:
            for item in items:
                try:
                    await self.registry.delete(rt, namespace, item["metadata"]["name"], opts)
                except StatusError as e:
                    if e.code != 404:
                        raise
        left = await self._list(rt, namespace)
        totals.remaining[(rt.group, rt.plural)] = len(left)
        for item in left:
            for finalizer in (item.get("metadata") or {}).get("finalizers") or []:
                totals.finalizers[finalizer] = totals.finalizers.get(finalizer, 0) + 1

    async def _list(self, rt: ResourceType, namespace: str) -> list[JSONDict]:
        listed = await self.registry.list(rt, namespace, ListOptions())
        items: list[JSONDict] = listed.get("items") or []
        return items

    async def _update_conditions(self, ns: JSONDict, totals: ContentTotals) -> JSONDict:
        updated = copy.deepcopy(ns)
        status: JSONDict = updated.setdefault("status", {})
        if not update_conditions(status, new_conditions(totals)):
            return ns
        written = await self._write_status(updated)
        return written if written is not None else ns

    async def _finalize(self, ns: JSONDict) -> None:
        """Remove our finalizer via the finalize subresource (retrying on conflicts)."""
        name = ns["metadata"]["name"]
        current: JSONDict | None = ns
        for _ in range(CONFLICT_RETRIES):
            if current is None:
                return
            spec: dict[str, Any] = current.get("spec") or {}
            finalizers = sorted({f for f in spec.get("finalizers") or [] if f != FINALIZER_TOKEN})
            updated = copy.deepcopy(current)
            updated.setdefault("spec", {})["finalizers"] = finalizers
            try:
                await self.registry.update(
                    self.ns_type,
                    "",
                    name,
                    updated,
                    WriteOptions(field_manager=FIELD_MANAGER),
                    subresource="finalize",
                )
                return
            except StatusError as e:
                if e.code == 404:
                    return
                if e.reason != "Conflict":
                    raise
            current = await self._get(name)
        raise RuntimeError(f"namespace {name!r} kept changing while being finalized")
