"""Generate fakekapi/catalog/data/builtin.json from the reference discovery documents.

Inputs (read-only reference data, never read at run time):
  discovery/api__v1.json        legacy core v1 APIResourceList (plus `pods/resize`, new in 1.33)
  discovery/aggregated_v2.json  the /apis aggregated discovery document (group and version order)

Output: one JSON document the Catalog loads in a few milliseconds:
  {"groups": [{"name": "", "versions": [{"version": "v1", "resources": [...]}]}, ...]}
Groups keep the /apis order (core first), versions keep preference order (preferred first).

storageVersionHash is base64(sha256("<group>/<version>/<Kind>")[:8]) of the *storage* version
(apiserver `discovery.StorageVersionHash`). The core hashes come straight from api__v1.json. For the
other groups the storage version is the GA version when there is one, with two known exceptions
(events.k8s.io Events are stored as core v1 Events; HorizontalPodAutoscalers as autoscaling/v2;
versions introduced in 1.33 are not yet the storage version: see STORAGE_OVERRIDES);
a resource served in a single version is stored in it; virtual resources (create-only reviews) have
none. Multi-version resources without a GA version get no hash: their storage version is not
recorded in the reference data.

Default enablement: aggregated_v2.json is generated upstream with every API enabled, but a
default kube-apiserver serves only what `DefaultAPIResourceConfigSource` enables
(pkg/controlplane/instance.go, 1.33: `stableAPIGroupVersionsEnabledByDefault`,
`betaAPIGroupVersionsDisabledByDefault`, `alphaAPIGroupVersionsDisabledByDefault`; 1.33 has no
`legacyBetaEnabledByDefaultResources`), plus apiextensions.k8s.io/v1 and apiregistration.k8s.io/v1
(the extensions and aggregator servers' own defaults). Every version gets `"enabled"` (its
default) and every resource `"enabled"` (the version's, unless a resource-level default says
otherwise). Group-versions the 1.33 scheme registers that
serve nothing are listed as `unservedVersions` (so that `--runtime-config` accepts them, as kube
does). A served group-version missing from these tables stops the generator.

A helper of scripts/gen_releases.py, which builds every release's data with it.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fakekapi" / "catalog" / "data" / "builtin.json"

STORAGE_OVERRIDES: dict[tuple[str, str], tuple[str, str, str]] = {
    ("events.k8s.io", "events"): ("", "v1", "Event"),
    ("autoscaling", "horizontalpodautoscalers"): ("autoscaling", "v2", "HorizontalPodAutoscaler"),
    # A version cannot become the storage version in the release that introduces it: these went
    # GA (or beta) in 1.33, so 1.33 still stores the previous version.
    ("networking.k8s.io", "ipaddresses"): ("networking.k8s.io", "v1beta1", "IPAddress"),
    ("networking.k8s.io", "servicecidrs"): ("networking.k8s.io", "v1beta1", "ServiceCIDR"),
    ("certificates.k8s.io", "clustertrustbundles"): (
        "certificates.k8s.io",
        "v1alpha1",
        "ClusterTrustBundle",
    ),
    ("coordination.k8s.io", "leasecandidates"): (
        "coordination.k8s.io",
        "v1alpha2",
        "LeaseCandidate",
    ),
}

# pkg/controlplane/instance.go (1.33): stableAPIGroupVersionsEnabledByDefault, plus the core group
# and the apiextensions/aggregator servers' GA versions.
ENABLED_BY_DEFAULT: frozenset[str] = frozenset(
    {
        "v1",
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
        "networking.k8s.io/v1",
        "node.k8s.io/v1",
        "policy/v1",
        "rbac.authorization.k8s.io/v1",
        "storage.k8s.io/v1",
        "scheduling.k8s.io/v1",
        "flowcontrol.apiserver.k8s.io/v1",
    }
)
# betaAPIGroupVersionsDisabledByDefault and alphaAPIGroupVersionsDisabledByDefault (1.33).
DISABLED_BY_DEFAULT: frozenset[str] = frozenset(
    {
        "admissionregistration.k8s.io/v1beta1",
        "authentication.k8s.io/v1beta1",
        "certificates.k8s.io/v1beta1",
        "coordination.k8s.io/v1beta1",
        "storage.k8s.io/v1beta1",
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "networking.k8s.io/v1beta1",
        "resource.k8s.io/v1beta1",
        "resource.k8s.io/v1beta2",
        "admissionregistration.k8s.io/v1alpha1",
        "internal.apiserver.k8s.io/v1alpha1",
        "authentication.k8s.io/v1alpha1",
        "coordination.k8s.io/v1alpha2",
        "resource.k8s.io/v1alpha3",
        "certificates.k8s.io/v1alpha1",
        "networking.k8s.io/v1alpha1",
        "storage.k8s.io/v1alpha1",
        "storagemigration.k8s.io/v1alpha1",
    }
)
# legacyBetaEnabledByDefaultResources: "group/version/resource" -> enabled (empty since 1.32).
RESOURCE_DEFAULTS: dict[str, bool] = {}

POD_RESIZE = {
    "name": "pods/resize",
    "singularName": "",
    "namespaced": True,
    "kind": "Pod",
    "verbs": ["get", "patch", "update"],
}


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """apiserver's discovery.StorageVersionHash: 8 bytes of SHA-256, base64."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def core_group(api_v1: dict[str, Any]) -> dict[str, Any]:
    """The core group from the legacy /api/v1 list: subresources folded into their parents."""
    entries = list(api_v1["resources"])
    if not any(e["name"] == "pods/resize" for e in entries):
        entries.append(POD_RESIZE)
    entries.sort(key=lambda e: e["name"])
    resources: list[dict[str, Any]] = []
    by_name: dict[str, dict[str, Any]] = {}
    for e in entries:
        if "/" in e["name"]:
            parent, sub = e["name"].split("/", 1)
            by_name[parent]["subresources"].append(
                {
                    "name": sub,
                    "kind": e["kind"],
                    "group": e.get("group", ""),
                    "version": e.get("version", "v1"),
                    "verbs": sorted(e["verbs"]),
                }
            )
            continue
        r = {
            "plural": e["name"],
            "kind": e["kind"],
            "singular": e["singularName"],
            "namespaced": e["namespaced"],
            "verbs": sorted(e["verbs"]),
            "shortNames": e.get("shortNames", []),
            "categories": e.get("categories", []),
            "subresources": [],
            "storageVersionHash": e.get("storageVersionHash", ""),
        }
        by_name[e["name"]] = r
        resources.append(r)
    return {"name": "", "versions": [{"version": "v1", "resources": resources}]}


def api_groups(aggregated: dict[str, Any]) -> list[dict[str, Any]]:
    """The /apis groups, in order, with storage version hashes worked out per resource."""
    groups: list[dict[str, Any]] = []
    for item in aggregated["items"]:
        name = item["metadata"]["name"]
        served: dict[str, list[tuple[str, str]]] = {}
        for v in item["versions"]:
            for r in v["resources"]:
                served.setdefault(r["resource"], []).append(
                    (v["version"], r["responseKind"]["kind"])
                )
        versions = []
        for v in item["versions"]:
            resources = []
            for r in v["resources"]:
                resources.append(resource_entry(name, v["version"], r, served[r["resource"]]))
            versions.append({"version": v["version"], "resources": resources})
        groups.append({"name": name, "versions": versions})
    return groups


def resource_entry(
    group: str, version: str, r: dict[str, Any], served: list[tuple[str, str]]
) -> dict[str, Any]:
    kind = r["responseKind"]["kind"]
    subs = []
    for s in r.get("subresources", []):
        rk = s["responseKind"]
        subs.append(
            {
                "name": s["subresource"],
                "kind": rk["kind"],
                "group": rk["group"] if (rk["group"] or rk["version"]) else group,
                "version": rk["version"] or version,
                "verbs": sorted(s["verbs"]),
            }
        )
    return {
        "plural": r["resource"],
        "kind": kind,
        "singular": r.get("singularResource", ""),
        "namespaced": r["scope"] == "Namespaced",
        "verbs": sorted(r["verbs"]),
        "shortNames": r.get("shortNames", []),
        "categories": r.get("categories", []),
        "subresources": subs,
        "storageVersionHash": storage_hash_for(group, r["resource"], r["verbs"], served),
    }


def storage_hash_for(
    group: str, plural: str, verbs: list[str], served: list[tuple[str, str]]
) -> str:
    if sorted(verbs) == ["create"]:
        return ""  # virtual: reviews are never stored
    override = STORAGE_OVERRIDES.get((group, plural))
    if override:
        return storage_version_hash(*override)
    for version, kind in served:
        if version == "v1":
            return storage_version_hash(group, version, kind)
    if len(served) == 1:
        return storage_version_hash(group, served[0][0], served[0][1])
    return ""


def mark_enablement(groups: list[dict[str, Any]]) -> set[str]:
    """Add each version's and resource's default enablement; return the served group-versions."""
    served: set[str] = set()
    for g in groups:
        for v in g["versions"]:
            gv = f"{g['name']}/{v['version']}" if g["name"] else v["version"]
            if gv not in ENABLED_BY_DEFAULT and gv not in DISABLED_BY_DEFAULT:
                raise SystemExit(
                    f"{gv}: default enablement unknown (see DefaultAPIResourceConfigSource)"
                )
            served.add(gv)
            v["enabled"] = gv in ENABLED_BY_DEFAULT
            for r in v["resources"]:
                r["enabled"] = RESOURCE_DEFAULTS.get(f"{gv}/{r['plural']}", v["enabled"])
    return served


if __name__ == "__main__":
    raise SystemExit("a helper of scripts/gen_releases.py: run that (or scripts/regen.py)")
