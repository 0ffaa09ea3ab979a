"""NamespaceLifecycle (k8s.io/apiserver `pkg/admission/plugin/namespace/lifecycle`).

Nothing is created in a namespace that does not exist (404 NotFound of the namespace) or is being
terminated (403 with the `NamespaceTerminating` cause controllers look for), and the namespaces
the cluster cannot live without (`default`, `kube-system`, `kube-public`) are never deleted.
The forbidden message names the object as the request named it (empty for generateName), as the
plugin's `a.GetName()` does: names are generated after admission.
"""

from __future__ import annotations

import orjson

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
        self._terminating: dict[str, tuple[bytes, bool]] = {}
        """Per namespace key: the stored bytes last looked at, and whether they are of a
        terminating namespace (every create in a namespace asks; decoding the namespace each
        time was most of this plugin's cost)."""

    async def __call__(self, a: Attributes) -> None:
        rt = a.rt
        if a.operation == DELETE and (rt.group, rt.plural) == ("", "namespaces"):
            if a.name in IMMORTAL_NAMESPACES:
                raise forbidden(rt.plural, rt.group, a.name, "this namespace may not be deleted")
            return
        if a.operation != CREATE or not rt.namespaced or a.subresource:
            return
        if self._is_terminating(namespace_key(a.namespace), a.namespace):
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

    def _is_terminating(self, key: str, namespace: str) -> bool:
        """Whether the namespace is terminating (404 if there is none), from its stored bytes:
        decoded only when they are not the very bytes object looked at last time."""
        found = self.store.get_raw(key)
        if found is None:
            raise not_found("namespaces", "", namespace)
        data = found[0]
        known = self._terminating.get(key)
        if known is not None and known[0] is data:
            return known[1]
        ns = orjson.loads(data)
        terminating = bool(
            as_dict(ns.get("status")).get("phase") == "Terminating"
            or as_dict(ns.get("metadata")).get("deletionTimestamp")
        )
        if len(self._terminating) >= _REMEMBERED:
            self._terminating.clear()
        self._terminating[key] = (data, terminating)
        return terminating


_REMEMBERED = 1024
"""Namespaces whose state is kept at most (then forgotten all at once: a cache, not a copy)."""
