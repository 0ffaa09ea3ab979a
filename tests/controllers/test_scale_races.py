"""A scale patch racing a controller's write to the same object applies again, as kube's
GuaranteedUpdate does, rather than failing with 409 (seen with the deployment controller)."""

from __future__ import annotations

import json

from controllers.controller_harness import create, pod_template, rt
from fakekapi.registry.admission import Attributes
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry


async def test_scale_patch_retries_after_a_concurrent_status_write(registry: Registry) -> None:
    deployments = rt(registry, "apps", "v1", "deployments")
    await create(
        registry,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": pod_template({"app": "web"}),
            },
        },
    )
    raced: list[bool] = []

    async def concurrent_writer(attrs: Attributes) -> None:
        # Runs inside the scale write, after it read the object: a status write lands.
        if attrs.rt is deployments and not raced:
            raced.append(True)
            current = await registry.get(deployments, "default", "web")
            current["status"] = {"observedGeneration": 1}
            await registry.update(
                deployments, "default", "web", current, WriteOptions(), subresource="status"
            )

    registry.admission.append(concurrent_writer)
    try:
        result = await registry.patch(
            deployments, "default", "web", "application/merge-patch+json",
            json.dumps({"spec": {"replicas": 3}}).encode(), WriteOptions(), subresource="scale",
        )  # fmt: skip
    finally:
        registry.admission.remove(concurrent_writer)
    assert raced
    assert result.object["spec"]["replicas"] == 3
    stored = await registry.get(deployments, "default", "web")
    assert stored["spec"]["replicas"] == 3 and stored["status"] == {"observedGeneration": 1}
