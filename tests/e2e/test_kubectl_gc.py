"""Cascading deletion through kubectl 1.33 (`delete --cascade=background|foreground|orphan`) with
the garbage collector running, on a ConfigMap-owned set (no workload controller involved), and on
custom resources owning custom resources and ConfigMaps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from polling import until

from e2e.clients import Kubectl, kubectl_path
from fakekapi.testing import running_server

NS = "gc"

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object"}},
            }
        ],
    },
}


@pytest.fixture(scope="module")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kubectl]:
    binary = kubectl_path(33)
    with running_server() as server:
        k = Kubectl(binary, server.kubeconfig_path, tmp_path_factory.mktemp("kubectl-cache"))
        k("create", "namespace", NS)
        yield k


def get(k: Kubectl, *what: str) -> dict[str, Any] | None:
    res = k("-n", NS, "get", *what, "-o", "json", check=False)
    if res.code != 0:
        assert "NotFound" in res.err, res.err
        return None
    out: dict[str, Any] = json.loads(res.out)
    return out


def owned_set(k: Kubectl, prefix: str) -> dict[str, Any]:
    """A ConfigMap `<prefix>-owner` and two dependents, one blocking its owner's deletion."""
    k("-n", NS, "create", "configmap", f"{prefix}-owner")
    owner = get(k, "configmap", f"{prefix}-owner")
    assert owner is not None
    ref = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    for name, block in (("blocking", True), ("free", False)):
        doc = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": f"{prefix}-{name}",
                "namespace": NS,
                "ownerReferences": [{**ref, "blockOwnerDeletion": block}],
            },
        }
        k("create", "-f", "-", stdin=json.dumps(doc))
    return owner


def wait_gone(k: Kubectl, *what: str) -> None:
    until(lambda: get(k, *what) is None, f"{what} gone")


def test_background(kubectl: Kubectl) -> None:
    owned_set(kubectl, "bg")
    out = kubectl("-n", NS, "delete", "configmap", "bg-owner", "--cascade=background")
    assert out.out.strip() == 'configmap "bg-owner" deleted'
    assert get(kubectl, "configmap", "bg-owner") is None
    wait_gone(kubectl, "configmap", "bg-blocking")
    wait_gone(kubectl, "configmap", "bg-free")


def test_foreground(kubectl: Kubectl) -> None:
    owned_set(kubectl, "fg")
    out = kubectl("-n", NS, "delete", "configmap", "fg-owner", "--cascade=foreground")
    assert out.out.strip() == 'configmap "fg-owner" deleted'
    # kubectl waited for the owner, which went after its blocking dependent.
    assert get(kubectl, "configmap", "fg-owner") is None
    assert get(kubectl, "configmap", "fg-blocking") is None
    wait_gone(kubectl, "configmap", "fg-free")


def test_orphan(kubectl: Kubectl) -> None:
    owned_set(kubectl, "or")
    out = kubectl("-n", NS, "delete", "configmap", "or-owner", "--cascade=orphan")
    assert out.out.strip() == 'configmap "or-owner" deleted'
    assert get(kubectl, "configmap", "or-owner") is None
    for name in ("or-blocking", "or-free"):
        dep = get(kubectl, "configmap", name)
        assert dep is not None and "ownerReferences" not in dep["metadata"]


def test_custom_resources(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=json.dumps(CRD))
    kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s")
    widget: dict[str, Any] = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"namespace": NS},
    }
    kubectl(
        "create",
        "-f",
        "-",
        stdin=json.dumps({**widget, "metadata": {**widget["metadata"], "name": "parent"}}),
    )
    parent = get(kubectl, "widget", "parent")
    assert parent is not None
    ref = {"apiVersion": "example.com/v1", "kind": "Widget", "name": "parent",
           "uid": parent["metadata"]["uid"]}  # fmt: skip
    child = {**widget, "metadata": {"namespace": NS, "name": "child", "ownerReferences": [ref]}}
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"namespace": NS, "name": "of-widget", "ownerReferences": [ref]}}  # fmt: skip
    kubectl("create", "-f", "-", stdin=json.dumps(child))
    kubectl("create", "-f", "-", stdin=json.dumps(cm))
    kubectl("-n", NS, "delete", "widget", "parent")
    wait_gone(kubectl, "widget", "child")
    wait_gone(kubectl, "configmap", "of-widget")


def test_job_delete_without_a_policy_warns_and_orphans(kubectl: Kubectl) -> None:
    """A batch/v1 Job deleted with no propagationPolicy orphans its pods (its strategy's
    DefaultGarbageCollectionPolicy) and kube says so in a warning; kubectl itself always sends
    Background."""
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "namespace": NS},
        "spec": {
            "suspend": True,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "busybox"}],
                }
            },
        },
    }
    kubectl("create", "-f", "-", stdin=json.dumps(job))
    res = kubectl("delete", "--raw", f"/apis/batch/v1/namespaces/{NS}/jobs/j")
    assert (
        "Warning: child pods are preserved by default when jobs are deleted; set "
        "propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress "
        "this warning"
    ) in res.err
    assert json.loads(res.out)["metadata"]["finalizers"] == ["orphan"]
    wait_gone(kubectl, "job", "j")
    kubectl("create", "-f", "-", stdin=json.dumps(job))
    res = kubectl("-n", NS, "delete", "job", "j")
    assert "Warning" not in res.err
