"""The root-ca-cert-publisher: every namespace holds ConfigMap `kube-root-ca.crt` with the CA.

As kube-controller-manager's (pkg/controller/certificates/rootcacertpublisher/publisher.go): the
ConfigMap is created when missing, and its `ca.crt` data and description annotation are restored
when someone changes or deletes it; namespaces that are gone or terminating are skipped.
"""

from __future__ import annotations

import copy
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

ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)


class RootCAPublisher(Controller):
    name = "root-ca-cert-publisher"

    def __init__(
        self,
        registry: Registry,
        cm_type: ResourceType,
        namespaces: Informer,
        configmaps: Informer,
        ca_pem: str,
    ) -> None:
        super().__init__(registry, [namespaces, configmaps])
        self.cm_type = cm_type
        self.namespaces = namespaces
        self.configmaps = configmaps
        self.ca_pem = ca_pem
        namespaces.add_handler(self._namespace_changed)
        configmaps.add_handler(self._configmap_changed)

    def _namespace_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is not None and not is_terminating(new):
            self.queue.add(new["metadata"]["name"])

    def _configmap_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if old is None:  # added: nothing to restore
            return
        md = old.get("metadata") or {}
        if md.get("name") == ROOT_CA_CONFIGMAP:
            self.queue.add(md.get("namespace") or "")

    async def sync(self, key: str) -> float | None:
        ns = self.namespaces.get("", key)
        if ns is None or is_terminating(ns):
            return None
        data = {"ca.crt": self.ca_pem}
        opts = WriteOptions(field_manager=FIELD_MANAGER)
        cm = self.configmaps.get(key, ROOT_CA_CONFIGMAP)
        if cm is None:
            new: JSONDict = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": ROOT_CA_CONFIGMAP,
                    "namespace": key,
                    "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION},
                },
                "data": data,
            }
            try:
                await self.registry.create(self.cm_type, key, new, opts)
            except StatusError as e:
                # Not retried: the namespace is gone or terminating. An AlreadyExists is
                # followed by the watch event of the existing object, which is checked then.
                if e.code == 404 or has_status_cause(e, NAMESPACE_TERMINATING_CAUSE):
                    return None
                if e.reason != "AlreadyExists":
                    raise
            return None
        annotations = (cm.get("metadata") or {}).get("annotations") or {}
        if cm.get("data") == data and annotations.get(DESCRIPTION_ANNOTATION):
            return None
        updated = copy.deepcopy(cm)
        updated["data"] = data
        md = updated["metadata"]
        md["annotations"] = {**(md.get("annotations") or {}), DESCRIPTION_ANNOTATION: DESCRIPTION}
        await self.registry.update(self.cm_type, key, ROOT_CA_CONFIGMAP, updated, opts)
        return None
