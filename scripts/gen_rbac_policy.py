"""The base bootstrap RBAC policy that every release's policy starts from (releases_rbac.py).

Inputs (read-only reference data, never read at run time), kube's bootstrappolicy test data:
  rbac/cluster-roles.yaml             every default ClusterRole (a main-branch snapshot older
                                      than 1.29; releases_rbac.py brings it up to each release)
  rbac/cluster-role-bindings.yaml     the default ClusterRoleBindings (an older snapshot)
  rbac/namespace-roles.yaml           the default Roles (kube-system, kube-public)
  rbac/namespace-role-bindings.yaml   the default RoleBindings

The saved ClusterRoleBinding list predates two bindings every version since 1.22 has, so they are
added here exactly as `bootstrappolicy.ClusterRoleBindings()` builds them: `system:monitoring`
(group system:monitoring) and `system:service-account-issuer-discovery` (group
system:serviceaccounts). `creationTimestamp: null` lines are dropped (the registry sets real ones)
and `rules: null` of aggregated roles is left out (the aggregation controller fills it in).

Output: {"clusterRoles": [...], "clusterRoleBindings": [...], "roles": [...], "roleBindings": [...]}
each sorted by (namespace, name), as the objects are to be created.

A helper of scripts/gen_releases.py, which builds every release's data with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

RBAC_GROUP = "rbac.authorization.k8s.io"
AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"
BOOTSTRAPPING = "kubernetes.io/bootstrapping"


def _binding(name: str, group: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {
            "annotations": {AUTOUPDATE: "true"},
            "labels": {BOOTSTRAPPING: "rbac-defaults"},
            "name": name,
        },
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
        "subjects": [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": group}],
    }


MISSING_BINDINGS = [
    _binding("system:monitoring", "system:monitoring"),
    _binding("system:service-account-issuer-discovery", "system:serviceaccounts"),
]


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj["metadata"]
    md.pop("creationTimestamp", None)
    if "rules" in obj and obj["rules"] is None:
        del obj["rules"]
    return obj


def _load(path: Path, kind: str) -> list[dict[str, Any]]:
    doc = yaml.safe_load(path.read_text())
    items = [_clean(o) for o in doc["items"]]
    for o in items:
        assert o["kind"] == kind, (path, o["kind"])
        assert o["metadata"]["annotations"][AUTOUPDATE] == "true"
        assert o["metadata"]["labels"][BOOTSTRAPPING] == "rbac-defaults"
    return items


def _key(o: dict[str, Any]) -> tuple[str, str]:
    md = o["metadata"]
    return (md.get("namespace", ""), md["name"])


def generate(ref: Path) -> dict[str, list[dict[str, Any]]]:
    rbac = ref / "rbac"
    bindings = _load(rbac / "cluster-role-bindings.yaml", "ClusterRoleBinding")
    names = {b["metadata"]["name"] for b in bindings}
    bindings += [b for b in MISSING_BINDINGS if b["metadata"]["name"] not in names]
    out = {
        "clusterRoles": _load(rbac / "cluster-roles.yaml", "ClusterRole"),
        "clusterRoleBindings": bindings,
        "roles": _load(rbac / "namespace-roles.yaml", "Role"),
        "roleBindings": _load(rbac / "namespace-role-bindings.yaml", "RoleBinding"),
    }
    role_names = {r["metadata"]["name"] for r in out["clusterRoles"]}
    for b in out["clusterRoleBindings"]:
        assert b["roleRef"]["name"] in role_names, b["metadata"]["name"]
    return {k: sorted(v, key=_key) for k, v in out.items()}


if __name__ == "__main__":
    raise SystemExit("a helper of scripts/gen_releases.py: run that (or scripts/regen.py)")
