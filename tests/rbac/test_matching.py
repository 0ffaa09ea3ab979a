"""The rule-matching table of kube's RBAC authorizer, against the Authorizer API (§8.3)."""

from __future__ import annotations

from typing import Any

import pytest

from fakekapi.auth.authz import Decision
from fakekapi.auth.rbac import RBACAuthorizer, RBACIndex
from fakekapi.core.requestinfo import RequestInfo, parse_request_info
from fakekapi.core.user import UserInfo
from fakekapi.registry.rbac.rules import non_resource_attributes, resource_attributes
from rbac.helpers import binding, cluster_binding, cluster_role, group, role, rule, sa, user

JANE = UserInfo("jane", groups=("devs", "system:authenticated"))
DEMO = UserInfo(
    "system:serviceaccount:team:demo",
    groups=("system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"),
)


def req(method: str, path: str, **query: str) -> RequestInfo:
    return parse_request_info(method, path, query)


CASES: list[tuple[str, list[dict[str, Any]], UserInfo, RequestInfo, bool]] = [
    (
        "exact verb/resource",
        [cluster_role("r", rule(["get"], [""], ["pods"])), cluster_binding("b", "r", user("jane"))],
        JANE,
        req("GET", "/api/v1/namespaces/default/pods/web"),
        True,
    ),
    (
        "other verb",
        [cluster_role("r", rule(["get"], [""], ["pods"])), cluster_binding("b", "r", user("jane"))],
        JANE,
        req("DELETE", "/api/v1/namespaces/default/pods/web"),
        False,
    ),
    (
        "wrong group",
        [
            cluster_role("r", rule(["*"], ["apps"], ["pods"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/default/pods"),
        False,
    ),
    (
        "pods does not match pods/log",
        [cluster_role("r", rule(["get"], [""], ["pods"])), cluster_binding("b", "r", user("jane"))],
        JANE,
        req("GET", "/api/v1/namespaces/default/pods/web/log"),
        False,
    ),
    (
        "pods/log matches pods/log",
        [
            cluster_role("r", rule(["get"], [""], ["pods/log"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/default/pods/web/log"),
        True,
    ),
    (
        "pods/log does not match pods",
        [
            cluster_role("r", rule(["get"], [""], ["pods/log"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/default/pods/web"),
        False,
    ),
    (
        "*/scale matches deployments/scale",
        [
            cluster_role("r", rule(["update"], ["apps"], ["*/scale"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale"),
        True,
    ),
    (
        "*/scale does not match deployments",
        [
            cluster_role("r", rule(["update"], ["apps"], ["*/scale"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("PUT", "/apis/apps/v1/namespaces/default/deployments/web"),
        False,
    ),
    (
        "pods/* is not a wildcard",
        [
            cluster_role("r", rule(["get"], [""], ["pods/*"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/default/pods/web/log"),
        False,
    ),
    (
        "* matches subresources",
        [cluster_role("r", rule(["get"], [""], ["*"])), cluster_binding("b", "r", user("jane"))],
        JANE,
        req("GET", "/api/v1/namespaces/default/pods/web/log"),
        True,
    ),
    (
        "resourceNames with get",
        [
            cluster_role("r", rule(["get", "list"], [""], ["configmaps"], ["cm1"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/default/configmaps/cm1"),
        True,
    ),
    (
        "resourceNames with another name",
        [
            cluster_role("r", rule(["get"], [""], ["configmaps"], ["cm1"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/default/configmaps/cm2"),
        False,
    ),
    (
        "resourceNames never match list",
        [
            cluster_role("r", rule(["get", "list"], [""], ["configmaps"], ["cm1"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/default/configmaps"),
        False,
    ),
    (
        "resourceNames match list narrowed by metadata.name",
        [
            cluster_role("r", rule(["list"], [""], ["configmaps"], ["cm1"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/default/configmaps", fieldSelector="metadata.name=cm1"),
        True,
    ),
    (
        "resourceNames never match create",
        [
            cluster_role("r", rule(["create"], [""], ["configmaps"], ["cm1"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("POST", "/api/v1/namespaces/default/configmaps"),
        False,
    ),
    (
        "resourceNames never match deletecollection",
        [
            cluster_role("r", rule(["deletecollection"], [""], ["configmaps"], ["cm1"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("DELETE", "/api/v1/namespaces/default/configmaps"),
        False,
    ),
    (
        "watch of a collection is verb watch",
        [
            cluster_role("r", rule(["list"], [""], ["pods"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/pods", watch="true"),
        False,
    ),
    (
        "nonResourceURL exact",
        [
            cluster_role("r", rule(["get"], urls=["/healthz"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/healthz"),
        True,
    ),
    (
        "nonResourceURL prefix does not match the bare path",
        [
            cluster_role("r", rule(["get"], urls=["/healthz/*"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/healthz"),
        False,
    ),
    (
        "nonResourceURL prefix",
        [
            cluster_role("r", rule(["get"], urls=["/healthz/*"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/healthz/etcd"),
        True,
    ),
    (
        "nonResourceURL /apis/* matches /apis/apps",
        [
            cluster_role("r", rule(["get"], urls=["/apis/*"])),
            cluster_binding("b", "r", user("jane")),
        ],
        JANE,
        req("GET", "/apis/apps"),
        True,
    ),
    (
        "nonResourceURL verb is the lowercase method",
        [cluster_role("r", rule(["get"], urls=["*"])), cluster_binding("b", "r", user("jane"))],
        JANE,
        req("POST", "/foo"),
        False,
    ),
    (
        "nonResourceURLs through a RoleBinding never apply",
        [
            cluster_role("r", rule(["get"], urls=["*"])),
            binding("default", "b", "ClusterRole", "r", user("jane")),
        ],
        JANE,
        req("GET", "/healthz"),
        False,
    ),
    (
        "RoleBinding to a ClusterRole grants in its namespace",
        [
            cluster_role("r", rule(["get"], [""], ["pods"])),
            binding("team", "b", "ClusterRole", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/team/pods/web"),
        True,
    ),
    (
        "RoleBinding to a ClusterRole does not grant in another namespace",
        [
            cluster_role("r", rule(["get"], [""], ["pods"])),
            binding("team", "b", "ClusterRole", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/default/pods/web"),
        False,
    ),
    (
        "RoleBinding does not grant cluster-wide lists",
        [
            cluster_role("r", rule(["list"], [""], ["pods"])),
            binding("team", "b", "ClusterRole", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/pods"),
        False,
    ),
    (
        "RoleBinding to a Role",
        [
            role("team", "r", rule(["get"], [""], ["pods"])),
            binding("team", "b", "Role", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/team/pods/web"),
        True,
    ),
    (
        "RoleBinding to a Role of another namespace does not resolve",
        [
            role("other", "r", rule(["get"], [""], ["pods"])),
            binding("team", "b", "Role", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/team/pods/web"),
        False,
    ),
    (
        "Group subject",
        [
            cluster_role("r", rule(["get"], [""], ["pods"])),
            cluster_binding("b", "r", group("devs")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/x/pods/web"),
        True,
    ),
    (
        "Group system:serviceaccounts:NS",
        [
            cluster_role("r", rule(["get"], [""], ["pods"])),
            cluster_binding("b", "r", group("system:serviceaccounts:team")),
        ],
        DEMO,
        req("GET", "/api/v1/namespaces/x/pods/web"),
        True,
    ),
    (
        "Group system:authenticated",
        [
            cluster_role("r", rule(["get"], [""], ["pods"])),
            cluster_binding("b", "r", group("system:authenticated")),
        ],
        DEMO,
        req("GET", "/api/v1/namespaces/x/pods/web"),
        True,
    ),
    (
        "ServiceAccount subject with namespace",
        [
            cluster_role("r", rule(["get"], [""], ["pods"])),
            cluster_binding("b", "r", sa("demo", "team")),
        ],
        DEMO,
        req("GET", "/api/v1/namespaces/x/pods/web"),
        True,
    ),
    (
        "ServiceAccount subject without namespace in a ClusterRoleBinding matches nobody",
        [cluster_role("r", rule(["get"], [""], ["pods"])), cluster_binding("b", "r", sa("demo"))],
        DEMO,
        req("GET", "/api/v1/namespaces/team/pods/web"),
        False,
    ),
    (
        "ServiceAccount subject without namespace in a RoleBinding: the binding's namespace",
        [
            cluster_role("r", rule(["get"], [""], ["pods"])),
            binding("team", "b", "ClusterRole", "r", sa("demo")),
        ],
        DEMO,
        req("GET", "/api/v1/namespaces/team/pods/web"),
        True,
    ),
    (
        "User subject is not a group",
        [cluster_role("r", rule(["get"], [""], ["pods"])), cluster_binding("b", "r", user("devs"))],
        JANE,
        req("GET", "/api/v1/namespaces/x/pods/web"),
        False,
    ),
    (
        "namespace object carries its own name as namespace",
        [
            cluster_role("r", rule(["get"], [""], ["namespaces"])),
            binding("foo", "b", "ClusterRole", "r", user("jane")),
        ],
        JANE,
        req("GET", "/api/v1/namespaces/foo"),
        True,
    ),
]


@pytest.mark.parametrize(
    ("objects", "who", "info", "allowed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule_matching(
    objects: list[dict[str, Any]], who: UserInfo, info: RequestInfo, allowed: bool
) -> None:
    index = RBACIndex()
    index.load(objects)
    decision, _ = RBACAuthorizer(index).authorize(who, info)
    assert (decision is Decision.ALLOW) == allowed


def test_allow_reason_names_binding_role_and_subject() -> None:
    index = RBACIndex()
    index.load(
        [
            cluster_role("pod-reader", rule(["get"], [""], ["pods"])),
            cluster_binding("b", "pod-reader", user("other"), group("devs")),
            binding("team", "rb", "ClusterRole", "pod-reader", sa("demo")),
        ]
    )
    authz = RBACAuthorizer(index)
    get = resource_attributes("get", resource="pods", namespace="team", name="x")
    assert authz.authorize(JANE, get) == (
        Decision.ALLOW,
        'RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "pod-reader" to Group "devs"',
    )
    assert authz.authorize(DEMO, get) == (
        Decision.ALLOW,
        'RBAC: allowed by RoleBinding "rb/team" of ClusterRole "pod-reader" to '
        'ServiceAccount "demo/team"',
    )


def test_missing_roles_are_the_denial_reason() -> None:
    index = RBACIndex()
    index.load(
        [
            cluster_binding("b1", "missing", user("jane")),
            cluster_binding("b2", "missing", user("jane")),
            binding("default", "rb", "Role", "gone", user("jane")),
        ]
    )
    authz = RBACAuthorizer(index)
    assert authz.authorize(JANE, resource_attributes("get", resource="pods")) == (
        Decision.NO_OPINION,
        'RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found',
    )
    assert authz.authorize(
        JANE, resource_attributes("get", resource="pods", namespace="default")
    ) == (
        Decision.NO_OPINION,
        'RBAC: [clusterrole.rbac.authorization.k8s.io "missing" not found, '
        'role.rbac.authorization.k8s.io "gone" not found]',
    )


def test_cache_is_invalidated_by_any_change() -> None:
    index = RBACIndex()
    authz = RBACAuthorizer(index)
    get = resource_attributes("get", resource="pods", namespace="default", name="x")
    assert authz.authorize(JANE, get)[0] is Decision.NO_OPINION
    crb = cluster_binding("b", "r", user("jane"))
    index.apply("clusterrolebindings", None, crb)
    assert authz.authorize(JANE, get)[0] is Decision.NO_OPINION  # role still missing
    index.apply("clusterroles", None, cluster_role("r", rule(["get"], [""], ["pods"])))
    assert authz.authorize(JANE, get)[0] is Decision.ALLOW
    index.apply("clusterrolebindings", crb, None)
    assert authz.authorize(JANE, get)[0] is Decision.NO_OPINION
    assert not index.cluster_bindings_for(JANE)


def test_index_follows_subject_changes() -> None:
    index = RBACIndex()
    old = cluster_binding("b", "r", user("jane"))
    new = cluster_binding("b", "r", user("bob"))
    index.apply("clusterrolebindings", None, old)
    index.apply("clusterrolebindings", old, new)
    assert index.cluster_bindings_for(JANE) == []
    assert [b.name for b in index.cluster_bindings_for(UserInfo("bob"))] == ["b"]


def test_rules_for_lists_cluster_then_namespace_rules() -> None:
    index = RBACIndex()
    index.load(
        [
            cluster_role("a", rule(["get"], [""], ["pods"]), rule(["get"], urls=["/x"])),
            role("team", "r", rule(["list"], [""], ["secrets"])),
            cluster_binding("b", "a", user("jane")),
            binding("team", "rb", "Role", "r", user("jane")),
        ]
    )
    rules, errors = index.rules_for(JANE, "team")
    assert [r.to_json() for r in rules] == [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]},
        {"verbs": ["get"], "nonResourceURLs": ["/x"]},
        {"verbs": ["list"], "apiGroups": [""], "resources": ["secrets"]},
    ]
    assert errors == []
    assert len(index.rules_for(JANE, "other")[0]) == 2


def test_denial_explanation_names_what_is_missing() -> None:
    index = RBACIndex()
    index.load(
        [
            cluster_role(
                "pod-reader", rule(["get", "list", "watch"], [""], ["pods", "namespaces"])
            ),
            cluster_binding("postman", "pod-reader", user("jane")),
            binding("team", "rb", "ClusterRole", "pod-reader", user("jane")),
        ]
    )
    authz = RBACAuthorizer(index)
    delete = authz.verdict(JANE, req("DELETE", "/api/v1/namespaces/default/pods/web"))
    assert 'missing verb "delete"' in delete.explanation
    assert 'ClusterRoleBinding "postman" → ClusterRole "pod-reader"' in delete.explanation
    secrets = authz.verdict(JANE, req("GET", "/api/v1/namespaces/kube-system/secrets"))
    assert 'missing resource "secrets"' in secrets.explanation
    assert 'in namespace "kube-system"' in secrets.explanation
    allowed = authz.verdict(JANE, req("GET", "/api/v1/namespaces/default/pods"))
    assert (
        allowed.explanation == 'allowed by ClusterRoleBinding "postman" → ClusterRole "pod-reader"'
    )


def test_denial_explanation_points_at_other_namespace() -> None:
    index = RBACIndex()
    index.load(
        [
            cluster_role("edit", rule(["*"], [""], ["configmaps"])),
            binding("team", "rb", "ClusterRole", "edit", user("jane")),
        ]
    )
    v = RBACAuthorizer(index).verdict(JANE, req("GET", "/api/v1/namespaces/default/configmaps/x"))
    assert 'allows it in namespace "team", not in "default"' in v.explanation


def test_non_resource_attributes() -> None:
    index = RBACIndex()
    index.load(
        [
            cluster_role("r", rule(["get"], urls=["/metrics"])),
            cluster_binding("b", "r", group("devs")),
        ]
    )
    authz = RBACAuthorizer(index)
    assert authz.authorize(JANE, non_resource_attributes("get", "/metrics"))[0] is Decision.ALLOW
    assert (
        authz.authorize(JANE, non_resource_attributes("get", "/metrics/x"))[0]
        is Decision.NO_OPINION
    )
