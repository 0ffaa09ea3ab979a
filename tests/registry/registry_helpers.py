"""Resource types and object builders shared by the registry tests."""

from __future__ import annotations

from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.registry.generic.options import WriteOptions

CATALOG = Catalog.builtin()
_CATALOG = CATALOG


def rtype(group: str, version: str, plural: str) -> ResourceType:
    rt = _CATALOG.lookup(group, version, plural)
    assert rt is not None, plural
    return rt


PODS = rtype("", "v1", "pods")
CONFIGMAPS = rtype("", "v1", "configmaps")
SECRETS = rtype("", "v1", "secrets")
NAMESPACES = rtype("", "v1", "namespaces")
SERVICES = rtype("", "v1", "services")
EVENTS = rtype("", "v1", "events")
DEPLOYMENTS = rtype("apps", "v1", "deployments")
ROLES = rtype("rbac.authorization.k8s.io", "v1", "roles")
CLUSTERROLES = rtype("rbac.authorization.k8s.io", "v1", "clusterroles")
WIDGETS = ResourceType(
    group="example.com",
    version="v1",
    plural="widgets",
    kind="Widget",
    singular="widget",
    namespaced=True,
    verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
    is_crd=True,
)
W = WriteOptions(field_manager="test")


def pod(name: str, **labels: str) -> dict[str, object]:
    md: dict[str, object] = {"name": name}
    if labels:
        md["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": md,
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }


def configmap(name: str, **data: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
