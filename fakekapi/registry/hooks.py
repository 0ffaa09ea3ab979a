"""Admission hooks: the callbacks the registry runs before every write is stored.

They are kube's admission chain reduced to one call per write: a hook sees the operation, the
resource type, the new object (which it may change) and the stored one, plus who is asking, and
refuses by raising a StatusError. Implementations live in fakekapi.admission; the registry only
knows this protocol.
"""

from __future__ import annotations

from typing import Any, Protocol

from fakekapi.catalog.types import ResourceType
from fakekapi.core.user import UserInfo

CREATE = "CREATE"
UPDATE = "UPDATE"
DELETE = "DELETE"


class AdmissionHook(Protocol):
    async def __call__(
        self,
        op: str,
        rt: ResourceType,
        obj: dict[str, Any] | None,
        old: dict[str, Any] | None,
        user: UserInfo | None,
    ) -> None:
        """Inspect (and for CREATE/UPDATE possibly change) `obj`; raise StatusError to refuse.

        `op` is CREATE (old is None), UPDATE (both set; also status and finalize writes) or DELETE
        (obj is None, old is the object being deleted). Hooks also run for dry-run requests.
        """
