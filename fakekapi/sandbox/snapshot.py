"""`fakekapi fixtures export` and the object counts of `fakekapi status`.

Export writes the store's objects as fixture files that `serve --fixtures DIR` loads back to the
same state. What a server makes by itself is left out, because a start makes it again (and a copy
would fight the copy a start makes): the system namespaces and `default` ServiceAccounts as
bootstrapped, the `kube-root-ca.crt` ConfigMaps, the `default/kubernetes` Service with its
Endpoints and EndpointSlice, the bootstrap RBAC policy (unless protected
with `rbac.authorization.kubernetes.io/autoupdate: "false"`, the sign of an edit the user wants
kept), the fake Nodes with their Leases, objects a controller owns (it makes them again:
ReplicaSets, their Pods, ...), the controllers' own kube-system ServiceAccounts, the default
StorageClass `standard` and the volumes the binder provisioned (claims bound to those are
exported unbound, to be provisioned anew), and Events (a running cluster's history, not its
state).
From the rest, what the server assigns is dropped: uid, resourceVersion, creationTimestamp,
generation, managedFields, the last-applied annotation (the loader writes a fresh one), and the
status of types with a status subresource (a create resets it).

Token Secrets lose what the token controller fills (token, ca.crt, namespace and the
ServiceAccount uid annotation): a token is signed with the data dir's key and names a
ServiceAccount uid, so a copy would not authenticate anywhere else; loaded back, the Secret is
filled again with a token that works there.

One file per resource type, `NN-<plural>[.<group>].yaml`, numbered so Namespaces come first,
then CustomResourceDefinitions, then ServiceAccounts, then the rest by group and name (the loader
applies files in this order, Namespaces and CRDs first).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.controllers.root_ca_cert_publisher import ROOT_CA_CONFIGMAP
from fakekapi.controllers.serviceaccount_token import (
    LAST_USED_LABEL,
    SECRET_TYPE,
    UID_ANNOTATION,
)
from fakekapi.core.objects import meta_of
from fakekapi.registry.bootstrap import LABEL_METADATA_NAME, SYSTEM_NAMESPACES
from fakekapi.registry.fixtures import LAST_APPLIED, split_api_version
from fakekapi.registry.rbac_bootstrap import AUTOUPDATE
from fakekapi.sandbox.session import SandboxError, Session, store_path, write_file

SERVER_FIELDS = (
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
)
BOOTSTRAPPING_LABEL = "kubernetes.io/bootstrapping"
KUBERNETES_SERVICE_TYPES = (
    ("", "services"),
    ("", "endpoints"),
    ("discovery.k8s.io", "endpointslices"),
)
"""`default/kubernetes`: the API server's own Service, Endpoints and EndpointSlice, rewritten
with the listening address at every start (kube-apiserver's kubernetes service controller)."""
FIRST = (
    ("", "namespaces"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("", "serviceaccounts"),
)
"""Written first, in this order. ServiceAccounts precede Secrets: the token controller deletes a
token Secret whose ServiceAccount does not exist, and fixtures are applied with it running."""


def _resource_type(session: Session, obj: dict[str, Any]) -> ResourceType | None:
    group, version = split_api_version(str(obj.get("apiVersion") or ""))
    rt: ResourceType | None = session.catalog.by_kind(group, version, str(obj.get("kind") or ""))
    return rt


def made_by_the_server(rt: ResourceType, obj: dict[str, Any]) -> bool:
    """An object every start creates or reconciles by itself, untouched by the user."""
    md = meta_of(obj)
    name = md.get("name")
    labels = md.get("labels") or {}
    annotations = {k: v for k, v in (md.get("annotations") or {}).items() if k != LAST_APPLIED}
    key = (rt.group, rt.plural)
    if key == ("", "namespaces"):
        return (
            name in SYSTEM_NAMESPACES and labels == {LABEL_METADATA_NAME: name} and not annotations
        )
    if key == ("", "serviceaccounts"):
        from fakekapi.controllers.manager import controller_service_accounts

        plain = {k for k in obj if k not in ("apiVersion", "kind", "metadata")}
        ours = name == "default" or (
            md.get("namespace") == "kube-system" and name in controller_service_accounts()
        )
        return ours and not labels and not annotations and not plain
    if key == ("", "configmaps"):
        return name == ROOT_CA_CONFIGMAP
    if key in KUBERNETES_SERVICE_TYPES:
        return md.get("namespace") == "default" and name == "kubernetes"
    if rt.group == "rbac.authorization.k8s.io":
        return (
            labels.get(BOOTSTRAPPING_LABEL) == "rbac-defaults"
            and annotations.get(AUTOUPDATE) != "false"
        )
    if key in (("", "events"), ("events.k8s.io", "events")):
        return True  # a running cluster's history, not its state
    if any(isinstance(r, dict) and r.get("controller") for r in md.get("ownerReferences") or []):
        return True  # its controller makes it again (ReplicaSets, their Pods, ...)
    if key in (("", "nodes"), ("coordination.k8s.io", "leases")):
        return made_by_the_nodes(rt, obj)
    if key in (("storage.k8s.io", "storageclasses"), ("", "persistentvolumes")):
        from fakekapi.controllers.persistentvolume_binder import made_here

        return made_here(key, obj)
    return False


def made_by_the_nodes(rt: ResourceType, obj: dict[str, Any]) -> bool:
    """What the fake nodes make (fakekapi/nodes): the Nodes their kubelets register and the
    node Leases; a start makes them again."""
    from fakekapi.nodes.node import LEASE_NAMESPACE, provider_id

    md = meta_of(obj)
    if rt.plural == "nodes":
        return (obj.get("spec") or {}).get("providerID") == provider_id(str(md.get("name")))
    return md.get("namespace") == LEASE_NAMESPACE


def clean(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """The object as a fixture: what the user chose, without what the server assigns."""
    out = copy.deepcopy(obj)
    md = out.setdefault("metadata", {})
    for field in SERVER_FIELDS:
        md.pop(field, None)
    annotations = md.get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    if rt.subresource("status") is not None:
        out.pop("status", None)
    if (rt.group, rt.plural) == ("", "persistentvolumeclaims"):
        from fakekapi.controllers.persistentvolume_binder import unbind_provisioned

        unbind_provisioned(out)
    if (rt.group, rt.plural) == ("", "secrets") and out.get("type") == SECRET_TYPE:
        data = out.get("data") or {}
        for key in ("token", "ca.crt", "namespace"):
            data.pop(key, None)
        if not data:
            out.pop("data", None)
        annotations.pop(UID_ANNOTATION, None)
        labels = md.get("labels") or {}
        labels.pop(LAST_USED_LABEL, None)
        if not labels:
            md.pop("labels", None)
    if not annotations:
        md.pop("annotations", None)
    return out


def _file_name(index: int, rt: ResourceType) -> str:
    qualified = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
    return f"{index:02d}-{qualified}.yaml"


def exportable(session: Session) -> dict[ResourceType, list[dict[str, Any]]]:
    """The store's objects as fixtures, by type (types with nothing to export are left out)."""
    items, _ = session.store.list("/")
    by_type: dict[ResourceType, list[dict[str, Any]]] = {}
    for _key, obj, _rev in items:
        rt = _resource_type(session, obj)
        if rt is None or meta_of(obj).get("deletionTimestamp") or made_by_the_server(rt, obj):
            continue
        by_type.setdefault(rt, []).append(clean(rt, obj))
    for objs in by_type.values():
        objs.sort(
            key=lambda o: (str(meta_of(o).get("namespace") or ""), str(meta_of(o).get("name")))
        )
    return by_type


def _order(rt: ResourceType) -> tuple[int, str, str]:
    key = (rt.group, rt.plural)
    return (FIRST.index(key) if key in FIRST else len(FIRST), rt.group, rt.plural)


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    objects: int


def export_fixtures(session: Session, out_dir: Path) -> ExportResult:
    """Write one multi-document YAML file per type into `out_dir` (old `NN-*.yaml` files of a
    previous export there are replaced, so the folder always holds exactly one state)."""
    import yaml

    by_type = exportable(session)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.glob("[0-9][0-9]-*.yaml"):
            old.unlink()
    except OSError as e:
        raise SandboxError(f"cannot write into {out_dir}: {e.strerror or e}") from e
    files: list[Path] = []
    total = 0
    for i, rt in enumerate(sorted(by_type, key=_order)):
        objs = by_type[rt]
        text = yaml.safe_dump_all(objs, sort_keys=False, explicit_start=True)
        path = out_dir / _file_name(i, rt)
        write_file(path, text.encode("utf-8"), 0o600 if rt.plural == "secrets" else 0o644)
        files.append(path)
        total += len(objs)
    return ExportResult(files, total)


def count_objects(store: Any, catalog: Catalog) -> dict[str, int]:
    """Objects in a store by resource (`pods`, `deployments.apps`), sorted by name."""
    items, _ = store.list("/")
    counts: Counter[str] = Counter()
    for key, obj, _rev in items:
        group, version = split_api_version(str(obj.get("apiVersion") or ""))
        rt = catalog.by_kind(group, version, str(obj.get("kind") or ""))
        counts[rt.qualified if rt is not None else key.split("/")[2]] += 1
    return dict(sorted(counts.items()))


async def store_counts(data_dir: Path) -> dict[str, int] | None:
    """`count_objects` of the data dir's store; None when there is no store yet (nothing is
    created: `status` must not change the data dir)."""
    from fakekapi.catalog.catalog import Catalog
    from fakekapi.store.base import StorageError
    from fakekapi.store.sqlite import SqliteStore

    path = store_path(data_dir)
    if not path.is_file():
        return None
    store = SqliteStore(path)
    try:
        await store.start()
    except (StorageError, OSError) as e:
        raise SandboxError(f"cannot open {path}: {e}") from e
    try:
        return count_objects(store, Catalog.builtin())
    finally:
        await store.close()


__all__ = [
    "ExportResult",
    "clean",
    "count_objects",
    "export_fixtures",
    "exportable",
    "made_by_the_server",
    "store_counts",
]
