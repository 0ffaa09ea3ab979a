"""End to end over real TLS: kubectl, curl, the official Python client and PyJWT against a server.

One server per module (a static token file, anonymous on); a second one with anonymous off for
the header cases that kube-apiserver treats as "no credential".
"""

from __future__ import annotations

import base64
import json
import logging
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
import yaml
from certs import kubeconfig
from e2e.clients import require

from auth.e2e import (
    UNAUTHORIZED,
    admin,
    bound_token,
    call,
    kubectl,
    legacy_token,
    server_key,
    service_account,
    whoami,
    whoami_table,
)
from auth.helpers import forge
from fakekapi.auth.serviceaccount import SigningKey
from fakekapi.testing import ServerHandle, running_server

STATIC_TOKEN = "static-secret-token"


@pytest.fixture(scope="module")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("tokens") / "tokens.csv"
    f.write_text(f'{STATIC_TOKEN},static-user,static-uid,"dev,ops"\n')
    return f


@pytest.fixture(scope="module")
def server(token_file: Path) -> Iterator[ServerHandle]:
    with running_server(token_auth_file=token_file) as s:
        yield s


@pytest.fixture(scope="module")
def closed_server() -> Iterator[ServerHandle]:
    with running_server(anonymous_auth=False) as s:
        yield s


# -- the Postman walkthrough, with kubectl only -----------------------------------------------

SECRET_YAML = """
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: postman-token
  annotations:
    kubernetes.io/service-account.name: postman
"""


@pytest.mark.kubectl
def test_postman_walkthrough(
    server: ServerHandle, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    k = kubectl(33, server.kubeconfig_path, tmp_path / "cache")
    k("create", "serviceaccount", "postman")
    k("apply", "-f", "-", stdin=SECRET_YAML)
    token_b64 = ""
    deadline = time.monotonic() + 10
    while not token_b64 and time.monotonic() < deadline:
        token_b64 = k("get", "secret", "postman-token", "-o", "jsonpath={.data.token}").out
    assert token_b64
    ca_b64 = k("get", "secret", "postman-token", "-o", "jsonpath={.data.ca\\.crt}").out
    token = base64.b64decode(token_b64).decode()
    ca = tmp_path / "ca.crt"
    ca.write_bytes(base64.b64decode(ca_b64))
    assert ca.read_bytes() == server.ca_path.read_bytes()

    if shutil.which("curl") is None:
        require("curl")
    caplog.set_level(logging.INFO, logger="fakekapi.server.access")
    curl = [
        "curl",
        "-sS",
        "--cacert",
        str(ca),
        "-H",
        f"Authorization: Bearer {token}",
    ]
    out = subprocess.run([*curl, f"{server.url}/apis"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["kind"] == "APIGroupList"
    review = subprocess.run(
        [
            *curl,
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-d",
            '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
            f"{server.url}/apis/authentication.k8s.io/v1/selfsubjectreviews",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(review.stdout)["status"]["userInfo"]
    assert info["username"] == "system:serviceaccount:default:postman"
    assert info["groups"] == [
        "system:serviceaccounts",
        "system:serviceaccounts:default",
        "system:authenticated",
    ]
    lines = [r.getMessage() for r in caplog.records if "GET /apis " in r.getMessage()]
    assert any('user="system:serviceaccount:default:postman"' in line for line in lines)
    assert all(token not in r.getMessage() for r in caplog.records)


# -- kubectl create token / auth whoami -------------------------------------------------------


@pytest.mark.kubectl
@pytest.mark.parametrize("minor", [31, 33])
def test_kubectl_create_token(server: ServerHandle, tmp_path: Path, minor: int) -> None:
    name = f"creator{minor}"
    service_account(server, name)
    k = kubectl(minor, server.kubeconfig_path, tmp_path / "cache")
    res = k("create", "token", name, "--duration=20m", "--audience=foo", check=False)
    assert res.code == 0, res.err
    token = res.out
    claims = pyjwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == ["foo"] and claims["exp"] - claims["iat"] == 1200
    assert claims["sub"] == f"system:serviceaccount:default:{name}"
    # Its audience is not the API's: the server refuses it.
    assert call(server, "GET", "/api", token=token)[0] == 401
    plain = k("create", "token", name).out
    info = whoami(server, plain)
    assert info["username"] == f"system:serviceaccount:default:{name}"
    assert info["extra"]["authentication.kubernetes.io/credential-id"][0].startswith("JTI=")


@pytest.mark.kubectl
@pytest.mark.parametrize("minor", [27, 28, 33])
def test_kubectl_whoami(server: ServerHandle, tmp_path: Path, minor: int) -> None:
    sa = service_account(server, f"who{minor}")
    token = bound_token(server, f"who{minor}")
    k_sa = kubectl(minor, kubeconfig(server, tmp_path / "sa.yaml", token=token), tmp_path / "c1")
    rows = whoami_table(k_sa("auth", "whoami").out)
    assert rows["Username"] == f"system:serviceaccount:default:who{minor}"
    assert rows["UID"] == sa["metadata"]["uid"]
    assert "system:serviceaccounts:default" in rows["Groups"]

    k_admin = kubectl(minor, server.kubeconfig_path, tmp_path / "c2")
    rows = whoami_table(k_admin("auth", "whoami").out)
    assert rows["Username"] == "kubernetes-admin"
    assert rows["Groups"] == "[system:masters system:authenticated]"

    k_static = kubectl(
        minor, kubeconfig(server, tmp_path / "st.yaml", token=STATIC_TOKEN), tmp_path / "c3"
    )
    rows = whoami_table(k_static("auth", "whoami").out)
    assert rows["Username"] == "static-user" and rows["UID"] == "static-uid"
    assert rows["Groups"] == "[dev ops system:authenticated]"

    out = k_admin("auth", "whoami", "--as=alice", "--as-group=dev", "--as-group=qa").out
    rows = whoami_table(out)
    assert rows["Username"] == "alice"
    assert rows["Groups"] == "[dev qa system:authenticated]"


def test_impersonation_denied_and_malformed(server: ServerHandle) -> None:
    token = STATIC_TOKEN  # static-user may not impersonate
    status, headers, out = call(
        server, "GET", "/api", token=token, headers={"Impersonate-User": "alice"}
    )
    assert status == 403
    assert out["message"] == (
        'users "alice" is forbidden: User "static-user" cannot impersonate resource "users" '
        'in API group "" at the cluster scope'
    )
    status, headers, body = call(
        server, "GET", "/api", headers={"Impersonate-Group": "system:masters"}, admin=True
    )
    assert status == 500
    assert headers["Content-Type"].startswith("text/plain")
    assert body == (
        b'Internal Server Error: "/api": requested [{Group  system:masters    }] without '
        b"impersonating a user\n"
    )
    assert whoami_as(server, "system:serviceaccount:kube-system:ghost")["groups"] == [
        "system:serviceaccounts",
        "system:serviceaccounts:kube-system",
        "system:authenticated",
    ]


def whoami_as(server: ServerHandle, user: str) -> dict[str, Any]:
    status, _, out = call(
        server,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        headers={"Impersonate-User": user},
        admin=True,
    )
    assert status == 201, out
    return dict(out["status"]["userInfo"])


# -- TokenReview (official Python client), OIDC + PyJWT ---------------------------------------


def test_tokenreview_with_the_python_client(server: ServerHandle) -> None:
    from kubernetes import client, config  # type: ignore[import-untyped,unused-ignore]

    service_account(server, "reviewed")
    token = bound_token(server, "reviewed")
    config.load_kube_config(config_file=str(server.kubeconfig_path))  # type: ignore[no-untyped-call,unused-ignore]
    with client.ApiClient() as api:
        authn = client.AuthenticationV1Api(api)
        review: Any = authn.create_token_review(
            client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token))
        )
        assert review.status.authenticated is True
        assert review.status.user.username == "system:serviceaccount:default:reviewed"
        assert review.status.audiences == ["https://kubernetes.default.svc.cluster.local"]
        bad: Any = authn.create_token_review(
            client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token + "x"))
        )
        assert bad.status.authenticated is False
        assert bad.status.error == "go-jose/go-jose: error in cryptographic primitive"
        other: Any = authn.create_token_review(
            client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token, audiences=["vault"]))
        )
        assert other.status.authenticated is False
        assert "is invalid for the target audiences" in other.status.error


def test_pyjwt_verifies_with_the_published_jwks(server: ServerHandle) -> None:
    service_account(server, "oidc")
    token = bound_token(server, "oidc")
    status, headers, cfg = call(server, "GET", "/.well-known/openid-configuration", admin=True)
    assert status == 200 and headers["Cache-Control"] == "public, max-age=3600"
    assert cfg["issuer"] == "https://kubernetes.default.svc.cluster.local"
    assert cfg["jwks_uri"] == f"{server.url}/openid/v1/jwks"
    status, headers, raw = call(server, "GET", "/openid/v1/jwks", admin=True)
    assert status == 200 and headers["Content-Type"] == "application/jwk-set+json"
    jwks = pyjwt.PyJWKSet.from_dict(json.loads(raw))
    kid = pyjwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims = pyjwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=cfg["issuer"],
        issuer=cfg["issuer"],
    )
    assert claims["sub"] == "system:serviceaccount:default:oidc"


# -- 401s: each refused, and nothing changes --------------------------------------------------


def _claims(token: str) -> dict[str, Any]:
    return dict(pyjwt.decode(token, options={"verify_signature": False}))


def _resign(key: SigningKey, token: str, **changes: Any) -> str:
    return key.sign({**_claims(token), **changes})


def bad_tokens(server: ServerHandle) -> dict[str, str]:
    """Every kind of invalid credential of the issue's table, made against live objects."""
    key = server_key(server)
    service_account(server, "victim")
    good = bound_token(server, "victim")
    now = int(time.time())
    h, p, s = good.split(".")
    tampered_claims = {**_claims(good), "sub": "system:serviceaccount:kube-system:admin"}
    tampered_payload = base64.urlsafe_b64encode(json.dumps(tampered_claims).encode()).rstrip(b"=")
    tampered = f"{h}.{tampered_payload.decode()}.{s}"
    import hashlib
    import hmac

    pub = (server.data_dir / "pki" / "sa.pub").read_bytes()
    hs_header = base64.urlsafe_b64encode(
        json.dumps({"alg": "HS256", "kid": key.kid}).encode()
    ).rstrip(b"=")
    hs_input = hs_header + b"." + p.encode()
    hs_sig = base64.urlsafe_b64encode(hmac.new(pub, hs_input, hashlib.sha256).digest()).rstrip(b"=")

    # Legacy token whose Secret is then deleted.
    service_account(server, "secretless")
    deleted_secret = legacy_token(server, "secretless", "secretless-token")
    admin(server, "DELETE", "/api/v1/namespaces/default/secrets/secretless-token")
    # ServiceAccount deleted and re-created: a new UID.
    service_account(server, "reborn")
    reborn_bound = bound_token(server, "reborn")
    reborn_legacy = legacy_token(server, "reborn", "reborn-token")
    admin(server, "DELETE", "/api/v1/namespaces/default/serviceaccounts/reborn")
    service_account(server, "reborn")
    # A token bound to a Pod that is then deleted.
    service_account(server, "podbound")
    admin(
        server,
        "POST",
        "/api/v1/namespaces/default/pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web"},
            "spec": {
                "serviceAccountName": "podbound",
                "containers": [{"name": "c", "image": "nginx"}],
            },
        },
    )
    pod_bound = bound_token(
        server, "podbound", boundObjectRef={"kind": "Pod", "apiVersion": "v1", "name": "web"}
    )
    assert whoami(server, pod_bound)["username"] == "system:serviceaccount:default:podbound"
    admin(server, "DELETE", "/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0")
    return {
        "expired": _resign(key, good, iat=now - 7200, nbf=now - 7200, exp=now - 3600),
        "not yet valid": _resign(key, good, iat=now + 600, nbf=now + 600, exp=now + 4200),
        "wrong issuer": _resign(key, good, iss="https://evil.example"),
        "wrong audience": _resign(key, good, aud=["https://elsewhere"]),
        "alg none": forge({"alg": "none"}, _claims(good)),
        "HS256 with our public key": f"{hs_input.decode()}.{hs_sig.decode()}",
        "another RSA key": SigningKey.generate().sign(_claims(good)),
        "another RSA key, our kid": SigningKey(SigningKey.generate().private_key, key.kid).sign(
            _claims(good)
        ),
        "tampered payload": tampered,
        "deleted Secret": deleted_secret,
        "SA re-created (bound)": reborn_bound,
        "SA re-created (legacy)": reborn_legacy,
        "deleted bound Pod": pod_bound,
        "not a JWT": "not-a-jwt",
    }


def _assert_401_and_no_change(server: ServerHandle, name: str, headers: dict[str, str]) -> None:
    status, _, out = call(server, "GET", "/api/v1/namespaces/default/configmaps", headers=headers)
    assert (status, out) == (401, UNAUTHORIZED), name
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "intruder"}}
    status, _, out = call(
        server, "POST", "/api/v1/namespaces/default/configmaps", body=cm, headers=headers
    )
    assert (status, out) == (401, UNAUTHORIZED), name
    status, _, _ = call(server, "GET", "/api/v1/namespaces/default/configmaps/intruder", admin=True)
    assert status == 404, name


def test_invalid_tokens_are_401(server: ServerHandle, caplog: pytest.LogCaptureFixture) -> None:
    tokens = bad_tokens(server)
    time.sleep(0.1)  # deletions reach the token controller; the checks do not depend on it
    caplog.set_level(logging.INFO, logger="fakekapi.server.access")
    for name, token in tokens.items():
        _assert_401_and_no_change(server, name, {"Authorization": f"Bearer {token}"})
    messages = "\n".join(r.getMessage() for r in caplog.records)
    for why in (
        "service account token has expired",
        "service account token is not valid yet",
        "is invalid for the target audiences",
        "unknown/unsupported algorithm",
        "invalid signature, no keys found",
        "error in cryptographic primitive",
        "Token has been invalidated",
        "does not match claim",
        "service account token has been invalidated",
        "invalid bearer token",
    ):
        assert why in messages, why
    for token in tokens.values():
        assert token not in messages


MALFORMED_HEADERS = {
    "non-Bearer scheme": "Basic dXNlcjpwYXNz",
    "empty token": "Bearer ",
    "scheme only": "Bearer",
    "extra space": "Bearer  sometoken",
}


def test_headers_without_a_bearer_token_are_401_without_anonymous(
    closed_server: ServerHandle,
) -> None:
    for name, value in MALFORMED_HEADERS.items():
        _assert_401_and_no_change(closed_server, name, {"Authorization": value})


def test_headers_without_a_bearer_token_are_anonymous_as_in_kube(server: ServerHandle) -> None:
    """kube-apiserver ignores these headers: the request is anonymous (then 403), never the SA."""
    for name, value in MALFORMED_HEADERS.items():
        status, headers, out = call(
            server, "GET", "/api/v1/namespaces/default/configmaps", headers={"Authorization": value}
        )
        assert status == 403, name
        assert 'User "system:anonymous"' in out["message"], name
        if name == "extra space":
            assert "extra space before the bearer token" in headers.get("Warning", "")


def test_static_token_and_audit_log(tmp_path: Path, token_file: Path) -> None:
    audit = tmp_path / "audit.log"
    with running_server(token_auth_file=token_file, audit_log_path=audit) as s:
        assert whoami(s, STATIC_TOKEN)["username"] == "static-user"
        assert call(s, "GET", "/api", token="wrong")[0] == 401
    events = [json.loads(line) for line in audit.read_text().splitlines()]
    review = [e for e in events if e["requestURI"].endswith("/selfsubjectreviews")]
    assert [e["stage"] for e in review] == ["RequestReceived", "ResponseComplete"]
    done = review[1]
    assert done["apiVersion"] == "audit.k8s.io/v1" and done["level"] == "Metadata"
    assert done["user"]["username"] == "static-user"
    assert done["verb"] == "create" and done["responseStatus"]["code"] == 201
    assert done["objectRef"] == {
        "resource": "selfsubjectreviews",
        "apiGroup": "authentication.k8s.io",
        "apiVersion": "v1",
    }
    failed = [e for e in events if e["requestURI"] == "/api" and e["user"] == {}]
    assert failed and failed[0]["responseStatus"]["code"] == 401
    assert "wrong" not in audit.read_text()


def test_token_file_must_be_valid(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("only,two\n")
    with (
        pytest.raises(Exception, match="must have at least 3 columns"),
        running_server(token_auth_file=bad),
    ):
        pass


def test_settings_shape_tokens(tmp_path: Path) -> None:
    with running_server(
        service_account_issuer="https://issuer.example",
        api_audiences=("api", "https://issuer.example"),
        service_account_max_token_expiration=1800,
    ) as s:
        service_account(s, "shaped")
        status, headers, out = call(
            s,
            "POST",
            "/api/v1/namespaces/default/serviceaccounts/shaped/token",
            body={
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenRequest",
                "spec": {"expirationSeconds": 7200},
            },
            admin=True,
        )
        assert status == 201, out
        assert headers["Warning"] == (
            '299 - "requested expiration of 7200 seconds shortened to 1800 seconds"'
        )
        claims = _claims(out["status"]["token"])
        assert claims["iss"] == "https://issuer.example"
        assert claims["aud"] == ["api", "https://issuer.example"]
        assert claims["exp"] - claims["iat"] == 1800
        assert whoami(s, out["status"]["token"])["username"].endswith(":shaped")
    assert yaml  # kubeconfigs are YAML (imported for the helpers' sake)


def test_a_token_in_use_stops_working_at_once_when_revoked(server: ServerHandle) -> None:
    """The server caches verified tokens and RBAC decisions (and skips looking the token's
    objects up while nothing in the store changed), yet deleting the token's Secret, its
    ServiceAccount or the RoleBinding takes effect on the very next request: kube-apiserver
    would keep a cached success for up to 10 s (--token-success-cache-ttl, tokencache), which
    this server does not need to."""
    cm_path = "/api/v1/namespaces/default/configmaps"
    rolebindings = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings"
    for kind in ("secret", "serviceaccount", "rolebinding"):
        name = f"revoked-{kind}"
        service_account(server, name)
        admin(
            server,
            "POST",
            rolebindings,
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": name},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "view",
                },
                "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": "default"}],
            },
        )
        token = legacy_token(server, name, f"{name}-token")
        for _ in range(5):  # cached by now
            status, _, _ = call(server, "GET", cm_path, token=token)
            assert status == 200, kind
        path = {
            "secret": f"/api/v1/namespaces/default/secrets/{name}-token",
            "serviceaccount": f"/api/v1/namespaces/default/serviceaccounts/{name}",
            "rolebinding": f"{rolebindings}/{name}",
        }[kind]
        admin(server, "DELETE", path)
        status, _, out = call(server, "GET", cm_path, token=token)
        if kind == "rolebinding":
            assert status == 403, kind
            assert out["message"] == (
                f'configmaps is forbidden: User "system:serviceaccount:default:{name}" cannot'
                ' list resource "configmaps" in API group "" in the namespace "default"'
            )
        else:
            assert (status, out) == (401, UNAUTHORIZED), kind
