"""`fakekapi postman export`: the collection, its environment and the CA file, written out.

The collection's expectations are judged by the RBAC authorizer the server runs, over the RBAC
objects in the data dir plus the bootstrap policy a start always reconciles (`rbac_index`); the
builders are fakekapi/auth/postman.py's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakekapi.auth.postman import (
    CA_FILE,
    COLLECTION_FILE,
    ENVIRONMENT_FILE,
    Judge,
    build_collection,
    build_environment,
    expected_codes,
    known_objects,
    sa_user,
)
from fakekapi.auth.rbac import RBAC_GROUP, RBAC_RESOURCES, RBACIndex
from fakekapi.registry.rbac.aggregation import aggregate_rules
from fakekapi.registry.rbac_bootstrap import policy_objects
from fakekapi.sandbox.credentials import service_account_token
from fakekapi.sandbox.session import SandboxError, Session, write_file


def rbac_index(session: Session) -> RBACIndex:
    """The RBAC objects of the store, plus the bootstrap objects a start would add back, with
    aggregated ClusterRoles computed (as the aggregation controller keeps them)."""
    objects: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for plural in RBAC_RESOURCES:
        items, _ = session.store.list(f"/{RBAC_GROUP}/{plural}/")
        for _key, obj, _rev in items:
            md = obj.get("metadata") or {}
            seen.add((str(obj.get("kind")), str(md.get("namespace") or ""), str(md.get("name"))))
            objects.append(json.loads(json.dumps(obj)))
    for obj in policy_objects():
        md = obj.get("metadata") or {}
        if (str(obj.get("kind")), str(md.get("namespace") or ""), str(md.get("name"))) not in seen:
            objects.append(obj)
    cluster_roles = [o for o in objects if o.get("kind") == "ClusterRole"]
    for _ in range(2):  # aggregated roles feed each other (view → edit → admin)
        for role in cluster_roles:
            if role.get("aggregationRule") is not None:
                role["rules"] = aggregate_rules(role, cluster_roles)
    index = RBACIndex()
    index.load(objects)
    return index


@dataclass(frozen=True)
class PostmanExport:
    collection: Path
    environment: Path
    ca: Path
    requests: int
    forbidden: int


async def export(session: Session, namespace: str, name: str, out_dir: Path) -> PostmanExport:
    """Write the collection, the environment and ca.crt into `out_dir`."""
    token = await service_account_token(session, namespace, name)
    judge = Judge(rbac_index(session), sa_user(namespace, name))
    collection = build_collection(
        session.catalog, judge, namespace, name, known_objects(session.store, namespace, name)
    )
    environment = build_environment(session.url, token, namespace, name)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SandboxError(f"cannot create {out_dir}: {e.strerror or e}") from e
    paths = out_dir / COLLECTION_FILE, out_dir / ENVIRONMENT_FILE, out_dir / CA_FILE
    contents = (
        json.dumps(collection, indent=2, ensure_ascii=False).encode() + b"\n",
        json.dumps(environment, indent=2).encode() + b"\n",
        session.pki.ca_pem.encode("ascii"),
    )
    modes = (0o644, 0o600, 0o644)  # the environment holds the token
    for path, data, mode in zip(paths, contents, modes, strict=True):
        write_file(path, data, mode)
    codes = list(expected_codes(collection).values())
    return PostmanExport(*paths, requests=len(codes), forbidden=codes.count(403))


__all__ = ["PostmanExport", "export", "rbac_index"]
