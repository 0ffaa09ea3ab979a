"""Discovery documents against real kube-apiserver output (fixtures/)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fakekapi.catalog import discovery
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType

RELEASE = "1.33"
"""Pinned: the expectations are the 1.33 reference discovery documents (../shared/k8s-reference)."""

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def catalog() -> Catalog:
    return Catalog.builtin(release=RELEASE)


def _load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return doc


def _enabled_subset(doc: dict[str, Any], enabled: set[str]) -> dict[str, Any]:
    """The upstream document (generated with every API enabled) cut to `enabled` group-versions."""
    out = copy.deepcopy(doc)
    items = []
    for item in out["items"]:
        name = item["metadata"]["name"]
        item["versions"] = [v for v in item["versions"] if f"{name}/{v['version']}" in enabled]
        if item["versions"]:
            items.append(item)
    out["items"] = items
    return out


# The GA group-versions of pkg/controlplane/instance.go's stableAPIGroupVersionsEnabledByDefault
# (1.33) that the upstream document holds, plus the apiextensions and aggregator servers' v1.
DEFAULT_APIS = {
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
}


def _aggregated_apis(catalog: Catalog) -> dict[str, Any]:
    got = discovery.aggregated(catalog, core=False)
    # Normalisation: the 1.33 server encodes each item's (empty) ObjectMeta with
    # "creationTimestamp": null; the upstream fixture was written without it. Key order is not
    # compared (the fixture is key-sorted); list order is.
    for item in got["items"]:
        assert item["metadata"].pop("creationTimestamp") is None
    assert list(got) == ["kind", "apiVersion", "metadata", "items"]
    return got


def test_aggregated_apis_matches_reference_enabled_subset(catalog: Catalog) -> None:
    got = _aggregated_apis(catalog)
    assert got == _enabled_subset(_load("aggregated_v2.json"), DEFAULT_APIS)


def test_aggregated_apis_with_everything_enabled_is_the_reference() -> None:
    got = _aggregated_apis(Catalog.builtin(["api/all=true"], RELEASE))
    assert got == _load("aggregated_v2.json")


def test_aggregated_core(catalog: Catalog) -> None:
    got = discovery.aggregated(catalog, core=True)
    assert got["kind"] == "APIGroupDiscoveryList"
    assert got["apiVersion"] == "apidiscovery.k8s.io/v2"
    [item] = got["items"]
    assert item["metadata"] == {"creationTimestamp": None}
    [v1] = item["versions"]
    assert (v1["version"], v1["freshness"]) == ("v1", "Current")
    pods = next(r for r in v1["resources"] if r["resource"] == "pods")
    assert pods["responseKind"] == {"group": "", "version": "", "kind": "Pod"}
    assert pods["scope"] == "Namespaced"
    subs = {s["subresource"]: s for s in pods["subresources"]}
    assert subs["eviction"]["responseKind"] == {
        "group": "policy",
        "version": "v1",
        "kind": "Eviction",
    }
    assert subs["resize"] == {
        "subresource": "resize",
        "responseKind": {"group": "", "version": "", "kind": "Pod"},
        "verbs": ["get", "patch", "update"],
    }


def test_legacy_core_list_matches_reference(catalog: Catalog) -> None:
    got = discovery.api_resource_list(catalog, "", "v1")
    assert got is not None
    assert "apiVersion" not in got
    expected = _load("api__v1.json")
    expected["resources"].append(
        {
            "kind": "Pod",
            "name": "pods/resize",
            "namespaced": True,
            "singularName": "",
            "verbs": ["get", "patch", "update"],
        }
    )
    expected["resources"].sort(key=lambda r: r["name"])
    assert got == expected


def test_legacy_group_version_list(catalog: Catalog) -> None:
    got = discovery.api_resource_list(catalog, "apps", "v1")
    assert got is not None
    assert list(got) == ["kind", "apiVersion", "groupVersion", "resources"]
    assert (got["kind"], got["apiVersion"], got["groupVersion"]) == (
        "APIResourceList",
        "v1",
        "apps/v1",
    )
    names = [r["name"] for r in got["resources"]]
    assert names == sorted(names)
    assert "deployments/scale" in names
    scale = next(r for r in got["resources"] if r["name"] == "deployments/scale")
    assert scale == {
        "name": "deployments/scale",
        "singularName": "",
        "namespaced": True,
        "group": "autoscaling",
        "version": "v1",
        "kind": "Scale",
        "verbs": ["get", "patch", "update"],
    }
    status = next(r for r in got["resources"] if r["name"] == "deployments/status")
    assert "group" not in status
    assert discovery.api_resource_list(catalog, "apps", "v2") is None


def test_api_versions(catalog: Catalog) -> None:
    assert discovery.api_versions(catalog) == {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}
        ],
    }


def test_group_list_and_group(catalog: Catalog) -> None:
    groups = discovery.api_group_list(catalog)
    assert (groups["kind"], groups["apiVersion"]) == ("APIGroupList", "v1")
    names = [g["name"] for g in groups["groups"]]
    upstream = _enabled_subset(_load("aggregated_v2.json"), DEFAULT_APIS)
    assert names == [i["metadata"]["name"] for i in upstream["items"]]
    assert "resource.k8s.io" not in names and "storagemigration.k8s.io" not in names
    certificates = discovery.api_group(catalog, "certificates.k8s.io")
    assert certificates is not None
    assert certificates["versions"] == [{"groupVersion": "certificates.k8s.io/v1", "version": "v1"}]
    autoscaling = discovery.api_group(catalog, "autoscaling")
    assert autoscaling == {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": "autoscaling",
        "versions": [
            {"groupVersion": "autoscaling/v2", "version": "v2"},
            {"groupVersion": "autoscaling/v1", "version": "v1"},
        ],
        "preferredVersion": {"groupVersion": "autoscaling/v2", "version": "v2"},
    }
    assert discovery.api_group(catalog, "nope.example.com") is None


def test_registered_crd_appears(catalog: Catalog) -> None:
    before = copy.deepcopy(discovery.aggregated(catalog, core=False))
    catalog.register(
        ResourceType(
            group="example.com",
            version="v1",
            plural="widgets",
            kind="Widget",
            singular="widget",
            namespaced=False,
            verbs=("get", "list"),
            categories=("all",),
            is_crd=True,
        )
    )
    after = discovery.aggregated(catalog, core=False)
    assert after["items"][:-1] == before["items"]
    assert after["items"][-1]["metadata"]["name"] == "example.com"
    [res] = after["items"][-1]["versions"][0]["resources"]
    assert res["scope"] == "Cluster"
    assert discovery.api_group(catalog, "example.com") is not None
    legacy = discovery.api_resource_list(catalog, "example.com", "v1")
    assert legacy is not None
    assert legacy["resources"][0]["name"] == "widgets"
