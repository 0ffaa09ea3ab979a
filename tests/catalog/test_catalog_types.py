"""The generated built-in catalog: counts, well-known entries, lookups and CRD registration."""

from __future__ import annotations

import time

import pytest

from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType, Subresource

RELEASE = "1.33"
"""Pinned: the expectations are the 1.33 reference discovery documents (../shared/k8s-reference)."""

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.builtin(release=RELEASE)


def test_counts(catalog: Catalog) -> None:
    # Served by default: the GA group-versions (beta and alpha ones are off in 1.33).
    assert len(catalog.all()) == 61
    assert len(catalog.resources("", "v1")) == 17
    assert len(catalog.group_versions()) == 19
    assert catalog.group_versions()[0] == ("apiregistration.k8s.io", ["v1"])
    assert ("autoscaling", ["v2", "v1"]) in catalog.group_versions()
    assert not catalog.serves("resource.k8s.io", "v1beta2")


def test_counts_with_everything_enabled() -> None:
    catalog = Catalog.builtin(["api/all=true"], RELEASE)
    assert len(catalog.all()) == 88
    assert len(catalog.group_versions()) == 22
    assert ("resource.k8s.io", ["v1beta2", "v1beta1", "v1alpha3"]) in catalog.group_versions()


def test_loads_fast() -> None:
    Catalog.builtin(release=RELEASE)  # warm the import machinery
    start = time.perf_counter()
    Catalog.builtin(release=RELEASE)
    assert time.perf_counter() - start < 0.05


def test_pods(catalog: Catalog) -> None:
    pods = catalog.lookup("", "v1", "pods")
    assert pods is not None
    assert (pods.kind, pods.singular, pods.namespaced) == ("Pod", "pod", True)
    assert pods.verbs == ALL_VERBS
    assert pods.short_names == ("po",)
    assert pods.categories == ("all",)
    assert pods.storage_version_hash == "xPOwRZ+Yhw8="
    assert [s.name for s in pods.subresources] == [
        "attach",
        "binding",
        "ephemeralcontainers",
        "eviction",
        "exec",
        "log",
        "portforward",
        "proxy",
        "resize",
        "status",
    ]
    assert pods.subresource("resize") == Subresource(
        "resize", "Pod", "", "v1", ("get", "patch", "update")
    )
    assert pods.subresource("eviction") == Subresource(
        "eviction", "Eviction", "policy", "v1", ("create",)
    )


def test_deployments(catalog: Catalog) -> None:
    d = catalog.lookup("apps", "v1", "deployments")
    assert d is not None
    assert d is catalog.by_kind("apps", "v1", "Deployment")
    assert (d.kind, d.singular, d.short_names, d.categories) == (
        "Deployment",
        "deployment",
        ("deploy",),
        ("all",),
    )
    assert d.storage_version_hash == "8aSe+NMegvE="
    assert d.subresource("status") == Subresource(
        "status", "Deployment", "apps", "v1", ("get", "patch", "update")
    )


@pytest.mark.parametrize(
    ("group", "plural"),
    [
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("", "replicationcontrollers"),
    ],
)
def test_scale_subresources(catalog: Catalog, group: str, plural: str) -> None:
    rt = catalog.lookup(group, "v1", plural)
    assert rt is not None
    assert rt.subresource("scale") == Subresource(
        "scale", "Scale", "autoscaling", "v1", ("get", "patch", "update")
    )


def test_short_names(catalog: Catalog) -> None:
    short = {s: rt.qualified for rt in catalog.all() for s in rt.short_names}
    assert short["po"] == "pods"
    assert short["cm"] == "configmaps"
    assert short["ns"] == "namespaces"
    assert short["sa"] == "serviceaccounts"
    assert short["deploy"] == "deployments.apps"
    assert short["hpa"] == "horizontalpodautoscalers.autoscaling"
    assert short["crd"] == "customresourcedefinitions.apiextensions.k8s.io"


def test_namespaces_have_no_deletecollection(catalog: Catalog) -> None:
    ns = catalog.lookup("", "v1", "namespaces")
    assert ns is not None
    assert "deletecollection" not in ns.verbs
    assert not ns.namespaced


def test_storage_version_hashes(catalog: Catalog) -> None:
    def h(group: str, version: str, plural: str) -> str:
        rt = catalog.lookup(group, version, plural)
        assert rt is not None
        return rt.storage_version_hash

    assert h("autoscaling", "v1", "horizontalpodautoscalers") == "qwQve8ut294="
    assert h("events.k8s.io", "v1", "events") == "r2yiGXH7wu8="
    assert h("networking.k8s.io", "v1", "ipaddresses") == "O4H8VxQhW5Y="
    assert h("authorization.k8s.io", "v1", "subjectaccessreviews") == ""
    assert h("", "v1", "bindings") == ""


def test_resolve(catalog: Catalog) -> None:
    def q(name: str) -> str | None:
        rt = catalog.resolve(name)
        return None if rt is None else f"{rt.qualified}/{rt.version}"

    assert q("pods") == "pods/v1"
    assert q("pod") == "pods/v1"
    assert q("po") == "pods/v1"
    assert q("Pod") == "pods/v1"
    assert q("deploy") == "deployments.apps/v1"
    assert q("hpa") == "horizontalpodautoscalers.autoscaling/v2"
    assert q("events") == "events/v1"
    assert q("events.events.k8s.io") == "events.events.k8s.io/v1"
    assert q("nope") is None


def test_register(catalog: Catalog) -> None:
    c = Catalog.builtin(release=RELEASE)
    widget = ResourceType(
        group="example.com",
        version="v1",
        plural="widgets",
        kind="Widget",
        singular="widget",
        namespaced=True,
        verbs=ALL_VERBS,
        short_names=("wd",),
        is_crd=True,
    )
    c.register(widget)
    c.register(widget)  # same again: no-op
    assert c.lookup("example.com", "v1", "widgets") is widget
    assert c.group_versions()[-1] == ("example.com", ["v1"])
    assert c.serves("example.com", "v1")
    assert c.resolve("wd") is widget
    with pytest.raises(ValueError):
        c.register(widget._replace(namespaced=False))
    with pytest.raises(ValueError):
        c.register(widget._replace(plural="gadgets"))
    # another catalog is not affected
    assert catalog.lookup("example.com", "v1", "widgets") is None
