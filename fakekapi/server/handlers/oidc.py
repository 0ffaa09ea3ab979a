"""ServiceAccount issuer discovery: `/.well-known/openid-configuration` and `/openid/v1/jwks`.

As kubernetes `pkg/routes/openidmetadata.go` and `pkg/serviceaccount/openidmetadata.go`: both
documents are built once, served with `Cache-Control: public, max-age=3600` (the static key
getter's cache age), the configuration as `application/json` and the key set as
`application/jwk-set+json`. They are installed only when the issuer is an https URL (otherwise
both paths are Go's plain 404). `jwks_uri` is `https://<host:port>/openid/v1/jwks`, the server's
own address, standing in for kube's external address. Access is decided by the authorizer like
any non-resource path (`system:service-account-issuer-discovery` grants it to ServiceAccounts).
"""

from __future__ import annotations

import json

from aiohttp import web

from fakekapi.server.authsetup import AUTH
from fakekapi.server.settings import Settings
from fakekapi.server.state import SETTINGS

CONFIG_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/openid/v1/jwks"
CACHE_CONTROL = "public, max-age=3600"
JWKS_MEDIA_TYPE = "application/jwk-set+json"


def issuer_is_https(issuer: str) -> bool:
    return issuer.startswith("https://")


def jwks_uri(settings: Settings, port: int | None = None) -> str:
    """`https://<host>:<port>/openid/v1/jwks`; `port` is the one actually bound (for --port 0)."""
    host = settings.host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"https://{host}:{port or settings.port}{JWKS_PATH}"


def configuration(settings: Settings, port: int | None = None) -> dict[str, object]:
    """The discovery document, fields in kube's order."""
    return {
        "issuer": settings.service_account_issuer,
        "jwks_uri": jwks_uri(settings, port),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }


def _body(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


async def openid_configuration(request: web.Request) -> web.StreamResponse:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    port = int(sockname[1]) if isinstance(sockname, tuple) and len(sockname) >= 2 else None
    body = _body(configuration(request.app[SETTINGS], port))
    return web.Response(
        body=body,
        headers={"Content-Type": "application/json", "Cache-Control": CACHE_CONTROL},
    )


async def jwks(request: web.Request) -> web.StreamResponse:
    body = _body({"keys": [request.app[AUTH].signing_key.jwk()]})
    return web.Response(
        body=body,
        headers={"Content-Type": JWKS_MEDIA_TYPE, "Cache-Control": CACHE_CONTROL},
    )


def add_routes(app: web.Application) -> list[str]:
    """Install the endpoints when the issuer is https; returns the paths for the `/` index."""
    if not issuer_is_https(app[SETTINGS].service_account_issuer):
        return []
    app.router.add_get(CONFIG_PATH, openid_configuration)
    app.router.add_get(JWKS_PATH, jwks)
    return [CONFIG_PATH, JWKS_PATH]


__all__ = ["add_routes", "configuration", "jwks_uri"]
