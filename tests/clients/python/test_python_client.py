"""The official Python client (`kubernetes` package) against a real server over TLS.

Everything goes through `load_kube_config()` with the admin kubeconfig the server wrote, so the
test exercises what a user's script does: typed CoreV1Api/AppsV1Api calls, selectors and
pagination, `watch.Watch().stream(...)` with resumption, the patch content types the client picks
from the body (dict → strategic merge, list → JSON patch), DeleteOptions, ApiException fields and
the dynamic client's discovery.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, config, dynamic, watch
from kubernetes.client.exceptions import ApiException
from narrow import as_dict, present
from polling import until

from fakekapi.testing import ServerHandle


@pytest.fixture(scope="module")
def api(server: ServerHandle) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(server.kubeconfig_path), client_configuration=cfg)
    with client.ApiClient(cfg) as api_client:
        yield api_client


@pytest.fixture
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


@pytest.fixture
def apps(api: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(api)


@pytest.fixture
def namespace(core: client.CoreV1Api, ns_name: str) -> str:
    """A new namespace, once the controllers have published kube-root-ca.crt into it (so that
    ConfigMap lists and watches see no late arrival)."""
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns_name)))

    def published() -> bool:
        return bool(core.list_namespaced_config_map(ns_name).items)

    until(published)
    return ns_name


def status_body(e: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(present(e.body))
    return body


def deployment(name: str, image: str = "nginx:1.27", replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": image},
                        {"name": "sidecar", "image": "busybox:1.36"},
                    ]
                },
            },
        },
    }


# --- namespaces ---


def test_namespace_crud(core: client.CoreV1Api, ns_name: str) -> None:
    created = core.create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=ns_name, labels={"team": "a"}))
    )
    assert present(created.metadata).name == ns_name
    assert present(created.metadata).uid
    assert present(created.metadata).labels == {"team": "a", "kubernetes.io/metadata.name": ns_name}
    assert present(created.status).phase == "Active"
    assert present(created.spec).finalizers == ["kubernetes"]

    got = core.read_namespace(ns_name)
    assert present(got.metadata).resource_version == present(created.metadata).resource_version

    listed = core.list_namespace(label_selector="team=a")
    assert [present(n.metadata).name for n in listed.items] == [ns_name]
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= {
        present(n.metadata).name for n in core.list_namespace().items
    }

    patched = core.patch_namespace(ns_name, {"metadata": {"labels": {"team": "b"}}})
    assert present(present(patched.metadata).labels)["team"] == "b"

    # The namespace controller empties it, then removes the `kubernetes` finalizer.
    core.create_namespaced_config_map(
        ns_name, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="left"))
    )
    # kube answers with the Namespace itself (now Terminating), which the client, expecting a
    # V1Status, hands back undecoded.
    deleted = as_dict(core.delete_namespace(ns_name))
    assert deleted["kind"] == "Namespace"
    assert deleted["status"]["phase"] == "Terminating"

    def gone() -> bool:
        try:
            core.read_namespace(ns_name)
        except ApiException as e:
            assert e.status == 404
            return True
        return False

    until(gone)


# --- configmaps: CRUD, selectors, pagination ---


def test_configmap_crud(core: client.CoreV1Api, namespace: str) -> None:
    cm = core.create_namespaced_config_map(
        namespace,
        client.V1ConfigMap(metadata=client.V1ObjectMeta(name="settings"), data={"a": "1"}),
    )
    assert isinstance(cm, client.V1ConfigMap)
    assert present(cm.metadata).namespace == namespace
    assert cm.data == {"a": "1"}
    assert int(present(present(cm.metadata).resource_version)) > 0

    cm.data["b"] = "2"
    replaced = core.replace_namespaced_config_map("settings", namespace, cm)
    assert replaced.data == {"a": "1", "b": "2"}
    assert int(present(present(replaced.metadata).resource_version)) > int(
        present(present(cm.metadata).resource_version)
    )

    read = core.read_namespaced_config_map("settings", namespace)
    assert read.data == {"a": "1", "b": "2"}

    # The client declares the answer as a plain object: the Status comes back as a dict.
    status = as_dict(core.delete_namespaced_config_map("settings", namespace))
    assert status["kind"] == "Status"
    assert status["status"] == "Success"
    assert status["details"]["uid"] == present(cm.metadata).uid
    with pytest.raises(ApiException) as err:
        core.read_namespaced_config_map("settings", namespace)
    assert err.value.status == 404


def test_list_with_selectors_and_pages(core: client.CoreV1Api, namespace: str) -> None:
    for i in range(7):
        core.create_namespaced_config_map(
            namespace,
            client.V1ConfigMap(
                metadata=client.V1ObjectMeta(
                    name=f"cm-{i}", labels={"parity": "even" if i % 2 == 0 else "odd", "i": str(i)}
                )
            ),
        )

    def names(items: list[client.V1ConfigMap]) -> list[str | None]:
        return [present(c.metadata).name for c in items]

    odd = core.list_namespaced_config_map(namespace, label_selector="parity=odd")
    assert names(odd.items) == ["cm-1", "cm-3", "cm-5"]
    some = core.list_namespaced_config_map(namespace, label_selector="i in (2,4),parity!=odd")
    assert names(some.items) == ["cm-2", "cm-4"]
    one = core.list_namespaced_config_map(namespace, field_selector="metadata.name=cm-6")
    assert names(one.items) == ["cm-6"]
    across = core.list_config_map_for_all_namespaces(
        field_selector=f"metadata.namespace={namespace},metadata.name!=kube-root-ca.crt"
    )
    assert len(across.items) == 7

    # remainingItemCount only comes with pages of an unfiltered list.
    whole = core.list_namespaced_config_map(namespace, limit=3)
    assert present(whole.metadata).remaining_item_count == 5  # + kube-root-ca.crt
    first = core.list_namespaced_config_map(namespace, label_selector="parity", limit=3)
    assert names(first.items) == ["cm-0", "cm-1", "cm-2"]
    assert present(first.metadata)._continue
    assert present(first.metadata).remaining_item_count is None
    seen = names(first.items)
    token = present(first.metadata)._continue
    while token:
        page = core.list_namespaced_config_map(
            namespace, label_selector="parity", limit=3, _continue=token
        )
        seen += names(page.items)
        token = present(page.metadata)._continue
    assert seen == [f"cm-{i}" for i in range(7)]

    with pytest.raises(ApiException) as err:
        core.list_namespaced_config_map(namespace, field_selector="data.a=1")
    assert err.value.status == 400
    assert status_body(err.value)["message"] == "field label not supported: data.a"


# --- secrets ---


def test_secret_crud(core: client.CoreV1Api, namespace: str) -> None:
    secret = core.create_namespaced_secret(
        namespace,
        client.V1Secret(
            metadata=client.V1ObjectMeta(name="creds"),
            string_data={"user": "admin"},
            data={"pw": "c2VjcmV0"},
        ),
    )
    assert secret.type == "Opaque"
    assert secret.data == {"user": "YWRtaW4=", "pw": "c2VjcmV0"}
    assert secret.string_data is None

    patched = core.patch_namespaced_secret("creds", namespace, {"data": {"pw": None}})
    assert patched.data == {"user": "YWRtaW4="}

    typed = core.list_namespaced_secret(namespace, field_selector="type=Opaque")
    assert [present(s.metadata).name for s in typed.items] == ["creds"]

    core.delete_namespaced_secret("creds", namespace)
    assert core.list_namespaced_secret(namespace, field_selector="type=Opaque").items == []


# --- deployments, patches, delete options ---


def test_deployment_crud_and_patches(apps: client.AppsV1Api, namespace: str) -> None:
    created = apps.create_namespaced_deployment(namespace, deployment("web"))  # type: ignore[arg-type]
    assert isinstance(created, client.V1Deployment)
    assert present(created.metadata).generation == 1
    spec = created.spec  # defaulted as kube 1.33 does
    assert present(spec.strategy).type == "RollingUpdate"
    assert present(present(spec.strategy).rolling_update).max_surge == "25%"
    assert spec.revision_history_limit == 10
    assert spec.progress_deadline_seconds == 600
    assert present(spec.template.spec).containers[0].image_pull_policy == "IfNotPresent"
    assert present(spec.template.spec).restart_policy == "Always"

    # A dict body: the client sends a strategic merge patch; containers merge by name.
    smp = apps.patch_namespaced_deployment(
        "web",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}},
    )
    containers = present(smp.spec.template.spec).containers
    assert [(c.name, c.image) for c in containers] == [
        ("web", "nginx:1.28"),
        ("sidecar", "busybox:1.36"),
    ]
    assert present(smp.metadata).generation == 2

    # A list body: a JSON patch.
    jp = apps.patch_namespaced_deployment(
        "web",
        namespace,
        [
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "remove", "path": "/spec/template/spec/containers/1"},
        ],
    )
    assert jp.spec.replicas == 3
    assert [c.name for c in present(jp.spec.template.spec).containers] == ["web"]

    # A JSON merge patch when asked for explicitly.
    mp = apps.patch_namespaced_deployment(
        "web",
        namespace,
        {"metadata": {"annotations": {"note": "merged"}}},
        _content_type="application/merge-patch+json",
    )
    assert (
        present(present(mp.metadata).annotations)["note"] == "merged"
    )  # the controller adds its revision

    # Server-side apply.
    applied = apps.patch_namespaced_deployment(
        "web",
        namespace,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"applied": "yes"}},
        },
        field_manager="python-test",
        _content_type="application/apply-patch+yaml",
    )
    assert present(present(applied.metadata).labels)["applied"] == "yes"
    assert "python-test" in [m.manager for m in present(present(applied.metadata).managed_fields)]

    scale = apps.read_namespaced_deployment_scale("web", namespace)
    assert present(scale.spec).replicas == 3
    apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": 2}})
    assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 2

    listed = apps.list_namespaced_deployment(namespace, label_selector="applied=yes")
    assert [present(d.metadata).name for d in listed.items] == ["web"]

    status = as_dict(
        apps.delete_namespaced_deployment(
            "web", namespace, propagation_policy="Background", grace_period_seconds=0
        )
    )
    assert status["status"] == "Success"
    assert apps.list_namespaced_deployment(namespace).items == []


def test_delete_with_options(
    core: client.CoreV1Api, apps: client.AppsV1Api, namespace: str
) -> None:
    apps.create_namespaced_deployment(namespace, deployment("orphaned"))  # type: ignore[arg-type]
    body = client.V1DeleteOptions(propagation_policy="Orphan")
    # With the Orphan policy the object is deleted through the `orphan` finalizer.
    apps.delete_namespaced_deployment("orphaned", namespace, body=body)

    def deleted() -> bool:
        try:
            apps.read_namespaced_deployment("orphaned", namespace)
        except ApiException as e:
            return bool(e.status == 404)
        return False

    until(deleted)

    # A finalizer keeps an object around with a deletionTimestamp until it is patched away.
    core.create_namespaced_config_map(
        namespace,
        client.V1ConfigMap(metadata=client.V1ObjectMeta(name="held", finalizers=["example.com/x"])),
    )
    core.delete_namespaced_config_map("held", namespace, propagation_policy="Foreground")
    held = core.read_namespaced_config_map("held", namespace)
    assert present(held.metadata).deletion_timestamp is not None
    assert "example.com/x" in present(present(held.metadata).finalizers)
    core.patch_namespaced_config_map(
        "held", namespace, [{"op": "remove", "path": "/metadata/finalizers"}]
    )

    def held_gone() -> bool:
        try:
            core.read_namespaced_config_map("held", namespace)
        except ApiException as e:
            return bool(e.status == 404)
        return False

    until(held_gone)

    # Preconditions: a stale uid is a 409 Conflict.
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="pre"))
    )
    with pytest.raises(ApiException) as err:
        core.delete_namespaced_config_map(
            "pre",
            namespace,
            body=client.V1DeleteOptions(preconditions=client.V1Preconditions(uid="nope")),
        )
    assert err.value.status == 409
    assert status_body(err.value)["reason"] == "Conflict"


# --- errors ---


def test_api_exceptions(core: client.CoreV1Api, namespace: str) -> None:
    with pytest.raises(ApiException) as err:
        core.read_namespaced_config_map("missing", namespace)
    e = err.value
    assert (e.status, e.reason) == (404, "Not Found")
    assert present(e.headers)["Content-Type"] == "application/json"
    assert status_body(e) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'configmaps "missing" not found',
        "reason": "NotFound",
        "details": {"name": "missing", "kind": "configmaps"},
        "code": 404,
    }

    cm = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="dup"))
    )
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="dup"))
        )
    assert (err.value.status, err.value.reason) == (409, "Conflict")
    body = status_body(err.value)
    assert body["reason"] == "AlreadyExists"
    assert body["message"] == 'configmaps "dup" already exists'

    core.patch_namespaced_config_map("dup", namespace, {"data": {"x": "1"}})
    cm.data = {"y": "2"}  # still carries the old resourceVersion
    with pytest.raises(ApiException) as err:
        core.replace_namespaced_config_map("dup", namespace, cm)
    body = status_body(err.value)
    assert (err.value.status, body["reason"]) == (409, "Conflict")
    assert body["message"] == (
        'Operation cannot be fulfilled on configmaps "dup": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )

    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="Bad_Name"))
        )
    assert (err.value.status, err.value.reason) == (422, "Unprocessable Entity")
    body = status_body(err.value)
    assert body["reason"] == "Invalid"
    assert body["details"]["kind"] == "ConfigMap"
    assert body["details"]["name"] == "Bad_Name"
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    assert body["message"].startswith(
        'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value'
    )

    with pytest.raises(ApiException) as err:
        core.patch_namespaced_config_map(
            "dup", namespace, [{"op": "test", "path": "/data/x", "value": "2"}]
        )
    assert err.value.status == 422
    assert status_body(err.value)["details"] == {}


# --- watch ---


def test_watch_stream_and_resume(core: client.CoreV1Api, namespace: str) -> None:
    start_rv = present(core.list_namespaced_config_map(namespace).metadata).resource_version
    events: list[tuple[str, str, str]] = []
    ready = threading.Event()

    def consume() -> None:
        w = watch.Watch()
        for ev in w.stream(
            core.list_namespaced_config_map,
            namespace,
            resource_version=start_rv,
            timeout_seconds=10,
        ):
            obj = ev["object"]
            assert isinstance(obj, client.V1ConfigMap)
            events.append(
                (
                    ev["type"],
                    present(present(obj.metadata).name),
                    present(present(obj.metadata).resource_version),
                )
            )
            if ev["type"] == "DELETED":
                w.stop()

    t = threading.Thread(target=consume)
    t.start()
    ready.set()
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w"), data={"v": "1"})
    )
    core.patch_namespaced_config_map("w", namespace, {"data": {"v": "2"}})
    core.delete_namespaced_config_map("w", namespace)
    t.join(15)
    assert not t.is_alive()
    assert [(typ, name) for typ, name, _ in events] == [
        ("ADDED", "w"),
        ("MODIFIED", "w"),
        ("DELETED", "w"),
    ]

    # Resuming from the ADDED event's resourceVersion replays only what came after it.
    resumed: list[str] = []
    w = watch.Watch()
    for ev in w.stream(
        core.list_namespaced_config_map,
        namespace,
        resource_version=events[0][2],
        timeout_seconds=2,
    ):
        resumed.append(ev["type"])
        if ev["type"] == "DELETED":
            w.stop()
    assert resumed == ["MODIFIED", "DELETED"]


def test_watch_from_now_with_bookmarks(core: client.CoreV1Api, namespace: str) -> None:
    """No resourceVersion: the current objects arrive as ADDED first (kube-root-ca.crt, pre)."""
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="pre"))
    )
    seen: list[tuple[str, str]] = []
    w = watch.Watch()
    for ev in w.stream(
        core.list_namespaced_config_map, namespace, allow_watch_bookmarks=True, timeout_seconds=5
    ):
        seen.append((ev["type"], ev["object"].metadata.name))
        if len(seen) == 2:
            w.stop()
    assert sorted(seen) == [("ADDED", "kube-root-ca.crt"), ("ADDED", "pre")]


def test_watch_list_is_refused_as_by_a_1_33_server(core: client.CoreV1Api, namespace: str) -> None:
    """sendInitialEvents needs the WatchList gate, off by default in 1.33."""
    with pytest.raises(ApiException) as err:
        for _ in watch.Watch().stream(
            core.list_namespaced_config_map,
            namespace,
            allow_watch_bookmarks=True,
            send_initial_events=True,
            resource_version_match="NotOlderThan",
            timeout_seconds=2,
        ):
            pass
    assert err.value.status == 422
    assert status_body(err.value)["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents '
        "is forbidden for watch unless the WatchList feature gate is enabled"
    )


# --- dynamic client ---


def test_dynamic_client(api: client.ApiClient, namespace: str) -> None:
    dyn = dynamic.DynamicClient(api)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    assert cms.namespaced
    assert cms.name == "configmaps"
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.group == "apps"
    assert "scale" in deployments.subresources

    created = cms.create(
        namespace=namespace,
        body={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "dyn"},
            "data": {"k": "v"},
        },
    )
    assert created.metadata.name == "dyn"
    got = cms.get(name="dyn", namespace=namespace)
    assert got.data.k == "v"
    listed = cms.get(namespace=namespace, label_selector="!missing")
    assert "dyn" in [i.metadata.name for i in listed.items]
    patched = cms.patch(
        name="dyn",
        namespace=namespace,
        body={"data": {"k": "w"}},
        content_type="application/merge-patch+json",
    )
    assert patched.data.k == "w"

    dep = deployments.create(namespace=namespace, body=deployment("dyn-web"))
    assert dep.spec.replicas == 1
    scale = deployments.subresources["scale"].get(name="dyn-web", namespace=namespace)
    assert scale.kind == "Scale"
    deployments.delete(name="dyn-web", namespace=namespace)
    cms.delete(name="dyn", namespace=namespace)

    nodes = dyn.resources.get(api_version="v1", kind="Node")
    assert not nodes.namespaced
    assert dyn.resources.get(api_version="rbac.authorization.k8s.io/v1", kind="ClusterRole")
    view = dyn.resources.get(api_version="rbac.authorization.k8s.io/v1", kind="ClusterRole").get(
        name="view"
    )
    assert view.metadata.name == "view"

    with pytest.raises(dynamic.exceptions.NotFoundError):
        cms.get(name="nope", namespace=namespace)
    with pytest.raises(dynamic.exceptions.ResourceNotFoundError):
        dyn.resources.get(api_version="v1", kind="NoSuchKind")


# --- custom resources with a scale subresource ---


def test_custom_resource_scale(api: client.ApiClient, namespace: str) -> None:
    group = "scaling.example.com"
    crds = client.ApiextensionsV1Api(api)
    crds.create_custom_resource_definition(
        {  # type: ignore[arg-type]
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": f"workers.{group}"},
            "spec": {
                "group": group,
                "scope": "Namespaced",
                "names": {"plural": "workers", "singular": "worker", "kind": "Worker"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "subresources": {
                            "status": {},
                            "scale": {
                                "specReplicasPath": ".spec.size",
                                "statusReplicasPath": ".status.ready",
                                "labelSelectorPath": ".status.selector",
                            },
                        },
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {
                                    "spec": {
                                        "type": "object",
                                        "properties": {"size": {"type": "integer"}},
                                    },
                                    "status": {
                                        "type": "object",
                                        "properties": {
                                            "ready": {"type": "integer"},
                                            "selector": {"type": "string"},
                                        },
                                    },
                                },
                            }
                        },
                    }
                ],
            },
        }
    )
    custom = client.CustomObjectsApi(api)

    def served() -> bool:
        try:
            custom.list_namespaced_custom_object(group, "v1", namespace, "workers")
        except ApiException:
            return False
        return True

    until(served)
    custom.create_namespaced_custom_object(
        group,
        "v1",
        namespace,
        "workers",
        {
            "apiVersion": f"{group}/v1",
            "kind": "Worker",
            "metadata": {"name": "w"},
            "spec": {"size": 2},
        },
    )
    custom.patch_namespaced_custom_object_status(
        group, "v1", namespace, "workers", "w", {"status": {"ready": 1, "selector": "app=w"}}
    )
    scale = as_dict(
        custom.get_namespaced_custom_object_scale(group, "v1", namespace, "workers", "w")
    )
    assert scale["kind"] == "Scale"
    assert scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 1, "selector": "app=w"}

    patched = as_dict(
        custom.patch_namespaced_custom_object_scale(
            group,
            "v1",
            namespace,
            "workers",
            "w",
            {"spec": {"replicas": 5}},
            _content_type="application/merge-patch+json",
        )
    )
    assert patched["spec"] == {"replicas": 5}
    worker = as_dict(custom.get_namespaced_custom_object(group, "v1", namespace, "workers", "w"))
    assert worker["spec"]["size"] == 5
    assert worker["metadata"]["generation"] == 2

    with pytest.raises(ApiException) as err:
        custom.patch_namespaced_custom_object_scale(
            group, "v1", namespace, "workers", "w", {"spec": {"replicas": -1}},
            _content_type="application/merge-patch+json",
        )  # fmt: skip
    assert err.value.status == 422
    assert status_body(err.value)["message"] == (
        'Scale.autoscaling "w" is invalid: spec.replicas: Invalid value: -1: '
        "must be greater than or equal to 0"
    )
