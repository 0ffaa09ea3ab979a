"""The admission port: what the registry hands the admission chain before a write is stored.

As k8s.io/apiserver `pkg/admission` (`Attributes`, `Interface`): a plugin sees the operation,
the resource type, the new object (which it may change) and the stored one, plus who is asking,
and refuses by raising a StatusError. The plugins themselves live in fakekapi.admission (one a
module, in one ordered list, `fakekapi.admission.chain`); the registry only knows this protocol
and runs whatever chain it was given (`Registry.admission`, installed by whoever builds the
registry: the server, the sandbox, the tests).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from fakekapi.catalog.types import ResourceType
from fakekapi.core.user import UserInfo

CREATE = "CREATE"
UPDATE = "UPDATE"
DELETE = "DELETE"


class Attributes(NamedTuple):
    """admission.Attributes of one write."""

    operation: str
    """CREATE (old is None), UPDATE (both set; also status, scale and finalize writes) or DELETE
    (obj is None, old is the object being deleted)."""
    rt: ResourceType
    namespace: str
    """The request's namespace ("" for cluster-scoped types)."""
    name: str
    """The name as the request gave it (GetName): empty on a create by generateName, whose name
    the registry generates only after admission, as kube's BeforeCreate does."""
    obj: dict[str, Any] | None
    old: dict[str, Any] | None
    user: UserInfo | None
    subresource: str = ""


class AdmissionPlugin(Protocol):
    async def __call__(self, attrs: Attributes, /) -> None:
        """Inspect (and for CREATE/UPDATE possibly change) `attrs.obj`; raise StatusError to
        refuse. Plugins also run for dry-run requests."""
