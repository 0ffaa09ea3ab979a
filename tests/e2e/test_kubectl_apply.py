"""Server-side apply through kubectl 1.33 (`apply --server-side`): conflicts between managers with
kube's message, `--force-conflicts` taking ownership, fields a manager stops applying removed,
and `kubectl diff` of an apply. Expected texts are those of kube-apiserver 1.33
(apimachinery pkg/util/managedfields/internal/conflict.go) as kubectl prints them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.clients import Kubectl, kubectl_path
from fakekapi.testing import running_server

NS = "ssa"


@pytest.fixture(scope="module")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kubectl]:
    binary = kubectl_path(33)
    with running_server() as server:
        k = Kubectl(binary, server.kubeconfig_path, tmp_path_factory.mktemp("kubectl-cache"))
        k("create", "namespace", NS)
        yield k


def configmap(name: str, data: dict[str, str], labels: dict[str, str] | None = None) -> str:
    md: dict[str, Any] = {"name": name, "namespace": NS}
    if labels:
        md["labels"] = labels
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data})


def apply(k: Kubectl, manager: str, doc: str, *extra: str, check: bool = True) -> Any:
    return k(
        "apply", "--server-side", f"--field-manager={manager}", "-f", "-", *extra,
        stdin=doc, check=check,
    )  # fmt: skip


def get(k: Kubectl, name: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(
        k("-n", NS, "get", "configmap", name, "-o", "json", "--show-managed-fields").out
    )
    return out


def managers(obj: dict[str, Any]) -> dict[tuple[str, str], Any]:
    return {(m["manager"], m["operation"]): m["fieldsV1"] for m in obj["metadata"]["managedFields"]}


def test_conflict_then_force(kubectl: Kubectl) -> None:
    out = apply(kubectl, "a", configmap("c1", {"owned": "1", "other": "x"}))
    assert out.out.strip() == "configmap/c1 serverside-applied"
    res = apply(kubectl, "b", configmap("c1", {"owned": "2"}), check=False)
    assert res.code == 1
    first = res.err.splitlines()[0]
    assert first == 'error: Apply failed with 1 conflict: conflict with "a": .data.owned'
    assert "--force-conflicts" in res.err
    assert get(kubectl, "c1")["data"] == {"owned": "1", "other": "x"}
    # The same value is no conflict: both own the field.
    apply(kubectl, "b", configmap("c1", {"owned": "1"}))
    assert managers(get(kubectl, "c1")) == {
        ("a", "Apply"): {"f:data": {"f:other": {}, "f:owned": {}}},
        ("b", "Apply"): {"f:data": {"f:owned": {}}},
    }
    apply(kubectl, "b", configmap("c1", {"owned": "3"}), "--force-conflicts")
    obj = get(kubectl, "c1")
    assert obj["data"] == {"owned": "3", "other": "x"}
    assert managers(obj) == {
        ("a", "Apply"): {"f:data": {"f:other": {}}},
        ("b", "Apply"): {"f:data": {"f:owned": {}}},
    }


def test_several_conflicts_and_update_managers(kubectl: Kubectl) -> None:
    kubectl("-n", NS, "create", "configmap", "c2", "--from-literal=k1=v", "--from-literal=k2=v")
    res = apply(kubectl, "b", configmap("c2", {"k1": "x", "k2": "y"}), check=False)
    assert res.code == 1
    lines = res.err.splitlines()
    assert lines[:4] == [
        'error: Apply failed with 2 conflicts: conflicts with "kubectl-create" using v1:',
        "- .data.k1",
        "- .data.k2",
        "Please review the fields above--they currently have other managers. Here",
    ]


def test_removed_fields(kubectl: Kubectl) -> None:
    apply(kubectl, "a", configmap("c3", {"k1": "1", "k2": "2"}, labels={"x": "1", "y": "2"}))
    apply(kubectl, "b", configmap("c3", {"k2": "2"}))
    apply(kubectl, "a", configmap("c3", {"k1": "1"}, labels={"x": "1"}))
    obj = get(kubectl, "c3")
    # k2 is still owned by b; label y and nothing else was dropped.
    assert obj["data"] == {"k1": "1", "k2": "2"}
    assert obj["metadata"]["labels"] == {"x": "1"}
    apply(kubectl, "b", configmap("c3", {}))
    assert get(kubectl, "c3")["data"] == {"k1": "1"}


def test_diff_of_an_apply(kubectl: Kubectl, tmp_path: Path) -> None:
    apply(kubectl, "a", configmap("c4", {"k": "1"}))
    path = tmp_path / "cm.json"
    path.write_text(configmap("c4", {"k": "2"}))
    res = kubectl("diff", "--server-side", "--field-manager=a", "-f", str(path), check=False)
    assert res.code == 1, res.err
    assert '-  k: "1"' in res.out and '+  k: "2"' in res.out
    assert get(kubectl, "c4")["data"] == {"k": "1"}


def test_diff_of_a_deployment(kubectl: Kubectl, tmp_path: Path) -> None:
    """Only what the apply changes differs, as on a cluster: the field and the generation."""
    dep: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": NS},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
            },
        },
    }
    apply(kubectl, "a", json.dumps(dep))
    dep["spec"]["replicas"] = 3
    path = tmp_path / "dep.json"
    path.write_text(json.dumps(dep))
    res = kubectl("diff", "--server-side", "--field-manager=a", "-f", str(path), check=False)
    assert res.code == 1, res.err
    changed = [
        line
        for line in res.out.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == ["-  generation: 1", "+  generation: 2", "-  replicas: 1", "+  replicas: 3"]


def test_upgrade_from_client_side_apply(kubectl: Kubectl) -> None:
    """`kubectl apply --server-side` over an object last applied client-side takes its fields
    without a conflict (the apiserver's lastAppliedManager), and the annotation follows."""
    kubectl("apply", "-f", "-", stdin=configmap("c5", {"k": "v", "j": "w"}, labels={"a": "1"}))
    out = apply(kubectl, "kubectl", configmap("c5", {"k": "v2", "j": "w"}, labels={"a": "1"}))
    assert out.out.strip() == "configmap/c5 serverside-applied"
    obj = get(kubectl, "c5")
    assert obj["data"] == {"k": "v2", "j": "w"}
    last = json.loads(
        obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    )
    assert last["data"] == {"j": "w", "k": "v2"}
    assert managers(obj)[("kubectl", "Apply")] == {
        "f:data": {"f:j": {}, "f:k": {}},
        "f:metadata": {"f:labels": {"f:a": {}}},
    }
    # Another manager gets no such pass.
    res = apply(kubectl, "other", configmap("c5", {"k": "v3"}), check=False)
    assert res.code == 1 and 'conflict with "kubectl": .data.k' in res.err
