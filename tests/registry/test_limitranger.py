"""The LimitRanger admission plugin: what kube-apiserver stores and answers for pods and claims
in a namespace with LimitRanges (plugin/pkg/admission/limitranger/admission.go; the messages are
its constraint functions' texts wrapped in admission.NewForbidden)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.registry.registry import Registry
from registry.registry_helpers import PODS, W, rtype

LIMITRANGES = rtype("", "v1", "limitranges")
PVCS = rtype("", "v1", "persistentvolumeclaims")


async def limit_range(registry: Registry, name: str, *items: dict[str, Any]) -> None:
    body = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": name}}
    await registry.create(LIMITRANGES, "default", {**body, "spec": {"limits": list(items)}}, W)


def pod(name: str, *resources: dict[str, Any], **spec: Any) -> dict[str, Any]:
    containers = [
        {"name": f"c{i}", "image": "nginx", "resources": r} for i, r in enumerate(resources)
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": containers or [{"name": "c0", "image": "nginx"}], **spec},
    }


async def refused(registry: Registry, body: dict[str, Any]) -> str:
    with pytest.raises(StatusError) as e:
        await registry.create(PODS, "default", body, W)
    assert e.value.code == 403
    assert e.value.reason == "Forbidden"
    return e.value.message


async def test_defaults_fill_what_containers_leave_out(registry: Registry) -> None:
    await limit_range(
        registry,
        "defaults",
        {"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"}},
    )
    await limit_range(
        registry, "requests", {"type": "Container", "defaultRequest": {"cpu": "100m"}}
    )
    body = pod("web", {}, {"limits": {"cpu": "1"}})
    body["spec"]["initContainers"] = [{"name": "init", "image": "busybox"}]
    stored = (await registry.create(PODS, "default", body, W)).object
    spec = stored["spec"]
    # The first LimitRange's defaultRequest defaults to its default (SetDefaults_LimitRangeItem).
    assert spec["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "256Mi"},
        "requests": {"cpu": "500m", "memory": "256Mi"},
    }
    assert spec["containers"][1]["resources"] == {
        "limits": {"cpu": "1", "memory": "256Mi"},
        "requests": {"cpu": "1", "memory": "256Mi"},
    }
    assert spec["initContainers"][0]["resources"]["limits"] == {"cpu": "500m", "memory": "256Mi"}
    # Each LimitRange that set something writes the annotation anew: the second set nothing.
    assert stored["metadata"]["annotations"] == {
        "kubernetes.io/limit-ranger": "LimitRanger plugin set: cpu, memory request for container "
        "c0; cpu, memory limit for container c0; memory request for container c1; memory limit "
        "for container c1; cpu, memory request for init container init; cpu, memory limit for "
        "init container init"
    }


async def test_container_min_max_and_ratio(registry: Registry) -> None:
    await limit_range(
        registry,
        "bounds",
        {
            "type": "Container",
            "max": {"cpu": "1", "memory": "1Gi"},
            "min": {"cpu": "50m"},
            "maxLimitRequestRatio": {"cpu": "2"},
        },
    )
    big = pod("big", {"limits": {"cpu": "2"}, "requests": {"cpu": "1500m"}})
    assert await refused(registry, big) == (
        'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2'
    )
    tiny = pod("tiny", {"limits": {"cpu": "100m", "memory": "2Gi"}, "requests": {"cpu": "10m"}})
    assert await refused(registry, tiny) == (
        'pods "tiny" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, '
        "maximum memory usage per Container is 1Gi, but limit is 2Gi, cpu max limit to request "
        "ratio per Container is 2, but provided ratio is 10.000000]"
    )
    fine = pod("fine", {"limits": {"cpu": "200m"}, "requests": {"cpu": "100m"}})
    stored = (await registry.create(PODS, "default", fine, W)).object
    # The max defaults the limit (and so the request) of what the container leaves out.
    assert stored["spec"]["containers"][0]["resources"]["limits"] == {
        "cpu": "200m",
        "memory": "1Gi",
    }


async def test_pod_totals_and_generate_name(registry: Registry) -> None:
    await limit_range(registry, "per-pod", {"type": "Pod", "max": {"cpu": "1", "memory": "1Gi"}})
    body = pod(
        "",
        {"limits": {"cpu": "600m", "memory": "512Mi"}},
        {"limits": {"cpu": "600m", "memory": "256Mi"}},
    )
    body["metadata"] = {"generateName": "web-"}
    # Validating admission runs inside the store's create, after BeforeCreate named the pod.
    assert re.fullmatch(
        r'pods "web-[bcdfghjklmnpqrstvwxz2456789]{5}" is forbidden: maximum cpu usage per Pod '
        r"is 1, but limit is 1200m",
        await refused(registry, body),
    )
    no_limits = pod("free", {})
    assert await refused(registry, no_limits) == (
        'pods "free" is forbidden: [maximum cpu usage per Pod is 1.  No limit is specified, '
        "maximum memory usage per Pod is 1Gi.  No limit is specified]"
    )


async def test_pod_updates_are_not_judged(registry: Registry) -> None:
    created = (await registry.create(PODS, "default", pod("old", {}), W)).object
    await limit_range(registry, "later", {"type": "Pod", "max": {"cpu": "1"}})
    created["metadata"]["labels"] = {"touched": "yes"}
    updated = (await registry.update(PODS, "default", "old", created, W)).object
    assert updated["metadata"]["labels"] == {"touched": "yes"}


async def test_claim_storage_bounds(registry: Registry) -> None:
    await limit_range(
        registry,
        "storage",
        {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "10Gi"}},
    )

    def claim(name: str, size: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
            },
        }

    for size, message in (
        ("20Gi", "maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi"),
        ("500Mi", "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"),
    ):
        with pytest.raises(StatusError) as e:
            await registry.create(PVCS, "default", claim("c", size), W)
        assert (e.value.code, e.value.message) == (
            403,
            f'persistentvolumeclaims "c" is forbidden: {message}',
        )
    stored = (await registry.create(PVCS, "default", claim("ok", "5Gi"), W)).object
    assert stored["spec"]["resources"]["requests"] == {"storage": "5Gi"}
    stored["spec"]["resources"]["requests"]["storage"] = "50Gi"
    with pytest.raises(StatusError) as e:
        await registry.update(PVCS, "default", "ok", stored, W)
    assert e.value.message == (
        'persistentvolumeclaims "ok" is forbidden: maximum storage usage per '
        "PersistentVolumeClaim is 10Gi, but request is 50Gi"
    )
