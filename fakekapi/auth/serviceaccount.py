"""ServiceAccount JWTs: the signing key, signing, and verification as kube-apiserver verifies.

Two kinds of token share one RS256 key pair (`pki/sa.key`, `pki/sa.pub`), as on a kubeadm
cluster where `--service-account-private-key-file` and `--service-account-signing-key-file` are
the same file:

* legacy tokens (issuer `kubernetes/serviceaccount`, no `aud`/`exp`), written into Secrets of type
  `kubernetes.io/service-account-token` by the token controller;
* bound tokens (issuer `--service-account-issuer`, with `aud`, `exp`, `nbf`, `iat`, `jti` and the
  `kubernetes.io` private claim), returned by TokenRequest.

Verification follows kubernetes `pkg/serviceaccount/jwt.go` step by step, because the order is
what decides the error a TokenReview (and the server log) reports: unverified issuer check (not
ours → "not mine"), key chosen by `kid`, signature (RS256 only), issuer re-check, audience
intersection, then the claim checks and the object look-ups of `claims.go` / `legacy.go`.

The expensive part (RSA) and the pure claim checks are split from the look-ups so that the token
cache can keep the first and redo only the second when a ServiceAccount, Secret, Pod or Node
changes. Look-ups go to a synchronous `ObjectLookup` (the store's in-memory index): the
authenticator runs inside the request pipeline without awaiting anything.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from fakekapi.auth.authn import NOT_MINE, AuthResult
from fakekapi.core import gojson
from fakekapi.core.errors import go_quote, go_quote_list
from fakekapi.core.objects import meta_of
from fakekapi.core.user import ALL_AUTHENTICATED, UserInfo

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

# cryptography is imported where a key is parsed, made or used: a warm start only reads the key
# file, and its first signature or verification loads it (the import maps ~9 MiB of the
# library into the process, most of the idle server's difference from a bare aiohttp app).

LEGACY_ISSUER = "kubernetes/serviceaccount"
"""The `iss` of Secret-based tokens (kube's `LegacyIssuer`)."""
LEEWAY = 60
"""go-jose's `jwt.DefaultLeeway`: exp/nbf/iat are checked with one minute of tolerance."""

SA_PREFIX = "system:serviceaccount:"
SA_GROUP = "system:serviceaccounts"

CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"
POD_NAME_KEY = "authentication.kubernetes.io/pod-name"
POD_UID_KEY = "authentication.kubernetes.io/pod-uid"
NODE_NAME_KEY = "authentication.kubernetes.io/node-name"
NODE_UID_KEY = "authentication.kubernetes.io/node-uid"

LEGACY_NAMESPACE = "kubernetes.io/serviceaccount/namespace"
LEGACY_SECRET_NAME = "kubernetes.io/serviceaccount/secret.name"
LEGACY_SA_NAME = "kubernetes.io/serviceaccount/service-account.name"
LEGACY_SA_UID = "kubernetes.io/serviceaccount/service-account.uid"

TOKEN_KEY = "token"
"""`data.token` of a token Secret."""
INVALID_SINCE_LABEL = "kubernetes.io/legacy-token-invalid-since"

ERR_CRYPTO = "go-jose/go-jose: error in cryptographic primitive"
ERR_ALG = "go-jose/go-jose: unknown/unsupported algorithm"
ERR_INVALIDATED = "service account token has been invalidated"

METHOD = "serviceaccount"
"""The authenticator name in the request log."""


# -- keys --------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    """base64url without padding (JOSE's encoding)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The strict inverse of `b64url` (Go's RawURLEncoding refuses padding and other alphabets)."""
    if "=" in text or "+" in text or "/" in text:
        raise ValueError("illegal base64 data")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """kube's `keyIDFromPublicKey`: base64url(SHA-256(PKIX DER of the public key))."""
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b64url(hashlib.sha256(der).digest())


def _load_private_key(pem: bytes, validate: bool) -> rsa.RSAPrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = serialization.load_pem_private_key(
        pem, password=None, unsafe_skip_rsa_key_validation=not validate
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the ServiceAccount signing key must be an RSA key")
    return key


def go_json(obj: Any) -> bytes:
    """JSON as Go's encoding/json writes maps: sorted keys, compact, `<>&` escaped."""
    return gojson.marshal(obj, sort_keys=True).encode("utf-8")


class SigningKey:
    """The ServiceAccount key pair with its key ID; signs tokens (satisfies the registry's
    `TokenSigner`) and publishes itself as a JWK. A key read with `from_file` is parsed on its
    first use (its key ID too), so a start that signs and verifies nothing imports no
    cryptography."""

    __slots__ = ("_key", "_kid", "_pem", "_validate")

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey | None,
        kid: str | None = None,
        *,
        pem: bytes = b"",
        validate: bool = True,
    ) -> None:
        """`private_key` and its `kid` (None: computed), or no key and its `pem` to parse when
        first needed."""
        self._key = private_key
        self._kid = kid
        self._pem = pem
        self._validate = validate

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        if self._key is None:
            self._key = _load_private_key(self._pem, self._validate)
            self._pem = b""
        return self._key

    @property
    def kid(self) -> str:
        if self._kid is None:
            self._kid = key_id(self.public_key)
        return self._kid

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    @classmethod
    def from_pem(cls, pem: bytes, *, validate: bool = True) -> SigningKey:
        """`validate=False` skips RSA's consistency checks (~50 ms): only for a key we made."""
        key = _load_private_key(pem, validate)
        return cls(key, key_id(key.public_key()))

    @classmethod
    def from_file(cls, path: Path, *, validate: bool = False) -> SigningKey:
        """The data dir's key (`pki/sa.key`): generated by the PKI and stored 0600, so it is
        not re-validated on every start unless asked. Read now, parsed on first use (a key
        that does not parse fails its first signature or verification, not the start)."""
        return cls(None, pem=path.read_bytes(), validate=validate)

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh 2048-bit key (tests)."""
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(key, key_id(key.public_key()))

    def sign(self, claims: Mapping[str, Any]) -> str:
        """A compact JWS: header exactly `{"alg":"RS256","kid":"..."}`, claims with sorted keys."""
        header = b64url(go_json({"alg": "RS256", "kid": self.kid}))
        payload = b64url(go_json(dict(claims)))
        signing_input = f"{header}.{payload}".encode("ascii")
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        sig = self.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{b64url(sig)}"

    def jwk(self) -> dict[str, str]:
        """The public key as /openid/v1/jwks lists it (field order as kube's output)."""
        numbers = self.public_key.public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": b64url(n),
            "e": b64url(e),
        }


# -- look-ups ----------------------------------------------------------------------------------


class ObjectLookup(Protocol):
    """Synchronous reads of the current objects: (object, revision) or None.

    `resource` is a core/v1 plural: serviceaccounts, secrets, pods or nodes (namespace "").
    """

    def get(
        self, resource: str, namespace: str, name: str
    ) -> tuple[dict[str, Any], int] | None: ...


class StoreLookup:
    """`ObjectLookup` over a Store's synchronous `get` (its in-memory index, no I/O)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def get(self, resource: str, namespace: str, name: str) -> tuple[dict[str, Any], int] | None:
        found = self.store.get(_key(resource, namespace, name))
        if found is None:
            return None
        obj, rev = found
        return obj, int(rev)

    def revision_of(self, resource: str, namespace: str, name: str) -> int | None:
        """Only the revision (the store decodes nothing): what a cached token's check needs."""
        rev = self.store.revision_of(_key(resource, namespace, name))
        return int(rev) if rev is not None else None

    def current_revision(self) -> int:
        """The store's revision: while it stays, no object in the store changed."""
        return int(self.store.revision)


def _key(resource: str, namespace: str, name: str) -> str:
    return f"/core/{resource}/{namespace}/{name}" if namespace else f"/core/{resource}/{name}"


Dependency = tuple[str, str, str, int]
"""(resource, namespace, name, revision) of an object a token's validity depends on (-1: absent)."""


# -- verification ------------------------------------------------------------------------------


class TokenError(Exception):
    """A token of ours that is invalid; the message is kube's (TokenReview `status.error`)."""


class VerifiedToken(NamedTuple):
    """A token whose signature, issuer, audience and time claims passed: what may be cached."""

    legacy: bool
    claims: dict[str, Any]
    audiences: tuple[str, ...]
    """The token audiences that intersect the requested ones (TokenReview `status.audiences`)."""
    expiry: float | None
    """`exp` (seconds since the epoch) or None for legacy tokens."""
    not_before: float | None = None


class Identity(NamedTuple):
    """The outcome of the look-ups: the user and the object revisions it was derived from."""

    user: UserInfo
    dependencies: tuple[Dependency, ...]
    secret_ref: tuple[str, str] | None = None
    """For legacy tokens: the Secret (namespace, name), to record its last use."""


@dataclass
class Verifier:
    """Stateless checks of one token against the configured issuers, keys and audiences."""

    keys: Sequence[rsa.RSAPublicKey]
    issuers: Sequence[str]
    """The bound-token issuers (`--service-account-issuer`; the first one signs)."""
    api_audiences: Sequence[str]
    clock: Callable[[], float] = time.time
    key_source: Callable[[], Sequence[rsa.RSAPublicKey]] | None = None
    """Where `keys` come from when the first token of ours is verified (the signing key's
    public half: parsing it waits until then); None: `keys` as given."""
    _by_kid: dict[str, list[rsa.RSAPublicKey]] | None = field(init=False, repr=False, default=None)

    def _keys_by_kid(self) -> dict[str, list[rsa.RSAPublicKey]]:
        if self._by_kid is None:
            if self.key_source is not None:
                self.keys = list(self.key_source())
            by_kid: dict[str, list[rsa.RSAPublicKey]] = {}
            for k in self.keys:
                by_kid.setdefault(key_id(k), []).append(k)
            self._by_kid = by_kid
        return self._by_kid

    def owns(self, token: str) -> tuple[bool, dict[str, Any] | None]:
        """`hasCorrectIssuer` + `ParseSigned`: is this a compact JWS with one of our issuers?"""
        if token.strip().startswith("{"):
            return False, None
        parts = token.split(".")
        if len(parts) != 3:
            return False, None
        try:
            payload = json.loads(b64url_decode(parts[1]))
            header = json.loads(b64url_decode(parts[0]))
            b64url_decode(parts[2])
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return False, None
        if not isinstance(payload, dict) or not isinstance(header, dict):
            return False, None
        iss = payload.get("iss")
        if not isinstance(iss, str) or (iss != LEGACY_ISSUER and iss not in self.issuers):
            return False, None
        return True, header

    def verify(self, token: str, audiences: Sequence[str] | None = None) -> VerifiedToken | None:
        """None when the token is not ours; raises TokenError when it is ours but invalid."""
        mine, header = self.owns(token)
        if not mine or header is None:
            return None
        kid = header.get("kid")
        kid = kid if isinstance(kid, str) else ""
        by_kid = self._keys_by_kid()
        candidates = by_kid.get(kid, []) if kid else list(self.keys)
        if not candidates:
            raise TokenError("invalid signature, no keys found")
        h, p, s = token.split(".")
        alg = header.get("alg")
        signing_input = f"{h}.{p}".encode("ascii")
        signature = b64url_decode(s)
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        errors: list[str] = []
        for key in candidates:
            if alg != "RS256":
                errors.append(ERR_ALG)
                continue
            try:
                key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                errors.append(ERR_CRYPTO)
                continue
            break
        else:
            raise TokenError(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
        claims: dict[str, Any] = json.loads(b64url_decode(p))
        iss = claims.get("iss")
        legacy = iss == LEGACY_ISSUER
        if not legacy and iss not in self.issuers:
            raise TokenError(f"token issuer {go_q(str(iss))} is invalid")
        aud = claims.get("aud")
        token_auds = [aud] if isinstance(aud, str) else [a for a in aud or [] if isinstance(a, str)]
        if not token_auds:
            token_auds = list(self.api_audiences)
        requested = list(audiences) if audiences else list(self.api_audiences)
        matched = tuple(a for a in token_auds if a in requested)
        if not matched and self.api_audiences:
            raise TokenError(
                f"token audiences {go_list(token_auds)} is invalid for the target audiences "
                f"{go_list(requested)}"
            )
        if legacy:
            _check_legacy_claims(claims)
            return VerifiedToken(True, claims, matched, None)
        exp, nbf = _check_times(claims, self.clock())
        return VerifiedToken(False, claims, matched, exp, nbf)


go_q = go_quote
go_list = go_quote_list


def _numeric(claims: Mapping[str, Any], name: str) -> float | None:
    v = claims.get(name)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TokenError(
            "service account token claims could not be validated due to unexpected validation error"
        )
    return float(v)


def _check_times(claims: Mapping[str, Any], now: float) -> tuple[float | None, float | None]:
    """go-jose `Claims.ValidateWithLeeway` with the default minute, mapped to kube's texts."""
    exp = _numeric(claims, "exp")
    nbf = _numeric(claims, "nbf")
    iat = _numeric(claims, "iat")
    if nbf is not None and now + LEEWAY < nbf:
        raise TokenError("service account token is not valid yet")
    if exp is not None and now - LEEWAY > exp:
        raise TokenError("service account token has expired")
    if iat is not None and now + LEEWAY < iat:
        raise TokenError("service account token is issued in the future")
    return exp, nbf


def _check_legacy_claims(claims: Mapping[str, Any]) -> None:
    """legacy.go's claim checks (before any look-up)."""
    for key, what in (
        (LEGACY_NAMESPACE, "namespace"),
        (LEGACY_SECRET_NAME, "secretName"),
        (LEGACY_SA_NAME, "serviceAccountName"),
        (LEGACY_SA_UID, "serviceAccountUID"),
    ):
        if not claims.get(key):
            raise TokenError(f"{what} claim is missing")
    ns, name = split_username(str(claims.get("sub") or ""))
    if ns != claims[LEGACY_NAMESPACE] or name != claims[LEGACY_SA_NAME]:
        raise TokenError("sub claim is invalid")


def split_username(username: str) -> tuple[str, str]:
    """`serviceaccount.SplitUsername`: ("", "") unless `system:serviceaccount:<ns>:<name>`."""
    if not username.startswith(SA_PREFIX):
        return "", ""
    parts = username[len(SA_PREFIX) :].split(":")
    if len(parts) != 2 or not _dns_label(parts[0]) or not _dns_subdomain(parts[1]):
        return "", ""
    return parts[0], parts[1]


def _dns_label(s: str) -> bool:
    import re

    return len(s) <= 63 and re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", s) is not None


def _dns_subdomain(s: str) -> bool:
    import re

    pattern = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    return len(s) <= 253 and re.fullmatch(pattern, s) is not None


def sa_groups(namespace: str) -> tuple[str, ...]:
    """`MakeGroupNames`: the two ServiceAccount groups (system:authenticated is added later)."""
    return (SA_GROUP, f"{SA_GROUP}:{namespace}")


def _deleted_before(obj: Mapping[str, Any], cutoff: float | None) -> bool:
    """Has a deletionTimestamp (before `cutoff`, when given: claims.go's leeway)."""
    ts = meta_of(obj).get("deletionTimestamp")
    if not ts:
        return False
    if cutoff is None:
        return True
    from datetime import datetime

    try:
        when = datetime.fromisoformat(str(ts).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return True
    return when < cutoff


def resolve_identity(
    verified: VerifiedToken, token: str, lookup: ObjectLookup, now: float
) -> Identity:
    """The look-ups of legacy.go / claims.go; raises TokenError with kube's texts."""
    if verified.legacy:
        return _legacy_identity(verified.claims, token, lookup)
    return _bound_identity(verified.claims, lookup, now)


def _legacy_identity(claims: Mapping[str, Any], token: str, lookup: ObjectLookup) -> Identity:
    ns = str(claims[LEGACY_NAMESPACE])
    secret_name = str(claims[LEGACY_SECRET_NAME])
    sa_name = str(claims[LEGACY_SA_NAME])
    sa_uid = str(claims[LEGACY_SA_UID])
    deps: list[Dependency] = []
    found = lookup.get("secrets", ns, secret_name)
    deps.append(("secrets", ns, secret_name, found[1] if found else -1))
    if found is None or _deleted_before(found[0], None):
        raise TokenError("Token has been invalidated")
    secret = found[0]
    data = secret.get("data") or {}
    try:
        stored = base64.b64decode(str(data.get(TOKEN_KEY) or ""), validate=True)
    except (ValueError, binascii.Error):
        stored = b""
    if stored != token.encode("utf-8"):
        raise TokenError("Token does not match server's copy")
    sa_found = lookup.get("serviceaccounts", ns, sa_name)
    deps.append(("serviceaccounts", ns, sa_name, sa_found[1] if sa_found else -1))
    if sa_found is None:
        raise TokenError(f'serviceaccounts "{sa_name}" not found')
    sa = sa_found[0]
    if _deleted_before(sa, None):
        raise TokenError(f"ServiceAccount {ns}/{sa_name} has been deleted")
    actual_uid = str(meta_of(sa).get("uid") or "")
    if actual_uid != sa_uid:
        raise TokenError(f"ServiceAccount UID ({actual_uid}) does not match claim ({sa_uid})")
    labels = meta_of(secret).get("labels") or {}
    if labels.get(INVALID_SINCE_LABEL):
        raise TokenError(
            f"the token in secret {ns}/{secret_name} for service account {ns}/{sa_name} has been "
            "marked invalid. Use tokens from the TokenRequest API or manually created "
            "secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label "
            "from the secret to temporarily allow use of this token"
        )
    user = UserInfo(
        name=f"{SA_PREFIX}{ns}:{sa_name}",
        uid=sa_uid,
        groups=(*sa_groups(ns), ALL_AUTHENTICATED),
    )
    return Identity(user, tuple(deps), (ns, secret_name))


def _ref(obj: Any) -> tuple[str, str] | None:
    if not isinstance(obj, dict):
        return None
    return str(obj.get("name") or ""), str(obj.get("uid") or "")


def _bound_identity(claims: Mapping[str, Any], lookup: ObjectLookup, now: float) -> Identity:
    k8s = claims.get("kubernetes.io")
    if not isinstance(k8s, dict):
        k8s = {}
    ns = str(k8s.get("namespace") or "")
    sa_ref = _ref(k8s.get("serviceaccount")) or ("", "")
    pod_ref = _ref(k8s.get("pod"))
    secret_ref = _ref(k8s.get("secret"))
    node_ref = _ref(k8s.get("node"))
    cutoff = now - LEEWAY
    deps: list[Dependency] = []

    def get(resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        found = lookup.get(resource, namespace, name)
        deps.append((resource, namespace, name, found[1] if found else -1))
        return found[0] if found else None

    sa = get("serviceaccounts", ns, sa_ref[0])
    if sa is None:
        raise TokenError(f'serviceaccounts "{sa_ref[0]}" not found')
    if _deleted_before(sa, cutoff):
        raise TokenError(f"service account {ns}/{sa_ref[0]} has been deleted")
    sa_uid = str(meta_of(sa).get("uid") or "")
    if sa_uid != sa_ref[1]:
        raise TokenError(f"service account UID ({sa_uid}) does not match claim ({sa_ref[1]})")

    def check_bound(kind: str, resource: str, namespace: str, ref: tuple[str, str]) -> None:
        """The object the token is bound to still exists (not deleted before the leeway) with
        the claimed UID; the same three checks for a secret, a pod and a node."""
        obj = get(resource, namespace, ref[0])
        if obj is None or _deleted_before(obj, cutoff):
            raise TokenError(ERR_INVALIDATED)
        uid = str(meta_of(obj).get("uid") or "")
        if uid != ref[1]:
            raise TokenError(
                f"{kind} UID ({uid}) does not match service account {kind} ref claim ({ref[1]})"
            )

    if secret_ref is not None:
        check_bound("secret", "secrets", ns, secret_ref)
    if pod_ref is not None:
        check_bound("pod", "pods", ns, pod_ref)
    if node_ref is not None and pod_ref is None:
        check_bound("node", "nodes", "", node_ref)
    extra: dict[str, tuple[str, ...]] = {}
    jti = claims.get("jti")
    if isinstance(jti, str) and jti:
        extra[CREDENTIAL_ID_KEY] = (f"JTI={jti}",)
    if node_ref is not None:
        if node_ref[0]:
            extra[NODE_NAME_KEY] = (node_ref[0],)
        if node_ref[1]:
            extra[NODE_UID_KEY] = (node_ref[1],)
    if pod_ref is not None:
        extra[POD_NAME_KEY] = (pod_ref[0],)
        extra[POD_UID_KEY] = (pod_ref[1],)
    user = UserInfo(
        name=f"{SA_PREFIX}{ns}:{sa_ref[0]}",
        uid=sa_ref[1],
        groups=(*sa_groups(ns), ALL_AUTHENTICATED),
        extra=dict(sorted(extra.items())),
    )
    return Identity(user, tuple(deps))


class ServiceAccountAuthenticator:
    """The ServiceAccount token authenticator (both issuers), with an optional token cache.

    `authenticate_token` is what the bearer-token authenticator calls (the API audiences);
    `review` is TokenReview's entry point (audiences from the request).
    """

    method = METHOD

    def __init__(
        self,
        verifier: Verifier,
        lookup: ObjectLookup,
        cache: Any | None = None,
        on_legacy_use: Callable[[str, str], bool | None] | None = None,
    ) -> None:
        self.verifier = verifier
        self.lookup = lookup
        self.cache = cache
        self.on_legacy_use = on_legacy_use
        """Called with a legacy token's Secret (namespace, name) on each successful use; True
        when nothing is left to do for it today (the last-used label says today), which the
        cache then remembers until the day or the identity changes."""

    def authenticate_token(self, token: str) -> AuthResult:
        res, _ = self.review(token)
        return res

    def review(
        self, token: str, audiences: Sequence[str] | None = None
    ) -> tuple[AuthResult, tuple[str, ...]]:
        """(result, matched audiences); result is NOT_MINE for tokens of other issuers."""
        auds = tuple(audiences or ())
        now = self.verifier.clock()
        if self.cache is not None:
            entry = self.cache.get(token, auds, now, self.lookup)
            if entry is not None:
                result = entry.result
                if result is None:
                    result = entry.result = AuthResult.ok(entry.identity.user, self.method)
                if entry.identity.secret_ref is not None:
                    day = int(now // 86400)
                    if entry.used_day != day and self._used(entry.identity):
                        entry.used_day = day
                return result, entry.verified.audiences
        try:
            verified = self.verifier.verify(token, auds or None)
            if verified is None:
                return NOT_MINE, ()
            identity = resolve_identity(verified, token, self.lookup, now)
        except TokenError as e:
            return AuthResult.reject(str(e), self.method), ()
        if self.cache is not None:
            self.cache.put(token, auds, verified, identity)
        self._used(identity)
        return AuthResult.ok(identity.user, self.method), verified.audiences

    def _used(self, identity: Identity) -> bool:
        """Report a legacy token's use; True when nothing is left to do for it today."""
        if identity.secret_ref is not None and self.on_legacy_use is not None:
            return bool(self.on_legacy_use(*identity.secret_ref))
        return False


def build_verifier(
    key: SigningKey | rsa.RSAPublicKey,
    issuer: str,
    api_audiences: Sequence[str] = (),
    *,
    clock: Callable[[], float] = time.time,
) -> Verifier:
    """A Verifier for our key, one issuer and the API audiences (default: the issuer)."""
    audiences = list(api_audiences) or [issuer]
    if isinstance(key, SigningKey):
        signing_key = key
        return Verifier([], [issuer], audiences, clock, key_source=lambda: [signing_key.public_key])
    return Verifier([key], [issuer], audiences, clock)


__all__ = [
    "LEGACY_ISSUER",
    "Identity",
    "ObjectLookup",
    "ServiceAccountAuthenticator",
    "SigningKey",
    "StoreLookup",
    "TokenError",
    "VerifiedToken",
    "Verifier",
    "b64url",
    "build_verifier",
    "go_json",
    "key_id",
    "resolve_identity",
    "split_username",
]
