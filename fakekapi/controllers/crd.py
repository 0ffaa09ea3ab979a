"""The CRD controller: serves the types CustomResourceDefinitions define, and removes them.

One controller doing what apiextensions-apiserver splits over several (naming, establishing,
finalizer, discovery):

* names: the requested names are accepted unless another CRD of the same group already
  accepted one of them (`"widgets" is already in use`, reasons PluralConflict, SingularConflict,
  ShortNamesConflict, KindConflict, ListKindConflict), as the naming controller decides;
* establishing: with the names accepted, every served version is registered in the Catalog
  (so discovery, routing and OpenAPI serve it at once), then status gets acceptedNames and the
  conditions NamesAccepted=True (NoConflicts) and Established=True (InitialNamesAccepted);
  a changed CRD re-registers its types (new short names, columns, schema, versions);
* deletion: a CRD being deleted carries the customresourcecleanup finalizer (the registry adds it
  on DELETE, as kube's CRD storage does); the controller marks it Terminating, deletes every
  custom resource, waits until none is left, removes the finalizer and, once the CRD is gone,
  unregisters its types.

CRDs already stored are registered synchronously when the controller is built, so a restarted
server serves its custom resources before it answers its first request.
"""

from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any

from fakekapi.client.informer import Informer
from fakekapi.controllers.base import Controller
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.apiextensions import definition as crds
from fakekapi.registry.generic.keys import collection_prefix
from fakekapi.registry.generic.options import DeleteOptions, ListOptions, WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)

FIELD_MANAGER = "kube-apiserver"
"""CRD status is written by the apiserver itself on a real cluster."""
REMAINING_DELAY = 0.2
"""How soon a CRD whose instances are still being deleted is looked at again."""


def accepted_names(
    crd: JSONDict, others: list[JSONDict]
) -> tuple[dict[str, Any], tuple[str, str, str]]:
    """(acceptedNames, NamesAccepted (status, reason, message)) as the naming controller
    computes them against the other CRDs of the same group."""
    spec = crd.get("spec") or {}
    requested: dict[str, Any] = spec.get("names") or {}
    status = crd.get("status") or {}
    accepted: dict[str, Any] = dict(status.get("acceptedNames") or {})
    resources: set[str] = set()
    kinds: set[str] = set()
    for other in others:
        names = (other.get("status") or {}).get("acceptedNames") or {}
        resources.update(str(n) for n in (names.get("plural"), names.get("singular")) if n)
        resources.update(str(n) for n in names.get("shortNames") or ())
        kinds.update(str(n) for n in (names.get("kind"), names.get("listKind")) if n)
    new = dict(accepted)
    problem: tuple[str, str] | None = None

    def fresh(key: str, used: set[str], reason: str) -> None:
        nonlocal problem
        want = requested.get(key)
        if want == accepted.get(key) or not want or want not in used:
            new[key] = want
        elif problem is None:
            problem = (reason, f"{want!r} is already in use".replace("'", '"'))

    fresh("plural", resources, "PluralConflict")
    fresh("singular", resources, "SingularConflict")
    shorts = [str(s) for s in requested.get("shortNames") or ()]
    taken = [s for s in shorts if s in resources and s not in (accepted.get("shortNames") or ())]
    if taken:
        problem = problem or ("ShortNamesConflict", f'"{taken[0]}" is already in use')
    else:
        new["shortNames"] = shorts
    fresh("kind", kinds, "KindConflict")
    fresh("listKind", kinds, "ListKindConflict")
    new["categories"] = list(requested.get("categories") or ())
    ordered: dict[str, Any] = {"plural": new.get("plural") or "", "singular": new.get("singular")}
    ordered["shortNames"] = new.get("shortNames")
    ordered["kind"] = new.get("kind") or ""
    ordered["listKind"] = new.get("listKind")
    ordered["categories"] = new.get("categories")
    ordered = {k: v for k, v in ordered.items() if v or k in ("plural", "kind")}
    if problem is None:
        return ordered, ("True", "NoConflicts", "no conflicts found")
    return ordered, ("False", problem[0], problem[1])


class CRDController(Controller):
    """Registers, establishes and finalizes CustomResourceDefinitions (module docstring)."""

    name = "crd"

    def __init__(self, registry: Registry, crd_type: ResourceType, crds_informer: Informer) -> None:
        super().__init__(registry, [crds_informer])
        self.rt = crd_type
        self.crds = crds_informer
        self._registered: dict[str, list[ResourceType]] = {}
        crds_informer.add_handler(self._on_change)
        self._register_stored()

    # -- events -------------------------------------------------------------------------------

    def _on_change(self, old: JSONDict | None, new: JSONDict | None) -> None:
        obj = new or old or {}
        name = str((obj.get("metadata") or {}).get("name") or "")
        if name:
            self.queue.add(name)
        if new is None:
            group = (obj.get("spec") or {}).get("group")
            for other in self._same_group(group, name):
                self.queue.add(str(other["metadata"]["name"]))

    def _same_group(self, group: Any, exclude: str) -> list[JSONDict]:
        return [
            c
            for c in self.crds.cache.values()
            if (c.get("spec") or {}).get("group") == group
            and (c.get("metadata") or {}).get("name") != exclude
        ]

    def _register_stored(self) -> None:
        """Serve the established CRDs of the store now (a restart), before any informer runs."""
        try:
            items, _ = self.registry.store.list(collection_prefix(self.rt, ""), "")
        except Exception:  # pragma: no cover - a store that cannot list yet: the informer will
            log.warning("could not read stored CRDs", exc_info=True)
            return
        for _key, obj, *_ in items:
            if crds.condition_true(obj, "Established"):
                names = (obj.get("status") or {}).get("acceptedNames") or {}
                try:
                    self._register(obj, names)
                except ValueError:
                    log.warning("CRD %s clashes with a served type", obj["metadata"]["name"])

    # -- the catalog --------------------------------------------------------------------------

    def _register(self, crd: JSONDict, names: dict[str, Any]) -> None:
        catalog = self.registry.catalog
        name = str(crd["metadata"]["name"])
        wanted = crds.resource_types(crd, names)
        keys = {(rt.group, rt.version, rt.plural) for rt in wanted}
        for rt in self._registered.get(name, []):
            if (rt.group, rt.version, rt.plural) not in keys:
                catalog.unregister(rt.group, rt.version, rt.plural)
        registered: list[ResourceType] = []
        for rt in wanted:
            existing = catalog.lookup(rt.group, rt.version, rt.plural)
            if existing is not None and existing != rt and existing.is_crd:
                catalog.unregister(rt.group, rt.version, rt.plural)
            catalog.register(rt)
            registered.append(rt)
        for cv in crds.custom_versions(crd, names):
            catalog.custom.put(cv)
        self._registered[name] = registered

    def _unregister(self, name: str) -> None:
        for rt in self._registered.pop(name, []):
            self.registry.catalog.unregister(rt.group, rt.version, rt.plural)

    # -- sync ---------------------------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        crd = self.crds.get("", key)
        if crd is None:
            self._unregister(key)
            return None
        md = crd.get("metadata") or {}
        if md.get("deletionTimestamp"):
            return await self._finalize(crd)
        group = (crd.get("spec") or {}).get("group")
        names, (status, reason, message) = accepted_names(crd, self._same_group(group, key))
        new = copy.deepcopy(crd)
        st = new.setdefault("status", {})
        st["acceptedNames"] = names
        crds.set_condition(new, "NamesAccepted", status, reason, message)
        if status == "True":
            try:
                self._register(crd, names)
            except ValueError as e:
                log.warning("CRD %s cannot be served: %s", key, e)
                crds.set_condition(
                    new, "Established", "False", "NotAccepted", "not all names are accepted"
                )
            else:
                crds.set_condition(
                    new,
                    "Established",
                    "True",
                    "InitialNamesAccepted",
                    "the initial names have been accepted",
                )
        elif not crds.condition_true(crd, "Established"):
            crds.set_condition(
                new, "Established", "False", "NotAccepted", "not all names are accepted"
            )
        new["status"] = _status_order(new["status"])
        if new != crd:
            await self._write_status(new)
        return None

    async def _write_status(self, crd: JSONDict) -> None:
        name = str(crd["metadata"]["name"])
        await self.registry.update(
            self.rt, "", name, crd, WriteOptions(field_manager=FIELD_MANAGER), subresource="status"
        )

    async def _finalize(self, crd: JSONDict) -> float | None:
        """Delete every custom resource of a CRD being deleted, then drop the finalizer."""
        md = crd.get("metadata") or {}
        name = str(md.get("name"))
        if crds.CLEANUP_FINALIZER not in (md.get("finalizers") or []):
            return None
        new = copy.deepcopy(crd)
        crds.set_condition(
            new,
            "Terminating",
            "True",
            "InstanceDeletionInProgress",
            "CustomResource deletion is in progress",
        )
        if new != crd:
            await self._write_status(new)
            return None  # the status write comes back through the informer
        registered = self._registered.get(name) or []
        if registered:
            rt = registered[0]
            await self.registry.delete_collection(rt, "", ListOptions(), DeleteOptions())
            left = await self.registry.list(rt, "", ListOptions())
            if left.get("items"):
                return REMAINING_DELAY
        done = copy.deepcopy(crd)
        crds.set_condition(
            done, "Terminating", "False", "InstanceDeletionCompleted", "removed all instances"
        )
        done["status"] = _status_order(done["status"])
        try:
            await self._write_status(done)
            latest = await self.registry.get(self.rt, "", name)
        except StatusError as e:
            if e.code == 404:
                return None
            raise
        lmd = latest.setdefault("metadata", {})
        lmd["finalizers"] = [f for f in lmd.get("finalizers") or [] if f != crds.CLEANUP_FINALIZER]
        if not lmd["finalizers"]:
            del lmd["finalizers"]
        try:
            await self.registry.update(
                self.rt, "", name, latest, WriteOptions(field_manager=FIELD_MANAGER)
            )
        except StatusError as e:
            if e.code != 404:
                raise
        return None


def _status_order(status: dict[str, Any]) -> dict[str, Any]:
    """CustomResourceDefinitionStatus field order: conditions, acceptedNames, storedVersions."""
    keys = ("conditions", "acceptedNames", "storedVersions")
    out: dict[str, Any] = {k: status[k] for k in keys if k in status}
    out.update({k: v for k, v in status.items() if k not in out})
    return out
