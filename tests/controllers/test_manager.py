"""The controller manager: controllers' identities, and a clean stop."""

from __future__ import annotations

import asyncio

from controllers.controller_harness import create, eventually, items
from fakekapi.controllers.manager import ControllerManager
from fakekapi.controllers.names import parse
from fakekapi.registry.registry import Registry


async def test_controllers_service_accounts_exist(
    registry: Registry, manager: ControllerManager
) -> None:
    async def created() -> None:
        names = {
            sa["metadata"]["name"]
            for sa in await items(registry, "", "v1", "serviceaccounts", "kube-system")
        }
        assert {
            "deployment-controller",
            "replicaset-controller",
            "daemon-set-controller",
            "job-controller",
            "statefulset-controller",
            "endpointslice-controller",
            "persistent-volume-binder",
        } <= names

    await eventually(created)


async def test_only_selected_controllers_run(registry: Registry) -> None:
    m = ControllerManager.start(registry, parse(["job,-deployment"]))
    try:
        assert [c.name for c in m.controllers] == ["job-controller"]
        await asyncio.wait_for(m.wait_synced(), 5)
    finally:
        await m.stop()
    assert m.idle()


async def test_an_existing_identity_is_kept_and_the_missing_ones_made(registry: Registry) -> None:
    """Looked up before created (getOrCreateServiceAccount): the one already there keeps its
    resourceVersion and labels; the one missing is created."""
    kept = await create(
        registry,
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": "job-controller",
                "namespace": "kube-system",
                "labels": {"a": "b"},
            },
        },
    )
    m = ControllerManager.start(registry, parse(["job,deployment"]))
    try:

        async def made() -> None:
            by_name = {
                sa["metadata"]["name"]: sa
                for sa in await items(registry, "", "v1", "serviceaccounts", "kube-system")
            }
            assert "deployment-controller" in by_name
            job = by_name["job-controller"]["metadata"]
            assert job["resourceVersion"] == kept["metadata"]["resourceVersion"]
            assert job["labels"] == {"a": "b"}

        await eventually(made)
    finally:
        await m.stop()
