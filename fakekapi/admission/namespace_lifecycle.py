"""NamespaceLifecycle (k8s.io/apiserver `pkg/admission/plugin/namespace/lifecycle`).

Nothing is created in a namespace that does not exist (404 NotFound of the namespace) or is being
terminated (403 with the `NamespaceTerminating` cause controllers look for), and the namespaces
the cluster cannot live without (`default`, `kube-system`, `kube-public`) are never deleted.
The forbidden message names the object as the request named it (empty for generateName), as the
plugin's `a.GetName()` does: names are generated after admission.
"""

from __future__ import annotations

from fakekapi.core.errors import forbidden, not_found
from fakekapi.core.objects import as_dict
from fakekapi.registry.admission import CREATE, DELETE, Attributes
from fakekapi.registry.generic.keys import namespace_key
from fakekapi.store.base import Store

NAME = "NamespaceLifecycle"

IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
"""lifecycle.go `immortalNamespaces` (metav1.NamespaceDefault, NamespaceSystem, NamespacePublic)."""


class NamespaceLifecycle:
    name = NAME

    def __init__(self, store: Store) -> None:
        self.store = store

    async def __call__(self, a: Attributes) -> None:
        rt = a.rt
        if a.operation == DELETE and (rt.group, rt.plural) == ("", "namespaces"):
            if a.name in IMMORTAL_NAMESPACES:
                raise forbidden(rt.plural, rt.group, a.name, "this namespace may not be deleted")
            return
        if a.operation != CREATE or not rt.namespaced or a.subresource:
            return
        cur = self.store.get(namespace_key(a.namespace))
        if cur is None:
            raise not_found("namespaces", "", a.namespace)
        ns = cur[0]
        if as_dict(ns.get("status")).get("phase") == "Terminating" or as_dict(
            ns.get("metadata")
        ).get("deletionTimestamp"):
            raise forbidden(
                rt.plural,
                rt.group,
                a.name,
                f"unable to create new content in namespace {a.namespace} because it is being "
                "terminated",
                causes=[
                    {
                        "reason": "NamespaceTerminating",
                        "message": f"namespace {a.namespace} is being terminated",
                        "field": "metadata.namespace",
                    }
                ],
            )
