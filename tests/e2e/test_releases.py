"""Every emulated release (1.29 - 1.36) against real kubectl 1.33: /version, the API versions a
default server of that release lists, api-resources, and the writes kubectl sends as protobuf
(`create deployment`, `create configmap`) or as JSON (`apply -f`), and the release's own
bootstrap RBAC policy (the changes its generated data records, read back and asked with
`kubectl auth can-i`) with its controller roles.

The expected API versions come from each release's swagger (scripts/gen_test_expectations.py,
tests/e2e/data/release_api_versions.json), not from the catalog the server serves. One server per
release, shared by that release's tests (pytest groups the tests by the module fixture's param).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.clients import Kubectl, kubectl_path
from fakekapi.catalog import releases
from fakekapi.testing import ServerHandle, running_server

pytestmark = pytest.mark.kubectl

RBAC_GROUP = "rbac.authorization.k8s.io"
EXPECTED: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "data" / "release_api_versions.json").read_text()
)["apiVersions"]


@pytest.fixture(scope="module", params=releases.supported())
def release_server(request: pytest.FixtureRequest) -> Iterator[ServerHandle]:
    """A server emulating one release, shared by that release's tests."""
    with running_server(kubernetes_version=request.param) as server:
        yield server


@pytest.fixture(scope="module")
def kubectl_1_33(release_server: ServerHandle, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    cache = tmp_path_factory.mktemp(f"kubectl-1.33-{release_server.kubernetes_version}")
    return Kubectl(kubectl_path(33), release_server.kubeconfig_path, cache)


def test_the_expectations_cover_every_release() -> None:
    assert list(EXPECTED) == list(releases.supported())
    assert releases.default() == releases.supported()[-1] == "1.36"


def test_version(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    release = release_server.kubernetes_version
    info = json.loads(kubectl_1_33("version", "-o", "json").out)["serverVersion"]
    assert info["gitVersion"] == releases.git_version(release)
    assert info["gitVersion"].startswith(f"v{release}.")
    assert (info["major"], info["minor"]) == ("1", release.split(".")[1])
    commit, date, go = releases.build(release)
    assert (info["gitCommit"], info["buildDate"], info["goVersion"]) == (commit, date, go)


def test_api_versions(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    lines = kubectl_1_33("api-versions").out.splitlines()
    assert lines == EXPECTED[release_server.kubernetes_version]


def test_api_resources(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    out = kubectl_1_33("api-resources").out
    names = {line.split()[0] for line in out.splitlines()[1:]}
    assert {"pods", "deployments", "configmaps", "clusterroles"} <= names
    dra = kubectl_1_33("api-resources", "--api-group=resource.k8s.io", "-o", "name").out
    # resource.k8s.io/v1 is GA, hence served by default, from 1.34 on.
    ga = int(release_server.kubernetes_version.split(".")[1]) >= 34
    assert ("resourceclaims.resource.k8s.io" in dra.split()) is ga


def test_protobuf_creates_and_apply(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    k = kubectl_1_33
    k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    k("create", "configmap", "settings", "--from-literal=mode=fast")
    manifest = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "applied"},
            "data": {"a": "1"},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "applied"},
            "spec": {
                "selector": {"matchLabels": {"app": "applied"}},
                "template": {
                    "metadata": {"labels": {"app": "applied"}},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                },
            },
        },
    ]
    out = k("apply", "-f", "-", stdin=yaml.safe_dump_all(manifest)).out
    assert out.splitlines() == ["configmap/applied created", "deployment.apps/applied created"]
    got = json.loads(k("get", "deployment", "web", "-o", "json").out)
    assert got["spec"]["replicas"] == 2
    assert got["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    cm = json.loads(k("get", "configmap", "settings", "-o", "json").out)
    assert cm["data"] == {"mode": "fast"}


def _rbac_data(release: str) -> dict[str, Any]:
    """The generated bootstrap policy of `release` with the changes it records
    (scripts/releases_rbac.py)."""
    return releases.read_gz("fakekapi.registry", "releases", f"{release}.json.gz")


def _every_change() -> list[dict[str, Any]]:
    """Each change any release records, once (with the range of releases that have it)."""
    seen: dict[str, dict[str, Any]] = {}
    for release in releases.supported():
        for change in _rbac_data(release)["changes"]:
            seen.setdefault(json.dumps(change, sort_keys=True), change)
    return list(seen.values())


def _has(release: str, change: dict[str, Any]) -> bool:
    first, last = (int(r.split(".")[1]) for r in change["releases"])
    return first <= int(release.split(".")[1]) <= last


def _grants(rules: list[dict[str, Any]], verb: str, group: str, resource: str) -> bool:
    return any(
        {verb, "*"} & set(r.get("verbs", []))
        and {group, "*"} & set(r.get("apiGroups", []))
        and {resource, "*"} & set(r.get("resources", []))
        and not r.get("resourceNames")
        for r in rules
    )


def test_bootstrap_rbac_policy(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    """The served default roles are the release's: every change the generated data records for
    the release is in the objects kubectl reads back, and none of another release's additions is;
    `kubectl auth can-i --as` a bound user agrees, rule by rule."""
    release = release_server.kubernetes_version
    data = _rbac_data(release)
    kinds = {"clusterRoles": "clusterroles", "roles": "roles", "roleBindings": "rolebindings"}
    served: dict[tuple[str, str], dict[str, Any]] = {}
    for key, resource in kinds.items():
        listed = json.loads(kubectl_1_33("get", resource, "-A", "-o", "json").out)["items"]
        for o in listed:
            served[(key, o["metadata"]["name"])] = o
    checked = 0
    for change in _every_change():
        key, name = change["object"][:2]
        got = served[(key, name)].get(change["field"]) or []
        for entry in change["add"]:
            assert (entry in got) is _has(release, change), (release, name, entry)
        for entry in change["remove"]:
            assert (entry not in got) is _has(release, change), (release, name, entry)
        checked += 1
    assert checked >= len(data["changes"])

    users = {
        b["roleRef"]["name"]: s["name"]
        for b in data["clusterRoleBindings"]
        for s in b.get("subjects") or []
        if s["kind"] == "User"
    }
    roles = {r["metadata"]["name"]: r.get("rules") or [] for r in data["clusterRoles"]}
    served_types = set(kubectl_1_33("api-resources", "-o", "name").out.split())
    asked = 0
    for change in _every_change():
        key, name = change["object"][:2]
        if key != "clusterRoles" or name not in users:
            continue
        for rule in change["add"]:
            if rule.get("resourceNames") or "resources" not in rule:
                continue
            verb, group, resource = rule["verbs"][0], rule["apiGroups"][0], rule["resources"][0]
            plural, _, sub = resource.partition("/")
            target = f"{plural}.{group}" if group else plural
            if target not in served_types:
                continue  # kubectl resolves the type through discovery first
            args = ["auth", "can-i", verb, target, f"--as={users[name]}"]
            answer = kubectl_1_33(*args, *([f"--subresource={sub}"] if sub else []), check=False)
            expected = _grants(roles[name], verb, group, resource)
            if _has(release, change):
                assert expected, (release, name, rule)
            assert answer.out.strip() == ("yes" if expected else "no"), (release, name, rule)
            asked += 1
    assert asked > 0


CONTROLLER = "system:controller:"


def _controller_objects(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        o["metadata"]["name"]: o for o in objects if o["metadata"]["name"].startswith(CONTROLLER)
    }


def test_bootstrap_controller_roles(release_server: ServerHandle, kubectl_1_33: Kubectl) -> None:
    """The release's controller roles (kube's controller_policy.go) are served: exactly the
    `system:controller:*` ClusterRoles and ClusterRoleBindings its generated data lists, with their
    rules, bound to the kube-system ServiceAccounts, labelled and annotated as kube's bootstrap
    policy; the edits the data records (OpenShift's additions left out, 1.29/1.30 derived) show in
    them; `kubectl auth can-i --as` a controller's ServiceAccount answers as its rules say."""
    release = release_server.kubernetes_version
    data = _rbac_data(release)
    roles = _controller_objects(data["clusterRoles"])
    bindings = _controller_objects(data["clusterRoleBindings"])
    assert len(roles) >= 30
    assert set(bindings) == set(roles)
    k = kubectl_1_33
    served_roles = _controller_objects(
        json.loads(k("get", "clusterroles", "-o", "json").out)["items"]
    )
    served_bindings = _controller_objects(
        json.loads(k("get", "clusterrolebindings", "-o", "json").out)["items"]
    )
    assert sorted(served_roles) == sorted(roles)
    assert sorted(served_bindings) == sorted(bindings)
    for name, role in roles.items():
        assert served_roles[name]["rules"] == role["rules"], (release, name)
    for name, binding in bindings.items():
        got = served_bindings[name]
        assert got["roleRef"] == {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name}
        sa = name.removeprefix(CONTROLLER)
        assert got["subjects"] == [
            {"kind": "ServiceAccount", "name": sa, "namespace": "kube-system"}
        ]
        assert got["subjects"] == binding["subjects"]
    for change in data["controllerChanges"]:
        if change["drop"]:
            assert change["role"] not in served_roles, (release, change)
            continue
        rules = served_roles[change["role"]]["rules"]
        assert all(rule not in rules for rule in change["remove"] if rule not in change["add"])
        assert all(rule in rules for rule in change["add"]), (release, change)

    role = yaml.safe_load(
        k("get", "clusterrole", f"{CONTROLLER}deployment-controller", "-o", "yaml").out
    )
    assert role["metadata"]["labels"] == {"kubernetes.io/bootstrapping": "rbac-defaults"}
    assert role["metadata"]["annotations"] == {
        "rbac.authorization.kubernetes.io/autoupdate": "true"
    }
    assert role["rules"] == roles[f"{CONTROLLER}deployment-controller"]["rules"]

    served_types = set(k("api-resources", "-o", "name").out.split())
    questions = [
        # kube's deployment controller creates ReplicaSets, never Pods (replicaset-controller's)
        ("deployment-controller", "create", "", "pods", False),
        ("deployment-controller", "create", "apps", "replicasets", True),
        ("replicaset-controller", "create", "", "pods", True),
        ("deployment-controller", "delete", "", "nodes", False),
        ("deployment-controller", "update", "apps", "deployments/status", True),
        ("deployment-controller", "delete", "apps", "deployments", False),
        ("node-controller", "get", "", "pods", True),
        ("generic-garbage-collector", "delete", "apps", "replicasets", True),
        ("namespace-controller", "create", "", "configmaps", False),
        (
            "validatingadmissionpolicy-status-controller",
            "patch",
            "admissionregistration.k8s.io",
            "validatingadmissionpolicies/status",
            None,
        ),
    ]
    for controller, verb, group, resource, pinned in questions:
        plural, _, sub = resource.partition("/")
        target = f"{plural}.{group}" if group else plural
        if target not in served_types:
            continue  # kubectl resolves the type through discovery first
        rules = (roles.get(CONTROLLER + controller) or {}).get("rules") or []
        expected = _grants(rules, verb, group, resource)
        if pinned is not None:
            assert expected is pinned, (release, controller, verb, resource)
        user = f"--as=system:serviceaccount:kube-system:{controller}"
        args = ["auth", "can-i", verb, target, user, *([f"--subresource={sub}"] if sub else [])]
        answer = k(*args, check=False).out.strip()
        assert answer == ("yes" if expected else "no"), (release, controller, verb, resource)


def test_table_columns_follow_the_release(
    release_server: ServerHandle, kubectl_1_33: Kubectl
) -> None:
    """`kubectl get` prints the release's server-side columns: ServiceAccount lost SECRETS in
    1.35 (printers.go serviceAccountColumnDefinitions)."""
    header = kubectl_1_33("get", "serviceaccount", "default").out.splitlines()[0].split()
    minor = int(release_server.kubernetes_version.split(".")[1])
    assert header == (["NAME", "AGE"] if minor >= 35 else ["NAME", "SECRETS", "AGE"])
