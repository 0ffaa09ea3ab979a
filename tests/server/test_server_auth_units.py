"""Authenticators and authorizers as pure values (reference §3.1, §7)."""

from __future__ import annotations

import datetime
import hashlib
import ssl
from pathlib import Path

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
    subject_of,
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


def _self_signed(tmp_path: Path, attributes: list[tuple[x509.ObjectIdentifier, str]]) -> Path:
    """A PEM certificate whose subject has `attributes` in order."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "client.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    return path


def test_x509_subject_as_ssl_decodes_it_is_the_subject_the_der_has(tmp_path: Path) -> None:
    """The server passes the subject `ssl` decoded (no cryptography import per process); it
    names the same user, groups in order and uid as parsing the DER does."""
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    pem = _self_signed(
        tmp_path,
        [
            (NameOID.ORGANIZATION_NAME, "team-b"),
            (NameOID.COMMON_NAME, "jane"),
            (NameOID.USER_ID, "u-123"),
            (NameOID.ORGANIZATION_NAME, "team-a"),
            (NameOID.COUNTRY_NAME, "NL"),
        ],
    )
    der = x509.load_pem_x509_certificate(pem.read_bytes()).public_bytes(Encoding.DER)
    decoded = getattr(ssl, "_ssl")._test_decode_cert(str(pem))  # noqa: B009 (what getpeercert() gives)
    subject = tuple(pair for rdn in decoded["subject"] for pair in rdn)
    kube_reads = {"commonName", "organizationName", "userId"}
    assert [p for p in subject_of(der) if p[0] in kube_reads] == [
        p for p in subject if p[0] in kube_reads
    ]
    from_ssl = X509Authenticator().authenticate(AuthRequest({}, der, True, subject))
    from_der = X509Authenticator().authenticate(AuthRequest({}, der, True))
    assert from_ssl == from_der
    assert from_ssl.user is not None
    assert from_ssl.user.name == "jane"
    assert from_ssl.user.uid == "u-123"
    assert from_ssl.user.groups == ("team-b", "team-a", "system:authenticated")
