"""The resource.k8s.io group's kinds (kube `pkg/registry/resource/<resource>`, dynamic resource
allocation): DeviceClasses, ResourceClaims, ResourceClaimTemplates and ResourceSlices follow the
generic rules; their Table printers are in printers.py."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import Strategy

STRATEGIES: dict[str, type[Strategy]] = {}

__all__ = ["STRATEGIES"]
