"""A by-namespace index over an informer's cache (client-go's cache.NamespaceIndex).

Controllers list "the pods of this namespace" on every sync; walking every pod of the cluster
each time would make a 100-replica rollout quadratic in the number of pods.
"""

from __future__ import annotations

from fakekapi.client.informer import Informer
from fakekapi.core.objects import JSONDict


class NamespaceIndex:
    def __init__(self, informer: Informer) -> None:
        self._by_ns: dict[str, dict[str, JSONDict]] = {}
        informer.add_handler(self._changed)

    def _changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is not None:
            md = new.get("metadata") or {}
            self._by_ns.setdefault(md.get("namespace") or "", {})[md.get("name") or ""] = new
        elif old is not None:
            md = old.get("metadata") or {}
            ns = md.get("namespace") or ""
            items = self._by_ns.get(ns)
            if items is not None:
                items.pop(md.get("name") or "", None)
                if not items:
                    del self._by_ns[ns]

    def list(self, namespace: str) -> list[JSONDict]:
        return list((self._by_ns.get(namespace) or {}).values())
