"""Issue 10's validation table over HTTP: bodies kube refuses while decoding them into the Go
types (400, `<Kind> in version "v1" cannot be handled as a <Kind>: ...`) or while validating
them (422), in JSON and YAML, and nothing stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from fakekapi.testing import ServerHandle, running_server

QUANTITY_RE = "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server() as s:
        yield s


def _deployment(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
            **spec,
        },
    }


CMS = "/api/v1/namespaces/default/configmaps"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"

CASES = [
    (
        CMS,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "b64"},
            "binaryData": {"k": "%%"},
        },
        400,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input '
        "byte 0",
    ),
    (
        CMS,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "ts", "creationTimestamp": "yesterday"},
        },
        400,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "yesterday" as '
        '"2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    ),
    (
        DEPLOYS,
        _deployment(
            "cpu",
            template={
                "metadata": {"labels": {"app": "cpu"}},
                "spec": {
                    "containers": [
                        {"name": "c", "image": "x", "resources": {"limits": {"cpu": "lots"}}}
                    ]
                },
            },
        ),
        400,
        'Deployment in version "v1" cannot be handled as a Deployment: quantities must match the '
        f"regular expression {QUANTITY_RE}",
    ),
    (
        DEPLOYS,
        _deployment("surge", strategy={"rollingUpdate": {"maxSurge": {"a": 1}}}),
        400,
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
        "object into Go value of type int32",
    ),
    (
        DEPLOYS,
        _deployment(
            "bogus",
            selector={
                "matchLabels": {"app": "bogus"},
                "matchExpressions": [{"key": "k", "operator": "Bogus"}],
            },
        ),
        422,
        'Deployment.apps "bogus" is invalid: [spec.selector.matchExpressions[0].operator: Invalid '
        'value: "Bogus": not a valid selector operator, spec.selector: Invalid value: '
        'v1.LabelSelector{MatchLabels:map[string]string{"app":"bogus"}, MatchExpressions:'
        '[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"k", Operator:"Bogus", '
        "Values:[]string(nil)}}}: invalid label selector]",
    ),
]


@pytest.mark.parametrize(("path", "body", "code", "message"), CASES)
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_refused(
    server: ServerHandle, path: str, body: dict[str, Any], code: int, message: str, fmt: str
) -> None:
    if fmt == "json":
        data, ctype = json.dumps(body).encode(), "application/json"
    else:
        data, ctype = yaml.safe_dump(body).encode(), "application/yaml"
    status, _, raw = server.request("POST", path, body=data, headers={"Content-Type": ctype})
    answer = json.loads(raw)
    assert (status, answer["kind"], answer["code"]) == (code, "Status", code)
    assert answer["message"] == message
    name = body["metadata"]["name"]
    status, _, _ = server.request("GET", f"{path}/{name}")
    assert status == 404
