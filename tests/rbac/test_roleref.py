"""roleRef validation and escalation: a binding can only grant an RBAC role of this API group.

The attack: a user who may create ClusterRoleBindings and holds `*` on an unrelated API group
passes the `bind` check for `roleRef: {apiGroup: evil.example.com, kind: ClusterRole, name:
cluster-admin}`; unless validation refuses that roleRef (kube: 422 Unsupported value), role
resolution, which goes by kind and name, grants cluster-admin.
"""

from __future__ import annotations

from typing import Any

import pytest
from polling import until_async

from fakekapi.core.errors import StatusError
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.rbac.rules import Binding, resource_attributes
from rbac.conftest import Stack, rbac_type
from rbac.helpers import binding, cluster_binding, cluster_role, rule, sa, user

W = WriteOptions()
RBAC = "rbac.authorization.k8s.io"
ADMIN = UserInfo("kubernetes-admin", groups=("system:masters", "system:authenticated"))
MALLORY = UserInfo("mallory", groups=("system:authenticated",))
SECRETS_IN_KUBE_SYSTEM = resource_attributes("list", resource="secrets", namespace="kube-system")


async def _arm_mallory(stack: Stack) -> None:
    """Mallory may create bindings and holds every verb on an API group of her own."""
    reg = stack.registry
    await reg.create(
        rbac_type("clusterroles"),
        "",
        cluster_role(
            "mallory",
            rule(["create", "update", "patch"], [RBAC], ["clusterrolebindings", "rolebindings"]),
            rule(["*"], ["evil.example.com"], ["*"]),
        ),
        W,
        user=ADMIN,
    )
    await reg.create(
        rbac_type("clusterrolebindings"),
        "",
        cluster_binding("mallory", "mallory", user("mallory")),
        W,
        user=ADMIN,
    )
    await until_async(
        lambda: stack.allows(
            MALLORY, resource_attributes("create", group=RBAC, resource="clusterrolebindings")
        )
    )


def _with_ref(obj: dict[str, Any], **ref: str) -> dict[str, Any]:
    return {**obj, "roleRef": {**obj["roleRef"], **ref}}


EVIL_CRB = _with_ref(
    cluster_binding("pwn", "cluster-admin", user("mallory")), apiGroup="evil.example.com"
)


async def test_evil_api_group_is_refused_and_grants_nothing(stack: Stack) -> None:
    await _arm_mallory(stack)
    with pytest.raises(StatusError) as e:
        await stack.registry.create(rbac_type("clusterrolebindings"), "", EVIL_CRB, W, user=MALLORY)
    assert e.value.code == 422
    assert e.value.message == (
        'ClusterRoleBinding.rbac.authorization.k8s.io "pwn" is invalid: roleRef.apiGroup: '
        'Unsupported value: "evil.example.com": supported values: "rbac.authorization.k8s.io"'
    )
    assert not stack.allows(MALLORY, SECRETS_IN_KUBE_SYSTEM)


# (resource, namespace, object, user, code, message) — kube's validation.go and the policy-based
# binding storage (BindingAuthorized, then GetRoleReferenceRules) for each roleRef variant.
TABLE: list[tuple[str, str, dict[str, Any], UserInfo, int, str]] = [
    (
        "clusterrolebindings",
        "",
        EVIL_CRB,
        ADMIN,
        422,
        'ClusterRoleBinding.rbac.authorization.k8s.io "pwn" is invalid: roleRef.apiGroup: '
        'Unsupported value: "evil.example.com": supported values: "rbac.authorization.k8s.io"',
    ),
    (
        "clusterrolebindings",
        "",
        _with_ref(cluster_binding("to-role", "view", user("bob")), kind="Role"),
        ADMIN,
        422,
        'ClusterRoleBinding.rbac.authorization.k8s.io "to-role" is invalid: roleRef.kind: '
        'Unsupported value: "Role": supported values: "ClusterRole"',
    ),
    (
        "rolebindings",
        "default",
        binding("default", "bogus", "Bogus", "view", user("bob")),
        ADMIN,
        422,
        'RoleBinding.rbac.authorization.k8s.io "bogus" is invalid: roleRef.kind: '
        'Unsupported value: "Bogus": supported values: "Role", "ClusterRole"',
    ),
    (
        "rolebindings",
        "default",
        binding("default", "bogus", "Bogus", "view", user("bob")),
        MALLORY,
        403,
        'rolebindings.rbac.authorization.k8s.io "bogus" is forbidden: '
        'unsupported role reference kind: "Bogus"',
    ),
    (
        "rolebindings",
        "default",
        _with_ref(
            binding("default", "evil", "ClusterRole", "cluster-admin", user("mallory")),
            apiGroup="evil.example.com",
        ),
        MALLORY,
        422,
        'RoleBinding.rbac.authorization.k8s.io "evil" is invalid: roleRef.apiGroup: '
        'Unsupported value: "evil.example.com": supported values: "rbac.authorization.k8s.io"',
    ),
    (
        "clusterrolebindings",
        "",
        _with_ref(cluster_binding("noname", "x", user("bob")), name=""),
        ADMIN,
        422,
        'ClusterRoleBinding.rbac.authorization.k8s.io "noname" is invalid: roleRef.name: '
        "Required value",
    ),
    (
        "clusterrolebindings",
        "",
        cluster_binding("sa-no-ns", "view", sa("robot")),
        ADMIN,
        422,
        'ClusterRoleBinding.rbac.authorization.k8s.io "sa-no-ns" is invalid: '
        "subjects[0].namespace: Required value",
    ),
    (
        "clusterrolebindings",
        "",
        cluster_binding("odd-subject", "view", {"kind": "Robot", "name": "r2"}),
        ADMIN,
        422,
        'ClusterRoleBinding.rbac.authorization.k8s.io "odd-subject" is invalid: '
        'subjects[0].kind: Unsupported value: "Robot": supported values: '
        '"ServiceAccount", "User", "Group"',
    ),
    (
        "clusterrolebindings",
        "",
        cluster_binding("admin-for-mallory", "cluster-admin", user("mallory")),
        MALLORY,
        403,
        'clusterrolebindings.rbac.authorization.k8s.io "admin-for-mallory" is forbidden: '
        'user "mallory" (groups=["system:authenticated"]) is attempting to grant RBAC '
        "permissions not currently held:",
    ),
]


@pytest.mark.parametrize(
    ("plural", "namespace", "obj", "who", "code", "message"),
    TABLE,
    ids=[f"{row[2]['metadata']['name']}-{row[3].name}" for row in TABLE],
)
async def test_roleref_table(
    stack: Stack,
    plural: str,
    namespace: str,
    obj: dict[str, Any],
    who: UserInfo,
    code: int,
    message: str,
) -> None:
    await _arm_mallory(stack)
    with pytest.raises(StatusError) as e:
        await stack.registry.create(rbac_type(plural), namespace, obj, W, user=who)
    assert e.value.code == code
    assert e.value.message.startswith(message)
    assert not stack.allows(MALLORY, SECRETS_IN_KUBE_SYSTEM)


@pytest.mark.parametrize(
    "change",
    [{"name": "cluster-admin"}, {"apiGroup": "evil.example.com"}, {"kind": "Role"}],
)
async def test_roleref_is_immutable(stack: Stack, change: dict[str, str]) -> None:
    reg = stack.registry
    rbs = rbac_type("rolebindings")
    created = await reg.create(
        rbs, "default", binding("default", "b", "ClusterRole", "view", user("bob")), W, user=ADMIN
    )
    changed = _with_ref(created.object, **change)
    with pytest.raises(StatusError) as e:
        await reg.update(rbs, "default", "b", changed, W, user=ADMIN)
    assert e.value.code == 422
    ref = changed["roleRef"]
    assert (
        "roleRef: Invalid value: rbac.RoleRef{"
        f'APIGroup:"{ref["apiGroup"]}", Kind:"{ref["kind"]}", Name:"{ref["name"]}"'
        "}: cannot change roleRef"
    ) in e.value.message
    assert (await reg.get(rbs, "default", "b"))["roleRef"]["name"] == "view"


def test_a_stored_foreign_roleref_resolves_to_no_role() -> None:
    """Bindings stored before validation refused them (an older data dir) grant nothing."""
    b = Binding.from_json(EVIL_CRB)
    assert b.role_kind != "ClusterRole"


async def test_bind_and_escalate_still_allow_what_they_should(stack: Stack) -> None:
    """`bind` on cluster-admin lets Mallory bind it; without it she is refused (403)."""
    await _arm_mallory(stack)
    reg = stack.registry
    crbs = rbac_type("clusterrolebindings")
    with pytest.raises(StatusError) as e:
        await reg.create(
            crbs, "", cluster_binding("m", "cluster-admin", user("m")), W, user=MALLORY
        )
    assert e.value.code == 403
    await reg.create(
        rbac_type("clusterroles"),
        "",
        cluster_role("binder", rule(["bind"], [RBAC], ["clusterroles"], ["cluster-admin"])),
        W,
        user=ADMIN,
    )
    await reg.create(crbs, "", cluster_binding("binder", "binder", user("mallory")), W, user=ADMIN)
    bind = resource_attributes("bind", group=RBAC, resource="clusterroles", name="cluster-admin")
    await until_async(lambda: stack.allows(MALLORY, bind))
    await reg.create(crbs, "", cluster_binding("m", "cluster-admin", user("m")), W, user=MALLORY)
