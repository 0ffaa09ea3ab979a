"""The registry as a kind's special subresources see it: read, write, delete, the store.

A Protocol rather than the Registry class, so that the group packages (fakekapi.registry.core,
...) never import the registry that assembles them: the Registry satisfies it, and hands itself
to the subresource handlers its strategies declare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import generic_not_found
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.access import Access
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.store.base import Store


@dataclass
class WriteResult:
    """What a create/update/patch wrote (or, for dry runs and no-op updates, would have)."""

    object: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    created: bool = False


@dataclass(frozen=True)
class Streamed:
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
