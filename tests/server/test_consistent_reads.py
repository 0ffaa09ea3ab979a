"""Consistent reads (kube's etcd3 list semantics): a continue token serves the snapshot of the
first page; resourceVersion with resourceVersionMatch=Exact serves that revision and
NotOlderThan the latest; beyond the history window, kube's 410s (with the fresh continue token)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore
from server.conftest import ADMIN, ClientFactory

Client = TestClient[web.Request, web.Application]
CMS = "/api/v1/namespaces/default/configmaps"
INCONSISTENT = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)
MakeClient = Callable[..., Coroutine[Any, Any, tuple[Client, MemoryStore]]]


@pytest.fixture
async def make(make_client: ClientFactory, catalog: Catalog) -> AsyncIterator[MakeClient]:
    stores: list[MemoryStore] = []

    async def factory(**history: Any) -> tuple[Client, MemoryStore]:
        store = MemoryStore(**history)
        stores.append(store)
        await store.start()
        registry = install(Registry(store, catalog))
        await bootstrap(registry)
        return await make_client(registry), store

    yield factory
    for store in stores:
        await store.close()


def cm(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


async def names(client: Client, **params: str) -> tuple[int, dict[str, Any]]:
    r = await client.get(CMS, params=params, headers=ADMIN)
    return r.status, await r.json()


def listed(body: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    return [(o["metadata"]["name"], o.get("data", {})) for o in body["items"]]


async def write(client: Client, method: str, name: str, body: Any = None) -> None:
    path = CMS if method == "POST" else f"{CMS}/{name}"
    content_type = "application/merge-patch+json" if method == "PATCH" else "application/json"
    headers = {**ADMIN, "Content-Type": content_type}
    r = await client.request(method, path, json=body, headers=headers)
    assert r.status in (200, 201), await r.text()


async def test_continue_serves_the_snapshot_of_the_first_page(make: MakeClient) -> None:
    client, _ = await make()
    for name in ("a", "b", "c", "d", "e"):
        await write(client, "POST", name, cm(name, v="1"))
    status, first = await names(client, limit="2")
    assert status == 200 and listed(first) == [("a", {"v": "1"}), ("b", {"v": "1"})]
    rv = first["metadata"]["resourceVersion"]
    # After the first page: an update, a deletion and creations on both sides of the cursor.
    await write(client, "PATCH", "c", {"data": {"v": "2"}})
    await write(client, "DELETE", "d")
    await write(client, "POST", "bb", cm("bb"))
    await write(client, "POST", "f", cm("f"))
    status, second = await names(client, limit="2", **{"continue": first["metadata"]["continue"]})
    assert status == 200
    assert listed(second) == [("c", {"v": "1"}), ("d", {"v": "1"})]
    assert second["metadata"]["resourceVersion"] == rv
    status, third = await names(client, limit="2", **{"continue": second["metadata"]["continue"]})
    assert listed(third) == [("e", {"v": "1"})] and "continue" not in third["metadata"]
    # A new list sees the present.
    status, now = await names(client)
    assert [n for n, _ in listed(now)] == ["a", "b", "bb", "c", "e", "f"]


async def test_a_compacted_snapshot_is_410_with_a_fresh_continue_token(
    make: MakeClient,
) -> None:
    client, store = await make(history_min_events=1, history_min_seconds=0.0)
    for name in ("a", "b", "c", "d"):
        await write(client, "POST", name, cm(name, v="1"))
    _, first = await names(client, limit="2")
    await write(client, "PATCH", "c", {"data": {"v": "2"}})
    await write(client, "POST", "e", cm("e"))
    await write(client, "POST", "f", cm("f"))
    assert store.oldest_revision > int(first["metadata"]["resourceVersion"])
    status, gone = await names(client, limit="2", **{"continue": first["metadata"]["continue"]})
    assert status == 410
    assert gone["reason"] == "Expired" and gone["code"] == 410
    assert gone["message"] == INCONSISTENT
    fresh = gone["metadata"]["continue"]
    # The fresh token goes on after "b" at the latest state: the change and new objects show.
    status, rest = await names(client, limit="10", **{"continue": fresh})
    assert status == 200
    assert listed(rest) == [("c", {"v": "2"}), ("d", {"v": "1"}), ("e", {}), ("f", {})]
    assert rest["metadata"]["resourceVersion"] == str(store.revision)


async def test_resource_version_match_exact_and_not_older_than(make: MakeClient) -> None:
    client, store = await make()
    await write(client, "POST", "a", cm("a", v="1"))
    _, then = await names(client)
    rv = then["metadata"]["resourceVersion"]
    await write(client, "PATCH", "a", {"data": {"v": "2"}})
    await write(client, "POST", "b", cm("b"))

    status, exact = await names(client, resourceVersion=rv, resourceVersionMatch="Exact")
    assert status == 200 and exact["metadata"]["resourceVersion"] == rv
    assert listed(exact) == [("a", {"v": "1"})]
    status, paged = await names(client, resourceVersion=rv, limit="1")  # no match + limit: exact
    assert listed(paged) == [("a", {"v": "1"})] and paged["metadata"]["resourceVersion"] == rv

    status, newer = await names(client, resourceVersion=rv, resourceVersionMatch="NotOlderThan")
    assert status == 200 and listed(newer) == [("a", {"v": "2"}), ("b", {})]
    assert newer["metadata"]["resourceVersion"] == str(store.revision)


async def test_exact_beyond_the_history_is_410(make: MakeClient) -> None:
    client, store = await make(history_min_events=1, history_min_seconds=0.0)
    await write(client, "POST", "a", cm("a"))
    rv = str(store.revision)
    for name in ("b", "c", "d"):
        await write(client, "POST", name, cm(name))
    status, body = await names(client, resourceVersion=rv, resourceVersionMatch="Exact")
    assert status == 410
    assert body["reason"] == "Expired"
    assert body["message"] == "The resourceVersion for the provided list is too old."
    assert body["metadata"] == {}


async def test_a_resource_version_beyond_uint64_is_invalid(make: MakeClient) -> None:
    """strconv.ParseUint's range error, as kube's versioner reports it (not a 504 wait)."""
    client, _ = await make()
    status, body = await names(client, resourceVersion="18446744073709551616")
    assert status == 422
    assert (
        'strconv.ParseUint: parsing "18446744073709551616": value out of range' in body["message"]
    )
    status, _ = await names(client, resourceVersion="18446744073709551615", limit="1")
    assert status == 504  # in range, but the store will not get there: kube's too-large wait
