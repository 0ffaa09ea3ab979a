"""Discovery documents, built from a Catalog exactly as kube-apiserver 1.33 renders them.

Pure functions returning JSON-ready dicts; the server adds HTTP (content negotiation, ETag, 304).
Keys are inserted in the order of the Go structs' fields, so that the encoded bytes match the real
server's (clients don't care, but people diff them):

* legacy (`/api`, `/apis`, `/apis/G`, `/api/v1`, `/apis/G/V`): metav1 APIVersions, APIGroupList,
  APIGroup, APIResourceList. The core APIResourceList and APIVersions carry no apiVersion, the
  others carry `"apiVersion": "v1"`. Resources (with their subresources interleaved as
  `plural/sub`) are sorted by name, as the apiserver's installer sorts its storage paths.
* aggregated (`apidiscovery.k8s.io/v2` APIGroupDiscoveryList): one item per group, versions
  preferred-first. `responseKind.group/version` are empty when they equal the parent's
  group-version. Item metadata is an ObjectMeta, which Go encodes with `"creationTimestamp": null`
  (apimachinery 1.33 has no `omitzero`); the core item has no `name` (empty, omitempty).
"""

from __future__ import annotations

from typing import Any

from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType

SERVER_ADDRESS_BY_CLIENT_CIDRS: list[dict[str, str]] = [
    {"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}
]
"""What a kubeadm-style 1.33 cluster advertises in /api (its service-network address)."""

AGGREGATED_API_VERSION = "apidiscovery.k8s.io/v2"


def api_versions(c: Catalog, server_address: str | None = None) -> dict[str, Any]:
    """GET /api: APIVersions (no apiVersion key)."""
    cidrs = (
        [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
        if server_address
        else [dict(x) for x in SERVER_ADDRESS_BY_CLIENT_CIDRS]
    )
    versions = [v for v in ("v1",) if c.serves("", v)]
    return {"kind": "APIVersions", "versions": versions, "serverAddressByClientCIDRs": cidrs}


def api_group_list(c: Catalog) -> dict[str, Any]:
    """GET /apis: APIGroupList of every non-core group, in preference order."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(g, vs) for g, vs in c.group_versions()],
    }


def api_group(c: Catalog, group: str) -> dict[str, Any] | None:
    """GET /apis/GROUP: APIGroup, or None if the group is not served."""
    for g, vs in c.group_versions():
        if g == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group(g, vs)}
    return None


def _group(group: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": dict(entries[0])}


def api_resource_list(c: Catalog, group: str, version: str) -> dict[str, Any] | None:
    """GET /api/v1 or /apis/GROUP/VERSION: APIResourceList, or None if not served."""
    if not c.serves(group, version):
        return None
    entries: list[dict[str, Any]] = []
    for rt in c.resources(group, version):
        entries.append(_legacy_resource(rt))
        for sub in rt.subresources:
            entry: dict[str, Any] = {
                "name": f"{rt.plural}/{sub.name}",
                "singularName": "",
                "namespaced": rt.namespaced,
            }
            if (sub.group, sub.version) != (rt.group, rt.version):
                entry["group"] = sub.group
                entry["version"] = sub.version
            entry["kind"] = sub.kind
            entry["verbs"] = list(sub.verbs)
            entries.append(entry)
    entries.sort(key=lambda e: e["name"])
    doc: dict[str, Any] = {"kind": "APIResourceList"}
    if group:
        doc["apiVersion"] = "v1"
    doc["groupVersion"] = f"{group}/{version}" if group else version
    doc["resources"] = entries
    return doc


def _legacy_resource(rt: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    if rt.storage_version_hash:
        entry["storageVersionHash"] = rt.storage_version_hash
    return entry


def aggregated(c: Catalog, core: bool, version: str = "v2") -> dict[str, Any]:
    """GET /api (core=True) or /apis as an apidiscovery.k8s.io APIGroupDiscoveryList.

    `version`: `v2`, or `v2beta1` for releases that still serve it (1.29 - 1.32); the two have
    the same fields (k8s.io/api apidiscovery v2beta1 and v2 types.go)."""
    groups = [("", [v for v in ("v1",) if c.serves("", v)])] if core else c.group_versions()
    items = []
    for group, versions in groups:
        metadata: dict[str, Any] = {"name": group} if group else {}
        metadata["creationTimestamp"] = None
        items.append(
            {
                "metadata": metadata,
                "versions": [
                    {
                        "version": v,
                        "resources": [
                            _aggregated_resource(rt)
                            for rt in sorted(c.resources(group, v), key=lambda r: r.plural)
                        ],
                        "freshness": "Current",
                    }
                    for v in versions
                ],
            }
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": items,
    }


def _aggregated_resource(rt: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": rt.plural,
        "responseKind": {"group": "", "version": "", "kind": rt.kind},
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    if rt.subresources:
        entry["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": (
                    {"group": "", "version": "", "kind": sub.kind}
                    if (sub.group, sub.version) == (rt.group, rt.version)
                    else {"group": sub.group, "version": sub.version, "kind": sub.kind}
                ),
                "verbs": list(sub.verbs),
            }
            for sub in sorted(rt.subresources, key=lambda s: s.name)
        ]
    return entry
