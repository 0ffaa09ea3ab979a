"""ResourceType: what discovery, OpenAPI, routing and RBAC all know about one resource."""

from __future__ import annotations

from typing import NamedTuple


class Subresource(NamedTuple):
    """One subresource of a resource (`pods/status`, `deployments/scale`)."""

    name: str
    """The subresource name after the slash: `status`, `scale`, `log`, `token`."""
    kind: str
    """The kind it accepts and returns, e.g. `Scale`, `TokenRequest`, `Pod`."""
    group: str
    """The group of `kind` (same as the parent's unless e.g. autoscaling for Scale)."""
    version: str
    """The version of `kind`."""
    verbs: tuple[str, ...]
    """Sorted verbs, as discovery lists them."""


class ResourceType(NamedTuple):
    """A resource served at /api/v1 or /apis/GROUP/VERSION (the catalog's unit)."""

    group: str
    """API group; "" for the core group."""
    version: str
    """API version, e.g. `v1`."""
    plural: str
    """The resource name in URLs, e.g. `pods`."""
    kind: str
    """The object kind, e.g. `Pod`."""
    singular: str
    """Singular name, e.g. `pod`."""
    namespaced: bool
    """True if objects live in a namespace."""
    verbs: tuple[str, ...]
    """Sorted verbs (create, delete, deletecollection, get, list, patch, update, watch)."""
    short_names: tuple[str, ...] = ()
    """Short names, e.g. (`po`,)."""
    categories: tuple[str, ...] = ()
    """Categories, e.g. (`all`,)."""
    subresources: tuple[Subresource, ...] = ()
    """Subresources, in discovery order."""
    storage_version_hash: str = ""
    """Legacy discovery's storageVersionHash (empty for virtual resources)."""
    is_crd: bool = False
    """True for custom resources (no protobuf, no strategic merge patch)."""

    @property
    def group_version(self) -> str:
        """`v1` or `apps/v1`: the apiVersion of objects of this type."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        """`PodList`."""
        return f"{self.kind}List"

    @property
    def qualified(self) -> str:
        """`pods` or `deployments.apps`: the GroupResource string used in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def subresource(self, name: str) -> Subresource | None:
        """The named subresource, or None."""
        for sub in self.subresources:
            if sub.name == name:
                return sub
        return None

    def has_verb(self, verb: str) -> bool:
        return verb in self.verbs
