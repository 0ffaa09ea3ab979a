"""The apiextensions.k8s.io group (apiextensions-apiserver `pkg/registry/`):
CustomResourceDefinitions (crd.py, over fakekapi.registry.crd_definition) and the custom
resources they define (customresource.py)."""

from __future__ import annotations

from fakekapi.registry.apiextensions.crd import CustomResourceDefinitionStrategy
from fakekapi.registry.apiextensions.customresource import CustomResourceStrategy
from fakekapi.registry.generic.strategy import Strategy

STRATEGIES: dict[str, type[Strategy]] = {
    "customresourcedefinitions": CustomResourceDefinitionStrategy
}

__all__ = ["STRATEGIES", "CustomResourceStrategy"]
