"""Service allocations under concurrent writes on the durable store: a write shows in the store
only once committed, so the Registry runs Service writes one at a time (kube's allocators are
atomic); two creates never share a cluster IP or a node port."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.core.errors import StatusError
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.sqlite import SqliteStore
from registry.registry_helpers import SERVICES

W = WriteOptions(field_manager="test")


def service(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"ports": [{"port": 80}], **spec},
    }


async def test_concurrent_creates_asking_for_one_address(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    await store.start()
    try:
        registry = install(Registry(store, Catalog.builtin()))
        await bootstrap(registry)
        results = await asyncio.gather(
            *(
                registry.create(SERVICES, "default", service(f"s{i}", clusterIP="10.96.7.7"), W)
                for i in range(4)
            ),
            return_exceptions=True,
        )
        created = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, StatusError)]
        assert len(created) == 1
        assert len(refused) == 3
        assert all("provided IP is already allocated" in e.message for e in refused)

        ports = await asyncio.gather(
            *(
                registry.create(
                    SERVICES,
                    "default",
                    service(f"np{i}", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]),
                    W,
                )
                for i in range(3)
            ),
            return_exceptions=True,
        )
        assert sum(not isinstance(r, BaseException) for r in ports) == 1
        with pytest.raises(StatusError) as e:
            await registry.create(SERVICES, "default", service("late", clusterIP="10.96.7.7"), W)
        assert e.value.code == 422
    finally:
        await store.close()
