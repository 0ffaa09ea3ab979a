"""/healthz, /livez, /readyz bodies (reference §10, apiserver healthz.go)."""

from __future__ import annotations

import pytest

from server.conftest import ADMIN, ClientFactory


@pytest.mark.parametrize("endpoint", ["healthz", "livez", "readyz"])
async def test_plain_ok(make_client: ClientFactory, endpoint: str) -> None:
    c = await make_client()
    r = await c.get(f"/{endpoint}")
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert await r.text() == "ok"


@pytest.mark.parametrize("endpoint", ["healthz", "livez", "readyz"])
async def test_verbose(make_client: ClientFactory, endpoint: str) -> None:
    c = await make_client()
    for query in ("verbose", "verbose=false", "verbose=1"):
        text = await (await c.get(f"/{endpoint}?{query}")).text()
        lines = text.split("\n")
        assert lines[:3] == ["[+]ping ok", "[+]log ok", "[+]etcd ok"]
        assert lines[-2:] == [f"{endpoint} check passed", ""]
        assert all(line.startswith("[+]") for line in lines[:-2])


async def test_exclude(make_client: ClientFactory) -> None:
    c = await make_client()
    text = await (await c.get("/readyz?verbose&exclude=etcd&exclude=nope&exclude=zzz")).text()
    assert "[+]etcd excluded: ok\n" in text
    assert "[+]shutdown ok\n" in text
    assert text.endswith(
        'warn: some health checks cannot be excluded: no matches for "nope", "zzz"\n'
        "readyz check passed\n"
    )
    assert await (await c.get("/readyz?exclude=etcd")).text() == "ok"


async def test_per_check_paths(make_client: ClientFactory) -> None:
    c = await make_client()
    r = await c.get("/readyz/ping", headers=ADMIN)
    assert r.status == 200 and await r.text() == "ok"
    assert (await c.get("/livez/poststarthook/rbac/bootstrap-roles", headers=ADMIN)).status == 200
    r = await c.get("/readyz/nope", headers=ADMIN)
    assert r.status == 404 and await r.text() == "404 page not found\n"
    # Sub-paths are not public-info: anonymous gets 403.
    assert (await c.get("/readyz/ping")).status == 403


async def test_readyz_fails_while_shutting_down(make_client: ClientFactory) -> None:
    from fakekapi.server.state import WATCHES

    c = await make_client()
    c.app[WATCHES].closing = True
    r = await c.get("/readyz")
    assert r.status == 500
    text = await r.text()
    assert "[-]shutdown failed: reason withheld\n" in text
    assert text.endswith("readyz check failed\n")
    assert (await c.get("/livez")).status == 200
    r = await c.get("/readyz/shutdown", headers=ADMIN)
    assert r.status == 500 and await r.text() == "internal server error: process is shutting down\n"
