"""Custom resources (apiextensions-apiserver `pkg/registry/customresource/strategy.go`):
metadata.generation kept, deleted objects returned, no unconditional updates, and a create
with a status subresource drops the status the client sent. Schema validation, pruning,
defaulting and `scale` come from the CRD through the catalog (the Registry's custom paths)."""

from __future__ import annotations

from typing import Any

from fakekapi.catalog.types import ResourceType
from fakekapi.registry.generic.strategy import GenerationStrategy


class CustomResourceStrategy(GenerationStrategy):
    return_deleted_object = True

    def __init__(self, rt: ResourceType) -> None:
        super().__init__(rt)
        self.allow_unconditional_update = False

    def reset_status(self, obj: dict[str, Any]) -> None:
        if self.status_subresource:
            obj.pop("status", None)
