"""The storage.k8s.io group's kinds (kube `pkg/registry/storage/<resource>/storage`): deletes
return the deleted object."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import Strategy


class ReturnDeletedStrategy(Strategy):
    return_deleted_object = True


STRATEGIES: dict[str, type[Strategy]] = {
    "storageclasses": ReturnDeletedStrategy,
    "csidrivers": ReturnDeletedStrategy,
    "volumeattachments": ReturnDeletedStrategy,
}

__all__ = ["STRATEGIES"]
