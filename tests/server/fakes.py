"""A stand-in registry for handler tests: records calls, keeps objects in a dict, and lets a test
feed watch events. It implements the HTTP layer's port (fakekapi/server/ports.py RegistryAPI)
and nothing more: no store, no stored bytes (the handlers encode the objects), no subresources
(kube's 405); Kubernetes rules are the real registry's business and are tested there."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import method_not_allowed, not_found
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.access import NO_ACCESS, Access
from fakekapi.registry.generic.options import DeleteOptions, ListOptions, WriteOptions


@dataclass
class Result:
    object: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    created: bool = False
    stored: bytes | None = None


@dataclass
class Event:
    type: str
    object: dict[str, Any]
    raw: bytes | None = None


class FakeRegistry:
    store = None

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog if catalog is not None else Catalog.builtin()
        self.access: Access = NO_ACCESS
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.calls: list[tuple[str, Any]] = []
        self.warnings: list[str] = []
        self.rv = 100
        self.events: asyncio.Queue[Event | Exception | None] = asyncio.Queue()
        self.watch_opts: list[ListOptions] = []
        self.open_watches = 0

    def _key(self, rt: ResourceType, ns: str, name: str) -> tuple[str, str, str]:
        return (rt.qualified, ns, name)

    def _stamp(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.rv += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.rv)
        obj["metadata"].setdefault("creationTimestamp", "2025-01-01T00:00:00Z")
        return obj

    async def create(
        self,
        rt: ResourceType,
        namespace: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        *,
        user: UserInfo | None = None,
        raw: bytes | None = None,
    ) -> Result:
        self.calls.append(("create", (rt.plural, namespace, obj, opts, user)))
        obj = self._stamp(copy.deepcopy(obj))
        if namespace:
            obj["metadata"]["namespace"] = namespace
        self.objects[self._key(rt, namespace, obj["metadata"]["name"])] = obj
        return Result(obj, list(self.warnings), True)

    async def get(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        self.calls.append(("get", (rt.plural, namespace, name)))
        obj = self.objects.get(self._key(rt, namespace, name))
        if obj is None:
            raise not_found(rt.plural, rt.group, name)
        return obj

    async def list(self, rt: ResourceType, namespace: str, opts: ListOptions) -> dict[str, Any]:
        self.calls.append(("list", (rt.plural, namespace, opts)))
        items = [
            o
            for (q, ns, _), o in sorted(self.objects.items())
            if q == rt.qualified and (not namespace or ns == namespace)
        ]
        return {
            "kind": rt.list_kind,
            "apiVersion": rt.group_version,
            "metadata": {"resourceVersion": str(self.rv)},
            "items": items,
        }

    async def get_shared(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        return await self.get(rt, namespace, name)

    async def list_shared(
        self, rt: ResourceType, namespace: str, opts: ListOptions
    ) -> dict[str, Any]:
        return await self.list(rt, namespace, opts)

    async def get_raw(self, rt: ResourceType, namespace: str, name: str) -> None:
        return None

    async def list_raw(self, rt: ResourceType, namespace: str, opts: ListOptions) -> None:
        return None

    async def get_subresource(
        self, rt: ResourceType, namespace: str, name: str, subresource: str
    ) -> dict[str, Any]:
        raise method_not_allowed()

    async def create_subresource(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        subresource: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        *,
        user: UserInfo | None = None,
    ) -> Result:
        raise method_not_allowed()

    async def stream_subresource(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        subresource: str,
        query: Mapping[str, str],
    ) -> None:
        return None

    async def update(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        *,
        subresource: str = "",
        user: UserInfo | None = None,
        raw: bytes | None = None,
    ) -> Result:
        self.calls.append(("update", (rt.plural, namespace, name, obj, opts, subresource)))
        existed = self._key(rt, namespace, name) in self.objects
        obj = self._stamp(copy.deepcopy(obj))
        self.objects[self._key(rt, namespace, name)] = obj
        return Result(obj, list(self.warnings), not existed)

    async def patch(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        body: bytes,
        opts: WriteOptions,
        *,
        subresource: str = "",
        user: UserInfo | None = None,
    ) -> Result:
        self.calls.append(("patch", (rt.plural, namespace, name, content_type, body, opts)))
        obj = self.objects.get(self._key(rt, namespace, name))
        if obj is None:
            raise not_found(rt.plural, rt.group, name)
        return Result(obj, list(self.warnings), False)

    async def delete(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        opts: DeleteOptions,
        *,
        user: UserInfo | None = None,
    ) -> tuple[dict[str, Any], int]:
        self.calls.append(("delete", (rt.plural, namespace, name, opts)))
        obj = self.objects.pop(self._key(rt, namespace, name), None)
        if obj is None:
            raise not_found(rt.plural, rt.group, name)
        return obj, 200

    async def delete_collection(
        self,
        rt: ResourceType,
        namespace: str,
        list_opts: ListOptions,
        delete_opts: DeleteOptions,
        *,
        user: UserInfo | None = None,
    ) -> dict[str, Any]:
        self.calls.append(("deletecollection", (rt.plural, namespace, list_opts, delete_opts)))
        out = await self.list(rt, namespace, list_opts)
        for k in [k for k in self.objects if k[0] == rt.qualified]:
            del self.objects[k]
        return out

    def watch(
        self,
        rt: ResourceType,
        namespace: str,
        opts: ListOptions,
        *,
        timeout: float | None = None,
    ) -> AsyncIterator[Event]:
        self.watch_opts.append(opts)
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        self.open_watches += 1
        try:
            while True:
                ev = await self.events.get()
                if ev is None:
                    return
                if isinstance(ev, Exception):
                    raise ev
                yield ev
        finally:
            self.open_watches -= 1
