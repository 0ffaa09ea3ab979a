"""The request pipeline, declared once in `PIPELINE` in kube-apiserver's order.

apiserver `pkg/server/config.go` `DefaultBuildHandlerChain` builds the same chain (outermost
first): panic recovery and error writing, request info, authentication, audit, impersonation,
authorization, then the handler. The order is what clients observe: a bad credential is 401
before anything else is looked at (even for a path that does not exist), a forbidden request is
403 before its body is read or its object looked up (authorization before existence), and only
then does the handler route, read and decode.

Every stage records what it learned in the request's `RequestState`; the outermost stage turns
that into one access-log line and the request metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from fakekapi.auth import audit as auditing
from fakekapi.auth import impersonation as impersonating
from fakekapi.auth.authn import AuthRequest
from fakekapi.auth.authz import Decision, forbidden_error
from fakekapi.core.errors import (
    PlainHTTPError,
    StatusError,
    internal,
    method_not_allowed,
    page_not_found,
    too_large,
    unauthorized,
)
from fakekapi.core.requestinfo import parse_request_info
from fakekapi.server import metrics
from fakekapi.server.handlers.authentication import AUDIT_RECORD, AUTH, audit_record
from fakekapi.server.handlers.resources import first_values
from fakekapi.server.negotiation import APPLY_PATCH, media_type_of
from fakekapi.server.responses import (
    is_pretty,
    plain_error_response,
    status_response,
    warning_header,
)
from fakekapi.server.state import AUTHENTICATOR, AUTHORIZER, METRICS, STATE, RequestState

access_log = logging.getLogger("fakekapi.server.access")
log = logging.getLogger("fakekapi.server")


# -- 0. observe: one log line and the request metrics, for every outcome ---------------------


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Start the request's state; afterwards log it and count it (apiserver WithLogging).

    The Audit-Id is the client's `Audit-ID` header when it sent one, else a new UUID
    (WithAuditInit).
    """
    audit_id = request.headers.get("Audit-ID", "").strip() or str(uuid.uuid4())
    st = RequestState(audit_id=audit_id, started=time.monotonic())
    request[STATE] = st
    code = 500
    try:
        response = await handler(request)
        code = response.status
        return response
    finally:
        elapsed = time.monotonic() - st.started
        _log_request(request, st, code, elapsed)
        labels = metrics.request_labels(
            request.method,
            st.info,
            dry_run=metrics.clean_dry_run(request.query.getall("dryRun", [])),
            apply=media_type_of(request.headers.get("Content-Type")) == APPLY_PATCH,
        )
        request.app[METRICS].observe_request(labels, code, elapsed)


def _log_request(request: web.Request, st: RequestState, code: int, elapsed: float) -> None:
    user = st.user.name if st.user is not None else ""
    line = (
        f"{request.method} {request.path_qs} {code} {elapsed * 1e3:.1f}ms "
        f'user="{user}" authn={st.authn_method or "-"} authz={st.decision or "-"} '
        f"audit={st.audit_id}"
    )
    if st.authn_error:
        line += f' authn_error="{st.authn_error}"'
    if st.authz_reason:
        line += f' authz_reason="{st.authz_reason}"'
    if st.authz_explanation:
        line += f" authz: {st.authz_explanation}"
    access_log.info("%s", line)


# -- 1. errors: every exception becomes kube's answer; crashes are a 500 Status, never a trace --


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """StatusError → Status JSON; PlainHTTPError → text; router misses → 404/405; bugs → 500."""
    try:
        return await handler(request)
    except StatusError as e:
        return status_response(e, pretty=is_pretty(request))
    except PlainHTTPError as e:
        return plain_error_response(e)
    except web.HTTPException as e:
        return _from_aiohttp(request, e)
    except asyncio.CancelledError:
        raise
    except Exception as e:
        log.exception("internal error serving %s %s", request.method, request.path)
        return status_response(internal(str(e) or type(e).__name__), pretty=is_pretty(request))


def _from_aiohttp(request: web.Request, e: web.HTTPException) -> web.StreamResponse:
    """aiohttp's own refusals, answered the way Go's mux and go-restful answer them."""
    if e.status == 404:
        return plain_error_response(page_not_found())
    if e.status == 405:
        return status_response(method_not_allowed(), pretty=is_pretty(request))
    if e.status == 413:
        return status_response(too_large(), pretty=is_pretty(request))
    return web.Response(status=e.status, text=e.text or "", headers=e.headers)


# -- 2. request info: what the request is about, computed once ---------------------------------


@web.middleware
async def request_info(request: web.Request, handler: Handler) -> web.StreamResponse:
    st = request[STATE]
    st.info = parse_request_info(request.method, request.path, first_values(request))
    return await handler(request)


# -- 3. authentication: who is asking; a bad credential is 401, never anonymous ----------------


def _peer_certificate(request: web.Request) -> bytes | None:
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return bytes(der) if der else None


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    st = request[STATE]
    der = _peer_certificate(request)
    # The TLS context requires a presented certificate to chain to a trusted CA (the handshake
    # fails otherwise), so a certificate that reached us is a verified one.
    auth = AuthRequest(
        headers=request.headers, peer_cert_der=der, peer_chain_verified=der is not None
    )
    result = request.app[AUTHENTICATOR].authenticate(auth)
    st.warnings.extend(result.warnings)
    st.authn_method = result.method
    if result.user is None:
        st.authn_error = result.error or "no credentials"
        setup = request.app.get(AUTH)
        if setup is not None and setup.audit is not None:
            rec = audit_record(request, st)
            setup.audit.write(auditing.failed_authentication_event(rec, _attempted(auth)))
        raise unauthorized()
    st.user = result.user
    return await handler(request)


def _attempted(auth: AuthRequest) -> list[str]:
    """authn_audit.go `getAuthMethods`: which credentials the request carried."""
    methods = []
    if auth.headers.get("Authorization"):
        methods.append("bearer")
    if auth.peer_cert_der:
        methods.append("x509")
    return methods


# -- 4. audit: audit.k8s.io/v1 events at level Metadata (--audit-log-path) ---------------------


@web.middleware
async def audit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """RequestReceived before, ResponseComplete after, with the Audit-Id of `observe`."""
    setup = request.app.get(AUTH)
    sink = setup.audit if setup is not None else None
    if sink is None:
        return await handler(request)
    st = request[STATE]
    rec = audit_record(request, st)
    request[AUDIT_RECORD] = rec
    sink.write(auditing.build_event(rec, auditing.STAGE_RECEIVED))
    code, status = 500, None
    try:
        response = await handler(request)
        code = response.status
        return response
    except StatusError as e:
        code, status = e.code, e.to_status()
        raise
    except PlainHTTPError as e:
        code = e.code
        raise
    except web.HTTPException as e:
        code = e.status
        raise
    finally:
        if st.decision:
            rec.annotations[auditing.DECISION_ANNOTATION] = st.decision
            rec.annotations[auditing.REASON_ANNOTATION] = st.authz_reason
        sink.write(auditing.build_event(rec, auditing.STAGE_COMPLETE, code=code, status=status))


# -- 5. impersonation: Impersonate-* headers, each element authorized with verb impersonate ----


@web.middleware
async def impersonation(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Act as the impersonated user (filters/impersonation.go); 403 / plain 500 as kube."""
    plan = impersonating.plan(request.headers, request.raw_path)
    if plan is None:
        return await handler(request)
    st = request[STATE]
    assert st.user is not None
    target = impersonating.apply(plan, st.user, request.app[AUTHORIZER])
    rec = request.get(AUDIT_RECORD)
    if rec is not None:
        rec.impersonated_user = target
    st.authn_method = f'{st.authn_method} impersonated-by="{st.user.name}"'
    st.user = target
    return await handler(request)


# -- 6. authorization: may this user do this? 403 before the body or the object is looked at ---


@web.middleware
async def authorization(request: web.Request, handler: Handler) -> web.StreamResponse:
    st = request[STATE]
    assert st.user is not None and st.info is not None
    authorizer = request.app[AUTHORIZER]
    verdict = getattr(authorizer, "verdict", None)
    if verdict is not None:
        v = verdict(st.user, st.info)
        decision, reason, st.authz_explanation = v.decision, v.reason, v.explanation
    else:
        decision, reason = authorizer.authorize(st.user, st.info)
    st.decision = "allow" if decision is Decision.ALLOW else "forbid"
    st.authz_reason = reason
    if decision is not Decision.ALLOW:
        raise forbidden_error(st.user, st.info, reason)
    return await handler(request)


PIPELINE = [
    observe,  # 0. access log + request metrics (sees the final status of every request)
    errors,  # 1. exceptions → Status / plain text; crashes → 500 Status, traceback to the log
    request_info,  # 2. RequestInfo, parsed once, for everything below
    authentication,  # 3. user, or 401 for a presented-but-invalid credential
    audit,  # 4. audit hook point
    impersonation,  # 5. Impersonate-* headers: act as another user, if allowed
    authorization,  # 6. Allow, or the 403 Status with kube's exact sentence
]
"""The middleware chain, outermost first. The handler (routing, body, registry) runs after."""


async def add_common_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: headers every kube-apiserver response has (also 401/403/404)."""
    st = request.get(STATE)
    if st is not None:
        response.headers.setdefault("Audit-Id", st.audit_id)
        for text in st.warnings:
            response.headers.add("Warning", warning_header(text))
    response.headers.setdefault("Cache-Control", "no-cache, private")
