"""`/version`, `GET /` (the path index) and `/metrics`."""

from __future__ import annotations

import functools
import platform

from aiohttp import web

from fakekapi.catalog import releases
from fakekapi.core.version import go_platform, version_info
from fakekapi.server import metrics
from fakekapi.server.responses import JSON, encode_json, raw_response
from fakekapi.server.state import CATALOG, METRICS

ROOT_PATHS: web.AppKey[list[str]] = web.AppKey("root_paths")


async def version(request: web.Request) -> web.Response:
    """`/version`: written with `WriteRawJSON`, i.e. always indented, whatever the Accept."""
    return raw_response(_version_body(request.app[CATALOG].release), JSON)


@functools.cache
def _version_body(release: str) -> bytes:
    commit, date, go = releases.build(release)
    info = version_info(
        releases.git_version(release),
        git_commit=commit,
        build_date=date,
        go_version=go,
        platform=go_platform(platform.system(), platform.machine()),
    )
    return encode_json(info, pretty=True)


async def index(request: web.Request) -> web.Response:
    """`GET /`: the sorted list of served paths (metav1.RootPaths), indented like /version."""
    root: list[str] = request.app[ROOT_PATHS]
    paths = set(root)
    catalog = request.app[CATALOG]
    if catalog.serves("", "v1"):
        paths.add("/api/v1")
    for group, versions in catalog.group_versions():
        paths.add(f"/apis/{group}")
        paths.update(f"/apis/{group}/{v}" for v in versions)
    return raw_response(encode_json({"paths": sorted(paths)}, pretty=True), JSON)


async def metrics_handler(request: web.Request) -> web.Response:
    return raw_response(request.app[METRICS].render(), metrics.CONTENT_TYPE)
