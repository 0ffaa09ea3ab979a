"""What kube-controller-manager's workload controllers share: identity, events and writes.

Each controller writes as its own ServiceAccount (kube's `--use-service-account-credentials`),
with field manager `kube-controller-manager` (its client's user agent prefix, which is what
managedFields record on a real cluster), and records Events as its component.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fakekapi.client.informer import Handler, Informer
from fakekapi.controllers.base import (
    FIELD_MANAGER,
    NAMESPACE_TERMINATING_CAUSE,
    Controller,
    has_status_cause,
)
from fakekapi.controllers.context import ControllerContext, controller_identity
from fakekapi.controllers.events import NORMAL, WARNING
from fakekapi.controllers.ownership import owner_key
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.generic.patch import STRATEGIC_MERGE_PATCH

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType


def key_of(obj: JSONDict) -> str:
    md = obj.get("metadata") or {}
    ns = md.get("namespace") or ""
    return f"{ns}/{md.get('name', '')}" if ns else str(md.get("name", ""))


def split_key(key: str) -> tuple[str, str]:
    ns, _, name = key.rpartition("/")
    return ns, name


def spec_replicas(obj: JSONDict, default: int = 1) -> int:
    """`spec.replicas`, defaulted as the API server defaults it (1)."""
    value = (obj.get("spec") or {}).get("replicas")
    return int(value) if isinstance(value, int) else default


def typed(obj: JSONDict, api_version: str, kind: str) -> JSONDict:
    """The object with its apiVersion and kind (informer caches may lack them)."""
    if obj.get("kind") == kind and obj.get("apiVersion") == api_version:
        return obj
    return {"apiVersion": api_version, "kind": kind, **obj}


class WorkloadController(Controller):
    """A Controller with kube-controller-manager's identity, event recorder and write helpers."""

    service_account = "controller"
    """The kube-system ServiceAccount the controller acts as (kube's bootstrap controller role
    subject, e.g. `deployment-controller`, `daemon-set-controller`)."""
    component = "controller"
    """The event source component (e.g. `deployment-controller`)."""

    def __init__(self, ctx: ControllerContext, informers: Sequence[Informer]) -> None:
        super().__init__(ctx.registry, informers)
        self.ctx = ctx
        self.user = controller_identity(self.service_account)
        self.recorder = ctx.recorder(self.component, self.user)
        self.write_opts = WriteOptions(field_manager=FIELD_MANAGER)

    def enqueue_current(self, old: JSONDict | None, new: JSONDict | None) -> None:
        """Informer handler: queue an added or updated object (a deleted one needs no sync)."""
        if new is not None:
            self.queue.add(key_of(new))

    def enqueue_any(self, old: JSONDict | None, new: JSONDict | None) -> None:
        """Informer handler: queue an added, updated or deleted object."""
        obj = new if new is not None else old
        if obj is not None:
            self.queue.add(key_of(obj))

    def owner_changed(self, kind: str) -> Handler:
        """An informer handler that queues the `kind` controller of an object, before and after
        its change (kube's addPod/updatePod/deletePod: resolveControllerRef of the old and the
        new controller reference)."""

        def handler(old: JSONDict | None, new: JSONDict | None) -> None:
            for obj in (old, new):
                key = owner_key(obj, kind) if obj is not None else None
                if key is not None:
                    self.queue.add(key)

        return handler

    async def create(self, rt: ResourceType, namespace: str, obj: JSONDict) -> JSONDict:
        result = await self.registry.create(rt, namespace, obj, self.write_opts, user=self.user)
        return result.object

    async def create_pod(self, rt: ResourceType, owner: JSONDict, pod: JSONDict) -> None:
        """controller.RealPodControl.CreatePods, which the ReplicaSet and Job controllers share:
        create `pod` in the owner's namespace and record FailedCreate or SuccessfulCreate on the
        owner. A namespace being torn down is not an error (every later create would fail too),
        so it records nothing and returns."""
        md = owner.get("metadata") or {}
        try:
            created = await self.create(rt, str(md.get("namespace") or ""), pod)
        except StatusError as e:
            if has_status_cause(e, NAMESPACE_TERMINATING_CAUSE):
                return
            self.recorder.event(owner, WARNING, "FailedCreate", f"Error creating: {e.message}")
            raise
        self.recorder.event(
            owner, NORMAL, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}"
        )

    async def update(self, rt: ResourceType, obj: JSONDict, *, subresource: str = "") -> JSONDict:
        md = obj.get("metadata") or {}
        result = await self.registry.update(
            rt,
            str(md.get("namespace") or ""),
            str(md.get("name") or ""),
            obj,
            self.write_opts,
            subresource=subresource,
            user=self.user,
        )
        return result.object

    async def update_status(self, rt: ResourceType, obj: JSONDict) -> JSONDict:
        return await self.update(rt, obj, subresource="status")

    async def patch(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        body: dict[str, Any],
        *,
        content_type: str = STRATEGIC_MERGE_PATCH,
        subresource: str = "",
    ) -> JSONDict:
        result = await self.registry.patch(
            rt,
            namespace,
            name,
            content_type,
            json.dumps(body).encode(),
            self.write_opts,
            subresource=subresource,
            user=self.user,
        )
        return result.object

    async def delete(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        *,
        propagation: str | None = None,
        uid: str | None = None,
    ) -> bool:
        """Delete; False when it was already gone."""
        opts = DeleteOptions(propagation_policy=propagation, preconditions_uid=uid)
        try:
            await self.registry.delete(rt, namespace, name, opts, user=self.user)
        except StatusError as e:
            if e.code == 404:
                return False
            raise
        return True
