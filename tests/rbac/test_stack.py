"""Bootstrap policy, aggregation and escalation prevention over a real Registry (no HTTP)."""

from __future__ import annotations

import pytest
from polling import eventually, until_async

from fakekapi.catalog import releases
from fakekapi.core.errors import StatusError
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.rbac.rules import (
    covers,
    non_resource_attributes,
    resource_attributes,
    rules_of,
)
from fakekapi.registry.rbac_bootstrap import (
    bootstrap_rbac,
    policy,
    reconcile_binding,
    reconcile_role,
)
from rbac.conftest import Stack, rbac_type
from rbac.helpers import binding, cluster_binding, cluster_role, role, rule, sa, user

W = WriteOptions()
ADMIN = UserInfo("kubernetes-admin", groups=("system:masters", "system:authenticated"))
PRIVESC = UserInfo(
    "system:serviceaccount:rbac:privesc",
    groups=("system:serviceaccounts", "system:serviceaccounts:rbac", "system:authenticated"),
)
JANE = UserInfo("jane", groups=("system:authenticated",))


def test_policy_data() -> None:
    data = policy()
    names = {b["metadata"]["name"] for b in data["clusterRoleBindings"]}
    assert {"system:monitoring", "system:service-account-issuer-discovery"} <= names
    names = {r["metadata"]["name"] for r in data["clusterRoles"]}
    controllers = {n for n in names if n.startswith("system:controller:")}
    assert (len(names - controllers), len(controllers)) == (31, 38)  # 1.36: kube's 31 + 38
    bound = {
        b["roleRef"]["name"]: b["subjects"]
        for b in data["clusterRoleBindings"]
        if b["metadata"]["name"].startswith("system:controller:")
    }
    assert set(bound) == controllers
    for name, subjects in bound.items():
        sa = name.removeprefix("system:controller:")
        assert subjects == [{"kind": "ServiceAccount", "name": sa, "namespace": "kube-system"}]
    for objs in data.values():
        for o in objs:
            md = o["metadata"]
            assert md["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
            assert md["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] == "true"
            assert "creationTimestamp" not in md


async def test_bootstrap_policy_in_force(stack: Stack) -> None:
    assert stack.allows(JANE, non_resource_attributes("get", "/apis"))
    assert stack.allows(JANE, non_resource_attributes("get", "/version"))
    anon = UserInfo("system:anonymous", groups=("system:unauthenticated",))
    assert stack.allows(anon, non_resource_attributes("get", "/healthz"))
    assert not stack.allows(anon, non_resource_attributes("get", "/apis"))
    ssar = resource_attributes(
        "create", group="authorization.k8s.io", resource="selfsubjectaccessreviews"
    )
    assert stack.allows(JANE, ssar)
    assert stack.allows(PRIVESC, non_resource_attributes("get", "/openid/v1/jwks"))
    assert not stack.allows(PRIVESC, resource_attributes("list", resource="pods", namespace="rbac"))


async def test_aggregated_roles_are_filled(stack: Stack) -> None:
    crs = rbac_type("clusterroles")
    view = await stack.registry.get(crs, "", "view")
    admin = await stack.registry.get(crs, "", "admin")
    assert {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]} in view[
        "rules"
    ] or any("pods" in r.get("resources", []) for r in view["rules"])
    # view ⊂ edit ⊂ admin
    assert len(admin["rules"]) > len(view["rules"])
    u = UserInfo("viewer")
    await stack.registry.create(
        rbac_type("rolebindings"),
        "default",
        binding("default", "v", "ClusterRole", "view", user("viewer")),
        W,
    )
    await until_async(
        lambda: stack.allows(u, resource_attributes("list", resource="pods", namespace="default"))
    )
    assert not stack.allows(u, resource_attributes("list", resource="secrets", namespace="default"))


async def test_aggregation_add_change_remove(stack: Stack) -> None:
    crs = rbac_type("clusterroles")
    reg = stack.registry
    await reg.create(crs, "", cluster_role("agg", aggregate=[{"matchLabels": {"team": "a"}}]), W)
    await reg.create(
        crs, "", cluster_role("a1", rule(["get"], ["x.io"], ["foos"]), labels={"team": "a"}), W
    )

    async def rules() -> list[dict[str, object]]:
        return list((await reg.get(crs, "", "agg")).get("rules") or [])

    async def wait_rules(want: list[dict[str, object]]) -> None:
        async def aggregated() -> None:
            assert await rules() == want

        await eventually(aggregated, "the aggregated rules")

    await wait_rules([rule(["get"], ["x.io"], ["foos"])])
    # a second selected role, sorted by name, duplicates dropped
    await reg.create(
        crs,
        "",
        cluster_role(
            "a0",
            rule(["list"], ["x.io"], ["foos"]),
            rule(["get"], ["x.io"], ["foos"]),
            labels={"team": "a"},
        ),
        W,
    )
    await wait_rules([rule(["list"], ["x.io"], ["foos"]), rule(["get"], ["x.io"], ["foos"])])
    # a user's edit of the aggregated rules is put back
    agg = await reg.get(crs, "", "agg")
    await reg.update(crs, "", "agg", {**agg, "rules": []}, W)
    await wait_rules([rule(["list"], ["x.io"], ["foos"]), rule(["get"], ["x.io"], ["foos"])])
    # relabel: no longer selected
    a0 = await reg.get(crs, "", "a0")
    a0["metadata"]["labels"] = {"team": "b"}
    await reg.update(crs, "", "a0", a0, W)
    await wait_rules([rule(["get"], ["x.io"], ["foos"])])
    await reg.delete(crs, "", "a1", DeleteOptions())
    await wait_rules([])
    u = UserInfo("u")
    await reg.create(
        rbac_type("clusterrolebindings"), "", cluster_binding("agg", "agg", user("u")), W
    )
    foo = resource_attributes("get", group="x.io", resource="foos")
    assert not stack.allows(u, foo)
    await reg.create(
        crs, "", cluster_role("a2", rule(["get"], ["x.io"], ["foos"]), labels={"team": "a"}), W
    )
    await until_async(lambda: stack.allows(u, foo))


async def _grant(
    stack: Stack, name: str, *rules: dict[str, object], who: dict[str, str], namespace: str = ""
) -> None:
    reg = stack.registry
    await reg.create(rbac_type("clusterroles"), "", cluster_role(name, *rules), W, user=ADMIN)
    if namespace:
        await reg.create(
            rbac_type("rolebindings"),
            namespace,
            binding(namespace, name, "ClusterRole", name, who),
            W,
            user=ADMIN,
        )
    else:
        await reg.create(
            rbac_type("clusterrolebindings"), "", cluster_binding(name, name, who), W, user=ADMIN
        )


async def test_escalation_role_create(stack: Stack) -> None:
    reg = stack.registry
    namespaces = stack.registry.catalog.lookup("", "v1", "namespaces")
    assert namespaces is not None
    await reg.create(namespaces, "", {"metadata": {"name": "rbac"}}, W)
    await _grant(
        stack,
        "role-writer",
        rule(["create", "update"], ["rbac.authorization.k8s.io"], ["roles"]),
        rule(["get", "list"], [""], ["pods"]),
        who=sa("privesc", "rbac"),
    )
    await until_async(
        lambda: stack.allows(PRIVESC, resource_attributes("get", resource="pods", namespace="rbac"))
    )
    roles = rbac_type("roles")
    # holds get/list pods: may grant it
    await reg.create(
        roles, "rbac", role("rbac", "ok", rule(["get"], [""], ["pods"])), W, user=PRIVESC
    )
    with pytest.raises(StatusError) as e:
        await reg.create(
            roles,
            "rbac",
            role(
                "rbac",
                "edit",
                rule(["delete", "get"], ["rbac.authorization.k8s.io"], ["roles"]),
                rule(["list", "delete"], [""], ["pods"]),
            ),
            W,
            user=PRIVESC,
        )
    assert e.value.code == 403
    assert e.value.message == (
        'roles.rbac.authorization.k8s.io "edit" is forbidden: '
        'user "system:serviceaccount:rbac:privesc" '
        '(groups=["system:serviceaccounts" "system:serviceaccounts:rbac" "system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n'
        '{APIGroups:["rbac.authorization.k8s.io"], Resources:["roles"], Verbs:["delete" "get"]}'
    )
    assert e.value.details == {
        "name": "edit",
        "group": "rbac.authorization.k8s.io",
        "kind": "roles",
    }
    # with escalate it goes through
    await _grant(
        stack,
        "escalator",
        rule(["escalate"], ["rbac.authorization.k8s.io"], ["roles"]),
        who=sa("privesc", "rbac"),
    )
    await until_async(
        lambda: stack.allows(
            PRIVESC,
            resource_attributes(
                "escalate", group="rbac.authorization.k8s.io", resource="roles", namespace="rbac"
            ),
        )
    )
    await reg.create(
        roles, "rbac", role("rbac", "edit", rule(["*"], ["*"], ["*"])), W, user=PRIVESC
    )


async def test_escalation_aggregation_rule_needs_cluster_admin(stack: Stack) -> None:
    await _grant(
        stack,
        "cr-writer",
        rule(["create"], ["rbac.authorization.k8s.io"], ["clusterroles"]),
        who=user("jane"),
    )
    crs = rbac_type("clusterroles")
    await until_async(
        lambda: stack.allows(
            JANE,
            resource_attributes(
                "create", group="rbac.authorization.k8s.io", resource="clusterroles"
            ),
        )
    )
    with pytest.raises(StatusError) as e:
        await stack.registry.create(
            crs, "", cluster_role("agg2", aggregate=[{"matchLabels": {"x": "y"}}]), W, user=JANE
        )
    assert e.value.message == (
        'clusterroles.rbac.authorization.k8s.io "agg2" is forbidden: '
        "must have cluster-admin privileges to use the aggregationRule"
    )


async def test_escalation_binding(stack: Stack) -> None:
    reg = stack.registry
    crbs = rbac_type("clusterrolebindings")
    await _grant(
        stack,
        "binder",
        rule(["create"], ["rbac.authorization.k8s.io"], ["clusterrolebindings"]),
        who=user("jane"),
    )
    await until_async(
        lambda: stack.allows(
            JANE,
            resource_attributes(
                "create", group="rbac.authorization.k8s.io", resource="clusterrolebindings"
            ),
        )
    )
    with pytest.raises(StatusError) as e:
        await reg.create(
            crbs, "", cluster_binding("x", "cluster-admin", user("jane")), W, user=JANE
        )
    assert e.value.code == 403
    assert e.value.message.startswith(
        'clusterrolebindings.rbac.authorization.k8s.io "x" is forbidden: user "jane" '
        '(groups=["system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
    )
    assert '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}' in e.value.message
    # a role Jane fully holds may be bound
    await reg.create(crbs, "", cluster_binding("y", "system:basic-user", user("bob")), W, user=JANE)
    # missing role without bind: NotFound
    with pytest.raises(StatusError) as e:
        await reg.create(crbs, "", cluster_binding("z", "nope", user("bob")), W, user=JANE)
    assert e.value.code == 404
    assert e.value.message == 'clusterroles.rbac.authorization.k8s.io "nope" not found'
    # bind on that one role name
    await _grant(
        stack,
        "bind-admin",
        rule(["bind"], ["rbac.authorization.k8s.io"], ["clusterroles"], ["cluster-admin"]),
        who=user("jane"),
    )
    await until_async(
        lambda: stack.allows(
            JANE,
            resource_attributes(
                "bind",
                group="rbac.authorization.k8s.io",
                resource="clusterroles",
                name="cluster-admin",
            ),
        )
    )
    await reg.create(crbs, "", cluster_binding("x", "cluster-admin", user("jane")), W, user=JANE)


async def test_bootstrap_reconcile(stack: Stack) -> None:
    reg = stack.registry
    crs = rbac_type("clusterroles")
    crbs = rbac_type("clusterrolebindings")
    # a user strips a default role: restored on the next start
    basic = await reg.get(crs, "", "system:basic-user")
    await reg.update(crs, "", "system:basic-user", {**basic, "rules": []}, W)
    # a protected one is left alone
    disc = await reg.get(crs, "", "system:discovery")
    disc["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] = "false"
    await reg.update(crs, "", "system:discovery", {**disc, "rules": []}, W)
    # a deleted binding is recreated; extra subjects are kept
    await reg.delete(crbs, "", "system:monitoring", DeleteOptions())
    pub = await reg.get(crbs, "", "system:public-info-viewer")
    pub["subjects"].append(
        {"kind": "User", "name": "extra", "apiGroup": "rbac.authorization.k8s.io"}
    )
    await reg.update(crbs, "", "system:public-info-viewer", pub, W)
    counts = await bootstrap_rbac(reg)
    assert counts.get("created") == 1 and counts.get("updated") == 1
    basic = await reg.get(crs, "", "system:basic-user")
    assert {r["resources"][0] for r in basic["rules"]} == {
        "selfsubjectaccessreviews",
        "selfsubjectrulesreviews",
        "selfsubjectreviews",
    }
    assert (await reg.get(crs, "", "system:discovery")).get("rules") in ([], None)
    assert len((await reg.get(crbs, "", "system:public-info-viewer"))["subjects"]) == 3
    await reg.get(crbs, "", "system:monitoring")
    assert await bootstrap_rbac(reg) == {"unchanged": sum(len(v) for v in policy().values())}


@pytest.mark.parametrize("release", releases.supported())
def test_equal_rules_cover_each_other(release: str) -> None:
    """Reconciliation decides equal rule lists without breaking them down: that short cut
    must agree with validation.Covers for every bootstrap role of every release."""
    data = policy(release)
    for role_obj in data["clusterRoles"] + data["roles"]:
        assert covers(rules_of(role_obj), rules_of(role_obj)) == []
        assert reconcile_role(role_obj, role_obj) is None


def test_reconcile_copies_what_it_changes() -> None:
    """The reconciled object holds copies of the expected object's parts (the policy is read
    from a cache); the existing object is left as it was."""
    data = policy()
    expected = next(r for r in data["clusterRoles"] if r.get("rules"))
    existing = {
        "metadata": {"name": expected["metadata"]["name"], "labels": {"mine": "x"}},
        "rules": [],
    }
    before = repr(existing)
    out = reconcile_role(existing, expected)
    assert out is not None and repr(existing) == before
    assert out["metadata"]["labels"] == {**expected["metadata"]["labels"], "mine": "x"}
    assert out["rules"] and all(r is not e for r in out["rules"] for e in expected["rules"])
    binding_expected = next(b for b in data["clusterRoleBindings"] if b.get("subjects"))
    existing_binding = {
        "metadata": {**binding_expected["metadata"], "name": "n"},
        "roleRef": {**binding_expected["roleRef"], "name": "other"},
        "subjects": [],
    }
    updated, recreate = reconcile_binding(existing_binding, binding_expected)
    assert recreate and updated is not None
    assert updated["roleRef"] == binding_expected["roleRef"]
    assert updated["roleRef"] is not binding_expected["roleRef"]
    assert updated["subjects"] == binding_expected["subjects"]
    assert all(s is not e for s in updated["subjects"] for e in binding_expected["subjects"])
    assert reconcile_binding(binding_expected, binding_expected) == (None, False)
