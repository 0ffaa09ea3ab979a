"""CRDs through real kubectl: apply, wait for Established, custom resources with printer
columns, short names, explain, schema errors, pruning, merge patches of the object and its
status, and `kubectl delete crd` taking the custom resources with it."""

from __future__ import annotations

import json
import re
import time

import pytest
from e2e.clients import Kubectl, table

from crd import manifests
from fakekapi.testing import ServerHandle


def minor_of(k: Kubectl) -> int:
    return int(k.binary.name.rsplit(".", 1)[1])


def setup_crd(kubectl: Kubectl, ns: str) -> None:
    kubectl("apply", "-f", "-", stdin=manifests.CRD_YAML)
    out = kubectl(
        "wait", "--for", "condition=established", f"crd/{manifests.CRD_NAME}", "--timeout=20s"
    ).out
    assert "condition met" in out
    if kubectl("get", "namespace", ns, check=False).code != 0:
        kubectl("create", "namespace", ns)


def ns_of(kubectl: Kubectl) -> str:
    return f"crd-{minor_of(kubectl)}"


def test_custom_resources_with_kubectl(kubectl: Kubectl) -> None:
    ns = ns_of(kubectl)
    setup_crd(kubectl, ns)
    out = kubectl("apply", "-n", ns, "-f", "-", stdin=manifests.crontab_yaml("my-cron", ns)).out
    assert out.strip() == "crontab.stable.example.com/my-cron created"
    rows = table(kubectl("get", "ct", "-n", ns).out)
    assert rows[0] == ["NAME", "SPEC", "REPLICAS", "AGE"]
    assert rows[1][:6] == ["my-cron", "*", "*", "*", "*", "*/5"]
    assert rows[1][6] == "1"  # the schema default
    # `all` category
    assert "crontab.stable.example.com/my-cron" in kubectl("get", "all", "-n", ns).out
    got = json.loads(kubectl("get", "crontab", "my-cron", "-n", ns, "-o", "json").out)
    assert got["spec"] == {"cronSpec": "* * * * */5", "replicas": 1}
    assert got["metadata"]["generation"] == 1


def test_schema_violation_is_invalid(kubectl: Kubectl, crd_server: ServerHandle) -> None:
    ns = ns_of(kubectl)
    setup_crd(kubectl, ns)
    bad = manifests.crontab_yaml("bad-cron", ns, replicas=0)
    res = kubectl("create", "-n", ns, "-f", "-", stdin=bad, check=False)
    assert res.code == 1
    # kubectl words an Invalid Status with causes itself (`The <Kind> "<name>" is invalid`)
    assert res.err.strip() == (
        'The CronTab "bad-cron" is invalid: spec.replicas: Invalid value: 0: spec.replicas in '
        "body should be greater than or equal to 1"
    )
    body = json.dumps(manifests.crontab("bad-cron", ns, replicas=0)).encode()
    code, _, raw = crd_server.request(
        "POST",
        f"/apis/{manifests.GROUP}/v1/namespaces/{ns}/crontabs",
        body=body,
        headers={"Content-Type": "application/json"},
    )
    status = json.loads(raw)
    assert (code, status["reason"]) == (422, "Invalid")
    assert status["details"] == {
        "name": "bad-cron",
        "group": manifests.GROUP,
        "kind": "CronTab",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": "Invalid value: 0: spec.replicas in body should be greater than or "
                "equal to 1",
                "field": "spec.replicas",
            }
        ],
    }
    bad = manifests.crontab_yaml("bad-cron", ns, color="pink", replicas="many")
    res = kubectl("apply", "-n", ns, "-f", "-", stdin=bad, check=False)
    assert res.code == 1
    assert 'The CronTab "bad-cron" is invalid:' in res.err
    assert '* spec.color: Unsupported value: "pink": supported values: "red", "blue"' in res.err
    assert (
        '* spec.replicas: Invalid value: "string": spec.replicas in body must be of type '
        'integer: "string"' in res.err
    )


def test_unknown_fields_refused_warned_or_pruned(kubectl: Kubectl) -> None:
    ns = ns_of(kubectl)
    setup_crd(kubectl, ns)
    doc = manifests.crontab_yaml("unk", ns, bogus="x")
    res = kubectl("apply", "-n", ns, "-f", "-", stdin=doc, check=False)
    assert res.code == 1
    assert (
        'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: '
        'unknown field "spec.bogus"'
    ) in res.err
    res = kubectl("apply", "--validate=warn", "-n", ns, "-f", "-", stdin=doc)
    assert 'Warning: unknown field "spec.bogus"' in res.err
    spec = json.loads(kubectl("get", "ct", "unk", "-n", ns, "-o", "jsonpath={.spec}").out)
    assert spec == {"cronSpec": "* * * * */5", "replicas": 1}


def test_merge_patch_of_object_and_status(kubectl: Kubectl) -> None:
    ns = ns_of(kubectl)
    setup_crd(kubectl, ns)
    kubectl("apply", "-n", ns, "-f", "-", stdin=manifests.crontab_yaml("patched", ns))
    out = kubectl(
        "patch", "ct", "patched", "-n", ns, "--type", "merge", "-p", '{"spec":{"replicas":3}}'
    ).out
    assert out.strip() == "crontab.stable.example.com/patched patched"
    res = kubectl("patch", "ct", "patched", "-n", ns, "-p", '{"spec":{"replicas":4}}', check=False)
    assert res.code == 1
    assert "application/strategic-merge-patch+json is not supported" in res.err
    kubectl(
        "patch",
        "ct",
        "patched",
        "-n",
        ns,
        "--subresource=status",
        "--type",
        "merge",
        "-p",
        '{"status":{"ready":true}}',
    )
    got = json.loads(kubectl("get", "ct", "patched", "-n", ns, "-o", "json").out)
    assert got["spec"]["replicas"] == 3
    assert got["status"] == {"ready": True}
    assert got["metadata"]["generation"] == 2  # status writes do not bump it
    res = kubectl(
        "patch",
        "ct",
        "patched",
        "-n",
        ns,
        "--type",
        "merge",
        "-p",
        '{"spec":{"replicas":99}}',
        check=False,
    )
    assert res.code == 1
    assert "spec.replicas in body should be less than or equal to 10" in res.err


def test_explain(kubectl: Kubectl) -> None:
    ns = ns_of(kubectl)
    setup_crd(kubectl, ns)
    out = kubectl("explain", "crontab.spec").out
    assert re.search(r"^KIND:\s+CronTab$", out, re.M), out
    assert "The desired state of the cron tab." in out
    assert re.search(r"^\s+cronSpec\s+<string> -required-", out, re.M), out
    assert "The cron schedule." in out


def test_delete_crd_removes_custom_resources(kubectl: Kubectl, crd_server: ServerHandle) -> None:
    ns = ns_of(kubectl)
    setup_crd(kubectl, ns)
    for name in ("gone-1", "gone-2"):
        kubectl("apply", "-n", ns, "-f", "-", stdin=manifests.crontab_yaml(name, ns))
    out = kubectl("delete", "crd", manifests.CRD_NAME, "--timeout=30s").out
    assert out.strip() == (
        f'customresourcedefinition.apiextensions.k8s.io "{manifests.CRD_NAME}" deleted'
    )
    status, _, _ = crd_server.request("GET", f"/apis/{manifests.GROUP}/v1/crontabs")
    assert status == 404
    deadline = time.monotonic() + 10
    while True:
        res = kubectl("api-resources", f"--api-group={manifests.GROUP}", check=False)
        if "crontabs" not in res.out or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert "crontabs" not in res.out
    # Created again, the CRD starts empty: the old custom resources are gone for good.
    setup_crd(kubectl, ns)
    res = kubectl("get", "ct", "-n", ns, check=False)
    assert "No resources found" in res.err, res


def test_explain_from_openapi_v2(kubectl: Kubectl, monkeypatch: pytest.MonkeyPatch) -> None:
    """With OpenAPI v3 explain switched off kubectl reads the gnostic v2 document, where
    custom resources are merged as kube-apiserver's CRD openapi controller merges them."""
    ns = ns_of(kubectl)
    setup_crd(kubectl, ns)
    monkeypatch.setenv("KUBECTL_EXPLAIN_OPENAPIV3", "false")
    out = kubectl("explain", "crontab.spec").out
    assert re.search(r"^KIND:\s+CronTab$", out, re.M), out
    assert "The desired state of the cron tab." in out
    assert re.search(r"^\s+cronSpec\s+<string> -required-", out, re.M), out
