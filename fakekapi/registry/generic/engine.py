"""The registry as a kind's special subresources see it: read, write, delete, the store.

A Protocol rather than the Registry class, so that the group packages (fakekapi.registry.core,
...) never import the registry that assembles them: the Registry satisfies it, and hands itself
to the subresource handlers its strategies declare.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import orjson

from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import generic_not_found
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.access import Access
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.store.base import Store


class WriteResult:
    """What a create/update/patch wrote (or, for dry runs and no-op updates, would have).

    A write can answer with the store's bytes of what it stored (`stored`) instead of the
    object: decoded only when someone asks for `object`, and a JSON response writes the bytes
    as they are (the same bytes encoding the decoded object gives, as GET does), so most
    creates never decode what they stored nor encode it again."""

    __slots__ = ("_object", "_stored", "created", "warnings")

    def __init__(
        self,
        object: dict[str, Any] | None = None,
        warnings: list[str] | None = None,
        created: bool = False,
        *,
        stored: bytes | None = None,
    ) -> None:
        if object is None and stored is None:
            raise ValueError("a WriteResult needs its object or its stored bytes")
        self._object = object
        self._stored = stored
        self.warnings: list[str] = [] if warnings is None else warnings
        self.created = created

    @property
    def object(self) -> dict[str, Any]:
        """The object written (the caller's own, to change or hand out)."""
        if self._object is None:
            assert self._stored is not None
            self._object = orjson.loads(self._stored)
        # Whoever took the object may change it: the bytes no longer vouch for it.
        self._stored = None
        return self._object

    @object.setter
    def object(self, value: dict[str, Any]) -> None:
        self._object = value
        self._stored = None

    @property
    def stored(self) -> bytes | None:
        """The stored JSON bytes of `object`, while nobody has taken the object (None after,
        or when the write answers an object that is not a stored one: dry runs, reviews)."""
        return self._stored

    def __repr__(self) -> str:
        what = f"stored={self._stored!r}" if self._stored is not None else repr(self._object)
        return f"WriteResult({what}, warnings={self.warnings!r}, created={self.created!r})"


class Streamed(NamedTuple):
    """A subresource answered as bytes rather than an object (kube's `rest.ResourceStreamer`:
    pods/log), written out as they are with their content type."""

    body: bytes
    content_type: str


class Engine(Protocol):
    store: Store
    catalog: Catalog
    access: Access
    """The server's authenticators, authorizer and token settings (generic/access.py)."""

    async def get(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]: ...

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
    ) -> object: ...

    async def delete(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        opts: DeleteOptions,
        *,
        user: UserInfo | None = None,
    ) -> tuple[dict[str, Any], int]: ...


def served_type(engine: Engine, group: str, version: str, plural: str) -> ResourceType:
    """The type a kind's special subresource reads or writes beside its own (pods for an
    eviction, a ServiceAccount for a TokenRequest); kube's 404 if this server does not serve it
    (the built-in catalog always does)."""
    rt = engine.catalog.lookup(group, version, plural)
    if rt is None:  # pragma: no cover - the built-in catalog has them
        raise generic_not_found()
    return rt
