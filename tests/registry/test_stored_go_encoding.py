"""Bodies through the kinds' Go types in the registry: what is stored, and the bodies kube
refuses while decoding (400) or validating (422).

Messages: encoding/base64 CorruptInputError, time.Parse's ParseError, resource.Quantity's
ErrFormatWrong, intstr.IntOrString.UnmarshalJSON's json error, and ValidateLabelSelector
(apimachinery pkg/apis/meta/v1/validation) with LabelSelectorAsSelector's "invalid label
selector" in ValidateDeploymentSpec (kubernetes pkg/apis/apps/validation).
"""

from __future__ import annotations

from typing import Any

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry
from registry.registry_helpers import CONFIGMAPS, DEPLOYMENTS, PODS, W, rtype

RCS = rtype("", "v1", "replicationcontrollers")
QUANTITY_RE = "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


def _deployment(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
            **spec,
        },
    }


async def test_stored_objects_follow_the_go_types(registry: Registry) -> None:
    rc = {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "rc"},
        "spec": {
            "selector": {"app": "rc"},
            "template": {
                "metadata": {"labels": {"app": "rc"}},
                "spec": {
                    "containers": [
                        {"name": "c", "image": "x", "resources": {"limits": {"memory": "1.5Gi"}}}
                    ]
                },
            },
        },
    }
    obj = (await registry.create(RCS, "default", rc, W)).object
    assert list(obj)[:2] == ["kind", "apiVersion"]
    assert obj["status"] == {"replicas": 0}
    tmpl = obj["spec"]["template"]
    assert tmpl["metadata"]["creationTimestamp"] is None
    assert tmpl["spec"]["containers"][0]["resources"] == {"limits": {"memory": "1536Mi"}}
    assert await registry.get(RCS, "default", "rc") == obj


async def test_unchanged_put_of_the_stored_object_is_a_no_op(registry: Registry) -> None:
    created = (await registry.create(DEPLOYMENTS, "default", _deployment(), W)).object
    again = await registry.update(DEPLOYMENTS, "default", "web", dict(created), W)
    assert again.object["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


CM: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap"}


@pytest.mark.parametrize(
    ("rt", "body", "message"),
    [
        (
            CONFIGMAPS,
            {**CM, "metadata": {"name": "a"}, "binaryData": {"k": "!!!"}},
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at '
            "input byte 0",
        ),
        (
            CONFIGMAPS,
            {**CM, "metadata": {"name": "a", "creationTimestamp": "yesterday"}},
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time '
            '"yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
        ),
        (
            PODS,
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "a"},
                "spec": {
                    "containers": [
                        {"name": "c", "image": "x", "resources": {"limits": {"cpu": "lots"}}}
                    ]
                },
            },
            'Pod in version "v1" cannot be handled as a Pod: quantities must match the regular '
            f"expression {QUANTITY_RE}",
        ),
        (
            DEPLOYMENTS,
            _deployment(strategy={"rollingUpdate": {"maxSurge": {"a": 1}}}),
            'Deployment in version "v1" cannot be handled as a Deployment: json: cannot '
            "unmarshal object into Go value of type int32",
        ),
    ],
)
async def test_bodies_the_go_types_refuse_are_400(
    registry: Registry, rt: Any, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(StatusError) as e:
        await registry.create(rt, "default", body, W)
    assert (e.value.code, e.value.message) == (400, message)
    with pytest.raises(StatusError):
        await registry.get(rt, "default", body["metadata"]["name"])


async def test_a_patch_to_a_bad_quantity_is_422(registry: Registry) -> None:
    await registry.create(DEPLOYMENTS, "default", _deployment(), W)
    patch = (
        b'{"spec":{"template":{"spec":{"containers":[{"name":"c",'
        b'"resources":{"limits":{"cpu":"lots"}}}]}}}}'
    )
    with pytest.raises(StatusError) as e:
        await registry.patch(
            DEPLOYMENTS,
            "default",
            "web",
            "application/strategic-merge-patch+json",
            patch,
            WriteOptions(field_manager="test"),
        )
    assert e.value.code == 422
    assert "quantities must match the regular expression" in e.value.message


async def test_selector_operator_bogus_is_422(registry: Registry) -> None:
    body = _deployment()
    body["spec"]["selector"] = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "Bogus"}],
    }
    with pytest.raises(StatusError) as e:
        await registry.create(DEPLOYMENTS, "default", body, W)
    assert e.value.code == 422
    assert e.value.message == (
        'Deployment.apps "web" is invalid: ['
        'spec.selector.matchExpressions[0].operator: Invalid value: "Bogus": not a valid '
        "selector operator, spec.selector: Invalid value: v1.LabelSelector{MatchLabels:"
        'map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement{'
        'v1.LabelSelectorRequirement{Key:"tier", Operator:"Bogus", Values:[]string(nil)}}}: '
        "invalid label selector]"
    )
