"""The rbac.authorization.k8s.io bindings' `kubectl get` printers (RoleBinding, ClusterRoleBinding),
ported from printers.go; Roles and ClusterRoles print with the generic Name / Created At."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list
from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import age_of, as_str, get, name_of


def subjects_strings(subjects: Any) -> tuple[list[str], list[str], list[str]]:
    """rbac.SubjectsStrings: users, groups and `namespace/name` service accounts."""
    users: list[str] = []
    groups: list[str] = []
    sas: list[str] = []
    for s in as_list(subjects):
        kind = get(s, "kind")
        if kind == "ServiceAccount":
            sas.append(f"{as_str(get(s, 'namespace'))}/{as_str(get(s, 'name'))}")
        elif kind == "User":
            users.append(as_str(get(s, "name")))
        elif kind == "Group":
            groups.append(as_str(get(s, "name")))
    return users, groups, sas


def _binding_row(b: JSONDict, now: datetime) -> list[Any]:
    users, groups, sas = subjects_strings(b.get("subjects"))
    ref = as_dict(b.get("roleRef"))
    return [
        name_of(b),
        f"{as_str(ref.get('kind'))}/{as_str(ref.get('name'))}",
        age_of(b, now),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(sas),
    ]


def _binding_printer(doc_type: str, word: str) -> Printer:
    return Printer(
        (
            NAME,
            col("Role", "string", f"rbac.v1.{doc_type}.roleRef"),
            AGE,
            col("Users", "string", f"Users in the {word}", 1),
            col("Groups", "string", f"Groups in the {word}", 1),
            col("ServiceAccounts", "string", f"ServiceAccounts in the {word}", 1),
        ),
        _binding_row,
    )


ROLE_BINDING = _binding_printer("RoleBinding", "roleBinding")
CLUSTER_ROLE_BINDING = _binding_printer("ClusterRoleBinding", "clusterRoleBinding")


PRINTERS: dict[str, Printer] = {
    "RoleBinding": ROLE_BINDING,
    "ClusterRoleBinding": CLUSTER_ROLE_BINDING,
}
"""Kind → printer."""
