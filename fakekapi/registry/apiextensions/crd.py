"""CustomResourceDefinitions (apiextensions-apiserver
`pkg/registry/customresourcedefinition/strategy.go`): defaults, a fresh status and
storedVersions on create, new storage versions recorded on update, kube's CRD validation, and a
delete that first marks the definition Terminating (the CRD controller then removes its
instances and its finalizer)."""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import FieldError
from fakekapi.registry.apiextensions import definition as crd_definition
from fakekapi.registry.generic.strategy import GenerationStrategy


class CustomResourceDefinitionStrategy(GenerationStrategy):
    def on_decode(self, obj: dict[str, Any]) -> None:
        crd_definition.set_defaults(obj)

    def prepare_for_create(self, obj: dict[str, Any]) -> None:
        crd_definition.prepare_create(obj)

    def prepare_for_update(
        self, new: dict[str, Any], old: dict[str, Any], subresource: str
    ) -> None:
        crd_definition.prepare_update(new, old)

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        return crd_definition.validate(obj, old)

    def before_delete(self, old: dict[str, Any]) -> None:
        if not (old.get("metadata") or {}).get("deletionTimestamp"):
            crd_definition.mark_for_deletion(old)
