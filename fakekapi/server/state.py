"""Typed keys for what the app and each request carry (web.AppKey / web.RequestKey, no strings).

App state is set once by `build_app`; request state is filled by the middleware stages in order
(request info → user → decision) and read by handlers, the access log and the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fakekapi.auth.authn import Authenticator
from fakekapi.auth.modes import ExplainingAuthorizer
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import UserInfo
from fakekapi.server.settings import Settings

if TYPE_CHECKING:
    from fakekapi.catalog.catalog import Catalog
    from fakekapi.server.connections import HeaderDeadline
    from fakekapi.server.console.feed import RequestFeed
    from fakekapi.server.inflight import InFlight
    from fakekapi.server.metrics import Metrics
    from fakekapi.server.ports import RegistryAPI
    from fakekapi.server.watch import WatchTracker


@dataclass
class RequestState:
    """Everything the pipeline learns about one request, for handlers, the log and metrics."""

    audit_id: str
    started: float
    info: RequestInfo | None = None
    user: UserInfo | None = None
    authn_method: str = ""
    authn_error: str = ""
    decision: str = ""
    authz_reason: str = ""
    authz_explanation: str = ""
    """Why the authorizer decided so (which binding allowed it, or what was missing)."""
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    long_running: bool = False
    parts: Any = None
    """The app's pieces the pipeline's stages use (the middleware's `Parts`), found once per app."""
    connection: HeaderDeadline | None = None
    """The request's connection (`connections.HeaderDeadline`), None when made otherwise."""


@dataclass
class RequestCaches:
    """The request pipeline's memo tables, one set per app (several apps run in one process in
    tests, and one app's entries must not outlive it or leak into another's)."""

    infos: dict[tuple[str, str], RequestInfo] = field(default_factory=dict)
    """RequestInfo by (method, raw path and query): a pure function of them, and clients repeat
    their requests (a RequestInfo is immutable, so sharing one is safe)."""
    parts: Any = None
    """The pipeline's view of the app (the middleware's `Parts`), made at its first request."""
    routes: dict[int, tuple[RequestInfo, int, Any]] = field(default_factory=dict)
    """Resource routes by id of their RequestInfo (kept beside it), with the catalog generation
    they were found at (`handlers.resources.resolve`)."""


INFOS_MAX = 4096
"""At most this many cached RequestInfos (the table is emptied when full)."""


SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
CATALOG: web.AppKey[Catalog] = web.AppKey("catalog")
REGISTRY: web.AppKey[RegistryAPI] = web.AppKey("registry")
AUTHENTICATOR: web.AppKey[Authenticator] = web.AppKey("authenticator")
AUTHORIZER: web.AppKey[ExplainingAuthorizer] = web.AppKey("authorizer")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
WATCHES: web.AppKey[WatchTracker] = web.AppKey("watches")
CONSOLE_FEED: web.AppKey[RequestFeed] = web.AppKey("console_feed")
INFLIGHT: web.AppKey[InFlight] = web.AppKey("inflight")
CACHES: web.AppKey[RequestCaches] = web.AppKey("caches", RequestCaches)

STATE: web.RequestKey[RequestState] = web.RequestKey("fakekapi_state", RequestState)


def state_of(request: web.Request) -> RequestState:
    """The request's pipeline state (always set by the outermost stage)."""
    return request[STATE]
