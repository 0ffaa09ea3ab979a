"""What the HTTP layer needs from the registry, as a Protocol.

The handlers depend on this shape rather than on the concrete Registry class so tests can hand
the app a stand-in, and so it is written down in one place which registry calls the HTTP verbs
turn into. `fakekapi.registry.registry.Registry` satisfies it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from fakekapi.catalog.types import ResourceType
from fakekapi.core.user import UserInfo
from fakekapi.registry.options import DeleteOptions, ListOptions, WriteOptions


class WriteResultLike(Protocol):
    @property
    def object(self) -> dict[str, Any]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def created(self) -> bool: ...


class WatchEventLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def object(self) -> dict[str, Any]: ...


class RegistryAPI(Protocol):
    async def create(
        self,
        rt: ResourceType,
        namespace: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        *,
        user: UserInfo | None = None,
        raw: bytes | None = None,
    ) -> WriteResultLike: ...

    async def get(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]: ...

    async def list(self, rt: ResourceType, namespace: str, opts: ListOptions) -> dict[str, Any]: ...

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
    ) -> WriteResultLike: ...

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
    ) -> WriteResultLike: ...

    async def delete(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        opts: DeleteOptions,
        *,
        user: UserInfo | None = None,
    ) -> tuple[dict[str, Any], int]: ...

    async def delete_collection(
        self,
        rt: ResourceType,
        namespace: str,
        list_opts: ListOptions,
        delete_opts: DeleteOptions,
        *,
        user: UserInfo | None = None,
    ) -> dict[str, Any]: ...

    def watch(
        self, rt: ResourceType, namespace: str, opts: ListOptions
    ) -> AsyncIterator[WatchEventLike]: ...
