"""The request pipeline, declared once in `PIPELINE` in kube-apiserver's order.

apiserver `pkg/server/config.go` `DefaultBuildHandlerChain` builds the same chain (outermost
first): panic recovery and error writing, request info, authentication, audit, impersonation,
authorization, then the handler. The order is what clients observe: a bad credential is 401
before anything else is looked at (even for a path that does not exist), a forbidden request is
403 before its body is read or its object looked up (authorization before existence), and only
then does the handler route, read and decode.

Every stage records what it learned in the request's `RequestState`; the outermost stage turns
that into one access-log line and the request metrics. The stages are plain functions run in
order by one aiohttp middleware, `pipeline` (one layer instead of seven: each layer of aiohttp
middleware costs a call and a coroutine per request).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import NamedTuple, cast

from aiohttp import web
from aiohttp.typedefs import Handler

from fakekapi.auth import audit as auditing
from fakekapi.auth import impersonation as impersonating
from fakekapi.auth.authn import Authenticator, AuthRequest, Subject
from fakekapi.auth.authz import Decision, forbidden_error
from fakekapi.auth.modes import ExplainingAuthorizer
from fakekapi.core.errors import (
    PlainHTTPError,
    StatusError,
    go_quote,
    internal,
    method_not_allowed,
    page_not_found,
    too_large,
    unauthorized,
)
from fakekapi.core.ids import uuid4
from fakekapi.core.requestinfo import parse_request_info
from fakekapi.core.user import SYSTEM_MASTERS, UserInfo
from fakekapi.server import bigbody, connections, inflight, logoutput, metrics
from fakekapi.server.authsetup import AUDIT_RECORD, AUTH, AuthSetup, audit_record
from fakekapi.server.console.feed import RequestFeed
from fakekapi.server.handlers.resources import first_values
from fakekapi.server.inflight import InFlight
from fakekapi.server.metrics import Metrics
from fakekapi.server.negotiation import APPLY_PATCH, media_type_of
from fakekapi.server.responses import (
    is_pretty,
    plain_error_response,
    status_response,
)
from fakekapi.server.state import (
    AUTHENTICATOR,
    AUTHORIZER,
    CACHES,
    CONSOLE_FEED,
    INFLIGHT,
    INFOS_MAX,
    METRICS,
    STATE,
    RequestCaches,
    RequestState,
)

CONSOLE_VISITOR = UserInfo("system:anonymous", groups=("system:unauthenticated",))
"""Who fetches the console's assets: nobody in particular (the assets are public)."""

access_log = logging.getLogger("fakekapi.server.access")
log = logging.getLogger("fakekapi.server")


# -- the runner: one aiohttp middleware running `PIPELINE`'s stages in order ---------------------

After = Callable[[web.Request, RequestState, int, "StatusError | None"], None]
"""What a stage does once the response is known: (request, state, HTTP code, the StatusError
the request failed with, if any). Run in reverse stage order, for every outcome."""

Stage = Callable[[web.Request, RequestState], "After | None"]
"""One step of the pipeline: look at the request, fill in its state, or refuse it by raising."""


class Parts(NamedTuple):
    """What the stages use of the app, looked up once per app rather than on every request (an
    app's state no longer changes once it serves)."""

    caches: RequestCaches
    authenticator: Authenticator
    authorizer: ExplainingAuthorizer
    metrics: Metrics
    feed: RequestFeed | None
    inflight: InFlight | None
    auth: AuthSetup | None


def _parts(app: web.Application) -> Parts:
    caches = app[CACHES]
    parts: Parts | None = caches.parts
    if parts is None:
        parts = caches.parts = Parts(
            caches,
            app[AUTHENTICATOR],
            app[AUTHORIZER],
            app[METRICS],
            app.get(CONSOLE_FEED),
            app.get(INFLIGHT),
            app.get(AUTH),
        )
    return parts


@web.middleware
async def pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run the stages of `PIPELINE` in order, then the handler; then the stages' `After`s.

    Equivalent to nesting one middleware per stage (an exception raised below `errors` becomes
    kube's answer; every outer stage sees the final status), without the per-layer cost.
    """
    st = RequestState(audit_id="", started=0.0)
    st.parts = _parts(request.app)
    request[STATE] = st
    afters: list[After] = []
    guarded = False
    failure: StatusError | None = None
    try:
        for stage in PIPELINE:
            if stage is errors:
                guarded = True
                continue
            after = stage(request, st)
            if after is not None:
                afters.append(after)
        response = await handler(request)
    except Exception as e:
        if not guarded:
            _finish(request, st, afters, 500, None)
            raise
        response = _error_response(request, e)
        failure = e if isinstance(e, StatusError) else None
    except BaseException:  # cancelled: the client went away
        _finish(request, st, afters, 500, None)
        raise
    _finish(request, st, afters, response.status, failure)
    return await bigbody.sliced(request, response)


def _finish(
    request: web.Request,
    st: RequestState,
    afters: list[After],
    code: int,
    failure: StatusError | None,
) -> None:
    for after in reversed(afters):
        after(request, st, code, failure)


# -- 0. observe: one log line and the request metrics, for every outcome ---------------------


def observe(request: web.Request, st: RequestState) -> After:
    """Start the request's state; afterwards log it and count it (apiserver WithLogging).

    The Audit-Id is the client's `Audit-ID` header when it sent one, else a new UUID
    (WithAuditInit).
    """
    st.audit_id = request.headers.get("Audit-ID", "").strip() or uuid4()
    st.started = time.monotonic()
    conn = st.connection = connections.connection_of(request)
    if conn is not None:
        conn.request_started()
    return _observed


def _observed(
    request: web.Request, st: RequestState, code: int, failure: StatusError | None
) -> None:
    elapsed = time.monotonic() - st.started
    conn = st.connection
    if conn is not None:
        st.connection = None  # the state may outlive the request (the console's feed keeps it)
        conn.request_finished()
    if access_log.isEnabledFor(logging.INFO):
        _log_request(request, st, code, elapsed)
    method = request.method
    info = st.info
    apply = method == "PATCH" and media_type_of(request.headers.get("Content-Type")) == APPLY_PATCH

    def labels() -> dict[str, str]:
        dry_run = metrics.clean_dry_run(request.query.getall("dryRun", ()))
        return metrics.request_labels(method, info, dry_run=dry_run, apply=apply)

    # The labels are a function of the method, the path and query (request info, dryRun) and
    # whether a PATCH applies: requests alike share them.
    memo = (method, request.raw_path, apply, info is None)
    parts: Parts = st.parts
    parts.metrics.observe_memo(memo, labels, code, elapsed)
    feed = parts.feed
    if feed is not None:
        _to_feed(feed, request, st, code, elapsed, failure)


def _to_feed(
    feed: RequestFeed,
    request: web.Request,
    st: RequestState,
    code: int,
    elapsed: float,
    failure: StatusError | None,
) -> None:
    """The access-log line's facts, for the console's live request list."""
    feed.add_request(
        request.method,
        request.raw_path,
        code,
        elapsed * 1e3,
        st,
        request.headers,
        failure.to_status() if failure is not None else None,
    )


def _log_request(request: web.Request, st: RequestState, code: int, elapsed: float) -> None:
    user = st.user.name if st.user is not None else ""
    line = (
        f"{request.method} {request.raw_path} {code} {elapsed * 1e3:.1f}ms "
        f'user="{user}" authn={st.authn_method or "-"} authz={st.decision or "-"} '
        f"audit={st.audit_id}"
    )
    if st.authn_error:
        line += f" authn_error={go_quote(st.authn_error)}"
    # The explanation already names the binding and role the reason names; say it once.
    if st.authz_explanation:
        line += f" authz: {st.authz_explanation}"
    elif st.authz_reason:
        line += f" authz_reason={go_quote(st.authz_reason)}"
    if not logoutput.write_info(access_log, line):
        access_log.handle(_access_record(line))


def _access_record(line: str) -> logging.LogRecord:
    """What `access_log.info(line)` would hand the handlers, built at a fraction of the cost.

    Logger.info walks the stack for the caller's file and line (which nobody reads) and
    LogRecord() recomputes per record what is the same for every access line of a thread
    (file, module, thread and process names); both show in a GET's cost. So each thread's
    first record is made the ordinary way and later ones copy it, with the time and message
    of their own."""
    thread = threading.get_ident()
    template = _RECORD_TEMPLATES.get(thread)
    if template is None:
        first = access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, "", (), None)
        template = _RECORD_TEMPLATES[thread] = dict(first.__dict__)
    record = logging.LogRecord.__new__(logging.LogRecord)
    fields = record.__dict__
    fields.update(template)
    now = time.time()
    fields["msg"] = line
    fields["created"] = now
    fields["msecs"] = int((now - int(now)) * 1000) + 0.0  # as LogRecord computes them
    fields["relativeCreated"] = (now - _LOGGING_STARTED) * 1000
    return record


_RECORD_TEMPLATES: dict[int, dict[str, object]] = {}
"""Per thread, not per app: a record's template is the logging module's view of the thread
(names, process), the same for every app that thread serves."""
_LOGGING_STARTED: float = getattr(logging, "_startTime", time.time())


# -- 1. errors: every exception becomes kube's answer; crashes are a 500 Status, never a trace --


def errors(request: web.Request, st: RequestState) -> None:
    """Marks where exceptions start to become answers (`_error_response`); the stages before
    it (observe) see the answer's status."""
    return None


def _error_response(request: web.Request, e: Exception) -> web.StreamResponse:
    """StatusError → Status JSON; PlainHTTPError → text; router misses → 404/405; bugs → 500
    (called while `e` is being handled, so the traceback goes to the log)."""
    if isinstance(e, StatusError):
        return status_response(e, pretty=is_pretty(request))
    if isinstance(e, PlainHTTPError):
        return plain_error_response(e)
    if isinstance(e, web.HTTPException):
        return _from_aiohttp(request, e)
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


def request_info(request: web.Request, st: RequestState) -> None:
    infos = st.parts.caches.infos
    key = (request.method, request.raw_path)
    info = infos.get(key)
    if info is None:
        info = parse_request_info(request.method, request.path, first_values(request))
        if len(infos) >= INFOS_MAX:
            infos.clear()
        infos[key] = info
    st.info = info


# -- 3. authentication: who is asking; a bad credential is 401, never anonymous ----------------


PeerCertificate = tuple[bytes, Subject | None]
"""A verified client certificate: its DER and its subject as the TLS layer decoded it."""


def _peer_certificate(request: web.Request, st: RequestState) -> PeerCertificate | None:
    # A connection's peer certificate never changes: read it once per TLS connection (an app
    # served without fakekapi's connections, as in some tests, reads it on each request).
    conn = st.connection
    if conn is None:
        return _read_peer_certificate(request)
    cert = conn.peer_certificate
    if cert is connections.UNKNOWN:
        cert = conn.peer_certificate = _read_peer_certificate(request)
    return cast("PeerCertificate | None", cert)


def _read_peer_certificate(request: web.Request) -> PeerCertificate | None:
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if ssl_object is None:
        return None
    raw = ssl_object.getpeercert(binary_form=True)
    if not raw:
        return None
    # The decoded form (given for a verified certificate, which every one that reaches here is)
    # spares the authenticator parsing the DER: its attributes, relative names flattened.
    decoded = ssl_object.getpeercert()
    if not decoded:  # not verified by this context (it always is): the DER will be parsed
        return bytes(raw), None
    subject = tuple(pair for rdn in decoded.get("subject", ()) for pair in rdn)
    return bytes(raw), subject


def _console_asset(request: web.Request) -> bool:
    """`/ui` and `/ui/<file>`: the console's static assets, public like /healthz (everything the
    page shows comes from authenticated calls it makes with the user's token)."""
    path = request.path
    return path == "/ui" or path.startswith("/ui/")


def authentication(request: web.Request, st: RequestState) -> None:
    if _console_asset(request):
        st.user, st.authn_method = CONSOLE_VISITOR, "public"
        return
    cert = _peer_certificate(request, st)
    # The TLS context requires a presented certificate to chain to a trusted CA (the handshake
    # fails otherwise), so a certificate that reached us is a verified one.
    if cert is None:
        auth = AuthRequest(request.headers)
    else:
        auth = AuthRequest(request.headers, cert[0], True, cert[1])
    result = st.parts.authenticator.authenticate(auth)
    if result.warnings:
        st.warnings.extend(result.warnings)
    st.authn_method = result.method
    if result.user is None:
        st.authn_error = result.error or "no credentials"
        setup = st.parts.auth
        if setup is not None and setup.audit is not None:
            rec = audit_record(request, st)
            setup.audit.write(auditing.failed_authentication_event(rec, _attempted(auth)))
        raise unauthorized()
    st.user = result.user


def _attempted(auth: AuthRequest) -> list[str]:
    """authn_audit.go `getAuthMethods`: which credentials the request carried."""
    methods = []
    if auth.headers.get("Authorization"):
        methods.append("bearer")
    if auth.peer_cert_der:
        methods.append("x509")
    return methods


# -- 4. audit: audit.k8s.io/v1 events at level Metadata (--audit-log-path) ---------------------


def audit(request: web.Request, st: RequestState) -> After | None:
    """RequestReceived before, ResponseComplete after, with the Audit-Id of `observe`."""
    setup = st.parts.auth
    sink = setup.audit if setup is not None else None
    if sink is None:
        return None
    rec = audit_record(request, st)
    request[AUDIT_RECORD] = rec
    sink.write(auditing.build_event(rec, auditing.STAGE_RECEIVED))
    return _audited


def _audited(
    request: web.Request, st: RequestState, code: int, failure: StatusError | None
) -> None:
    setup = request.app[AUTH]
    rec = request[AUDIT_RECORD]
    if st.decision:
        rec.annotations[auditing.DECISION_ANNOTATION] = st.decision
        rec.annotations[auditing.REASON_ANNOTATION] = st.authz_reason
    status = failure.to_status() if failure is not None else None
    assert setup.audit is not None
    setup.audit.write(auditing.build_event(rec, auditing.STAGE_COMPLETE, code=code, status=status))


# -- 5. impersonation: Impersonate-* headers, each element authorized with verb impersonate ----


def impersonation(request: web.Request, st: RequestState) -> None:
    """Act as the impersonated user (filters/impersonation.go); 403 / plain 500 as kube."""
    if not _mentions_impersonation(request):
        return
    plan = impersonating.plan(request.headers, request.raw_path)
    if plan is None:
        return
    assert st.user is not None
    target = impersonating.apply(plan, st.user, st.parts.authorizer)
    rec = request.get(AUDIT_RECORD)
    if rec is not None:
        rec.impersonated_user = target
    st.authn_method = f'{st.authn_method} impersonated-by="{st.user.name}"'
    st.user = target


def _mentions_impersonation(request: web.Request) -> bool:
    """Whether any header name may start with `Impersonate-` (a cheap test before the plan,
    which alone decides: a name merely containing it only costs the plan)."""
    return "impersonate-" in "\n".join(request.headers).lower()


# -- 6. max in flight: a slot per request being served, else 429 (maxinflight.go) --------------


def max_in_flight(request: web.Request, st: RequestState) -> After | None:
    """`WithMaxInFlightLimit` (see `inflight`): long-running requests take no slot, and members
    of system:masters are served without one when their pool is full."""
    pools = st.parts.inflight
    info = st.info
    if pools is None or info is None or inflight.is_long_running(info):
        return None
    mutating = info.verb not in inflight.NON_MUTATING_VERBS
    taken = pools.acquire(mutating)
    if taken:
        return _release_read_only if not mutating else _release_mutating
    if taken is None or (st.user is not None and SYSTEM_MASTERS in st.user.groups):
        return None
    raise inflight.too_many_requests()


def _release_read_only(
    request: web.Request, st: RequestState, code: int, failure: StatusError | None
) -> None:
    st.parts.inflight.release(False)


def _release_mutating(
    request: web.Request, st: RequestState, code: int, failure: StatusError | None
) -> None:
    st.parts.inflight.release(True)


# -- 7. authorization: may this user do this? 403 before the body or the object is looked at ---


def authorization(request: web.Request, st: RequestState) -> None:
    assert st.user is not None and st.info is not None
    if st.user is CONSOLE_VISITOR:
        st.decision, st.authz_reason = "allow", "the console's assets are public"
        return
    v = st.parts.authorizer.verdict(st.user, st.info)
    decision, reason, st.authz_explanation = v.decision, v.reason, v.explanation
    st.decision = "allow" if decision is Decision.ALLOW else "forbid"
    st.authz_reason = reason
    if decision is not Decision.ALLOW:
        raise forbidden_error(st.user, st.info, reason)


PIPELINE: list[Stage] = [
    observe,  # 0. access log + request metrics (sees the final status of every request)
    errors,  # 1. exceptions → Status / plain text; crashes → 500 Status, traceback to the log
    request_info,  # 2. RequestInfo, parsed once, for everything below
    authentication,  # 3. user, or 401 for a presented-but-invalid credential
    audit,  # 4. audit hook point
    impersonation,  # 5. Impersonate-* headers: act as another user, if allowed
    max_in_flight,  # 6. a slot of --max-(mutating-)requests-inflight, or 429
    authorization,  # 7. Allow, or the 403 Status with kube's exact sentence
]
"""The stages, outermost first, run by `pipeline`. The handler (routing, body, registry) runs
after them."""
