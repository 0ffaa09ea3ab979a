"""What the built-in plugins share: the store they read and the objects they act on.

kube's plugins read through informers' listers handed over by the admission initializer
(`WantsExternalKubeInformerFactory`); fakekapi's read the store and catalog they are built with.
"""

from __future__ import annotations

from fakekapi.catalog.catalog import Catalog
from fakekapi.core.objects import JSONDict
from fakekapi.registry.admission import CREATE, Attributes
from fakekapi.store.base import Store

PODS = ("", "pods")


class ReadingPlugin:
    """A plugin that looks objects up (a ServiceAccount, PriorityClasses, StorageClasses)."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog


def object_of(
    attrs: Attributes, resource: tuple[str, str], operations: tuple[str, ...] = (CREATE,)
) -> JSONDict | None:
    """The object a plugin for `resource` (group, plural) acts on, None when the request is not
    one of its `operations` on that built-in resource (subresources excluded)."""
    rt = attrs.rt
    if attrs.operation not in operations or attrs.subresource or rt.is_crd:
        return None
    return attrs.obj if (rt.group, rt.plural) == resource else None


def mutating_forbidden_name(attrs: Attributes) -> str:
    """The name admission.NewForbidden gives a mutating plugin's 403 (apiserver admission
    errors.go extractResourceName): the request's name, else the object's. kube generates a
    generateName object's name after mutating admission (rest.BeforeCreate), so such a plugin
    still sees only the generateName there; here the name is generated first, so a create
    without a requested name answers with its generateName."""
    if attrs.name:
        return attrs.name
    md = attrs.obj.get("metadata") if attrs.obj is not None else None
    if not isinstance(md, dict):
        return "Unknown"
    return str(md.get("generateName") or md.get("name") or "Unknown")
