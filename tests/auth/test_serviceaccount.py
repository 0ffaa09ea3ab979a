"""ServiceAccount JWTs: key id, token layout, and the verification table with kube's errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization

from auth.helpers import (
    ISSUER,
    DictLookup,
    bound_token,
    forge,
    legacy_token,
    obj,
    sa,
    token_secret,
)
from fakekapi.auth.serviceaccount import (
    ServiceAccountAuthenticator,
    SigningKey,
    b64url,
    build_verifier,
    key_id,
    split_username,
)
from fakekapi.auth.tokencache import TokenCache

KEY = SigningKey.generate()
OTHER_KEY = SigningKey.generate()


def _decode_part(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.fixture
def lookup() -> DictLookup:
    lk = DictLookup()
    lk.put("serviceaccounts", sa())
    return lk


def _auth(lookup: DictLookup, *, cache: bool = False, now: float | None = None) -> Any:
    clock = (lambda: now) if now is not None else time.time
    verifier = build_verifier(KEY, ISSUER, clock=clock)
    return ServiceAccountAuthenticator(verifier, lookup, TokenCache() if cache else None)


def test_key_id_is_sha256_of_the_pkix_der() -> None:
    der = KEY.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    assert key_id(KEY.public_key) == KEY.kid == expected


def test_legacy_token_layout() -> None:
    token = legacy_token(KEY, sa(), "demo-token")
    header, payload, _ = token.split(".")
    assert base64.urlsafe_b64decode(header + "==") == (
        b'{"alg":"RS256","kid":"' + KEY.kid.encode() + b'"}'
    )
    claims = _decode_part(payload)
    assert list(claims) == [
        "iss",
        "kubernetes.io/serviceaccount/namespace",
        "kubernetes.io/serviceaccount/secret.name",
        "kubernetes.io/serviceaccount/service-account.name",
        "kubernetes.io/serviceaccount/service-account.uid",
        "sub",
    ]
    assert claims["iss"] == "kubernetes/serviceaccount"
    assert claims["sub"] == "system:serviceaccount:default:demo"


def test_bound_token_layout_and_pyjwt_verifies_it() -> None:
    pod = obj("Pod", "web", "pod-uid")
    node = obj("Node", "node-1", "node-uid", namespace="")
    token = bound_token(KEY, sa(), pod=pod, node=node, warn_after=3607, issued_at=1000)
    claims = _decode_part(token.split(".")[1])
    assert list(claims) == ["aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub"]
    assert list(claims["kubernetes.io"]) == [
        "namespace",
        "node",
        "pod",
        "serviceaccount",
        "warnafter",
    ]
    assert claims["aud"] == [ISSUER]
    assert claims["iat"] == claims["nbf"] == 1000 and claims["exp"] == 4600
    assert claims["kubernetes.io"]["warnafter"] == 1000 + 3607
    jwk = pyjwt.PyJWK(KEY.jwk())
    fresh = bound_token(KEY, sa())
    decoded = pyjwt.decode(fresh, jwk.key, algorithms=["RS256"], audience=ISSUER, issuer=ISSUER)
    assert decoded["sub"] == "system:serviceaccount:default:demo"


def test_valid_legacy_token(lookup: DictLookup) -> None:
    token = legacy_token(KEY, sa(), "demo-token")
    lookup.put("secrets", token_secret("demo-token", token))
    res = _auth(lookup).authenticate_token(token)
    assert res.user is not None
    assert res.user.name == "system:serviceaccount:default:demo"
    assert res.user.uid == "sa-uid-1"
    assert res.user.groups == (
        "system:serviceaccounts",
        "system:serviceaccounts:default",
        "system:authenticated",
    )
    assert res.user.extra == {}


def test_valid_bound_token_extras(lookup: DictLookup) -> None:
    lookup.put("pods", obj("Pod", "web", "pod-uid"))
    token = bound_token(
        KEY, sa(), pod=obj("Pod", "web", "pod-uid"), node=obj("Node", "n1", "nu", "")
    )
    res = _auth(lookup).authenticate_token(token)
    assert res.user is not None, res.error
    jti = _decode_part(token.split(".")[1])["jti"]
    assert res.user.extra == {
        "authentication.kubernetes.io/credential-id": (f"JTI={jti}",),
        "authentication.kubernetes.io/node-name": ("n1",),
        "authentication.kubernetes.io/node-uid": ("nu",),
        "authentication.kubernetes.io/pod-name": ("web",),
        "authentication.kubernetes.io/pod-uid": ("pod-uid",),
    }


def _hs256_with_public_key() -> str:
    pub = KEY.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = json.loads(
        base64.urlsafe_b64decode(bound_token(KEY, sa()).split(".")[1] + "==").decode()
    )
    h = b64url(json.dumps({"alg": "HS256", "kid": KEY.kid}).encode())
    p = b64url(json.dumps(claims).encode())
    sig = hmac.new(pub, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64url(sig)}"


def _tampered() -> str:
    h, p, s = bound_token(KEY, sa()).split(".")
    claims = _decode_part(p)
    claims["sub"] = "system:serviceaccount:kube-system:admin"
    return f"{h}.{b64url(json.dumps(claims).encode())}.{s}"


def _none_alg() -> str:
    claims = _decode_part(bound_token(KEY, sa()).split(".")[1])
    return forge({"alg": "none"}, claims)


NOW = time.time()

REJECTIONS = [
    (
        "expired",
        lambda: bound_token(KEY, sa(), issued_at=int(NOW) - 7200, lifetime=3600),
        "service account token has expired",
    ),
    (
        "not yet valid",
        lambda: bound_token(KEY, sa(), issued_at=int(NOW) + 600),
        "service account token is not valid yet",
    ),
    (
        "wrong audience",
        lambda: bound_token(KEY, sa(), audiences=("vault",)),
        f'token audiences ["vault"] is invalid for the target audiences ["{ISSUER}"]',
    ),
    ("alg none", _none_alg, "go-jose/go-jose: unknown/unsupported algorithm"),
    ("hs256 with our public key", _hs256_with_public_key, "unknown/unsupported algorithm"),
    (
        "another RSA key",
        lambda: bound_token(OTHER_KEY, sa()),
        "invalid signature, no keys found",
    ),
    ("tampered payload", _tampered, "go-jose/go-jose: error in cryptographic primitive"),
]


@pytest.mark.parametrize(("case", "make", "error"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_rejections(lookup: DictLookup, case: str, make: Any, error: str) -> None:
    res = _auth(lookup, now=NOW).authenticate_token(make())
    assert res.user is None
    assert error in res.error


def test_another_key_with_our_kid_fails_the_signature(lookup: DictLookup) -> None:
    forged = SigningKey(OTHER_KEY.private_key, KEY.kid)
    res = _auth(lookup).authenticate_token(bound_token(forged, sa()))
    assert res.error == "go-jose/go-jose: error in cryptographic primitive"


def test_leeway_of_one_minute(lookup: DictLookup) -> None:
    token = bound_token(KEY, sa(), issued_at=int(NOW) - 3600 - 30, lifetime=3600)
    assert _auth(lookup, now=NOW).authenticate_token(token).user is not None


def test_other_issuers_are_not_mine(lookup: DictLookup) -> None:
    res = _auth(lookup).authenticate_token(bound_token(KEY, sa(), issuer="https://elsewhere"))
    assert not res.authenticated and not res.rejected
    for garbage in ("abc", "a.b.c", "{}.x.y", ""):
        res = _auth(lookup).authenticate_token(garbage)
        assert not res.authenticated and not res.rejected


def test_legacy_lookups(lookup: DictLookup) -> None:
    token = legacy_token(KEY, sa(), "demo-token")
    auth = _auth(lookup)
    assert auth.authenticate_token(token).error == "Token has been invalidated"
    lookup.put("secrets", token_secret("demo-token", "something else"))
    assert auth.authenticate_token(token).error == "Token does not match server's copy"
    lookup.put("secrets", token_secret("demo-token", token))
    lookup.put("serviceaccounts", sa(uid="sa-uid-2"))
    assert (
        auth.authenticate_token(token).error
        == "ServiceAccount UID (sa-uid-2) does not match claim (sa-uid-1)"
    )
    lookup.delete("serviceaccounts", "default", "demo")
    assert auth.authenticate_token(token).error == 'serviceaccounts "demo" not found'


def test_bound_lookups(lookup: DictLookup) -> None:
    pod = obj("Pod", "web", "pod-uid")
    token = bound_token(KEY, sa(), pod=pod)
    auth = _auth(lookup)
    assert auth.authenticate_token(token).error == "service account token has been invalidated"
    lookup.put("pods", obj("Pod", "web", "other"))
    assert (
        auth.authenticate_token(token).error
        == "pod UID (other) does not match service account pod ref claim (pod-uid)"
    )
    lookup.put("pods", pod)
    assert auth.authenticate_token(token).user is not None
    lookup.put("serviceaccounts", sa(uid="new"))
    assert (
        auth.authenticate_token(token).error
        == "service account UID (new) does not match claim (sa-uid-1)"
    )


def test_node_bound_token(lookup: DictLookup) -> None:
    node = obj("Node", "n1", "nu", namespace="")
    token = bound_token(KEY, sa(), node=node)
    auth = _auth(lookup)
    assert auth.authenticate_token(token).error == "service account token has been invalidated"
    lookup.put("nodes", node)
    res = auth.authenticate_token(token)
    assert res.user is not None
    assert res.user.extra["authentication.kubernetes.io/node-name"] == ("n1",)


def test_review_with_other_audiences(lookup: DictLookup) -> None:
    token = bound_token(KEY, sa(), audiences=("vault", ISSUER))
    res, auds = _auth(lookup).review(token, ["vault"])
    assert res.user is not None and auds == ("vault",)


def test_split_username() -> None:
    assert split_username("system:serviceaccount:ns:sa") == ("ns", "sa")
    assert split_username("system:serviceaccount:ns") == ("", "")
    assert split_username("system:serviceaccount:Bad:sa") == ("", "")
    assert split_username("jane") == ("", "")
