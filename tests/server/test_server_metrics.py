"""/metrics in the Prometheus text format."""

from __future__ import annotations

import re

from fakekapi.server.state import METRICS
from server.conftest import ADMIN, ClientFactory


async def test_request_total_and_duration(make_client: ClientFactory) -> None:
    c = await make_client()
    await c.get("/api/v1/namespaces/default/pods", headers={"Authorization": "Bearer x"})
    await c.get("/api/v1/foos", headers=ADMIN)
    await c.get("/version")
    r = await c.get("/metrics", headers=ADMIN)
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = await r.text()
    assert "# TYPE apiserver_request_total counter" in text
    assert "# TYPE apiserver_request_duration_seconds histogram" in text
    assert (
        'apiserver_request_total{code="401",component="apiserver",dry_run="",group="",'
        'resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 1'
    ) in text
    assert (
        'apiserver_request_total{code="404",component="apiserver",dry_run="",group="",'
        'resource="foos",scope="cluster",subresource="",verb="LIST",version="v1"} 1'
    ) in text
    assert re.search(
        r'apiserver_request_duration_seconds_bucket\{component="apiserver",dry_run="",group="",'
        r'resource="",scope="",subresource="",verb="GET",version="",le="\+Inf"\} 1',
        text,
    )
    assert c.app[METRICS].request_count(verb="GET", code="200") >= 1
    for line in text.splitlines():
        assert line.startswith("#") or re.fullmatch(r"[a-z_]+\{[^}]*\} [0-9.e+-]+", line), line
