"""fieldValidation (Strict / Warn / Ignore) on create, update and every patch type: unknown and
duplicate fields at several depths, type mismatches, and the exact texts kube-apiserver answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakekapi.catalog.schemas import kind_type
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic import fieldvalidation as fv
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry
from registry.registry_helpers import DEPLOYMENTS, PODS, SERVICES, WIDGETS, W, pod

STRICT = W._replace(field_validation="Strict")
WARN = W._replace(field_validation="Warn")
IGNORE = W._replace(field_validation="Ignore")
POD_PREFIX = 'Pod in version "v1" cannot be handled as a Pod: '
SMP = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSONPATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"


def pod_dict(name: str) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(json.dumps(pod(name)))
    return obj


def with_unknown(where: str) -> dict[str, Any]:
    """A pod with an unknown field `foo` at `where` (a path into the pod)."""
    obj = pod_dict("web")
    node: Any = obj
    for part in where.split(".") if where else []:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node["foo"] = 1
    return obj


UNKNOWN_CASES = [
    ("", "foo"),
    ("metadata", "metadata.foo"),
    ("spec", "spec.foo"),
    ("spec.containers.0", "spec.containers[0].foo"),
    ("spec.containers.0.resources", "spec.containers[0].resources.foo"),
    ("spec.securityContext", "spec.securityContext.foo"),
]


# -- create -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("where", "path"), UNKNOWN_CASES)
async def test_create_strict_unknown_field(registry: Registry, where: str, path: str) -> None:
    with pytest.raises(StatusError) as e:
        await registry.create(PODS, "default", with_unknown(where), STRICT)
    assert (e.value.code, e.value.reason) == (400, "BadRequest")
    assert e.value.message == f'{POD_PREFIX}strict decoding error: unknown field "{path}"'


@pytest.mark.parametrize(("where", "path"), UNKNOWN_CASES)
async def test_create_warn_drops_and_warns(registry: Registry, where: str, path: str) -> None:
    result = await registry.create(PODS, "default", with_unknown(where), WARN)
    assert result.warnings == [f'unknown field "{path}"']
    assert "foo" not in json.dumps(result.object)
    stored = await registry.get(PODS, "default", "web")
    assert "foo" not in json.dumps(stored)


@pytest.mark.parametrize(("where", "path"), UNKNOWN_CASES)
async def test_create_ignore_drops_silently(registry: Registry, where: str, path: str) -> None:
    result = await registry.create(PODS, "default", with_unknown(where), IGNORE)
    assert result.warnings == []
    assert "foo" not in json.dumps(result.object)


async def test_default_is_warn(registry: Registry) -> None:
    assert WriteOptions().field_validation == "Warn"
    result = await registry.create(PODS, "default", with_unknown("spec"), WriteOptions())
    assert result.warnings == ['unknown field "spec.foo"']


async def test_several_errors_in_document_order(registry: Registry) -> None:
    obj = pod_dict("web")
    obj["spec"] = {"zeta": 1, "containers": [{"name": "c", "image": "i", "bar": 2}], "alpha": 3}
    with pytest.raises(StatusError) as e:
        await registry.create(PODS, "default", obj, STRICT)
    assert e.value.message == (
        f"{POD_PREFIX}strict decoding error: "
        'unknown field "spec.zeta", unknown field "spec.containers[0].bar", '
        'unknown field "spec.alpha"'
    )


async def test_duplicate_fields_need_the_raw_body(registry: Registry) -> None:
    """The conformance test's body: unknown and duplicate fields, in document order."""
    raw = b"""{"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "my-dep", "labels": {"app": "nginx"}},
      "spec": {"unknownField": "foo", "replicas": 2, "replicas": 3,
        "selector": {"matchLabels": {"app": "nginx"}},
        "template": {"metadata": {"labels": {"app": "nginx"}},
          "spec": {"containers": [{"name": "nginx", "image": "nginx:latest"}]}}}}"""
    obj = json.loads(raw)
    with pytest.raises(StatusError) as e:
        await registry.create(DEPLOYMENTS, "default", obj, STRICT, raw=raw)
    assert e.value.message == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.unknownField", duplicate field "spec.replicas"'
    )
    result = await registry.create(DEPLOYMENTS, "default", obj, WARN, raw=raw)
    assert result.warnings == [
        'unknown field "spec.unknownField"',
        'duplicate field "spec.replicas"',
    ]
    assert result.object["spec"]["replicas"] == 3


@pytest.mark.parametrize("missing", ["apiVersion", "kind"])
async def test_a_duplicate_is_found_when_the_body_lacks_apiversion_or_kind(
    registry: Registry, missing: str
) -> None:
    """The handler fills a missing apiVersion or kind in from the URL before the registry sees
    the object: one key more there, one duplicate more in the text, and the counts match."""
    body: dict[str, Any] = {"apiVersion": "apps/v1", "kind": "Deployment"}
    del body[missing]
    head = json.dumps(body)[:-1]
    raw = (
        head + ', "metadata": {"name": "a", "name": "b"}, "spec": {"replicas": 1,'
        ' "selector": {"matchLabels": {"app": "x"}}, "template": {"metadata": {"labels":'
        ' {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}'
    ).encode()
    obj = {**json.loads(raw), **{missing: "apps/v1" if missing == "apiVersion" else "Deployment"}}
    with pytest.raises(StatusError) as e:
        await registry.create(DEPLOYMENTS, "default", obj, STRICT, raw=raw)
    assert e.value.message.endswith('strict decoding error: duplicate field "metadata.name"')
    result = await registry.create(DEPLOYMENTS, "default", obj, WARN, raw=raw)
    assert result.warnings == ['duplicate field "metadata.name"']
    assert result.object["metadata"]["name"] == "b"


def test_duplicates_in_maps_and_lists() -> None:
    root = kind_type("", "v1", "Pod")
    assert root is not None
    raw = (
        b'{"metadata": {"labels": {"a": "1", "a": "2"}},'
        b' "spec": {"containers": [{"name": "c", "name": "d", "image": "i"}]}}'
    )
    d = fv.decode(root, fv.parse_pairs(raw))
    assert d.strict == [
        'duplicate field "metadata.labels.a"',
        'duplicate field "spec.containers[0].name"',
    ]
    assert d.value["metadata"]["labels"] == {"a": "2"}
    assert d.value["spec"]["containers"][0]["name"] == "d"


async def test_free_form_fields_are_kept(registry: Registry) -> None:
    """Labels/annotations maps, RawExtension and IntOrString content are never unknown."""
    obj = pod_dict("web")
    obj["metadata"]["annotations"] = {"anything.io/x": "y"}
    obj["spec"]["containers"][0]["livenessProbe"] = {"httpGet": {"port": "http", "path": "/"}}
    result = await registry.create(PODS, "default", obj, STRICT)
    assert result.warnings == []
    assert result.object["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] == "http"


async def test_custom_resources_untouched(registry: Registry) -> None:
    obj = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"anything": {"goes": [1, 2]}},
    }
    result = await registry.create(WIDGETS, "default", obj, STRICT)
    assert result.object["spec"] == {"anything": {"goes": [1, 2]}}
    assert result.warnings == []


@pytest.mark.parametrize(
    ("container", "message"),
    [
        (
            {"name": "c", "image": "i", "ports": [{"containerPort": "80"}]},
            "json: cannot unmarshal string into Go struct field "
            "ContainerPort.spec.containers.ports.containerPort of type int32",
        ),
        (
            {"name": "c", "image": 5},
            "json: cannot unmarshal number into Go struct field Container.spec.containers.image "
            "of type string",
        ),
        (
            {"name": "c", "image": "i", "ports": {"containerPort": 80}},
            "json: cannot unmarshal object into Go struct field Container.spec.containers.ports "
            "of type []v1.ContainerPort",
        ),
        (
            {"name": "c", "image": "i", "ports": [{"containerPort": 1.5}]},
            "json: cannot unmarshal number 1.5 into Go struct field "
            "ContainerPort.spec.containers.ports.containerPort of type int32",
        ),
        (
            {"name": "c", "image": "i", "stdin": "yes"},
            "json: cannot unmarshal string into Go struct field Container.spec.containers.stdin "
            "of type bool",
        ),
    ],
)
@pytest.mark.parametrize("opts", [STRICT, IGNORE])
async def test_type_mismatch_is_400_whatever_the_directive(
    registry: Registry, container: dict[str, Any], message: str, opts: WriteOptions
) -> None:
    obj = pod_dict("web")
    obj["spec"]["containers"] = [container]
    with pytest.raises(StatusError) as e:
        await registry.create(PODS, "default", obj, opts)
    assert (e.value.code, e.value.message) == (400, POD_PREFIX + message)


# -- update -------------------------------------------------------------------------------------


async def test_update_strict_and_warn(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    obj = with_unknown("spec.containers.0")
    with pytest.raises(StatusError) as e:
        await registry.update(PODS, "default", "web", obj, STRICT)
    assert e.value.message == (
        f'{POD_PREFIX}strict decoding error: unknown field "spec.containers[0].foo"'
    )
    result = await registry.update(PODS, "default", "web", obj, WARN)
    assert result.warnings == ['unknown field "spec.containers[0].foo"']
    assert "foo" not in result.object["spec"]["containers"][0]


# -- patches ------------------------------------------------------------------------------------


SERVICE = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}


def invalid_patch(shown: str, detail: str) -> str:
    return f' "" is invalid: patch: Invalid value: {json.dumps(shown)}: {detail}'


async def test_strategic_patch_strict_message(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    body = {"spec": {"foo": 1, "containers": [{"name": "c", "bar": "x"}]}}
    with pytest.raises(StatusError) as e:
        await registry.patch(PODS, "default", "web", SMP, json.dumps(body).encode(), STRICT)
    err = e.value
    assert (err.code, err.reason) == (422, "Invalid")
    # the converter's errors come sorted; the value is the patch map as Go's %+v prints it
    detail = (
        'strict decoding error: unknown field "spec.containers[0].bar", unknown field "spec.foo"'
    )
    assert err.message == invalid_patch(
        "map[spec:map[containers:[map[bar:x name:c]] foo:1]]", detail
    )
    assert err.details == {
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": err.message.split("patch: ", 1)[1],
                "field": "patch",
            }
        ]
    }


async def test_strategic_patch_warn_and_ignore(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    body = json.dumps({"spec": {"foo": 1, "containers": [{"name": "c", "image": "x"}]}}).encode()
    result = await registry.patch(PODS, "default", "web", SMP, body, WARN)
    assert result.warnings == ['unknown field "spec.foo"']
    assert "foo" not in result.object["spec"]
    assert result.object["spec"]["containers"][0]["image"] == "x"
    result = await registry.patch(PODS, "default", "web", SMP, body, IGNORE)
    assert result.warnings == []


async def test_strategic_patch_duplicates_come_first(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    body = b'{"metadata": {"labels": {"a": "1", "a": "2"}}, "spec": {"zzz": true}}'
    result = await registry.patch(PODS, "default", "web", SMP, body, WARN)
    assert result.warnings == ['duplicate field "metadata.labels.a"', 'unknown field "spec.zzz"']
    assert result.object["metadata"]["labels"] == {"a": "2"}


async def test_unknown_dollar_keys_are_unknown_fields(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    body = b'{"spec": {"$foo": "x"}}'
    result = await registry.patch(PODS, "default", "web", SMP, body, WARN)
    assert result.warnings == ['unknown field "spec.$foo"']


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("abc", "unrecognized type: int32"),
        (1.5, "cannot convert float64 to int32"),
    ],
)
async def test_strategic_patch_type_errors(registry: Registry, value: Any, detail: str) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    body = {"spec": {"activeDeadlineSeconds": value}}
    with pytest.raises(StatusError) as e:
        await registry.patch(PODS, "default", "web", SMP, json.dumps(body).encode(), IGNORE)
    shown = fv.go_format(body)
    assert e.value.message == invalid_patch(shown, detail).replace("int32", "int64")


async def test_merge_patch_strict_message(registry: Registry) -> None:
    await registry.create(SERVICES, "default", SERVICE, W)
    body = b'{"spec": {"foo": 1}}'
    with pytest.raises(StatusError) as e:
        await registry.patch(SERVICES, "default", "s", MERGE, body, STRICT)
    assert e.value.code == 422
    prefix = ' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"v1\\",'
    assert e.value.message.startswith(prefix)
    assert e.value.message.endswith('": strict decoding error: unknown field "spec.foo"')
    result = await registry.patch(SERVICES, "default", "s", MERGE, body, WARN)
    assert result.warnings == ['unknown field "spec.foo"']
    assert "foo" not in result.object["spec"]


async def test_merge_patch_duplicates(registry: Registry) -> None:
    await registry.create(SERVICES, "default", SERVICE, W)
    body = b'{"metadata": {"labels": {"x": "1"}, "labels": {"y": "2"}}}'
    result = await registry.patch(SERVICES, "default", "s", MERGE, body, WARN)
    assert result.warnings == ['duplicate field "metadata.labels"']


async def test_json_patch_strict_errors(registry: Registry) -> None:
    await registry.create(PODS, "default", pod("web"), W)
    body = b'[{"op": "add", "path": "/spec/foo", "value": 1, "bogus": 2}]'
    result = await registry.patch(PODS, "default", "web", JSONPATCH, body, WARN)
    assert result.warnings == ['json patch unknown field "[0].bogus"', 'unknown field "spec.foo"']
    with pytest.raises(StatusError) as e:
        await registry.patch(PODS, "default", "web", JSONPATCH, body, STRICT)
    assert e.value.message.endswith(
        ': strict decoding error: json patch unknown field "[0].bogus", unknown field "spec.foo"'
    )


async def test_apply_refuses_undeclared_fields(registry: Registry) -> None:
    """Server-side apply's typed conversion: a 500 with no reason, whatever the directive."""
    obj = with_unknown("spec.containers.0")
    obj["spec"]["bar"] = {"x": 1}
    opts = IGNORE._replace(field_manager_given=True)
    with pytest.raises(StatusError) as e:
        await registry.patch(PODS, "default", "web", APPLY, json.dumps(obj).encode(), opts)
    assert (e.value.code, e.value.reason) == (500, "")
    assert e.value.message == (
        "failed to create typed patch object (default/web; /v1, Kind=Pod): errors:\n"
        "  .spec.bar: field not declared in schema\n"
        '  .spec.containers[name="c"].foo: field not declared in schema'
    )
    ok = json.dumps(pod_dict("web")).encode()
    result = await registry.patch(PODS, "default", "web", APPLY, ok, opts)
    assert result.created


def test_go_format() -> None:
    value = {"b": [1, "x", None, True], "a": {"z": 1.5, "y": 1e21}}
    assert fv.go_format(value) == "map[a:map[y:1e+21 z:1.5] b:[1 x <nil> true]]"
