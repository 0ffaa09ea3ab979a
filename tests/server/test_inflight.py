"""--max-requests-inflight / --max-mutating-requests-inflight as apiserver's maxinflight.go."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from polling import until_async

from fakekapi.auth.modes import Explained, build_authorizer
from fakekapi.catalog.types import ResourceType
from fakekapi.core.requestinfo import parse_request_info
from fakekapi.server.inflight import InFlight, is_long_running
from fakekapi.server.run import ServeError, validate
from fakekapi.server.settings import Settings
from fakekapi.server.state import INFLIGHT
from server.conftest import ADMIN, JANE, ClientFactory
from server.fakes import FakeRegistry

PODS = "/api/v1/namespaces/default/pods"
CM = "/api/v1/namespaces/default/configmaps"
ALLOW = build_authorizer(["AlwaysAllow"])


class BlockingRegistry(FakeRegistry):
    """Reads of a pod named `slow` wait until the test lets them go."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.waiting = 0

    async def get(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        if name == "slow":
            self.waiting += 1
            await self.release.wait()
        return await super().get(rt, namespace, name)


def _limit(pools: InFlight, read_only: int, mutating: int) -> InFlight:
    pools.max_read_only, pools.max_mutating = read_only, mutating
    return pools


async def test_full_pool_is_429_with_retry_after(make_client: ClientFactory) -> None:
    registry = BlockingRegistry()
    c = await make_client(registry, authorizer=Explained(ALLOW))
    pools = _limit(c.app[INFLIGHT], 1, 1)
    held = asyncio.create_task(c.get(f"{PODS}/slow", headers=JANE))
    await until_async(lambda: registry.waiting == 1)
    assert pools.read_only == 1

    r = await c.get(f"{PODS}/other", headers=JANE)
    assert r.status == 429
    assert r.headers["Retry-After"] == "1"
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert await r.text() == "Too many requests, please try again later.\n"
    r = await c.get("/readyz", headers=JANE)  # non-resource reads share the pool, as in kube
    assert r.status == 429
    assert pools.dropped_read_only == 2
    # (kube counts a system:masters request that finds the pool full as dropped, and serves it)

    # Writes have their own pool; system:masters is never refused; watches take no slot.
    r = await c.post(CM, json={"metadata": {"name": "a"}}, headers=JANE)
    assert r.status == 201
    r = await c.get(f"{PODS}/other", headers=ADMIN)
    assert r.status == 404  # served (the fake has no such pod), not refused
    assert pools.read_only == 1

    registry.release.set()
    assert (await held).status == 404
    assert pools.read_only == 0 and pools.mutating == 0
    r = await c.get(f"{PODS}/other", headers=JANE)
    assert r.status == 404


async def test_mutating_pool(make_client: ClientFactory) -> None:
    registry = BlockingRegistry()
    c = await make_client(registry, authorizer=Explained(ALLOW))
    pools = _limit(c.app[INFLIGHT], 0, 1)
    pools.mutating = 1  # one write in flight
    r = await c.post(CM, json={"metadata": {"name": "a"}}, headers=JANE)
    assert r.status == 429 and await r.text() == "Too many requests, please try again later.\n"
    r = await c.delete(f"{CM}/a", headers=JANE)
    assert r.status == 429
    r = await c.post(CM, json={"metadata": {"name": "a"}}, headers=ADMIN)
    assert r.status == 201
    # A read pool of 0 is no pool: reads are never refused.
    assert (await c.get(f"{CM}/a", headers=JANE)).status == 200
    # kube counts the system:masters request as dropped too, before it serves it anyway.
    assert pools.dropped_mutating == 3 and pools.mutating == 1


async def test_slots_are_freed_whatever_the_answer(make_client: ClientFactory) -> None:
    c = await make_client(FakeRegistry(), authorizer=Explained(ALLOW))
    pools = _limit(c.app[INFLIGHT], 1, 1)
    bad_json = {**JANE, "Content-Type": "application/json"}
    for _ in range(3):
        assert (await c.get(f"{PODS}/missing", headers=JANE)).status == 404
        assert (await c.get("/api/v1/nope", headers=JANE)).status == 404
        assert (await c.post(CM, data=b"{", headers=bad_json)).status == 400
    assert pools.read_only == 0 and pools.mutating == 0
    assert pools.dropped_read_only == pools.dropped_mutating == 0


async def test_refused_before_authorization(make_client: ClientFactory) -> None:
    """The filter sits before authorization: a full pool is 429 even for a forbidden request,
    and an unauthenticated one is still 401 (authentication comes first)."""
    c = await make_client(FakeRegistry())
    pools = _limit(c.app[INFLIGHT], 1, 1)
    pools.read_only = 1
    assert (await c.get(f"{PODS}/p", headers=JANE)).status == 429
    assert (await c.get(f"{PODS}/p", headers={"Authorization": "Bearer nope"})).status == 401


def test_long_running_requests_as_kube_apiserver_configures_them() -> None:
    """kube-apiserver: BasicLongRunningRequestCheck(watch, proxy; attach, exec, proxy, log,
    portforward); /debug/pprof/ for non-resource paths."""

    def info(method: str, path: str, **query: str) -> Any:
        return parse_request_info(method, path, query)

    assert is_long_running(info("GET", PODS, watch="true"))
    assert is_long_running(info("GET", "/api/v1/watch/pods"))
    assert is_long_running(info("GET", f"{PODS}/p/log"))
    assert is_long_running(info("POST", f"{PODS}/p/exec"))
    assert is_long_running(info("GET", f"{PODS}/p/proxy"))
    assert is_long_running(info("GET", "/debug/pprof/profile"))
    assert not is_long_running(info("GET", PODS))
    assert not is_long_running(info("GET", "/readyz"))
    assert not is_long_running(info("GET", f"{PODS}/p/status"))


@pytest.mark.parametrize("flag", ["max_requests_inflight", "max_mutating_requests_inflight"])
def test_negative_limits_are_refused_with_kubes_message(flag: str, tmp_path: Path) -> None:
    negative: dict[str, Any] = {flag: -1}
    with pytest.raises(ServeError) as e:
        validate(Settings(data_dir=tmp_path, **negative))
    assert e.value.exit_code == 2
    assert str(e.value) == f"--{flag.replace('_', '-')} can not be negative value"


def test_serve_takes_the_flags(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from fakekapi.cli import cli

    result = CliRunner().invoke(
        cli, ["serve", "--data-dir", str(tmp_path), "--max-requests-inflight", "-5"]
    )
    assert result.exit_code == 2
    assert result.output.strip().endswith("--max-requests-inflight can not be negative value")
