"""Authenticators and authorizers as pure values (reference §3.1, §7)."""

from __future__ import annotations

import hashlib

import pytest
import trustme
from certs import client_cert
from cryptography import x509

from fakekapi.auth.authn import (
    CREDENTIAL_ID_KEY,
    EXTRA_SPACE_WARNING,
    NOT_MINE,
    AnonymousAuthenticator,
    AuthRequest,
    AuthResult,
    BearerTokenAuthenticator,
    Union,
    X509Authenticator,
    default_authenticator,
    with_anonymous,
)
from fakekapi.auth.authz import (
    Decision,
    default_authorizer,
    forbidden_error,
)
from fakekapi.core.requestinfo import parse_request_info
from fakekapi.core.user import ANONYMOUS, UserInfo


def _der(ca: trustme.CA, *, cn: str, orgs: list[str]) -> bytes:
    pem = client_cert(ca, cn, *orgs[:1]).cert_chain_pems[0].bytes()
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)


class Tokens:
    def __init__(self, table: dict[str, UserInfo]) -> None:
        self.table = table

    def authenticate_token(self, token: str) -> AuthResult:
        user = self.table.get(token)
        return AuthResult.ok(user, "token") if user else AuthResult()


def test_x509_user_groups_and_credential_id() -> None:
    ca = trustme.CA()
    der = _der(ca, cn="kubernetes-admin", orgs=["system:masters"])
    res = X509Authenticator().authenticate(AuthRequest({}, der, True))
    assert res.user is not None
    assert res.user.name == "kubernetes-admin"
    assert res.user.groups == ("system:masters", "system:authenticated")
    fingerprint = hashlib.sha256(der).hexdigest()
    assert res.user.extra == {CREDENTIAL_ID_KEY: (f"X509SHA256={fingerprint}",)}
    assert res.method == "x509"


def test_x509_unverified_or_missing() -> None:
    ca = trustme.CA()
    der = _der(ca, cn="x", orgs=[])
    assert X509Authenticator().authenticate(AuthRequest({}, None, False)) == NOT_MINE
    assert X509Authenticator().authenticate(AuthRequest({}, der, False)).rejected


@pytest.mark.parametrize(
    ("header", "expect"),
    [
        ("Bearer good", "user"),
        ("bearer good", "user"),
        ("  Bearer good  ", "user"),
        ("Bearer bad", "rejected"),
        ("Bearer ", "not-mine"),
        ("Basic dXNlcjpwYXNz", "not-mine"),
        ("Bearer", "not-mine"),
        ("", "not-mine"),
    ],
)
def test_bearer_header_parsing(header: str, expect: str) -> None:
    a = BearerTokenAuthenticator([Tokens({"good": UserInfo("u")})])
    res = a.authenticate(AuthRequest({"Authorization": header}))
    got = "user" if res.authenticated else "rejected" if res.rejected else "not-mine"
    assert got == expect


def test_bearer_double_space_warns_and_is_ignored() -> None:
    res = BearerTokenAuthenticator().authenticate(AuthRequest({"Authorization": "Bearer  tok"}))
    assert not res.authenticated and not res.rejected
    assert res.warnings == (EXTRA_SPACE_WARNING,)


def test_unknown_bearer_is_401_not_anonymous() -> None:
    res = default_authenticator().authenticate(AuthRequest({"Authorization": "Bearer nope"}))
    assert res.rejected and res.user is None
    assert res.error == "invalid bearer token"


def test_no_credential_is_anonymous() -> None:
    res = default_authenticator().authenticate(AuthRequest({}))
    assert res.user == ANONYMOUS and res.method == "anonymous"


def test_anonymous_disabled_leaves_no_user() -> None:
    res = default_authenticator(anonymous=False).authenticate(AuthRequest({}))
    assert res.user is None and not res.rejected


def test_union_bad_token_does_not_hide_good_cert() -> None:
    ca = trustme.CA()
    der = _der(ca, cn="alice", orgs=[])
    chain = with_anonymous(Union(X509Authenticator(), BearerTokenAuthenticator()))
    res = chain.authenticate(AuthRequest({"Authorization": "Bearer nope"}, der, True))
    assert res.user is not None and res.user.name == "alice"
    assert AnonymousAuthenticator().authenticate(AuthRequest({})).user == ANONYMOUS


JANE = UserInfo("jane", groups=("system:authenticated",))


def _decide(user: UserInfo, method: str, path: str) -> Decision:
    return default_authorizer().authorize(user, parse_request_info(method, path, {}))[0]


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz", "/version", "/version/"])
def test_public_info_for_everyone(path: str) -> None:
    assert _decide(ANONYMOUS, "GET", path) is Decision.ALLOW
    assert _decide(JANE, "GET", path) is Decision.ALLOW


@pytest.mark.parametrize("path", ["/api", "/api/v1", "/apis", "/apis/apps/v1", "/openapi/v3"])
def test_discovery_for_authenticated_only(path: str) -> None:
    assert _decide(ANONYMOUS, "GET", path) is Decision.NO_OPINION
    assert _decide(JANE, "GET", path) is Decision.ALLOW


def test_masters_may_do_anything_others_not() -> None:
    admin = UserInfo("admin", groups=("system:masters", "system:authenticated"))
    assert _decide(admin, "DELETE", "/api/v1/namespaces/default/pods/x") is Decision.ALLOW
    assert _decide(JANE, "DELETE", "/api/v1/namespaces/default/pods/x") is Decision.NO_OPINION
    assert _decide(JANE, "GET", "/metrics") is Decision.NO_OPINION
    assert _decide(JANE, "GET", "/") is Decision.NO_OPINION
    ssar = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    assert _decide(JANE, "POST", ssar) is Decision.ALLOW
    assert _decide(ANONYMOUS, "POST", ssar) is Decision.NO_OPINION


@pytest.mark.parametrize(
    ("user", "method", "path", "message", "details"),
    [
        (
            "system:serviceaccount:default:demo",
            "GET",
            "/api/v1/namespaces/default/pods",
            'pods is forbidden: User "system:serviceaccount:default:demo" cannot list resource '
            '"pods" in API group "" in the namespace "default"',
            {"kind": "pods"},
        ),
        (
            "jane",
            "GET",
            "/api/v1/namespaces/default/pods/web",
            'pods "web" is forbidden: User "jane" cannot get resource "pods" in API group "" '
            'in the namespace "default"',
            {"name": "web", "kind": "pods"},
        ),
        (
            "jane",
            "GET",
            "/api/v1/nodes",
            'nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" '
            "at the cluster scope",
            {"kind": "nodes"},
        ),
        (
            "jane",
            "POST",
            "/apis/apps/v1/namespaces/default/deployments",
            'deployments.apps is forbidden: User "jane" cannot create resource "deployments" '
            'in API group "apps" in the namespace "default"',
            {"group": "apps", "kind": "deployments"},
        ),
        (
            "jane",
            "POST",
            "/api/v1/namespaces/default/pods/web/exec",
            'pods "web" is forbidden: User "jane" cannot create resource "pods/exec" in API '
            'group "" in the namespace "default"',
            {"name": "web", "kind": "pods"},
        ),
        (
            "jane",
            "GET",
            "/api/v1/namespaces/foo",
            'namespaces "foo" is forbidden: User "jane" cannot get resource "namespaces" in API '
            'group "" in the namespace "foo"',
            {"name": "foo", "kind": "namespaces"},
        ),
        (
            "system:anonymous",
            "GET",
            "/api",
            'forbidden: User "system:anonymous" cannot get path "/api"',
            {},
        ),
        (
            "a<b>&c",
            "GET",
            "/",
            'forbidden: User "a&lt;b&gt;&amp;c" cannot get path "/"',
            {},
        ),
    ],
)
def test_forbidden_messages(
    user: str, method: str, path: str, message: str, details: dict[str, str]
) -> None:
    err = forbidden_error(UserInfo(user), parse_request_info(method, path, {}))
    assert err.code == 403 and err.reason == "Forbidden"
    assert err.message == message
    assert err.details == details
    assert err.headers == {"X-Content-Type-Options": "nosniff"}


def test_forbidden_reason_suffix_is_not_escaped() -> None:
    info = parse_request_info("GET", "/api/v1/namespaces/default/pods", {})
    err = forbidden_error(UserInfo("jane"), info, "RBAC: <x>")
    assert err.message.endswith('in the namespace "default": RBAC: <x>')
