"""The admission chain: every plugin fakekapi runs, in kube-apiserver's order.

kube runs its enabled plugins in the order of `AllOrderedPlugins`
(k8s.io/kubernetes `pkg/kubeapiserver/options/plugins.go`), whatever order
`--enable-admission-plugins` names them in. ORDER is that list reduced to the plugins fakekapi
implements, all of them on by default in kube (`DefaultOffAdmissionPlugins` leaves them on);
tests/admission pins it against kube's list. RBACEscalation is not one of kube's plugins (kube
checks escalation in the RBAC types' storage); it goes last, where it judges the object the
plugins before it have finished.

Not implemented: ResourceQuota, PodSecurity, the webhook and policy plugins.

To add a plugin: a module in this package with a class whose `name` is kube's plugin name and
whose `async __call__(attrs)` admits or refuses; its name in ORDER at kube's position; its
constructor in `plugins()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakekapi.admission.defaultstorageclass import DefaultStorageClass
from fakekapi.admission.defaulttolerationseconds import DefaultTolerationSeconds
from fakekapi.admission.limitranger import LimitRanger
from fakekapi.admission.namespace_lifecycle import NamespaceLifecycle
from fakekapi.admission.priority import Priority
from fakekapi.admission.rbac_escalation import RBACEscalationCheck
from fakekapi.admission.serviceaccount import ServiceAccount
from fakekapi.registry.admission import AdmissionPlugin

if TYPE_CHECKING:
    from fakekapi.registry.registry import Registry

ORDER: tuple[str, ...] = (
    "NamespaceLifecycle",
    "LimitRanger",
    "ServiceAccount",
    "Priority",
    "DefaultTolerationSeconds",
    "DefaultStorageClass",
    "RBACEscalation",
)
"""The plugins, in the order they run."""


def plugins(
    registry: Registry, escalation: RBACEscalationCheck | None = None
) -> list[AdmissionPlugin]:
    """The chain for `registry`, in ORDER; RBAC escalation only when given (it needs the
    server's authorizer)."""
    store, catalog = registry.store, registry.catalog
    chain: dict[str, AdmissionPlugin] = {
        "NamespaceLifecycle": NamespaceLifecycle(store),
        "LimitRanger": LimitRanger(store, catalog),
        "ServiceAccount": ServiceAccount(store, catalog),
        "Priority": Priority(store, catalog),
        "DefaultTolerationSeconds": DefaultTolerationSeconds(),
        "DefaultStorageClass": DefaultStorageClass(store, catalog),
    }
    if escalation is not None:
        chain["RBACEscalation"] = escalation
    return [chain[name] for name in ORDER if name in chain]


def install(registry: Registry, escalation: RBACEscalationCheck | None = None) -> Registry:
    """Give `registry` the chain (replacing any); returns it, for `install(Registry(...))`."""
    registry.admission[:] = plugins(registry, escalation)
    return registry
