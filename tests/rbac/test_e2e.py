# ruff: noqa: E501  (tables of exact kube messages read best one per line)
"""RBAC end to end over real TLS: kubectl, curl and raw HTTPS against a running server.

* the Postman walkthrough (ServiceAccount + token Secret + ClusterRole + ClusterRoleBinding),
  applied with kubectl and loaded as fixtures, with a token and with a client certificate;
* the rule-matching table, each case through SubjectAccessReview *and* a real request (the admin
  impersonating the subject: impersonation adds system:authenticated, so the reviews say so too);
* aggregation, escalation and impersonation through the API.
"""

from __future__ import annotations

import base64
import json
import logging
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from auth.e2e import admin, call, kubectl
from certs import NO_GROUP, client_cert, cluster_ca, write_pem
from e2e.clients import require
from polling import until

from fakekapi.testing import ServerHandle, running_server
from rbac.helpers import binding, cluster_binding, cluster_role, group, role, rule, user

ROOT = Path(__file__).resolve().parents[2]
"""The O of certificates for users "without groups" (trustme cannot issue one without an O)."""
WALKTHROUGH = ROOT / "fixtures" / "postman-walkthrough"
RBAC_API = "/apis/rbac.authorization.k8s.io/v1"
POSTMAN = "system:serviceaccount:default:postman"
SA_GROUPS = ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]

SECRETS_FORBIDDEN = (
    'secrets is forbidden: User "system:serviceaccount:default:postman" cannot list resource '
    '"secrets" in API group "" in the namespace "kube-system"'
)
DELETE_FORBIDDEN = (
    'pods "web" is forbidden: User "system:serviceaccount:default:postman" cannot delete '
    'resource "pods" in API group "" in the namespace "default"'
)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server() as s:
        yield s


def issue_cert(server: ServerHandle, directory: Path, cn: str, *orgs: str) -> Path:
    """A client certificate + key (one PEM file, for curl) from the cluster CA."""
    leaf = client_cert(cluster_ca(server), cn, *orgs[:1])
    return write_pem(leaf, directory / f"{cn.replace(':', '_')}.pem")


def curl(server: ServerHandle, path: str, *args: str, method: str = "GET") -> tuple[int, Any]:
    """curl over TLS; (HTTP status, decoded JSON body)."""
    if shutil.which("curl") is None:
        require("curl")
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "--cacert",
            str(server.ca_path),
            "-X",
            method,
            *args,
            "-w",
            "\n%{http_code}",
            f"{server.url}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    body, _, code = out.stdout.rpartition("\n")
    return int(code), json.loads(body) if body.strip().startswith("{") else body


def access_log(caplog: pytest.LogCaptureFixture, needle: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if needle in r.getMessage()]


def check_walkthrough(
    server: ServerHandle, creds: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The four checks of the walkthrough for a client presenting `creds` to curl."""
    caplog.set_level(logging.INFO, logger="fakekapi.server.access")
    code, body = curl(server, "/apis", *creds)
    assert code == 200 and body["kind"] == "APIGroupList"
    code, body = curl(server, "/api/v1/namespaces/default/pods", *creds)
    assert code == 200 and body["kind"] == "PodList", body
    code, body = curl(server, "/api/v1/namespaces/kube-system/secrets", *creds)
    assert code == 403
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": SECRETS_FORBIDDEN,
        "reason": "Forbidden",
        "details": {"kind": "secrets"},
        "code": 403,
    }
    code, body = curl(server, "/api/v1/namespaces/default/pods/web", *creds, method="DELETE")
    assert code == 403 and body["message"] == DELETE_FORBIDDEN
    assert body["details"] == {"name": "web", "kind": "pods"}
    # the log says why
    allowed = access_log(caplog, "GET /api/v1/namespaces/default/pods ")
    assert any(
        'ClusterRoleBinding \\"postman-reader\\" → ClusterRole \\"postman-reader\\"' in line
        or 'ClusterRoleBinding "postman-reader" → ClusterRole "postman-reader"' in line
        for line in allowed
    ), allowed
    denied = access_log(caplog, "GET /api/v1/namespaces/kube-system/secrets ")
    assert any("secrets" in line and "kube-system" in line and "denied" in line for line in denied)
    deleted = access_log(caplog, "DELETE /api/v1/namespaces/default/pods/web ")
    assert any('verb \\"delete\\"' in line or 'verb "delete"' in line for line in deleted), deleted
    discovery = access_log(caplog, "GET /apis ")
    assert any("system:discovery" in line for line in discovery), discovery


def wait_token(read: Callable[[], str]) -> str:
    """The token the token controller writes into the Secret (base64-decoded)."""
    token = ""
    deadline = time.monotonic() + 10
    while not token and time.monotonic() < deadline:
        token = read()
        time.sleep(0.02)
    assert token, "the token controller did not fill the Secret"
    return base64.b64decode(token).decode()


@pytest.fixture(scope="module")
def walkthrough_applied(server: ServerHandle, tmp_path_factory: pytest.TempPathFactory) -> None:
    k = kubectl(33, server.kubeconfig_path, tmp_path_factory.mktemp("cache"))
    k("apply", "-f", str(WALKTHROUGH))


@pytest.mark.kubectl
def test_postman_walkthrough_kubectl_and_curl_cert(
    server: ServerHandle,
    walkthrough_applied: None,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The ServiceAccount's identity presented as a client certificate from the cluster CA."""
    pem = issue_cert(server, tmp_path, POSTMAN, "system:serviceaccounts")
    check_walkthrough(server, ["--cert", str(pem)], caplog)


@pytest.mark.kubectl
def test_postman_walkthrough_kubectl_and_curl_token(
    server: ServerHandle,
    walkthrough_applied: None,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    k = kubectl(33, server.kubeconfig_path, tmp_path / "cache")
    token = wait_token(
        lambda: k("get", "secret", "postman-token", "-o", "jsonpath={.data.token}").out
    )
    check_walkthrough(server, ["-H", f"Authorization: Bearer {token}"], caplog)


def test_postman_walkthrough_as_fixtures(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with running_server(fixtures=(WALKTHROUGH,)) as s:
        pem = issue_cert(s, tmp_path, POSTMAN, "system:serviceaccounts")
        check_walkthrough(s, ["--cert", str(pem)], caplog)
        token = wait_token(
            lambda: (
                admin(s, "GET", "/api/v1/namespaces/default/secrets/postman-token").get("data")
                or {}
            ).get("token", "")
        )
        check_walkthrough(s, ["-H", f"Authorization: Bearer {token}"], caplog)


# -- the rule-matching table: SubjectAccessReview and a real request --------------------------


def sar(server: ServerHandle, who: str, groups: list[str], attrs: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"user": who, "groups": groups}
    spec["nonResourceAttributes" if "path" in attrs else "resourceAttributes"] = attrs
    status, _, out = call(
        server,
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        admin=True,
        body={"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec},
    )
    assert status == 201, out
    return dict(out["status"])


_CERTS: dict[tuple[str, str, str], Path] = {}


def as_user(
    server: ServerHandle, who: str, groups: list[str], method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """A real request as `who` (in at most one extra group): a client certificate from the
    cluster CA with CN=who, O=group."""
    import http.client
    import ssl
    import tempfile

    assert len(groups) <= 1
    key = (str(server.data_dir), who, groups[0] if groups else "")
    if key not in _CERTS:
        _CERTS[key] = issue_cert(server, Path(tempfile.mkdtemp()), who, *groups)
    ctx = ssl.create_default_context(cafile=str(server.ca_path))
    ctx.load_cert_chain(str(_CERTS[key]))
    conn = http.client.HTTPSConnection(server.host, server.port, context=ctx, timeout=10)
    try:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        ct = resp.getheader("Content-Type", "")
        return resp.status, json.loads(raw) if ct.startswith("application/json") else raw
    finally:
        conn.close()


def raw_request(
    server: ServerHandle, method: str, path: str, headers: list[tuple[str, str]], body: Any
) -> tuple[int, Any]:
    import http.client

    conn = http.client.HTTPSConnection(server.host, server.port, context=server.ssl_context())
    try:
        conn.putrequest(method, path)
        data = json.dumps(body).encode() if body is not None else b""
        for k, v in headers:
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        resp = conn.getresponse()
        raw = resp.read()
        ct = resp.getheader("Content-Type", "")
        return resp.status, json.loads(raw) if ct.startswith("application/json") else raw
    finally:
        conn.close()


def setup(server: ServerHandle, objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        md = obj["metadata"]
        plural = {
            "ClusterRole": "clusterroles",
            "Role": "roles",
            "ClusterRoleBinding": "clusterrolebindings",
            "RoleBinding": "rolebindings",
        }[obj["kind"]]
        path = (
            f"{RBAC_API}/namespaces/{md['namespace']}/{plural}"
            if "namespace" in md
            else f"{RBAC_API}/{plural}"
        )
        admin(server, "POST", path, obj)


def ensure_namespace(server: ServerHandle, name: str) -> None:
    status, _, _ = call(server, "GET", f"/api/v1/namespaces/{name}", admin=True)
    if status == 404:
        admin(
            server,
            "POST",
            "/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        )


TABLE: list[tuple[str, str, list[str], dict[str, Any], str, str, bool]] = [
    # (id, user, groups, SAR attributes, method, path, allowed)
    (
        "names-get",
        "t-names",
        [],
        {"verb": "get", "resource": "configmaps", "name": "cm1", "namespace": "t1"},
        "GET",
        "/api/v1/namespaces/t1/configmaps/cm1",
        True,
    ),
    (
        "names-list",
        "t-names",
        [],
        {"verb": "list", "resource": "configmaps", "namespace": "t1"},
        "GET",
        "/api/v1/namespaces/t1/configmaps",
        False,
    ),
    (
        "names-other",
        "t-names",
        [],
        {"verb": "get", "resource": "configmaps", "name": "cm2", "namespace": "t1"},
        "GET",
        "/api/v1/namespaces/t1/configmaps/cm2",
        False,
    ),
    (
        "pods-not-log",
        "t-pods",
        [],
        {"verb": "get", "resource": "pods", "subresource": "log", "name": "p", "namespace": "t1"},
        "GET",
        "/api/v1/namespaces/t1/pods/p/log",
        False,
    ),
    (
        "pods",
        "t-pods",
        [],
        {"verb": "get", "resource": "pods", "name": "p", "namespace": "t1"},
        "GET",
        "/api/v1/namespaces/t1/pods/p",
        True,
    ),
    (
        "log-only",
        "t-log",
        [],
        {"verb": "get", "resource": "pods", "subresource": "log", "name": "p", "namespace": "t1"},
        "GET",
        "/api/v1/namespaces/t1/pods/p/log",
        True,
    ),
    (
        "log-not-pods",
        "t-log",
        [],
        {"verb": "get", "resource": "pods", "name": "p", "namespace": "t1"},
        "GET",
        "/api/v1/namespaces/t1/pods/p",
        False,
    ),
    (
        "scale",
        "t-scale",
        [],
        {
            "verb": "get",
            "group": "apps",
            "resource": "deployments",
            "subresource": "scale",
            "name": "d",
            "namespace": "t1",
        },
        "GET",
        "/apis/apps/v1/namespaces/t1/deployments/d/scale",
        True,
    ),
    (
        "scale-not-deploy",
        "t-scale",
        [],
        {"verb": "get", "group": "apps", "resource": "deployments", "name": "d", "namespace": "t1"},
        "GET",
        "/apis/apps/v1/namespaces/t1/deployments/d",
        False,
    ),
    (
        "url-prefix",
        "t-url",
        [],
        {"path": "/metrics/slis", "verb": "get"},
        "GET",
        "/metrics/slis",
        True,
    ),
    ("url-prefix-bare", "t-url", [], {"path": "/metrics", "verb": "get"}, "GET", "/metrics", False),
    (
        "rb-own-ns",
        "t-rb",
        [],
        {"verb": "list", "resource": "secrets", "namespace": "t1"},
        "GET",
        "/api/v1/namespaces/t1/secrets",
        True,
    ),
    (
        "rb-other-ns",
        "t-rb",
        [],
        {"verb": "list", "resource": "secrets", "namespace": "t2"},
        "GET",
        "/api/v1/namespaces/t2/secrets",
        False,
    ),
    (
        "rb-cluster",
        "t-rb",
        [],
        {"verb": "list", "resource": "secrets"},
        "GET",
        "/api/v1/secrets",
        False,
    ),
    (
        "group-sa-ns",
        "system:serviceaccount:t1:robot",
        ["system:serviceaccounts:t1"],
        {"verb": "list", "resource": "services", "namespace": "t2"},
        "GET",
        "/api/v1/namespaces/t2/services",
        True,
    ),
    (
        "group-sa-other-ns",
        "system:serviceaccount:t2:robot",
        ["system:serviceaccounts:t2"],
        {"verb": "list", "resource": "services", "namespace": "t2"},
        "GET",
        "/api/v1/namespaces/t2/services",
        False,
    ),
    (
        "group-authenticated",
        "anybody",
        [],
        {"verb": "get", "resource": "nodes", "name": "n1"},
        "GET",
        "/api/v1/nodes/n1",
        True,
    ),
    (
        "missing-object-is-403",
        "t-pods",
        [],
        {"verb": "delete", "resource": "pods", "name": "nope", "namespace": "t1"},
        "DELETE",
        "/api/v1/namespaces/t1/pods/nope",
        False,
    ),
    (
        "unknown-type-is-403",
        "t-pods",
        [],
        {"verb": "list", "resource": "foos", "namespace": "t1"},
        "GET",
        "/api/v1/namespaces/t1/foos",
        False,
    ),
]


@pytest.fixture(scope="module")
def table_policy(server: ServerHandle) -> None:
    ensure_namespace(server, "t1")
    ensure_namespace(server, "t2")
    setup(
        server,
        [
            cluster_role("t-names", rule(["get", "list"], [""], ["configmaps"], ["cm1"])),
            cluster_binding("t-names", "t-names", user("t-names")),
            cluster_role("t-pods", rule(["get"], [""], ["pods"])),
            cluster_binding("t-pods", "t-pods", user("t-pods")),
            cluster_role("t-log", rule(["get"], [""], ["pods/log"])),
            cluster_binding("t-log", "t-log", user("t-log")),
            cluster_role("t-scale", rule(["get"], ["apps"], ["*/scale"])),
            cluster_binding("t-scale", "t-scale", user("t-scale")),
            cluster_role("t-url", rule(["get"], urls=["/metrics/*"])),
            cluster_binding("t-url", "t-url", user("t-url")),
            cluster_role("t-secrets", rule(["list"], [""], ["secrets"])),
            binding("t1", "t-rb", "ClusterRole", "t-secrets", user("t-rb")),
            role("t2", "t-services", rule(["list"], [""], ["services"])),
            binding("t2", "t-sa-group", "Role", "t-services", group("system:serviceaccounts:t1")),
            cluster_role("t-nodes", rule(["get"], [""], ["nodes"])),
            cluster_binding("t-authenticated", "t-nodes", group("system:authenticated")),
        ],
    )


@pytest.mark.parametrize(
    ("who", "groups", "attrs", "method", "path", "allowed"),
    [c[1:] for c in TABLE],
    ids=[c[0] for c in TABLE],
)
def test_rule_table(
    server: ServerHandle,
    table_policy: None,
    who: str,
    groups: list[str],
    attrs: dict[str, Any],
    method: str,
    path: str,
    allowed: bool,
) -> None:
    def review() -> dict[str, Any]:
        return sar(server, who, [*(groups or [NO_GROUP]), "system:authenticated"], attrs)

    until(lambda: review()["allowed"] == allowed)  # bindings are in force within 1 s
    status, body = as_user(server, who, groups, method, path)
    if allowed:
        assert status != 403, body
    else:
        assert status == 403, body
        assert body["reason"] == "Forbidden"


def test_forbidden_messages_for_every_shape(server: ServerHandle, table_policy: None) -> None:
    cases = [
        (
            "GET",
            "/api/v1/namespaces/t1/pods",
            'pods is forbidden: User "nobody" cannot list resource "pods" in API group "" in the namespace "t1"',
            {"kind": "pods"},
        ),
        (
            "GET",
            "/api/v1/nodes",
            'nodes is forbidden: User "nobody" cannot list resource "nodes" in API group "" at the cluster scope',
            {"kind": "nodes"},
        ),
        (
            "POST",
            "/apis/apps/v1/namespaces/t1/deployments",
            'deployments.apps is forbidden: User "nobody" cannot create resource "deployments" in API group "apps" in the namespace "t1"',
            {"group": "apps", "kind": "deployments"},
        ),
        (
            "POST",
            "/api/v1/namespaces/t1/pods/web/exec",
            'pods "web" is forbidden: User "nobody" cannot create resource "pods/exec" in API group "" in the namespace "t1"',
            {"name": "web", "kind": "pods"},
        ),
        (
            "GET",
            "/api/v1/namespaces/t1",
            'namespaces "t1" is forbidden: User "nobody" cannot get resource "namespaces" in API group "" in the namespace "t1"',
            {"name": "t1", "kind": "namespaces"},
        ),
        ("GET", "/logs/", 'forbidden: User "nobody" cannot get path "/logs/"', {}),
    ]
    for method, path, message, details in cases:
        status, body = as_user(server, "nobody", [], method, path)
        assert status == 403, (path, body)
        assert body["message"] == message
        assert body["details"] == details


# -- aggregation, escalation, impersonation through the API ------------------------------------


def test_aggregation_through_the_api(server: ServerHandle) -> None:
    setup(
        server,
        [
            cluster_role("agg-target", aggregate=[{"matchLabels": {"agg-e2e": "true"}}]),
            cluster_binding("agg-target", "agg-target", user("agg-user")),
        ],
    )
    attrs = {"verb": "list", "group": "batch", "resource": "jobs", "namespace": "default"}
    assert not sar(server, "agg-user", [], attrs)["allowed"]
    setup(
        server,
        [cluster_role("agg-part", rule(["list"], ["batch"], ["jobs"]), labels={"agg-e2e": "true"})],
    )
    until(lambda: sar(server, "agg-user", [], attrs)["allowed"])
    status, _ = as_user(server, "agg-user", [], "GET", "/apis/batch/v1/namespaces/default/jobs")
    assert status == 200
    admin(server, "DELETE", f"{RBAC_API}/clusterroles/agg-part")
    until(lambda: not sar(server, "agg-user", [], attrs)["allowed"])
    status, _ = as_user(server, "agg-user", [], "GET", "/apis/batch/v1/namespaces/default/jobs")
    assert status == 403


def test_escalation_through_the_api(server: ServerHandle) -> None:
    ensure_namespace(server, "esc")
    setup(
        server,
        [
            cluster_role(
                "esc-writer",
                rule(
                    ["create", "update", "get"],
                    ["rbac.authorization.k8s.io"],
                    ["roles", "rolebindings"],
                ),
                rule(["get"], [""], ["pods"]),
            ),
            binding("esc", "esc-writer", "ClusterRole", "esc-writer", user("esc-user")),
        ],
    )
    until(
        lambda: sar(
            server,
            "esc-user",
            [],
            {
                "verb": "create",
                "group": "rbac.authorization.k8s.io",
                "resource": "roles",
                "namespace": "esc",
            },
        )["allowed"]
    )
    path = f"{RBAC_API}/namespaces/esc/roles"
    status, body = as_user(
        server, "esc-user", [], "POST", path, role("esc", "small", rule(["get"], [""], ["pods"]))
    )
    assert status == 201, body
    status, body = as_user(
        server, "esc-user", [], "POST", path, role("esc", "big", rule(["delete"], [""], ["pods"]))
    )
    assert status == 403
    assert body["message"] == (
        'roles.rbac.authorization.k8s.io "big" is forbidden: user "esc-user" '
        '(groups=["e2e" "system:authenticated"]) is attempting to grant RBAC permissions not '
        'currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}'
    )
    assert body["details"] == {"name": "big", "group": "rbac.authorization.k8s.io", "kind": "roles"}
    # binding admin needs bind (or holding everything)
    rb_path = f"{RBAC_API}/namespaces/esc/rolebindings"
    rb = binding("esc", "to-admin", "ClusterRole", "admin", user("someone"))
    status, body = as_user(server, "esc-user", [], "POST", rb_path, rb)
    assert (
        status == 403
        and "is attempting to grant RBAC permissions not currently held" in body["message"]
    )
    setup(
        server,
        [
            cluster_role(
                "esc-powers",
                rule(["escalate"], ["rbac.authorization.k8s.io"], ["roles"]),
                rule(["bind"], ["rbac.authorization.k8s.io"], ["clusterroles"], ["admin"]),
            ),
            binding("esc", "esc-powers", "ClusterRole", "esc-powers", user("esc-user")),
        ],
    )
    until(
        lambda: sar(
            server,
            "esc-user",
            [],
            {
                "verb": "bind",
                "group": "rbac.authorization.k8s.io",
                "resource": "clusterroles",
                "name": "admin",
                "namespace": "esc",
            },
        )["allowed"]
    )
    status, body = as_user(
        server, "esc-user", [], "POST", path, role("esc", "big", rule(["delete"], [""], ["pods"]))
    )
    assert status == 201, body
    status, body = as_user(server, "esc-user", [], "POST", rb_path, rb)
    assert status == 201, body


def test_impersonation_needs_the_impersonate_verb(server: ServerHandle) -> None:
    headers = [("Impersonate-User", "imp-user")]
    status, body = raw_request(server, "GET", "/api/v1/namespaces/default/pods", headers, None)
    assert status == 403  # admin impersonates imp-user, who may not list pods
    # imp-user itself may not impersonate
    pem_dir = server.data_dir / "rbac-e2e"
    pem_dir.mkdir(exist_ok=True)
    pem = issue_cert(server, pem_dir, "imp-user")
    import http.client
    import ssl

    def as_cert(extra: list[tuple[str, str]]) -> tuple[int, Any]:
        ctx = ssl.create_default_context(cafile=str(server.ca_path))
        ctx.load_cert_chain(str(pem))
        conn = http.client.HTTPSConnection(server.host, server.port, context=ctx)
        try:
            conn.putrequest("GET", "/api/v1/namespaces/default/pods")
            for k, v in extra:
                conn.putheader(k, v)
            conn.endheaders()
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read())
        finally:
            conn.close()

    status, body = as_cert(
        [("Impersonate-User", "kubernetes-admin"), ("Impersonate-Group", "system:masters")]
    )
    assert status == 403
    assert body["message"] == (
        'users "kubernetes-admin" is forbidden: User "imp-user" cannot impersonate resource '
        '"users" in API group "" at the cluster scope'
    )
    setup(
        server,
        [
            cluster_role("imp", rule(["impersonate"], [""], ["users", "groups"])),
            cluster_binding("imp", "imp", user("imp-user")),
        ],
    )
    until(
        lambda: sar(
            server,
            "imp-user",
            [],
            {"verb": "impersonate", "resource": "groups", "name": "system:masters"},
        )["allowed"]
    )
    status, body = as_cert(
        [("Impersonate-User", "kubernetes-admin"), ("Impersonate-Group", "system:masters")]
    )
    assert status == 200, body


# -- --authorization-mode -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("modes", "status", "message"),
    [
        (
            ("AlwaysDeny",),
            403,
            'forbidden: User "mode-user" cannot get path "/apis": Everything is forbidden.',
        ),
        (("AlwaysAllow",), 200, ""),
        (("Node", "RBAC"), 200, ""),
    ],
)
def test_authorization_modes(modes: tuple[str, ...], status: int, message: str) -> None:
    with running_server(authorization_mode=modes) as s:
        code, body = as_user(s, "mode-user", [], "GET", "/apis")
        assert code == status
        if message:
            assert body["message"] == message
        code, _ = as_user(s, "mode-user", [], "GET", "/api/v1/namespaces/kube-system/secrets")
        assert code == (200 if "AlwaysAllow" in modes else 403)
        assert call(s, "GET", "/api/v1/namespaces/kube-system/secrets", admin=True)[0] == 200
