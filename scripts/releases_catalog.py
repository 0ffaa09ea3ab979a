"""The built-in resource catalog of one Kubernetes release, derived from its OpenAPI v2 document.

Used by scripts/gen_releases.py. The reference discovery documents exist only for 1.33; every
other release has its swagger.json only, which carries each operation's path, HTTP method,
`x-kubernetes-action` and `x-kubernetes-group-version-kind` — everything discovery lists except
singular names, short names and categories. Those come from the 1.33 discovery documents for the
resources 1.33 serves, and from NAMES below (each entry citing the kube source) for the others.

Path → discovery entry, as kube-apiserver's installer (apiserver `endpoints/installer.go`) builds
its storage paths: `/apis/G/V/[namespaces/{namespace}/]PLURAL[/{name}[/SUB]]` (namespaced when the
namespace segment is there), `watch/` paths add the `watch` verb. Verbs: list/post/put/patch/
delete/deletecollection/get/watch actions map to list/create/update/patch/delete/
deletecollection/get/watch; `connect` subresources (exec, attach, portforward, proxy) get one verb
per HTTP method (GET get, POST create, PUT update, PATCH patch, DELETE delete).

Order: groups as 1.33's /apis lists them (aggregator `apiVersionPriorities`), groups 1.33 does not
know after them; versions preferred-first by kube's version priority (GA > beta > alpha, higher
numbers first: apimachinery `version.CompareKubeAwareVersionStrings`), which is also the order of
every group in 1.33's table; resources sorted by name.

storageVersionHash (apiserver `discovery.StorageVersionHash`) is that of the storage version:
events.k8s.io Events are stored as core v1 Events, HPAs as autoscaling/v2; otherwise the GA
version, else the only version served; in a release that introduces a version of the resource, the
previous release's storage version stands (kube keeps storing the previous release's version for
one release so that a rollback can read the data); otherwise a resource served in several versions
none of them GA gets no hash (which version stores it is not in the reference data). Virtual
resources (create-only reviews, componentstatuses) have none. 1.29 has no previous release in the
reference data: its hashes follow the rules without history.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any, NamedTuple

JSON = dict[str, Any]

ACTION_VERBS = {
    "list": "list",
    "post": "create",
    "put": "update",
    "patch": "patch",
    "delete": "delete",
    "deletecollection": "deletecollection",
    "get": "get",
    "watch": "watch",
    "watchlist": "watch",
}
METHOD_VERBS = {
    "get": "get",
    "post": "create",
    "put": "update",
    "patch": "patch",
    "delete": "delete",
}

NAMES: dict[tuple[str, str], tuple[str, list[str], list[str]]] = {
    # (group, plural): (singular, shortNames, categories) for resources 1.33 does not serve.
    # Singular names are the lower-cased kind (registry `DefaultSingularName`); no short names or
    # categories unless the resource's REST storage declares them.
    # pkg/registry/resource/*/storage (1.29-1.30 resource.k8s.io/v1alpha2): none declared.
    # pkg/registry/flowcontrol (v1beta3): none declared.
}


class Previous(NamedTuple):
    stored: dict[tuple[str, str], tuple[str, str]]
    """(group, plural) -> (version, kind) the previous release stored it as."""
    served: dict[tuple[str, str], set[str]]
    """(group, plural) -> versions the previous release served."""


_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int]:
    """Sort key: GA before beta before alpha, higher major and minor first."""
    m = _VERSION.match(version)
    if not m:
        return (3, 0, 0)
    level = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (level, -int(m.group(1)), -int(m.group(3) or 0))


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """apiserver's discovery.StorageVersionHash: 8 bytes of SHA-256, base64."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _parse_path(path: str) -> tuple[str, str, bool, str, list[str]] | None:
    """(group, version, namespaced, plural, rest) of a resource path, or None."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, version, segs = "", "v1", parts[2:]
    elif parts and parts[0] == "apis" and len(parts) >= 3:
        group, version, segs = parts[1], parts[2], parts[3:]
    else:
        return None
    watch = bool(segs) and segs[0] == "watch"
    if watch:
        segs = segs[1:]
    if not segs:
        return None
    namespaced = False
    if segs[0] == "namespaces" and len(segs) >= 3 and segs[1] == "{namespace}":
        namespaced = True
        segs = segs[2:]
    return group, version, namespaced, segs[0], segs[1:]


def resources_from_swagger(swagger: JSON) -> dict[tuple[str, str], dict[str, JSON]]:
    """(group, version) -> plural -> discovery facts (kind, namespaced, verbs, subresources)."""
    out: dict[tuple[str, str], dict[str, JSON]] = {}
    for path, item in swagger["paths"].items():
        parsed = _parse_path(path)
        if parsed is None:
            continue
        group, version, namespaced, plural, rest = parsed
        ops = {m: o for m, o in item.items() if m != "parameters" and isinstance(o, dict)}
        if not any("x-kubernetes-action" in o for o in ops.values()):
            continue
        by_plural = out.setdefault((group, version), {})
        r = by_plural.setdefault(
            plural, {"kind": "", "namespaced": False, "verbs": set(), "subresources": {}}
        )
        if namespaced:
            r["namespaced"] = True
        sub = rest[1] if len(rest) >= 2 and rest[0] == "{name}" else None
        if sub is None and len(rest) > 1:
            continue
        for method, op in ops.items():
            action = op.get("x-kubernetes-action")
            gvk = op.get("x-kubernetes-group-version-kind") or {}
            if action is None:
                continue
            if sub is None:
                if action == "connect":
                    continue
                verb = ACTION_VERBS[action]
                if action == "get" and not rest:
                    verb = "list"
                if action == "delete" and not rest:
                    verb = "deletecollection"
                r["verbs"].add(verb)
                if (not r["kind"] and gvk and action not in ("watch", "watchlist")) or (
                    not r["kind"] and gvk
                ):
                    r["kind"] = gvk["kind"]
                continue
            s = r["subresources"].setdefault(sub, {"verbs": set(), "gvk": None})
            verb = METHOD_VERBS.get(method) if action == "connect" else ACTION_VERBS[action]
            if verb is None:
                continue
            s["verbs"].add(verb)
            if gvk and s["gvk"] is None:
                s["gvk"] = gvk
    return out


def build_catalog(
    swagger: JSON,
    names_1_33: dict[tuple[str, str], tuple[str, list[str], list[str]]],
    group_order_1_33: list[str],
    previous: list[JSON] | None,
) -> list[JSON]:
    """The catalog's `groups` list (builtin format, without enablement) of one release."""
    found = resources_from_swagger(swagger)
    groups: dict[str, dict[str, dict[str, JSON]]] = {}
    for (group, version), rs in found.items():
        groups.setdefault(group, {})[version] = rs
    order = [g for g in group_order_1_33 if g in groups]
    order += sorted(g for g in groups if g not in group_order_1_33)
    prev_storage = _previous_storage(previous)
    out: list[JSON] = []
    for group in order:
        versions = sorted(groups[group], key=version_priority)
        served: dict[str, list[tuple[str, str]]] = {}
        for v in versions:
            for plural, r in groups[group][v].items():
                served.setdefault(plural, []).append((v, r["kind"]))
        vout = []
        for v in versions:
            resources = []
            for plural in sorted(groups[group][v]):
                r = groups[group][v][plural]
                resources.append(
                    _entry(group, v, plural, r, names_1_33, served[plural], prev_storage)
                )
            vout.append({"version": v, "resources": resources})
        out.append({"name": group, "versions": vout})
    return out


def _entry(
    group: str,
    version: str,
    plural: str,
    r: JSON,
    names_1_33: dict[tuple[str, str], tuple[str, list[str], list[str]]],
    served: list[tuple[str, str]],
    prev_storage: Previous,
) -> JSON:
    kind = r["kind"]
    names = names_1_33.get((group, plural)) or NAMES.get((group, plural))
    singular, short, categories = names if names else (kind.lower(), [], [])
    subs = []
    for name in sorted(r["subresources"]):
        s = r["subresources"][name]
        gvk = s["gvk"] or {"group": group, "version": version, "kind": kind}
        subs.append(
            {
                "name": name,
                "kind": gvk["kind"],
                "group": gvk["group"],
                "version": gvk["version"],
                "verbs": sorted(s["verbs"]),
            }
        )
    verbs = sorted(r["verbs"])
    return {
        "plural": plural,
        "kind": kind,
        "singular": singular,
        "namespaced": r["namespaced"],
        "verbs": verbs,
        "shortNames": list(short),
        "categories": list(categories),
        "subresources": subs,
        "storageVersionHash": _storage_hash(group, plural, verbs, served, prev_storage),
    }


STORAGE_ELSEWHERE = {
    ("events.k8s.io", "events"): ("", "v1", "Event"),
    ("autoscaling", "horizontalpodautoscalers"): ("autoscaling", "v2", "HorizontalPodAutoscaler"),
}


def storage_choice(served: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(version, kind) a resource would be stored as from what is served, before history."""
    for version, kind in served:
        if version == "v1":
            return version, kind
    if len(served) == 1:
        return served[0]
    return None


def _storage_hash(
    group: str,
    plural: str,
    verbs: list[str],
    served: list[tuple[str, str]],
    prev_storage: Previous,
) -> str:
    if "create" not in verbs or verbs == ["create"]:
        return ""  # reviews are never stored; componentstatuses are read from the components
    elsewhere = STORAGE_ELSEWHERE.get((group, plural))
    if elsewhere:
        return storage_version_hash(*elsewhere)
    choice = storage_choice(served)
    prev = prev_storage.stored.get((group, plural))
    before = prev_storage.served.get((group, plural), set())
    new = any(v not in before for v, _ in served) if choice is None else choice[0] not in before
    if prev is not None and new and any(v == prev[0] for v, _ in served):
        # A version this release introduces is not its storage version yet.
        return storage_version_hash(group, prev[0], prev[1])
    if choice is None:
        return ""
    return storage_version_hash(group, choice[0], choice[1])


def _previous_storage(previous: list[JSON] | None) -> Previous:
    """What the previous release stored each resource as (by the rules without history: a
    choice that itself came from history is not carried on), and which versions it served."""
    served_kinds: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for g in previous or []:
        for v in g["versions"]:
            for r in v["resources"]:
                served_kinds.setdefault((g["name"], r["plural"]), []).append(
                    (v["version"], r["kind"])
                )
    stored: dict[tuple[str, str], tuple[str, str]] = {}
    for key, served in served_kinds.items():
        choice = storage_choice(served)
        if choice is not None:
            stored[key] = choice
    return Previous(stored, {k: {v for v, _ in s} for k, s in served_kinds.items()})
