"""The networking.k8s.io group's kinds (kube `pkg/registry/networking/<resource>`): all keep
metadata.generation; Ingress paths are validated (validateHTTPIngressPath)."""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import invalid
from fakekapi.registry.admission import CREATE, UPDATE
from fakekapi.registry.defaults import ingress_path_errors
from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy
from fakekapi.store.base import Store


class IngressStrategy(GenerationStrategy):
    async def before_write(
        self, store: Store, op: str, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        if op not in (CREATE, UPDATE):
            return
        errs = ingress_path_errors(obj)
        if errs:
            name = str((obj.get("metadata") or {}).get("name") or "")
            raise invalid("Ingress", "networking.k8s.io", name, errs)


STRATEGIES: dict[str, type[Strategy]] = {
    "networkpolicies": GenerationStrategy,
    "ingresses": IngressStrategy,
    "ingressclasses": GenerationStrategy,
}

__all__ = ["STRATEGIES"]
