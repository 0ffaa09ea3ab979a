"""Typed keys for what the app and each request carry (web.AppKey / web.RequestKey, no strings).

App state is set once by `build_app`; request state is filled by the middleware stages in order
(request info → user → decision) and read by handlers, the access log and the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from fakekapi.auth.authn import Authenticator
from fakekapi.auth.authz import Authorizer
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import UserInfo
from fakekapi.server.settings import Settings

if TYPE_CHECKING:
    from fakekapi.catalog.catalog import Catalog
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


SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
CATALOG: web.AppKey[Catalog] = web.AppKey("catalog")
REGISTRY: web.AppKey[RegistryAPI] = web.AppKey("registry")
AUTHENTICATOR: web.AppKey[Authenticator] = web.AppKey("authenticator")
AUTHORIZER: web.AppKey[Authorizer] = web.AppKey("authorizer")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
WATCHES: web.AppKey[WatchTracker] = web.AppKey("watches")
CONSOLE_FEED: web.AppKey[RequestFeed] = web.AppKey("console_feed")
INFLIGHT: web.AppKey[InFlight] = web.AppKey("inflight")

STATE: web.RequestKey[RequestState] = web.RequestKey("fakekapi_state", RequestState)


def state_of(request: web.Request) -> RequestState:
    """The request's pipeline state (always set by the outermost stage)."""
    return request[STATE]
