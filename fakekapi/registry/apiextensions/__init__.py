"""The apiextensions.k8s.io group (apiextensions-apiserver `pkg/registry/`):
CustomResourceDefinitions (crd.py's strategy over definition.py: defaults, validation, names)
and the custom resources they define (customresource.py; their structural schemas' pruning,
defaulting and validation in schema.py, `x-kubernetes-validations` rules in cel.py)."""

from __future__ import annotations

from fakekapi.registry.apiextensions.crd import CustomResourceDefinitionStrategy
from fakekapi.registry.apiextensions.customresource import CustomResourceStrategy
from fakekapi.registry.generic.strategy import Strategy

STRATEGIES: dict[str, type[Strategy]] = {
    "customresourcedefinitions": CustomResourceDefinitionStrategy
}

__all__ = ["STRATEGIES", "CustomResourceStrategy"]
