"""Access review answers (pure), --authorization-mode, and `fakekapi explain`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fakekapi.auth.authz import Decision
from fakekapi.auth.modes import ModeAuthorizer, parse_modes
from fakekapi.auth.rbac import RBACAuthorizer, RBACIndex
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.cli import cli
from fakekapi.core.errors import StatusError
from fakekapi.core.user import UserInfo
from fakekapi.registry.authorization import access_review, rules_review
from fakekapi.registry.rbac.rules import non_resource_attributes, resource_attributes
from fakekapi.registry.rbac_bootstrap import policy_objects
from fakekapi.server.authsetup import ServerAccess
from rbac.helpers import cluster_binding, cluster_role, rule, user

CATALOG = Catalog.builtin()
JANE = UserInfo("jane", groups=("system:authenticated",))
ADMIN = UserInfo("kubernetes-admin", groups=("system:masters", "system:authenticated"))


def rt(plural: str) -> ResourceType:
    t = CATALOG.lookup("authorization.k8s.io", "v1", plural)
    assert t is not None
    return t


def review(
    authorizer: ModeAuthorizer,
    requester: UserInfo,
    rt: ResourceType,
    namespace: str,
    obj: dict[str, Any],
) -> dict[str, Any]:
    """The created review, as the authorization group's strategies answer it on a server whose
    authorizer is `authorizer`."""
    access = ServerAccess(None, authorizer)
    if rt.plural == "selfsubjectrulesreviews":
        return rules_review(access, requester, obj)
    return access_review(access, requester, rt.plural, namespace, obj)


@pytest.fixture
def authz() -> ModeAuthorizer:
    index = RBACIndex()
    index.load(policy_objects())
    index.load(
        [
            cluster_role(
                "pod-reader", rule(["get", "list", "watch"], [""], ["pods", "namespaces"])
            ),
            cluster_binding("postman", "pod-reader", user("jane")),
        ]
    )
    return ModeAuthorizer(("RBAC",), RBACAuthorizer(index))


def ssar(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": {"allowed": False},
    }


def test_ssar_allowed(authz: ModeAuthorizer) -> None:
    body = ssar(
        {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}}
    )
    out = review(authz, JANE, rt("selfsubjectaccessreviews"), "", body)
    assert out == {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": {
            "resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}
        },
        "status": {
            "allowed": True,
            "reason": 'RBAC: allowed by ClusterRoleBinding "postman" of ClusterRole "pod-reader" '
            'to User "jane"',
        },
    }


def test_ssar_denied_and_non_resource(authz: ModeAuthorizer) -> None:
    body = ssar(
        {"resourceAttributes": {"namespace": "default", "verb": "delete", "resource": "pods"}}
    )
    assert review(authz, JANE, rt("selfsubjectaccessreviews"), "", body)["status"] == {
        "allowed": False
    }
    body = ssar({"nonResourceAttributes": {"path": "/healthz", "verb": "get"}})
    assert review(authz, JANE, rt("selfsubjectaccessreviews"), "", body)["status"]["allowed"]


def test_ssar_validation(authz: ModeAuthorizer) -> None:
    with pytest.raises(StatusError) as e:
        review(authz, JANE, rt("selfsubjectaccessreviews"), "", ssar({}))
    assert e.value.code == 422
    assert e.value.message == (
        'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: '
        'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must '
        "be specified"
    )


def test_sar_uses_the_given_user_and_groups_only(authz: ModeAuthorizer) -> None:
    body: dict[str, Any] = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {"user": "bob", "nonResourceAttributes": {"path": "/apis", "verb": "get"}},
    }
    out = review(authz, ADMIN, rt("subjectaccessreviews"), "", body)
    assert out["status"] == {"allowed": False}  # bob without system:authenticated
    body["spec"]["groups"] = ["system:authenticated"]
    assert review(authz, ADMIN, rt("subjectaccessreviews"), "", body)["status"]["allowed"]
    with pytest.raises(StatusError) as e:
        review(authz, ADMIN, rt("subjectaccessreviews"), "", {"spec": {"resourceAttributes": {}}})
    assert 'spec.user: Invalid value: "": at least one of user or group must be specified' in (
        e.value.message
    )


def test_lsar_namespace_must_match(authz: ModeAuthorizer) -> None:
    body: dict[str, Any] = {
        "metadata": {"namespace": "default"},
        "spec": {"user": "jane", "resourceAttributes": {"namespace": "other", "verb": "get"}},
    }
    with pytest.raises(StatusError) as e:
        review(authz, ADMIN, rt("localsubjectaccessreviews"), "default", body)
    assert (
        'spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace'
        in (e.value.message)
    )
    body["spec"]["resourceAttributes"] = {"namespace": "default", "verb": "get", "resource": "pods"}
    out = review(authz, ADMIN, rt("localsubjectaccessreviews"), "default", body)
    assert out["status"]["allowed"] and out["metadata"]["namespace"] == "default"


def test_ssrr(authz: ModeAuthorizer) -> None:
    body = {"spec": {"namespace": "default"}}
    out = review(authz, JANE, rt("selfsubjectrulesreviews"), "", body)
    assert out["spec"] == {} and out["metadata"] == {"creationTimestamp": None}
    status = out["status"]
    assert status["incomplete"] is False
    assert {
        "verbs": ["get", "list", "watch"],
        "apiGroups": [""],
        "resources": ["pods", "namespaces"],
    } in (status["resourceRules"])
    assert {
        "verbs": ["get"],
        "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"],
    } in (status["nonResourceRules"])
    with pytest.raises(StatusError) as e:
        review(authz, JANE, rt("selfsubjectrulesreviews"), "", {"spec": {}})
    assert (e.value.code, e.value.message) == (400, "no namespace on request")


def test_modes() -> None:
    assert parse_modes(["Node,RBAC"]) == ("Node", "RBAC")
    assert parse_modes([]) == ("RBAC",)
    with pytest.raises(ValueError, match="not a valid mode"):
        parse_modes(["ABAC"])
    get = resource_attributes("get", resource="pods", namespace="default", name="x")
    allow = ModeAuthorizer(["AlwaysAllow"])
    assert allow.authorize(JANE, get) == (Decision.ALLOW, "")
    rules = allow.rules_for(JANE, "default")
    assert [r.to_json() for r in rules.resource_rules] == [
        {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}
    ]
    deny = ModeAuthorizer(["AlwaysDeny"])
    assert deny.authorize(JANE, get) == (Decision.NO_OPINION, "Everything is forbidden.")
    assert deny.authorize(ADMIN, get)[0] is Decision.ALLOW  # system:masters always
    rbac = ModeAuthorizer(["RBAC"])
    assert rbac.authorize(ADMIN, non_resource_attributes("delete", "/x"))[0] is Decision.ALLOW


def test_explain_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(
        cli,
        [
            "explain",
            "--data-dir",
            str(tmp_path),
            "--as",
            "system:serviceaccount:default:demo",
            "list",
            "secrets",
            "-n",
            "kube-system",
        ],
    )
    assert r.exit_code == 1, r.output
    assert (
        'message:  secrets is forbidden: User "system:serviceaccount:default:demo" cannot list '
        'resource "secrets" in API group "" in the namespace "kube-system"'
    ) in r.output
    r = runner.invoke(
        cli, ["explain", "--data-dir", str(tmp_path), "--as", "jane", "--url", "/apis"]
    )
    assert r.exit_code == 0, r.output
    assert (
        'allowed by ClusterRoleBinding "system:discovery" → ClusterRole "system:discovery"'
        in r.output
    )
    r = runner.invoke(
        cli,
        [
            "explain",
            "--data-dir",
            str(tmp_path),
            "--as",
            "jane",
            "--as-group",
            "system:masters",
            "delete",
            "deploy",
            "x",
            "-n",
            "a",
        ],
    )
    assert r.exit_code == 0 and 'delete deployments "x" (API group "apps")' in r.output
    r = runner.invoke(
        cli, ["explain", "--data-dir", str(tmp_path), "--as", "jane", "get", "pods", "-n", "x"]
    )
    assert r.exit_code == 1
    r = runner.invoke(cli, ["explain", "--data-dir", str(tmp_path), "--as", "jane"])
    assert r.exit_code == 2 and "VERB and RESOURCE" in r.output
