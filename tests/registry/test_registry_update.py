"""update and patch: concurrency, subresources, generation, immutability, no-op writes, patches."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.registry import Registry
from registry.registry_helpers import (
    CONFIGMAPS,
    DEPLOYMENTS,
    NAMESPACES,
    PODS,
    SECRETS,
    WIDGETS,
    W,
    configmap,
    pod,
)

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "d"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "d"}},
        "template": {
            "metadata": {"labels": {"app": "d"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    },
}
MERGE = "application/merge-patch+json"
JSON = "application/json-patch+json"
SMP = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


async def test_optimistic_concurrency(registry: Registry) -> None:
    created = (await registry.create(CONFIGMAPS, "default", configmap("cm", a="1"), W)).object
    stale = dict(created, data={"a": "2"})
    fresh = (await registry.update(CONFIGMAPS, "default", "cm", stale, W)).object
    assert fresh["data"] == {"a": "2"}
    assert int(fresh["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    with pytest.raises(StatusError) as e:
        await registry.update(CONFIGMAPS, "default", "cm", dict(created, data={"a": "3"}), W)
    assert (e.value.code, e.value.reason, e.value.message) == (
        409,
        "Conflict",
        'Operation cannot be fulfilled on configmaps "cm": the object has been modified; please '
        "apply your changes to the latest version and try again",
    )
    assert e.value.details == {"name": "cm", "kind": "configmaps"}
    unconditional = configmap("cm", a="4")
    res = await registry.update(CONFIGMAPS, "default", "cm", unconditional, W)
    assert res.object["data"] == {"a": "4"}
    assert res.object["metadata"]["uid"] == created["metadata"]["uid"]
    assert res.object["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]


async def test_update_errors(registry: Registry) -> None:
    with pytest.raises(StatusError) as e:
        await registry.update(CONFIGMAPS, "default", "cm", configmap("other"), W)
    assert (e.value.code, e.value.message) == (
        400,
        "the name of the object (other) does not match the name on the URL (cm)",
    )
    with pytest.raises(StatusError) as e:
        await registry.update(CONFIGMAPS, "default", "cm", configmap("cm"), W)
    assert (e.value.code, e.value.message) == (404, 'configmaps "cm" not found')
    await registry.create(CONFIGMAPS, "default", configmap("cm"), W)
    bad = configmap("cm")
    bad["metadata"]["uid"] = "other"  # type: ignore[index]
    with pytest.raises(StatusError) as e:
        await registry.update(CONFIGMAPS, "default", "cm", bad, W)
    assert (e.value.code, e.value.message) == (
        422,
        'ConfigMap "cm" is invalid: metadata.uid: Invalid value: "other": field is immutable',
    )


async def test_noop_update_does_not_write(registry: Registry) -> None:
    created = (await registry.create(CONFIGMAPS, "default", configmap("cm", a="1"), W)).object
    rev = registry.store.revision
    res = await registry.update(CONFIGMAPS, "default", "cm", created, W)
    assert registry.store.revision == rev
    assert res.object == created


async def test_generation_and_status_subresource(registry: Registry) -> None:
    created = (await registry.create(DEPLOYMENTS, "default", DEPLOYMENT, W)).object
    assert created["metadata"]["generation"] == 1 and created["status"] == {}
    with_status = dict(created, status={"replicas": 5})
    res = await registry.update(DEPLOYMENTS, "default", "d", with_status, W)
    assert res.object["status"] == {} and res.object["metadata"]["generation"] == 1
    res = await registry.update(DEPLOYMENTS, "default", "d", with_status, W, subresource="status")
    assert res.object["status"] == {"replicas": 5}
    assert res.object["metadata"]["generation"] == 1
    entry = res.object["metadata"]["managedFields"][-1]
    assert entry.get("subresource") == "status"
    changed = json.loads(json.dumps(res.object))
    changed["spec"]["replicas"] = 3
    changed["status"] = {}
    res = await registry.update(DEPLOYMENTS, "default", "d", changed, W)
    assert res.object["metadata"]["generation"] == 2
    assert res.object["status"] == {"replicas": 5}  # main resource keeps the stored status
    labelled = json.loads(json.dumps(res.object))
    labelled["metadata"]["labels"] = {"x": "y"}
    res = await registry.update(DEPLOYMENTS, "default", "d", labelled, W)
    assert res.object["metadata"]["generation"] == 2  # metadata only


async def test_immutable_configmap_and_secret(registry: Registry) -> None:
    body = configmap("cm", a="1")
    body["immutable"] = True
    await registry.create(CONFIGMAPS, "default", body, W)
    with pytest.raises(StatusError) as e:
        await registry.update(CONFIGMAPS, "default", "cm", dict(body, data={"a": "2"}), W)
    assert e.value.message == (
        'ConfigMap "cm" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    )
    await registry.create(SECRETS, "default", {"metadata": {"name": "s"}, "type": "Opaque"}, W)
    with pytest.raises(StatusError) as e:
        await registry.update(SECRETS, "default", "s", {"metadata": {"name": "s"}, "type": "x"}, W)
    assert e.value.message == 'Secret "s" is invalid: type: Invalid value: "x": field is immutable'


async def test_custom_resources_need_resource_version(registry: Registry) -> None:
    body = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    await registry.create(WIDGETS, "default", body, W)
    with pytest.raises(StatusError) as e:
        await registry.update(WIDGETS, "default", "w", dict(body, spec={"a": 1}), W)
    assert (e.value.code, e.value.message) == (
        422,
        'widgets.example.com "w" is invalid: metadata.resourceVersion: Invalid value: 0: must be '
        "specified for an update",
    )


async def test_dry_run_update(registry: Registry) -> None:
    await registry.create(CONFIGMAPS, "default", configmap("cm", a="1"), W)
    rev = registry.store.revision
    res = await registry.update(
        CONFIGMAPS, "default", "cm", configmap("cm", a="2"), WriteOptions(dry_run=True)
    )
    assert res.object["data"] == {"a": "2"} and registry.store.revision == rev
    assert (await registry.get(CONFIGMAPS, "default", "cm"))["data"] == {"a": "1"}


async def test_merge_patch_and_precondition(registry: Registry) -> None:
    created = (await registry.create(CONFIGMAPS, "default", configmap("cm", a="1"), W)).object
    body = json.dumps({"metadata": {"labels": {"x": "y"}}, "data": {"a": None, "b": "2"}}).encode()
    res = await registry.patch(CONFIGMAPS, "default", "cm", MERGE, body, W)
    assert res.object["data"] == {"b": "2"} and res.object["metadata"]["labels"] == {"x": "y"}
    stale = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"]}}
    with pytest.raises(StatusError) as e:
        await registry.patch(CONFIGMAPS, "default", "cm", MERGE, json.dumps(stale).encode(), W)
    assert e.value.reason == "Conflict"
    with pytest.raises(StatusError) as e:
        await registry.patch(CONFIGMAPS, "default", "nope", MERGE, b"{}", W)
    assert e.value.code == 404


async def test_json_patch(registry: Registry) -> None:
    await registry.create(CONFIGMAPS, "default", configmap("cm", a="1"), W)
    ops = [{"op": "replace", "path": "/data/a", "value": "2"}]
    res = await registry.patch(CONFIGMAPS, "default", "cm", JSON, json.dumps(ops).encode(), W)
    assert res.object["data"] == {"a": "2"}
    bad = [{"op": "remove", "path": "/data/zzz"}]
    with pytest.raises(StatusError) as e:
        await registry.patch(CONFIGMAPS, "default", "cm", JSON, json.dumps(bad).encode(), W)
    assert e.value.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server rejected our request due to an error in our request",
        "reason": "Invalid",
        "details": {},
        "code": 422,
    }


async def test_strategic_merge_patch(registry: Registry) -> None:
    await registry.create(DEPLOYMENTS, "default", DEPLOYMENT, W)
    body = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}}}
    res = await registry.patch(
        DEPLOYMENTS,
        "default",
        "d",
        SMP,
        json.dumps(body).encode(),
        WriteOptions(field_manager="kubectl-set"),
    )
    containers = res.object["spec"]["template"]["spec"]["containers"]
    # The defaulted imagePullPolicy of "nginx" stays (as on a cluster after `kubectl set image`).
    assert [(c["name"], c["image"], c["imagePullPolicy"]) for c in containers] == [
        ("c", "nginx:2", "Always")
    ]
    assert res.object["metadata"]["generation"] == 2
    managers = [m["manager"] for m in res.object["metadata"]["managedFields"]]
    assert sorted(managers) == ["kubectl-set", "test"]  # by time, then name (kube)


async def test_patch_content_types(registry: Registry) -> None:
    await registry.create(CONFIGMAPS, "default", configmap("cm"), W)
    with pytest.raises(StatusError) as e:
        await registry.patch(CONFIGMAPS, "default", "cm", "application/json", b"{}", W)
    assert e.value.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "415: Unsupported Media Type",
        "reason": "UnsupportedMediaType",
        "details": {},
        "code": 415,
    }
    res = await registry.patch(
        CONFIGMAPS, "default", "cm", MERGE + "; charset=utf-8", b'{"data":{"k":"v"}}', W
    )
    assert res.object["data"] == {"k": "v"}
    body = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    await registry.create(WIDGETS, "default", body, W)
    with pytest.raises(StatusError) as e:
        await registry.patch(WIDGETS, "default", "w", SMP, b"{}", W)
    assert (e.value.code, e.value.message) == (
        415,
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    )


async def test_server_side_apply(registry: Registry) -> None:
    opts = WriteOptions(field_manager="kubectl", field_manager_given=True)
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: '1'\n  b: '2'\n"
    res = await registry.patch(CONFIGMAPS, "default", "cm", APPLY, manifest.encode(), opts)
    assert res.created and res.object["data"] == {"a": "1", "b": "2"}
    assert res.object["metadata"]["managedFields"][0]["operation"] == "Apply"
    again = manifest.replace("  b: '2'\n", "")
    res = await registry.patch(CONFIGMAPS, "default", "cm", APPLY, again.encode(), opts)
    assert not res.created and res.object["data"] == {"a": "1"}  # b no longer applied: removed
    with pytest.raises(StatusError) as e:
        await registry.patch(CONFIGMAPS, "default", "cm", APPLY, again.encode(), W)
    assert e.value.code == 422


async def test_finalizer_removal_completes_deletion(registry: Registry) -> None:
    body = configmap("cm")
    body["metadata"]["finalizers"] = ["example.com/hold"]  # type: ignore[index]
    await registry.create(CONFIGMAPS, "default", body, W)
    out, code = await registry.delete(CONFIGMAPS, "default", "cm", DeleteOptions())
    assert code == 200 and out["metadata"]["deletionTimestamp"]
    assert out["metadata"]["deletionGracePeriodSeconds"] == 0
    add = json.dumps({"metadata": {"finalizers": ["example.com/hold", "x.io/new"]}}).encode()
    with pytest.raises(StatusError) as e:
        await registry.patch(CONFIGMAPS, "default", "cm", MERGE, add, W)
    assert "no new finalizers can be added if the object is being deleted" in e.value.message
    res = await registry.patch(
        CONFIGMAPS, "default", "cm", MERGE, b'{"metadata":{"finalizers":null}}', W
    )
    assert res.object["metadata"]["name"] == "cm"
    with pytest.raises(StatusError):
        await registry.get(CONFIGMAPS, "default", "cm")


async def test_namespace_finalize(registry: Registry) -> None:
    await registry.create(NAMESPACES, "", {"metadata": {"name": "team"}}, W)
    await registry.create(PODS, "team", pod("web"), W)
    out, code = await registry.delete(NAMESPACES, "", "team", DeleteOptions())
    assert code == 200 and out["status"]["phase"] == "Terminating"
    assert out["metadata"]["deletionTimestamp"] and out["spec"]["finalizers"] == ["kubernetes"]
    # the main resource cannot drop spec.finalizers; only the finalize subresource can
    ns = await registry.get(NAMESPACES, "", "team")
    ns["spec"]["finalizers"] = []
    res = await registry.update(NAMESPACES, "", "team", ns, W)
    assert res.object["spec"]["finalizers"] == ["kubernetes"]
    res = await registry.update(NAMESPACES, "", "team", ns, W, subresource="finalize")
    with pytest.raises(StatusError) as e:
        await registry.get(NAMESPACES, "", "team")
    assert e.value.code == 404
