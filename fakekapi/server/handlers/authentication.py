"""The authentication APIs: TokenRequest, TokenReview and SelfSubjectReview.

All three are created-not-stored resources: a POST answers 201 with the object, its status
filled in, and nothing is written to the store (a GET of them is the router's 405/404, as on
kube-apiserver). Routes are added by `add_routes` ahead of the generic resource routes.

* `POST /api/v1/namespaces/NS/serviceaccounts/NAME/token` → `registry.tokenrequest.create_token`;
* `POST /apis/authentication.k8s.io/v1/tokenreviews` → the bearer-token authenticators, as
  `pkg/registry/authentication/tokenreview/storage.go` calls them (audiences default to the API
  audiences; audience-agnostic authenticators such as the token file answer only for them);
* `POST /apis/authentication.k8s.io/{v1,v1beta1,v1alpha1}/selfsubjectreviews` → the request's
  own user (after impersonation). v1beta1 is not in discovery (no release serves it by default)
  but is answered, because kubectl 1.27's `auth whoami` asks for it first; v1alpha1 only where
  the emulated release has it and --runtime-config enables it.

`AuthSetup` gathers what these handlers, the OIDC endpoints and the pipeline share: the signing
key, the token configuration, the token authenticators and the audit log. `setup_auth` builds it
from Settings and the data dir's keys.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from fakekapi.auth.audit import AuditLog, AuditRecord
from fakekapi.auth.authn import AuthResult, TokenAuthenticator
from fakekapi.auth.serviceaccount import (
    ServiceAccountAuthenticator,
    SigningKey,
    StoreLookup,
    build_verifier,
)
from fakekapi.auth.tokencache import TokenCache
from fakekapi.auth.tokenfile import StaticTokenAuthenticator, load_token_file
from fakekapi.catalog.schemas import kind_type
from fakekapi.core.errors import bad_request, go_quote, internal, page_not_found
from fakekapi.registry.core.tokenrequest import TokenConfig, create_token
from fakekapi.registry.generic import fieldvalidation as fv
from fakekapi.registry.generic import options as registry_options
from fakekapi.server import responses
from fakekapi.server.handlers.resources import first_values, read_body
from fakekapi.server.negotiation import ExpectedKind, decode_object, negotiate, no_transform
from fakekapi.server.settings import Settings
from fakekapi.server.state import CATALOG, REGISTRY, RequestState, state_of

log = logging.getLogger(__name__)

GROUP = "authentication.k8s.io"
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
    legacy_use: Callable[[str, str], None] | None = None
    """Where uses of legacy tokens are reported (the token controller's `record_use`)."""
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

    def _report_legacy_use(self, namespace: str, name: str) -> None:
        if self.legacy_use is not None:
            self.legacy_use(namespace, name)

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

    def on_legacy_use(namespace: str, name: str) -> None:
        if setup_ref:
            setup_ref[0]._report_legacy_use(namespace, name)

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


# -- handlers ---------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _decode(request: web.Request, version: str, kind: str) -> dict[str, Any]:
    query = first_values(request)
    registry_options.parse_write_options(
        query, "CreateOptions", request.headers.get("User-Agent", "")
    )
    body = await read_body(request)
    release = request.app[CATALOG].release
    obj = decode_object(
        request.headers.get("Content-Type"),
        body,
        ExpectedKind(GROUP, version, kind, False, release),
    )
    # The typed decode the registry does for stored kinds: a field of the wrong type is kube's
    # 400 (these handlers read the fields directly), unknown fields are dropped.
    schema = kind_type(GROUP, version, kind, release)
    if schema is None:
        return obj
    decoded = fv.decode(schema, obj)
    if decoded.error:
        raise bad_request(
            f"{kind} in version {go_quote(version)} cannot be handled as a {kind}: {decoded.error}"
        )
    value: dict[str, Any] = decoded.value
    return {**value, "apiVersion": obj["apiVersion"], "kind": obj["kind"]}


def _respond(request: web.Request, obj: dict[str, Any]) -> web.Response:
    neg = negotiate(request.headers.get("Accept", ""), no_transform)
    return responses.render(request, obj, neg.media_type, pretty=neg.pretty, status=201)


async def token_request(request: web.Request) -> web.StreamResponse:
    """POST .../serviceaccounts/NAME/token."""
    setup = request.app[AUTH]
    ns = request.match_info["namespace"]
    name = request.match_info["name"]
    neg = negotiate(request.headers.get("Accept", ""), no_transform)
    body = await _decode(request, "v1", "TokenRequest")
    registry: Any = request.app[REGISTRY]
    out, warnings = await create_token(registry, ns, name, body, setup.token_config)
    state_of(request).warnings.extend(warnings)
    return responses.render(request, out, neg.media_type, pretty=neg.pretty, status=201)


async def token_review(request: web.Request) -> web.StreamResponse:
    """POST /apis/authentication.k8s.io/v1/tokenreviews."""
    setup = request.app[AUTH]
    negotiate(request.headers.get("Accept", ""), no_transform)
    body = await _decode(request, "v1", "TokenReview")
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    token = str(spec.get("token") or "")
    if not token:
        raise bad_request("token is required for TokenReview in authentication")
    audiences = [str(a) for a in spec.get("audiences") or []]
    md = dict(body.get("metadata") or {})
    md.setdefault("creationTimestamp", None)
    out = {
        "kind": "TokenReview",
        "apiVersion": f"{GROUP}/v1",
        "metadata": md,
        "spec": spec,
        "status": setup.review(token, audiences),
    }
    return _respond(request, out)


def _self_subject_review(version: str) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.StreamResponse:
        # v1alpha1 only where the emulated release has it and --runtime-config enables it (1.29,
        # 1.30). v1 and v1beta1 are always answered (v1beta1 for kubectl 1.27, see above).
        served = request.app[CATALOG].lookup(GROUP, version, "selfsubjectreviews") is not None
        if version == "v1alpha1" and not served:
            raise page_not_found()
        negotiate(request.headers.get("Accept", ""), no_transform)
        body = await _decode(request, version, "SelfSubjectReview")
        user = state_of(request).user
        md = dict(body.get("metadata") or {})
        md["creationTimestamp"] = _now()
        out = {
            "kind": "SelfSubjectReview",
            "apiVersion": f"{GROUP}/{version}",
            "metadata": md,
            "status": {"userInfo": user.to_json() if user is not None else {}},
        }
        return _respond(request, out)

    return handler


def add_routes(app: web.Application) -> list[str]:
    """Register the routes (before the generic /api and /apis routes); returns no root paths."""
    r = app.router
    r.add_post("/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", token_request)
    r.add_post(f"/apis/{GROUP}/v1/tokenreviews", token_review)
    r.add_post(f"/apis/{GROUP}/v1/selfsubjectreviews", _self_subject_review("v1"))
    for version in ("v1beta1", "v1alpha1"):
        r.add_post(f"/apis/{GROUP}/{version}/selfsubjectreviews", _self_subject_review(version))
    return []


__all__ = [
    "AUDIT_RECORD",
    "AUTH",
    "AuthSetup",
    "add_routes",
    "api_audiences",
    "audit_record",
    "setup_auth",
]
