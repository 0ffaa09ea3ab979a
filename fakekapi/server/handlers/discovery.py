"""Discovery: `/api`, `/apis` (legacy or aggregated), `/api/v1`, `/apis/G`, `/apis/G/V`.

The aggregated `apidiscovery.k8s.io` list is served when the first Accept clause the server
supports asks for a version the emulated release serves: v2beta1 in 1.29, v2 and v2beta1 in
1.30 - 1.32, v2 only from 1.33 (AggregatedDiscoveryRemoveBetaType); otherwise kubectl <= 1.29 gets
the legacy documents and walks the group-versions. The aggregated answer's
Content-Type repeats the clause's parameters (clients decide how to decode from them) and carries
an ETag (upper-case hex SHA-512 of the JSON), `Vary: Accept` and `Cache-Control: public`, with 304
for a matching If-None-Match (apiserver `discovery/aggregated/etag.go`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from aiohttp import web

from fakekapi.catalog import discovery, releases
from fakekapi.core.errors import method_not_allowed, page_not_found
from fakekapi.server import responses
from fakekapi.server.negotiation import Negotiated, Target, negotiate, no_transform
from fakekapi.server.responses import encode_json, encode_yaml, is_pretty, raw_response
from fakekapi.server.state import CATALOG

AGGREGATED = Target("APIGroupDiscoveryList", "apidiscovery.k8s.io", "v2")


def _aggregated_allowed(release: str) -> Callable[[str, Target | None], bool]:
    versions = releases.aggregated_discovery_versions(release)

    def allowed(media_type: str, target: Target | None) -> bool:
        return target is None or (
            target.kind == AGGREGATED.kind
            and target.group == AGGREGATED.group
            and target.version in versions
        )

    return allowed


def render(request: web.Request, obj: Any, neg: Negotiated, status: int = 200) -> web.Response:
    return responses.render(request, obj, neg.media_type, pretty=neg.pretty, status=status)


async def handle(request: web.Request) -> web.Response:
    """Every non-resource path under /api and /apis."""
    if request.method not in ("GET", "HEAD"):
        raise method_not_allowed()
    catalog = request.app[CATALOG]
    parts = [p for p in request.path.split("/") if p]
    accept = request.headers.get("Accept", "")
    if parts in (["api"], ["apis"]):
        core = parts == ["api"]
        neg = negotiate(accept, _aggregated_allowed(catalog.release))
        if neg.target is not None:
            doc = discovery.aggregated(catalog, core, neg.target.version)
            return _aggregated(request, doc, neg)
        doc = discovery.api_versions(catalog) if core else discovery.api_group_list(catalog)
        return render(request, doc, neg)
    found: dict[str, Any] | None = None
    if parts[0] == "api" and len(parts) == 2:
        found = discovery.api_resource_list(catalog, "", parts[1])
    elif parts[0] == "apis" and len(parts) == 2:
        found = discovery.api_group(catalog, parts[1])
    elif parts[0] == "apis" and len(parts) == 3:
        found = discovery.api_resource_list(catalog, parts[1], parts[2])
    if found is None:
        raise page_not_found()
    return render(request, found, negotiate(accept, no_transform))


def _aggregated(request: web.Request, doc: dict[str, Any], neg: Negotiated) -> web.Response:
    compact = encode_json(doc)
    etag = '"' + hashlib.sha512(compact.rstrip(b"\n")).hexdigest().upper() + '"'
    target = neg.target or AGGREGATED
    content_type = f"{neg.media_type};g={target.group};v={target.version};as={target.kind}"
    headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "public"}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    if neg.media_type == "application/yaml":
        body = encode_yaml(doc)
    elif neg.pretty or is_pretty(request):
        body = encode_json(doc, pretty=True)
    else:
        body = compact
    return raw_response(body, content_type, 200, headers)
