"""Services (kube `pkg/registry/core/service/strategy.go` and its REST storage): deleted
objects are returned, status starts with an empty loadBalancer, and the storage allocates
cluster IPs and node ports on create and update (fakekapi.registry.core.service_alloc)."""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import FieldError
from fakekapi.registry.admission import CREATE, UPDATE
from fakekapi.registry.core import service_alloc as services
from fakekapi.registry.generic.strategy import Strategy
from fakekapi.registry.validation import validate_service
from fakekapi.store.base import Store


class ServiceStrategy(Strategy):
    return_deleted_object = True
    allocates = True  # cluster IPs and node ports (service_alloc.py)

    def create_status(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {"loadBalancer": {}}  # a struct, not a pointer: always serialized

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        return validate_service(obj)

    async def before_write(
        self, store: Store, op: str, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        if op in (CREATE, UPDATE):
            services.allocate(store, obj, old)
