"""The namespaces every cluster has from its first start.

kube-apiserver's system-namespaces controller creates kube-system, kube-public and kube-node-lease,
and its kubernetes-service controller creates default; both send only the name and let the
namespace strategy fill in the rest: the `kubernetes.io/metadata.name` label (defaulting), the
`kubernetes` finalizer in spec.finalizers and status.phase Active (PrepareForCreate). The same
values are sent here too, so the objects look the same whether or not a registry adds them itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    from fakekapi.registry.registry import Registry

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
LABEL_METADATA_NAME = "kubernetes.io/metadata.name"
FINALIZER_KUBERNETES = "kubernetes"
FIELD_MANAGER = "kube-apiserver"
"""managedFields of the system namespaces name the apiserver, as on a real cluster."""


def namespace_object(name: str) -> JSONDict:
    """A Namespace as the namespace strategy stores it on create."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {LABEL_METADATA_NAME: name}},
        "spec": {"finalizers": [FINALIZER_KUBERNETES]},
        "status": {"phase": "Active"},
    }


async def bootstrap(registry: Registry) -> None:
    """Create the system namespaces that are missing; existing ones are left as they are."""
    rt = registry.catalog.lookup("", "v1", "namespaces")
    if rt is None:  # pragma: no cover - the built-in catalog always serves namespaces
        raise RuntimeError("the catalog does not serve namespaces")
    for name in SYSTEM_NAMESPACES:
        try:
            await registry.get(rt, "", name)
            continue
        except StatusError as e:
            if e.code != 404:
                raise
        try:
            await registry.create(
                rt, "", namespace_object(name), WriteOptions(field_manager=FIELD_MANAGER)
            )
        except StatusError as e:
            if e.reason != "AlreadyExists":
                raise
