"""The core ("") API group's kinds, as kube's `pkg/registry/core/<resource>`: each kind's
strategy (pod.py, namespace.py, service.py, secret.py, and the flags of the simpler ones here)
and its special subresources (pod_subresources.py; serviceaccounts/token: tokenrequest.py), and
the Service REST storage's allocations (service_alloc.py).

Imports: fakekapi.registry.generic and the registry's shared modules; never the Registry
(fakekapi.registry.registry) nor the strategy table (fakekapi.registry.strategies).
"""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import FieldError
from fakekapi.registry.core import tokenrequest
from fakekapi.registry.core.namespace import NamespaceStrategy
from fakekapi.registry.core.pod import BindingStrategy, PodStrategy
from fakekapi.registry.core.secret import ConfigMapStrategy, SecretStrategy
from fakekapi.registry.core.service import ServiceStrategy
from fakekapi.registry.generic.scale import ScalePaths
from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy
from fakekapi.registry.validation import validate_job


class ReplicationControllerStrategy(GenerationStrategy):
    scale = ScalePaths(("spec", "replicas"), ("status", "replicas"), ("spec", "selector"))
    """An RC's selector is a plain map, not a metav1.LabelSelector."""

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        return validate_job(obj)  # the pod template's containers


class ServiceAccountStrategy(Strategy):
    """serviceaccounts: ReturnDeletedObject; the `token` subresource issues bound tokens."""

    return_deleted_object = True
    create_subresources = {"token": tokenrequest.token_subresource}


class PersistentVolumeStrategy(Strategy):
    """persistentvolume(claim)Strategy: ReturnDeletedObject; status starts Pending
    (SetDefaults_PersistentVolume(Claim))."""

    return_deleted_object = True

    def create_status(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {"phase": "Pending"}


class CreateOnUpdateStrategy(Strategy):
    """Events, Endpoints, LimitRanges: AllowCreateOnUpdate (PUT of a missing object creates it)."""

    allow_create_on_update = True


STRATEGIES: dict[str, type[Strategy]] = {
    "pods": PodStrategy,
    "bindings": BindingStrategy,
    "replicationcontrollers": ReplicationControllerStrategy,
    "services": ServiceStrategy,
    "serviceaccounts": ServiceAccountStrategy,
    "persistentvolumes": PersistentVolumeStrategy,
    "persistentvolumeclaims": PersistentVolumeStrategy,
    "namespaces": NamespaceStrategy,
    "secrets": SecretStrategy,
    "configmaps": ConfigMapStrategy,
    "events": CreateOnUpdateStrategy,
    "endpoints": CreateOnUpdateStrategy,
    "limitranges": CreateOnUpdateStrategy,
}
"""The group's kinds with rules of their own, by resource; the others are generic."""

__all__ = ["STRATEGIES"]
