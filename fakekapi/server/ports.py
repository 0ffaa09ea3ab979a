"""What the HTTP layer needs from the registry, as a Protocol.

The handlers depend on this shape rather than on the concrete Registry class so tests can hand
the app a stand-in, and so it is written down in one place which registry calls the HTTP verbs
turn into. `fakekapi.registry.registry.Registry` satisfies it; so does tests/server/fakes.py.

Every method the server calls is declared here (the server looks nothing up by name). Two are
optional capabilities with a typed "no": `get_raw`/`list_raw` answer None when the registry keeps
no stored bytes (a stand-in), and the handler then encodes the object itself; a registry without
a subresource raises kube's 405 from `get_subresource`/`create_subresource`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.access import Access
from fakekapi.registry.generic.engine import Streamed
from fakekapi.registry.generic.options import DeleteOptions, ListOptions, WriteOptions
from fakekapi.store.base import Store


class WriteResultLike(Protocol):
    @property
    def object(self) -> dict[str, Any]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def created(self) -> bool: ...
    @property
    def stored(self) -> bytes | None: ...


class WatchEventLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def object(self) -> dict[str, Any]: ...
    @property
    def raw(self) -> bytes | None:
        """The object's stored JSON bytes, when the stream can write them as they are."""


class RawListLike(Protocol):
    def to_json(self) -> bytes: ...
    def json_chunks(self) -> list[bytes]:
        """`to_json()` in pieces cut between items (a big list is written piece by piece)."""

    @property
    def head(self) -> dict[str, Any]:
        """The list without its items: kind, apiVersion, metadata."""

    @property
    def items(self) -> list[bytes]:
        """Each item's JSON as the list holds it."""


class RegistryAPI(Protocol):
    access: Access
    """How the registry's authentication and authorization resources (TokenReview, the access
    reviews, serviceaccounts/token) reach this server's authenticators and authorizer: the app
    sets it when it is built."""

    @property
    def catalog(self) -> Catalog:
        """The resource types it serves (the app serves them unless given another catalog)."""

    @property
    def store(self) -> Store | None:
        """Where objects live (ServiceAccount tokens and the console look things up there); None
        for a stand-in without one."""

    async def get_shared(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        """`get` for a caller that only reads the answer (it may be the stored dict itself)."""

    async def list_shared(
        self, rt: ResourceType, namespace: str, opts: ListOptions
    ) -> dict[str, Any]:
        """`list` for a caller that only reads the answer."""

    async def get_raw(self, rt: ResourceType, namespace: str, name: str) -> bytes | None:
        """The stored JSON bytes of an object (None: no stored bytes, encode `get`'s answer)."""

    async def list_raw(
        self, rt: ResourceType, namespace: str, opts: ListOptions
    ) -> RawListLike | None:
        """A list whose items are stored JSON bytes (None: encode `list`'s answer)."""

    async def get_subresource(
        self, rt: ResourceType, namespace: str, name: str, subresource: str
    ) -> dict[str, Any]: ...

    async def stream_subresource(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        subresource: str,
        query: Mapping[str, str],
    ) -> Streamed | None:
        """GET of a subresource answered as bytes (pods/log); None for one answered as an
        object."""

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
    ) -> WriteResultLike: ...

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
        self,
        rt: ResourceType,
        namespace: str,
        opts: ListOptions,
        *,
        timeout: float | None = None,
    ) -> AsyncIterator[WatchEventLike]:
        """The watch stream; `timeout`: how long the request streams (its last bookmark comes
        just before)."""
