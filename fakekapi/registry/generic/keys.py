"""Where objects live in the store, and the etcd-style key kube quotes in storage errors."""

from __future__ import annotations

from fakekapi.catalog.types import ResourceType

# kube-apiserver's etcd prefixes that differ from the plural (quoted in precondition errors).
_ETCD_RESOURCE = {("", "nodes"): "minions", ("", "services"): "services/specs"}


def _group(rt: ResourceType) -> str:
    return rt.group or "core"


def collection_prefix(rt: ResourceType, namespace: str) -> str:
    """The store prefix of a list/watch: all namespaces when `namespace` is ""."""
    if rt.namespaced and namespace:
        return f"/{_group(rt)}/{rt.plural}/{namespace}/"
    return f"/{_group(rt)}/{rt.plural}/"


def object_key(rt: ResourceType, namespace: str, name: str) -> str:
    """The store key of one object."""
    if rt.namespaced:
        return f"/{_group(rt)}/{rt.plural}/{namespace}/{name}"
    return f"/{_group(rt)}/{rt.plural}/{name}"


def namespace_key(name: str) -> str:
    return f"/core/namespaces/{name}"


def etcd_key(rt: ResourceType, namespace: str, name: str) -> str:
    """The key kube-apiserver would use in etcd (`/registry/configmaps/default/cm1`)."""
    resource = _ETCD_RESOURCE.get((rt.group, rt.plural), rt.plural)
    if rt.is_crd:
        resource = f"{rt.group}/{rt.plural}"
    if rt.namespaced:
        return f"/registry/{resource}/{namespace}/{name}"
    return f"/registry/{resource}/{name}"
