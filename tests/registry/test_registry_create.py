"""create: type and namespace checks, system metadata, generateName, validation, dry run."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.core.user import UserInfo
from fakekapi.registry.admission import Attributes
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.registry import Registry
from registry.registry_helpers import (
    CLUSTERROLES,
    CONFIGMAPS,
    DEPLOYMENTS,
    NAMESPACES,
    PODS,
    SECRETS,
    SERVICES,
    WIDGETS,
    W,
    configmap,
    pod,
)

TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


async def test_create_sets_system_metadata(registry: Registry) -> None:
    body = pod("web", app="x")
    body["metadata"].update(  # type: ignore[attr-defined]
        {
            "uid": "mine",
            "creationTimestamp": "2000-01-01T00:00:00Z",
            "deletionTimestamp": "2000-01-01T00:00:00Z",
        }
    )
    body["status"] = {"phase": "Running"}
    res = await registry.create(PODS, "default", body, W)
    md = res.object["metadata"]
    assert res.created
    assert md["uid"] != "mine" and re.fullmatch(r"[0-9a-f-]{36}", md["uid"])
    assert (
        TS.fullmatch(md["creationTimestamp"]) and md["creationTimestamp"] != "2000-01-01T00:00:00Z"
    )
    assert "deletionTimestamp" not in md
    assert md["namespace"] == "default"
    assert md["generation"] == 1
    assert md["resourceVersion"] == str(registry.store.revision)
    assert res.object["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    entry = md["managedFields"][0]
    assert (entry["manager"], entry["operation"], entry["fieldsType"]) == (
        "test",
        "Update",
        "FieldsV1",
    )
    assert entry["fieldsV1"]["f:metadata"]["f:labels"] == {".": {}, "f:app": {}}
    assert list(res.object)[:3] == ["kind", "apiVersion", "metadata"]  # Go's TypeMeta order
    assert await registry.get(PODS, "default", "web") == res.object


async def test_no_generation_for_configmaps(registry: Registry) -> None:
    res = await registry.create(CONFIGMAPS, "default", configmap("cm", a="1"), W)
    assert "generation" not in res.object["metadata"]
    assert "status" not in res.object


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is '
            'registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
        ),
        (
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}},
            'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to '
            "(core.ConfigMap): unknown conversion",
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "x", "namespace": "kube"},
            },
            "the namespace of the provided object does not match the namespace sent on the request",
        ),
    ],
)
async def test_create_bad_requests(registry: Registry, body: dict[str, Any], message: str) -> None:
    with pytest.raises(StatusError) as e:
        await registry.create(CONFIGMAPS, "default", body, W)
    assert (e.value.code, e.value.reason, e.value.message) == (400, "BadRequest", message)


async def test_api_version_mismatch_same_kind(registry: Registry) -> None:
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    from registry.registry_helpers import rtype

    hpa_v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {}}
    with pytest.raises(StatusError) as e:
        await registry.create(
            rtype("autoscaling", "v2", "horizontalpodautoscalers"), "default", hpa_v1, W
        )
    assert e.value.message == (
        "the API version in the data (autoscaling/v1) does not match the expected API version "
        "(autoscaling/v2)"
    )
    assert body  # deployments of apps/v1 are fine


async def test_resource_version_on_create_is_refused(registry: Registry) -> None:
    body = configmap("cm")
    body["metadata"]["resourceVersion"] = "5"  # type: ignore[index]
    with pytest.raises(StatusError) as e:
        await registry.create(CONFIGMAPS, "default", body, W)
    assert e.value.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "resourceVersion should not be set on objects to be created",
        "code": 500,
    }


async def test_namespace_must_exist(registry: Registry) -> None:
    with pytest.raises(StatusError) as e:
        await registry.create(CONFIGMAPS, "nope", configmap("cm"), W)
    assert e.value.to_status()["details"] == {"name": "nope", "kind": "namespaces"}
    assert (e.value.code, e.value.message) == (404, 'namespaces "nope" not found')


async def test_terminating_namespace_refuses_content(registry: Registry) -> None:
    await registry.create(NAMESPACES, "", {"metadata": {"name": "gone"}}, W)
    await registry.create(PODS, "gone", pod("before"), W)  # admitted while the namespace is live
    await registry.delete(NAMESPACES, "", "gone", DeleteOptions())
    with pytest.raises(StatusError) as e:
        await registry.create(PODS, "gone", pod("web"), W)
    assert e.value.code == 403
    assert e.value.message == (
        'pods "web" is forbidden: unable to create new content in namespace gone because it is '
        "being terminated"
    )
    assert e.value.details == {
        "name": "web",
        "kind": "pods",
        "causes": [
            {
                "reason": "NamespaceTerminating",
                "message": "namespace gone is being terminated",
                "field": "metadata.namespace",
            }
        ],
    }


async def test_generate_name(registry: Registry) -> None:
    body = {"metadata": {"generateName": "web-"}, "data": {}}
    res = await registry.create(CONFIGMAPS, "default", body, W)
    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", res.object["metadata"]["name"])


async def test_generate_name_exhausted(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    import fakekapi.registry.registry as mod

    monkeypatch.setattr(mod, "generate_name", lambda prefix: prefix + "aaaaa")
    await registry.create(CONFIGMAPS, "default", {"metadata": {"generateName": "x-"}}, W)
    with pytest.raises(StatusError) as e:
        await registry.create(CONFIGMAPS, "default", {"metadata": {"generateName": "x-"}}, W)
    assert e.value.code == 409
    assert e.value.message == (
        'configmaps "x-aaaaa" already exists, the server was not able to generate a unique name '
        "for the object"
    )


async def test_already_exists(registry: Registry) -> None:
    await registry.create(CONFIGMAPS, "default", configmap("cm"), W)
    with pytest.raises(StatusError) as e:
        await registry.create(CONFIGMAPS, "default", configmap("cm"), W)
    assert (e.value.code, e.value.reason, e.value.message) == (
        409,
        "AlreadyExists",
        'configmaps "cm" already exists',
    )


@pytest.mark.parametrize(
    ("rt", "body", "message"),
    [
        (
            CONFIGMAPS,
            {"metadata": {}},
            'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is '
            "required",
        ),
        (
            PODS,
            {"metadata": {"name": "web"}, "spec": {}},
            'Pod "web" is invalid: spec.containers: Required value',
        ),
        (
            PODS,
            {"metadata": {"name": "web"}, "spec": {"containers": [{"name": "c"}]}},
            'Pod "web" is invalid: spec.containers[0].image: Required value',
        ),
        (
            SERVICES,
            {"metadata": {"name": "a.b"}, "spec": {"ports": [{"port": 80}]}},
            'Service "a.b" is invalid: metadata.name: Invalid value: "a.b": a DNS-1035 label must '
            "consist of lower case alphanumeric characters or '-', start with an alphabetic "
            "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
            "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ),
        (
            NAMESPACES,
            {"metadata": {"name": "a.b"}},
            'Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain '
            "dots",
        ),
        (
            DEPLOYMENTS,
            {
                "metadata": {"name": "d"},
                "spec": {
                    "template": {
                        "metadata": {"labels": {"app": "x"}},
                        "spec": {"containers": [{"name": "c", "image": "i"}]},
                    }
                },
            },
            'Deployment.apps "d" is invalid: [spec.selector: Required value, '
            'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: '
            "`selector` does not match template `labels`]",
        ),
    ],
)
async def test_validation(registry: Registry, rt: Any, body: dict[str, Any], message: str) -> None:
    with pytest.raises(StatusError) as e:
        await registry.create(rt, "" if rt is NAMESPACES else "default", body, W)
    assert (e.value.code, e.value.reason, e.value.message) == (422, "Invalid", message)
    assert e.value.details is not None and e.value.details["kind"] == rt.kind


async def test_rbac_names_may_contain_colons(registry: Registry) -> None:
    body = {"metadata": {"name": "system:controller:x"}, "rules": []}
    res = await registry.create(CLUSTERROLES, "", body, W)
    assert res.object["metadata"]["name"] == "system:controller:x"
    assert "namespace" not in res.object["metadata"]


async def test_dry_run_stores_nothing(registry: Registry) -> None:
    rev = registry.store.revision
    res = await registry.create(
        CONFIGMAPS, "default", configmap("cm", a="1"), WriteOptions(dry_run=True, field_manager="m")
    )
    assert res.object["data"] == {"a": "1"} and res.object["metadata"]["uid"]
    assert "resourceVersion" not in res.object["metadata"]
    assert registry.store.revision == rev
    with pytest.raises(StatusError):
        await registry.get(CONFIGMAPS, "default", "cm")


async def test_namespace_defaults(registry: Registry) -> None:
    res = await registry.create(NAMESPACES, "", {"metadata": {"name": "team"}}, W)
    assert res.object["spec"] == {"finalizers": ["kubernetes"]}
    assert res.object["status"] == {"phase": "Active"}
    assert res.object["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team"}


async def test_secret_string_data(registry: Registry) -> None:
    body = {"metadata": {"name": "s"}, "stringData": {"token": "abc"}}
    res = await registry.create(SECRETS, "default", body, W)
    assert res.object["data"] == {"token": "YWJj"} and "stringData" not in res.object
    assert res.object["type"] == "Opaque"


async def test_custom_resource_kind_mismatch(registry: Registry) -> None:
    body = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "w"}}
    with pytest.raises(StatusError) as e:
        await registry.create(WIDGETS, "default", body, W)
    assert e.value.code == 422
    assert (
        e.value.message
        == 'Widget.example.com "w" is invalid: kind: Invalid value: "Gadget": must be Widget'
    )


async def test_hooks_see_writes_and_may_refuse(registry: Registry) -> None:
    seen: list[tuple[str, str | None]] = []

    async def hook(attrs: Attributes) -> None:
        obj, user = attrs.obj, attrs.user
        seen.append((attrs.operation, user.name if user else None))
        if obj is not None:
            obj["metadata"].setdefault("labels", {})["hooked"] = "yes"
            if obj["metadata"]["name"] == "bad":
                raise StatusError(403, "Forbidden", "no")

    registry.admission.append(hook)
    alice = UserInfo("alice")
    res = await registry.create(CONFIGMAPS, "default", configmap("cm"), W, user=alice)
    assert res.object["metadata"]["labels"] == {"hooked": "yes"}
    with pytest.raises(StatusError):
        await registry.create(CONFIGMAPS, "default", configmap("bad"), W, user=alice)
    await registry.delete(CONFIGMAPS, "default", "cm", DeleteOptions(), user=alice)
    assert seen == [("CREATE", "alice"), ("CREATE", "alice"), ("DELETE", "alice")]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (
            {"name": 5},
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
            "number into Go struct field ObjectMeta.metadata.name of type string",
        ),
        (
            {"name": "x", "labels": {"a": 1}},
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
            "number into Go struct field ObjectMeta.metadata.labels of type string",
        ),
    ],
)
async def test_undecodable_metadata(registry: Registry, metadata: Any, message: str) -> None:
    with pytest.raises(StatusError) as e:
        await registry.create(CONFIGMAPS, "default", {"metadata": metadata}, W)
    assert (e.value.code, e.value.message) == (400, message)


async def test_non_object_body(registry: Registry) -> None:
    with pytest.raises(StatusError) as e:
        await registry.create(CONFIGMAPS, "default", [1], W)  # type: ignore[arg-type]
    assert e.value.code == 400
    assert e.value.message.startswith(
        "the object provided is unrecognized (must be of type ConfigMap)"
    )
