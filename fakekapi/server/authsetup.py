"""The authentication pieces of one server, and the access the registry's resources get.

`AuthSetup` gathers what the pipeline, the OIDC endpoints and the registry's authentication
resources share: the signing key, the token configuration, the token authenticators and the audit
log; `setup_auth` builds it from Settings and the data dir's keys. `ServerAccess` is the
registry's `Access` port (fakekapi.registry.generic.access) over it and the server's authorizer:
TokenReview, the access reviews, SelfSubjectRulesReview and serviceaccounts/token are the
registry's resources, handled like every other through the resource handler, and reach the
authenticators and the authorizer that guard real requests only through that port.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from fakekapi.auth.audit import AuditLog, AuditRecord
from fakekapi.auth.authn import AuthResult, TokenAuthenticator
from fakekapi.auth.authz import Decision
from fakekapi.auth.modes import ExplainingAuthorizer
from fakekapi.auth.serviceaccount import (
    ServiceAccountAuthenticator,
    SigningKey,
    StoreLookup,
    build_verifier,
)
from fakekapi.auth.tokencache import TokenCache
from fakekapi.auth.tokenfile import StaticTokenAuthenticator, load_token_file
from fakekapi.core.errors import internal
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.access import AccessDecision, RulesLike, TokenConfig
from fakekapi.server.settings import Settings
from fakekapi.server.state import RequestState

INVALID_BEARER_TOKEN = "invalid bearer token"


@dataclass
class AuthSetup:
    """The authentication pieces of one server."""

    signing_key: SigningKey
    token_config: TokenConfig
    api_audiences: tuple[str, ...]
    serviceaccounts: ServiceAccountAuthenticator
    static_tokens: StaticTokenAuthenticator | None = None
    audit: AuditLog | None = None
    legacy_use: Callable[[str, str], bool] | None = None
    """Where uses of legacy tokens are reported (the token controller's `record_use`: True when
    the Secret's last-used label says today already)."""
    extra_token_authenticators: list[TokenAuthenticator] = field(default_factory=list)

    @property
    def token_authenticators(self) -> list[TokenAuthenticator]:
        """In kube's order: the token file first, then ServiceAccount tokens."""
        out: list[TokenAuthenticator] = []
        if self.static_tokens is not None:
            out.append(self.static_tokens)
        out.append(self.serviceaccounts)
        out.extend(self.extra_token_authenticators)
        return out

    def _report_legacy_use(self, namespace: str, name: str) -> bool:
        """Whether nothing is left to do today (never without a controller to report to: one
        may be attached later)."""
        return self.legacy_use is not None and self.legacy_use(namespace, name)

    def review(self, token: str, audiences: Sequence[str]) -> dict[str, Any]:
        """A TokenReview `status` for `token` and the requested audiences."""
        auds = list(audiences) or list(self.api_audiences)
        errors: list[str] = []
        for ta in self.token_authenticators:
            if isinstance(ta, ServiceAccountAuthenticator):
                res, matched = ta.review(token, auds)
            else:
                res = ta.authenticate_token(token)
                # WrapAudienceAgnosticToken: valid only for the API audiences.
                matched = tuple(a for a in self.api_audiences if a in auds)
                if res.authenticated and not matched:
                    res = AuthResult()
            if res.authenticated and res.user is not None:
                if not set(matched) & set(auds):
                    raise internal("error validating audiences")
                return {
                    "authenticated": True,
                    "user": res.user.to_json(),
                    "audiences": list(matched),
                }
            if res.rejected:
                errors.append(res.error)
        error = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        return {"authenticated": False, "user": {}, "error": error or INVALID_BEARER_TOKEN}


AUTH: web.AppKey[AuthSetup] = web.AppKey("auth_setup", AuthSetup)
AUDIT_RECORD: web.RequestKey[AuditRecord] = web.RequestKey("fakekapi_audit", AuditRecord)


def audit_record(request: web.BaseRequest, st: RequestState) -> AuditRecord:
    """The audit record of a request as the pipeline knows it so far (user, request info)."""
    return AuditRecord(
        audit_id=st.audit_id,
        request_uri=request.raw_path,
        verb=st.info.verb if st.info is not None else request.method.lower(),
        source_ips=(request.remote,) if request.remote else (),
        user_agent=request.headers.get("User-Agent", ""),
        info=st.info,
        user=st.user,
    )


def api_audiences(settings: Settings) -> tuple[str, ...]:
    """`--api-audiences`, defaulting to the issuer (as kube-apiserver does)."""
    return tuple(settings.api_audiences) or (settings.service_account_issuer,)


def setup_auth(settings: Settings, key: SigningKey, store: Any) -> AuthSetup:
    """Build the authentication pieces from Settings, the signing key and the store.

    Raises `TokenFileError` for an unusable `--token-auth-file`.
    """
    auds = api_audiences(settings)
    verifier = build_verifier(key, settings.service_account_issuer, auds)
    setup_ref: list[AuthSetup] = []

    def on_legacy_use(namespace: str, name: str) -> bool:
        return bool(setup_ref) and setup_ref[0]._report_legacy_use(namespace, name)

    sa_auth = ServiceAccountAuthenticator(
        verifier, StoreLookup(store), TokenCache(), on_legacy_use=on_legacy_use
    )
    static = load_token_file(settings.token_auth_file) if settings.token_auth_file else None
    audit = AuditLog(settings.audit_log_path) if settings.audit_log_path else None
    setup = AuthSetup(
        signing_key=key,
        token_config=TokenConfig(
            signer=key,
            issuer=settings.service_account_issuer,
            api_audiences=auds,
            max_expiration_seconds=settings.service_account_max_token_expiration,
        ),
        api_audiences=auds,
        serviceaccounts=sa_auth,
        static_tokens=static,
        audit=audit,
    )
    setup_ref.append(setup)
    return setup


class ServerAccess:
    """The registry's `Access`: this server's token authenticators and token settings (None
    without a store to look ServiceAccounts up in) and its authorizer."""

    def __init__(self, setup: AuthSetup | None, authorizer: ExplainingAuthorizer) -> None:
        self._setup = setup
        self._authorizer = authorizer

    def _auth(self) -> AuthSetup:
        if self._setup is None:
            raise internal("the server has no token authenticators")
        return self._setup

    @property
    def token_config(self) -> TokenConfig:
        return self._auth().token_config

    def review_token(self, token: str, audiences: Sequence[str]) -> dict[str, Any]:
        return self._auth().review(token, audiences)

    def authorize(self, user: UserInfo, attributes: RequestInfo) -> AccessDecision:
        decision, reason = self._authorizer.authorize(user, attributes)
        return AccessDecision(decision is Decision.ALLOW, decision is Decision.DENY, reason)

    def rules_for(self, user: UserInfo, namespace: str) -> RulesLike:
        return self._authorizer.rules_for(user, namespace)


__all__ = [
    "AUDIT_RECORD",
    "AUTH",
    "AuthSetup",
    "ServerAccess",
    "api_audiences",
    "audit_record",
    "setup_auth",
]
