"""The serviceaccounts controller: every active namespace has a `default` ServiceAccount.

As kube-controller-manager's (pkg/controller/serviceaccount/serviceaccounts_controller.go): a
namespace is looked at when it is added or changed and when its `default` ServiceAccount is
deleted; nothing is created in a namespace that is not Active, and "already exists" or "namespace
is terminating" answers are not failures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakekapi.client.informer import Informer
from fakekapi.controllers.base import (
    FIELD_MANAGER,
    NAMESPACE_TERMINATING_CAUSE,
    Controller,
    has_status_cause,
    is_terminating,
)
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

SERVICE_ACCOUNTS_TO_ENSURE = ("default",)


class ServiceAccountsController(Controller):
    name = "serviceaccount-controller"

    def __init__(
        self,
        registry: Registry,
        sa_type: ResourceType,
        namespaces: Informer,
        serviceaccounts: Informer,
    ) -> None:
        super().__init__(registry, [namespaces, serviceaccounts])
        self.sa_type = sa_type
        self.namespaces = namespaces
        self.serviceaccounts = serviceaccounts
        namespaces.add_handler(self._namespace_changed)
        serviceaccounts.add_handler(self._serviceaccount_changed)

    def _namespace_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is not None:
            self.queue.add(new["metadata"]["name"])

    def _serviceaccount_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is None and old is not None:
            md = old.get("metadata") or {}
            if md.get("name") in SERVICE_ACCOUNTS_TO_ENSURE:
                self.queue.add(md.get("namespace") or "")

    async def sync(self, key: str) -> float | None:
        ns = self.namespaces.get("", key)
        if ns is None or is_terminating(ns):
            return None
        for name in SERVICE_ACCOUNTS_TO_ENSURE:
            if self.serviceaccounts.get(key, name) is not None:
                continue
            sa: JSONDict = {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": name, "namespace": key},
            }
            try:
                await self.registry.create(
                    self.sa_type, key, sa, WriteOptions(field_manager=FIELD_MANAGER)
                )
            except StatusError as e:
                if e.reason == "AlreadyExists" or has_status_cause(e, NAMESPACE_TERMINATING_CAUSE):
                    continue
                if e.code == 404 and self.namespaces.get("", key) is None:
                    continue  # the namespace is gone
                raise
        return None
