"""list (selectors, pagination, resourceVersion semantics) and delete (responses, preconditions,
finalizers, namespaces, deletecollection)."""

from __future__ import annotations

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import DeleteOptions, ListOptions
from fakekapi.registry.registry import Registry
from registry.registry_helpers import (
    CONFIGMAPS,
    EVENTS,
    NAMESPACES,
    PODS,
    SECRETS,
    W,
    configmap,
    pod,
)


async def _pods(registry: Registry, n: int = 5) -> None:
    for i in range(n):
        await registry.create(
            PODS, "default", pod(f"p{i}", idx=str(i), tier="a" if i % 2 else "b"), W
        )


async def test_list_shape(registry: Registry) -> None:
    await _pods(registry, 2)
    out = await registry.list(PODS, "default", ListOptions())
    assert (out["kind"], out["apiVersion"]) == ("PodList", "v1")
    assert out["metadata"] == {"resourceVersion": str(registry.store.revision)}
    assert [p["metadata"]["name"] for p in out["items"]] == ["p0", "p1"]
    assert "kind" not in out["items"][0]  # built-in list items carry no TypeMeta
    empty = await registry.list(CONFIGMAPS, "other", ListOptions())
    assert empty["items"] == [] and empty["metadata"]["resourceVersion"]


@pytest.mark.parametrize(
    ("labels", "fields", "names"),
    [
        ("tier=a", "", ["p1", "p3"]),
        ("tier!=a,idx notin (0)", "", ["p2", "p4"]),
        ("idx>2", "", ["p3", "p4"]),
        ("", "metadata.name=p2", ["p2"]),
        ("", "metadata.name=p", []),
        ("", "metadata.name=p4,metadata.namespace=default", ["p4"]),
        ("", "metadata.name!=p2,metadata.namespace=default", ["p0", "p1", "p3", "p4"]),
        ("", "status.phase=Pending", ["p0", "p1", "p2", "p3", "p4"]),
        ("", "spec.nodeName=", ["p0", "p1", "p2", "p3", "p4"]),
        ("tier=a", "metadata.name=p3", ["p3"]),
    ],
)
async def test_list_selectors(
    registry: Registry, labels: str, fields: str, names: list[str]
) -> None:
    await _pods(registry)
    out = await registry.list(PODS, "", ListOptions(label_selector=labels, field_selector=fields))
    assert [p["metadata"]["name"] for p in out["items"]] == names


async def test_unsupported_field(registry: Registry) -> None:
    with pytest.raises(StatusError) as e:
        await registry.list(CONFIGMAPS, "default", ListOptions(field_selector="spec.x=1"))
    assert (e.value.code, e.value.message) == (400, "field label not supported: spec.x")
    await registry.list(SECRETS, "default", ListOptions(field_selector="type=Opaque"))
    await registry.list(EVENTS, "default", ListOptions(field_selector="involvedObject.name=x"))


async def test_pagination(registry: Registry) -> None:
    await _pods(registry)
    first = await registry.list(PODS, "default", ListOptions(limit=2))
    rv = first["metadata"]["resourceVersion"]
    assert [p["metadata"]["name"] for p in first["items"]] == ["p0", "p1"]
    assert first["metadata"]["remainingItemCount"] == 3
    await registry.create(CONFIGMAPS, "default", configmap("bump"), W)
    second = await registry.list(
        PODS, "default", ListOptions(limit=2, continue_token=first["metadata"]["continue"])
    )
    assert [p["metadata"]["name"] for p in second["items"]] == ["p2", "p3"]
    assert second["metadata"]["resourceVersion"] == rv
    third = await registry.list(
        PODS, "default", ListOptions(limit=2, continue_token=second["metadata"]["continue"])
    )
    assert [p["metadata"]["name"] for p in third["items"]] == ["p4"]
    assert "continue" not in third["metadata"]
    with pytest.raises(StatusError) as e:
        await registry.list(
            PODS,
            "default",
            ListOptions(
                limit=2, continue_token=first["metadata"]["continue"], resource_version="3"
            ),
        )
    assert (e.value.code, e.value.message) == (
        400,
        "specifying resource version is not allowed when using continue",
    )
    selected = await registry.list(PODS, "default", ListOptions(limit=1, label_selector="tier=a"))
    assert "remainingItemCount" not in selected["metadata"] and selected["metadata"]["continue"]
    everything = await registry.list(PODS, "default", ListOptions(limit=2, resource_version="0"))
    assert len(everything["items"]) == 5 and "continue" not in everything["metadata"]


async def test_list_resource_versions(registry: Registry) -> None:
    with pytest.raises(StatusError) as e:
        await registry.list(PODS, "default", ListOptions(resource_version="999"))
    assert (e.value.code, e.value.reason) == (504, "Timeout")
    assert e.value.message == (
        f"Timeout: Too large resource version: 999, current: {registry.store.revision}"
    )
    with pytest.raises(StatusError) as e:
        await registry.list(PODS, "default", ListOptions(resource_version="x"))
    assert e.value.code == 422


async def test_delete_responses(registry: Registry) -> None:
    cm = (await registry.create(CONFIGMAPS, "default", configmap("cm"), W)).object
    out, code = await registry.delete(CONFIGMAPS, "default", "cm", DeleteOptions())
    assert code == 200
    assert out == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "cm", "kind": "configmaps", "uid": cm["metadata"]["uid"]},
    }
    await registry.create(PODS, "default", pod("web"), W)
    out, code = await registry.delete(PODS, "default", "web", DeleteOptions())
    assert out["kind"] == "Pod" and out["metadata"]["name"] == "web"
    assert int(out["metadata"]["resourceVersion"]) == registry.store.revision
    with pytest.raises(StatusError) as e:
        await registry.delete(PODS, "default", "web", DeleteOptions())
    assert (e.value.code, e.value.message) == (404, 'pods "web" not found')


async def test_delete_preconditions(registry: Registry) -> None:
    cm = (await registry.create(CONFIGMAPS, "default", configmap("cm1"), W)).object
    with pytest.raises(StatusError) as e:
        await registry.delete(CONFIGMAPS, "default", "cm1", DeleteOptions(preconditions_uid="X"))
    assert (e.value.code, e.value.reason) == (409, "Conflict")
    assert e.value.message == (
        'Operation cannot be fulfilled on configmaps "cm1": StorageError: invalid object, Code: 4, '
        "Key: /registry/configmaps/default/cm1, ResourceVersion: 0, AdditionalErrorMsg: "
        f"Precondition failed: UID in precondition: X, UID in object meta: {cm['metadata']['uid']}"
    )
    with pytest.raises(StatusError) as e:
        await registry.delete(
            CONFIGMAPS, "default", "cm1", DeleteOptions(preconditions_resource_version="1")
        )
    assert "ResourceVersion in precondition: 1, ResourceVersion in object meta:" in e.value.message
    await registry.delete(
        CONFIGMAPS, "default", "cm1", DeleteOptions(preconditions_uid=cm["metadata"]["uid"])
    )


async def test_delete_dry_run(registry: Registry) -> None:
    await registry.create(CONFIGMAPS, "default", configmap("cm"), W)
    rev = registry.store.revision
    out, _ = await registry.delete(CONFIGMAPS, "default", "cm", DeleteOptions(dry_run=True))
    assert out["status"] == "Success" and registry.store.revision == rev
    await registry.get(CONFIGMAPS, "default", "cm")


async def test_delete_with_finalizers_keeps_object(registry: Registry) -> None:
    body = configmap("cm")
    body["metadata"]["finalizers"] = ["example.com/x"]  # type: ignore[index]
    await registry.create(CONFIGMAPS, "default", body, W)
    out, code = await registry.delete(CONFIGMAPS, "default", "cm", DeleteOptions())
    assert code == 200 and out["kind"] == "ConfigMap"
    again, _ = await registry.delete(CONFIGMAPS, "default", "cm", DeleteOptions())
    assert again["metadata"]["deletionTimestamp"] == out["metadata"]["deletionTimestamp"]
    assert (await registry.get(CONFIGMAPS, "default", "cm"))["metadata"]["finalizers"]


async def test_immortal_namespaces(registry: Registry) -> None:
    with pytest.raises(StatusError) as e:
        await registry.delete(NAMESPACES, "", "default", DeleteOptions())
    assert (e.value.code, e.value.message) == (
        403,
        'namespaces "default" is forbidden: this namespace may not be deleted',
    )


async def test_delete_collection(registry: Registry) -> None:
    await _pods(registry)
    out = await registry.delete_collection(
        PODS, "default", ListOptions(label_selector="tier=a"), DeleteOptions()
    )
    assert out["kind"] == "PodList"
    assert [p["metadata"]["name"] for p in out["items"]] == ["p1", "p3"]
    left = await registry.list(PODS, "default", ListOptions())
    assert [p["metadata"]["name"] for p in left["items"]] == ["p0", "p2", "p4"]
