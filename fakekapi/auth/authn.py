"""Authentication: who made this request?

Modelled on k8s.io/apiserver `pkg/authentication/authenticator/interfaces.go` and
`request/union/union.go`. Every authenticator answers one of three things, and the difference
matters to clients:

* a user (the credential is valid),
* "not mine" (no credential of this kind was presented: let the next authenticator look),
* rejected (a credential of this kind was presented and is invalid: the request is 401, and must
  never quietly become anonymous).

Pure values in, pure values out: the server turns its aiohttp request into an `AuthRequest` (the
headers plus the TLS layer's verdict on the client certificate), so nothing here knows HTTP.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

from fakekapi.core.user import ALL_AUTHENTICATED, ANONYMOUS, UserInfo

CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"
"""The user extra key kube-apiserver 1.33 fills with `X509SHA256=<hex>` for client certificates."""

Subject = tuple[tuple[str, str], ...]
"""A certificate subject's attributes in order, as (name, value) pairs named the way Python's
`ssl` module names them (OpenSSL's long names: `commonName`, `organizationName`, `userId`)."""

_COMMON_NAME, _ORGANIZATION, _USER_ID = "commonName", "organizationName", "userId"
"""The subject attributes kube reads a certificate user's name, groups and uid from (CN, O and
UID, 0.9.2342.19200300.100.1.1)."""

INVALID_BEARER_TOKEN = "invalid bearer token"
EXTRA_SPACE_WARNING = (
    "the provided Authorization header contains extra space before the bearer token, and is ignored"
)


class AuthRequest(NamedTuple):
    """What an authenticator may look at (a tuple: one is made for every request)."""

    headers: Mapping[str, str]
    """Request headers; look-ups must be case-insensitive (the server passes a CIMultiDict)."""
    peer_cert_der: bytes | None = None
    """The client's leaf certificate (DER) if it presented one."""
    peer_chain_verified: bool = False
    """True when the TLS layer verified the client certificate against the cluster CA."""
    peer_subject: Subject | None = None
    """The certificate's subject as the TLS layer decoded it (None: decode `peer_cert_der`)."""


class AuthResult(NamedTuple):
    """One authenticator's answer. Use the constructors: `ok`, `NOT_MINE`, `reject`."""

    user: UserInfo | None = None
    """The authenticated user (set only for a valid credential)."""
    error: str = ""
    """Why a presented credential was refused (set only for a rejection); goes to the log only."""
    method: str = ""
    """Which authenticator decided: `x509`, `token`, `anonymous` ... (for the log)."""
    warnings: tuple[str, ...] = ()
    """Warnings for the client (`Warning: 299 - "..."` headers), even when not decisive."""

    @property
    def authenticated(self) -> bool:
        return self.user is not None

    @property
    def rejected(self) -> bool:
        return bool(self.error)

    @classmethod
    def ok(cls, user: UserInfo, method: str) -> AuthResult:
        return cls(user=user, method=method)

    @classmethod
    def reject(cls, error: str, method: str) -> AuthResult:
        return cls(error=error, method=method)


NOT_MINE = AuthResult()
"""The authenticator found no credential of its kind."""


class Authenticator(Protocol):
    """Answers user / not mine / rejected for a request."""

    def authenticate(self, req: AuthRequest) -> AuthResult: ...


class TokenAuthenticator(Protocol):
    """Checks one bearer token string (static token file, ServiceAccount JWTs, ...)."""

    def authenticate_token(self, token: str) -> AuthResult: ...


class X509Authenticator:
    """Client certificates, already verified against the cluster CA by the TLS layer.

    Username = subject CN, groups = subject O values then `system:authenticated`, uid = the subject
    UID attribute when present, extra credential-id = `X509SHA256=<sha256 of the DER>` (1.33's
    `CommonNameUserConversion`). A certificate the TLS layer did not verify, or one without a CN, is
    refused rather than ignored: the client did present a credential.
    """

    method = "x509"

    def __init__(self, cache_size: int = 1024) -> None:
        self.cache_size = cache_size
        self._cache: dict[bytes, AuthResult] = {}
        """Answers by certificate DER: the answer depends on the DER alone, and parsing the
        subject with `cryptography` costs more than the rest of a GET's authentication."""

    def authenticate(self, req: AuthRequest) -> AuthResult:
        der = req.peer_cert_der
        if not der:
            return NOT_MINE
        if not req.peer_chain_verified:
            return AuthResult.reject(
                "verifying certificate: x509: certificate signed by unknown authority", self.method
            )
        res = self._cache.get(der)
        if res is None:
            res = self._login(der, req.peer_subject)
            if len(self._cache) >= self.cache_size:
                del self._cache[next(iter(self._cache))]  # the oldest entry
            self._cache[der] = res
        return res

    def _login(self, der: bytes, subject: Subject | None) -> AuthResult:
        if subject is None:
            try:
                subject = subject_of(der)
            except ValueError as e:
                return AuthResult.reject(f"parsing certificate: {e}", self.method)
        name = next((v for k, v in subject if k == _COMMON_NAME), "")
        if not name:
            return AuthResult.reject("common name of client certificate is empty", self.method)
        groups = [v for k, v in subject if k == _ORGANIZATION]
        uid = next((v for k, v in subject if k == _USER_ID), "")
        fingerprint = hashlib.sha256(der).hexdigest()
        user = UserInfo(
            name=name,
            uid=uid,
            groups=(*groups, ALL_AUTHENTICATED),
            extra={CREDENTIAL_ID_KEY: (f"X509SHA256={fingerprint}",)},
        )
        return AuthResult.ok(user, self.method)


def subject_of(der: bytes) -> Subject:
    """The subject of a DER certificate the TLS layer did not decode (a caller without a TLS
    connection); raises ValueError. The server's requests carry `ssl`'s decoding instead:
    `cryptography.x509` costs ~45 ms and ~14 MiB of RSS to import, so it is loaded only here.
    The attributes kube reads get `ssl`'s names; any other keeps its dotted OID."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    names = {
        NameOID.COMMON_NAME: _COMMON_NAME,
        NameOID.ORGANIZATION_NAME: _ORGANIZATION,
        NameOID.USER_ID: _USER_ID,
    }
    cert = x509.load_der_x509_certificate(der)
    return tuple((names.get(a.oid, a.oid.dotted_string), str(a.value)) for a in cert.subject)


class BearerTokenAuthenticator:
    """The `Authorization: Bearer <token>` header, checked by a list of token authenticators.

    Header parsing follows apiserver `authentication/request/bearertoken`: trimmed, split on single
    spaces, scheme case-insensitive; an empty token (e.g. a double space, which adds a warning) or
    another scheme is no bearer credential at all. A token no token authenticator accepts is
    rejected (`invalid bearer token`), so a typo in a token is a 401, never anonymous access.
    """

    method = "token"

    def __init__(self, token_authenticators: Sequence[TokenAuthenticator] = ()) -> None:
        self.token_authenticators = list(token_authenticators)

    def authenticate(self, req: AuthRequest) -> AuthResult:
        header = (req.headers.get("Authorization") or "").strip()
        if not header:
            return NOT_MINE
        parts = header.split(" ")
        if len(parts) < 2 or parts[0].lower() != "bearer":
            return NOT_MINE
        token = parts[1]
        if not token:
            if len(parts) > 2:
                return AuthResult(warnings=(EXTRA_SPACE_WARNING,))
            return NOT_MINE
        errors: list[str] = []
        for ta in self.token_authenticators:
            res = ta.authenticate_token(token)
            if res.authenticated:
                return res
            if res.rejected:
                errors.append(res.error)
        return AuthResult.reject(_aggregate(errors) or INVALID_BEARER_TOKEN, self.method)


class AnonymousAuthenticator:
    """Everyone without a credential: `system:anonymous` in `system:unauthenticated`."""

    method = "anonymous"

    def authenticate(self, req: AuthRequest) -> AuthResult:
        return AuthResult.ok(ANONYMOUS, self.method)


class Union:
    """Try authenticators in order (union.go).

    The first user wins. Rejections are remembered and the next authenticator still gets its turn
    (a bad token must not hide a good client certificate); if nobody accepted the request, any
    rejection makes the whole answer a rejection. With `fail_on_error`, a rejection stops the
    chain at once: that is how kube-apiserver puts anonymous behind the real authenticators.
    """

    def __init__(self, *authenticators: Authenticator, fail_on_error: bool = False) -> None:
        self.authenticators = authenticators
        self.fail_on_error = fail_on_error

    def authenticate(self, req: AuthRequest) -> AuthResult:
        errors: list[str] = []
        methods: list[str] = []
        warnings: list[str] | None = None  # made at the first warning: most requests have none
        for a in self.authenticators:
            res = a.authenticate(req)
            if res.warnings:
                if warnings is None:
                    warnings = []
                warnings.extend(res.warnings)
            if res.user is not None:
                if warnings is None and not res.error:
                    return res  # the same answer; results are immutable
                return AuthResult(res.user, "", res.method, tuple(warnings or ()))
            if res.error:
                errors.append(res.error)
                methods.append(res.method)
                if self.fail_on_error:
                    break
        if errors:
            return AuthResult(None, _aggregate(errors), ",".join(methods), tuple(warnings or ()))
        return AuthResult(warnings=tuple(warnings or ()))


def union(*authenticators: Authenticator) -> Union:
    """`union.New`: in order, errors collected."""
    return Union(*authenticators)


def with_anonymous(primary: Authenticator) -> Union:
    """`union.NewFailOnError(primary, anonymous)`: anonymous only without any credential."""
    return Union(primary, AnonymousAuthenticator(), fail_on_error=True)


def default_authenticator(
    *,
    anonymous: bool = True,
    token_authenticators: Sequence[TokenAuthenticator] = (),
) -> Authenticator:
    """The chain `fakekapi serve` uses: client certificates, bearer tokens, then anonymous."""
    primary = union(X509Authenticator(), BearerTokenAuthenticator(token_authenticators))
    return with_anonymous(primary) if anonymous else primary


def _aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate's text: one error bare, several as `[a, b]`."""
    if not errors:
        return ""
    if len(errors) == 1:
        return errors[0]
    return "[" + ", ".join(errors) + "]"


__all__ = [
    "CREDENTIAL_ID_KEY",
    "NOT_MINE",
    "AnonymousAuthenticator",
    "AuthRequest",
    "AuthResult",
    "Authenticator",
    "BearerTokenAuthenticator",
    "TokenAuthenticator",
    "Union",
    "X509Authenticator",
    "default_authenticator",
    "union",
    "with_anonymous",
]
