"""DefaultStorageClass (k8s.io/kubernetes `plugin/pkg/admission/storage/storageclass/setdefault`).

A new PersistentVolumeClaim that names no class gets the default StorageClass.
"""

from __future__ import annotations

from fakekapi.admission.plugin import ReadingPlugin, object_of
from fakekapi.catalog.catalog import Catalog
from fakekapi.core.objects import JSONDict, as_dict, sub_dict
from fakekapi.registry.admission import Attributes
from fakekapi.registry.generic.keys import collection_prefix
from fakekapi.store.base import Store

NAME = "DefaultStorageClass"

DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


class DefaultStorageClass(ReadingPlugin):
    name = NAME

    async def __call__(self, a: Attributes) -> None:
        claim = object_of(a, ("", "persistentvolumeclaims"))
        if claim is not None:
            admit_claim(self.store, self.catalog, claim)


def admit_claim(store: Store, catalog: Catalog, pvc: JSONDict) -> None:
    """plugin/pkg/admission/storage/storageclass/setdefault: a claim that names no class (the
    field absent; "" means none on purpose) gets the default StorageClass, the newest when
    several are marked default (GetDefaultClass)."""
    spec = sub_dict(pvc, "spec")
    if spec.get("storageClassName") is not None:
        return
    sc_type = catalog.lookup("storage.k8s.io", "v1", "storageclasses")
    if sc_type is None:
        return
    items, _ = store.list(collection_prefix(sc_type, ""))
    defaults = [
        sc
        for _key, sc, _rev in items
        if any(as_dict(as_dict(sc.get("metadata")).get("annotations")).get(a) == "true"
               for a in DEFAULT_CLASS_ANNOTATIONS)
    ]  # fmt: skip
    if not defaults:
        return
    newest = max(
        defaults,
        key=lambda sc: (
            str(as_dict(sc.get("metadata")).get("creationTimestamp") or ""),
            str(as_dict(sc.get("metadata")).get("name") or ""),
        ),
    )
    spec["storageClassName"] = as_dict(newest.get("metadata")).get("name")
