"""The controller roles of each emulated release, for scripts/releases_rbac.py.

kube-apiserver's bootstrap policy creates, next to the default roles, one ClusterRole
`system:controller:<name>` per kube-controller-manager controller and its ClusterRoleBinding to
the ServiceAccount kube-system/<name> (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/
controller_policy.go`: `buildControllerRoles`, `addControllerRole`; the post-start hook creates
`ControllerRoles()` and `ControllerRoleBindings()` with the rest). Which roles and rules a release
has depends on its default feature gates.

Input: scripts/data/controller_policy.json.gz (scripts/extract_controller_policy.py), kube's
`testdata/controller-roles.yaml` and `controller-role-bindings.yaml` of 1.31 - 1.36 as
openshift/kubernetes carries them in openshift/microshift's release branches, stored as one
release whole and the others' differing objects. What is done with it:

* OPENSHIFT: what OpenShift's patches add to kube's controller policy is dropped (each entry
  says what it is; a drop that finds nothing to drop fails the generator, so a stale entry shows).
* DERIVED: 1.29 and 1.30 have no test data there; their roles are 1.31's with the differences
  the 1.29 -> 1.31 `controller_policy.go` diffs show under each release's default feature gates
  (vendored in microshift release-4.16 / 4.17; the data file records the files' sha256), undone.
  Rules a feature gate appends (`role.Rules = append(...)`) come after the role's other rules.

`controller_policy(release)` returns the release's roles and bindings and the lines saying where
they come from; releases_rbac.py adds them to the release's policy.
"""

from __future__ import annotations

import copy
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSON = dict[str, Any]
DATA = Path(__file__).resolve().parent / "data" / "controller_policy.json.gz"
KEYS = ("clusterRoles", "clusterRoleBindings")
PREFIX = "system:controller:"
FIRST_FETCHED = 31
"""The oldest minor with test data in the input; older ones are derived from it (DERIVED)."""


@dataclass(frozen=True)
class Edit:
    """One difference between the fetched controller policy and the one a release serves."""

    releases: tuple[str, str]
    """The first and the last release (inclusive) it applies to."""
    role: str
    """The controller's name (the role and binding are `system:controller:<role>`)."""
    why: str
    drop: bool = False
    """The role and its binding are not in the release at all."""
    remove: tuple[JSON, ...] = ()
    """Rules of the fetched role the release does not have."""
    add: tuple[tuple[int, JSON], ...] = ()
    """Rules the release has and the fetched role does not, each with its index in the result
    (-1: appended last)."""

    def applies(self, release: str) -> bool:
        first, last = (_minor(r) for r in self.releases)
        return first <= _minor(release) <= last

    def line(self) -> str:
        return f"{'-'.join(self.releases)} {PREFIX}{self.role}: {self.why}"


def _minor(release: str) -> int:
    return int(release.split(".")[1])


def _rule(
    groups: list[str], resources: list[str], verbs: list[str], names: list[str] | None = None
) -> JSON:
    """A PolicyRule as the test data spells it (keys in its order; resourceNames only if any)."""
    rule: JSON = {"apiGroups": groups}
    if names:
        rule["resourceNames"] = names
    return rule | {"resources": resources, "verbs": verbs}


CLUSTERCIDR_VERBS = ["create", "get", "list", "update"]
RESTRICTED_SLICES = _rule(["discovery.k8s.io"], ["endpointslices/restricted"], ["create"])

OPENSHIFT: tuple[Edit, ...] = (
    Edit(
        releases=("1.29", "1.36"),
        role="service-ca-cert-publisher",
        drop=True,
        why="OpenShift's own controller (publishes the openshift-service-ca.crt ConfigMap); "
        "kube-controller-manager has no such controller",
    ),
    Edit(
        releases=("1.29", "1.36"),
        role="endpointslice-controller",
        remove=(RESTRICTED_SLICES,),
        why="create endpointslices/restricted is OpenShift's (its RestrictedEndpointsAdmission); "
        "kube's controller_policy.go does not grant it",
    ),
    Edit(
        releases=("1.29", "1.36"),
        role="endpointslicemirroring-controller",
        remove=(RESTRICTED_SLICES,),
        why="create endpointslices/restricted is OpenShift's (its RestrictedEndpointsAdmission); "
        "kube's controller_policy.go does not grant it",
    ),
    Edit(
        releases=("1.36", "1.36"),
        role="selinux-warning-controller",
        remove=(
            _rule([""], ["configmaps"], ["create"]),
            _rule([""], ["configmaps"], ["patch"], names=["selinux-conflicts"]),
        ),
        why="the selinux-conflicts ConfigMap rules serve OpenShift's "
        "selinuxwarning/openshift_upgrade_controller.go, not kube's controller",
    ),
)
"""OpenShift's additions to kube's controller policy in the fetched files."""

DERIVED: tuple[Edit, ...] = (
    Edit(
        releases=("1.29", "1.30"),
        role="disruption-controller",
        remove=(_rule([""], ["pods/status"], ["patch", "update"]),),
        add=((-1, _rule([""], ["pods/status"], ["patch", "update"])),),
        why="patch/update pods/status is appended when PodDisruptionConditions is on (beta, on "
        "by default); 1.31 (GA) lists it with the other rules",
    ),
    Edit(
        releases=("1.29", "1.30"),
        role="node-controller",
        remove=(_rule([""], ["pods"], ["delete", "get", "list"]),),
        add=(
            (3, _rule([""], ["pods"], ["delete", "list"])),
            (-1, _rule([""], ["pods"], ["get"])),
        ),
        why="get pods is a rule of its own, appended when PodDisruptionConditions is on (beta, on"
        " by default); 1.31 (GA) adds the verb to the pods rule",
    ),
    Edit(
        releases=("1.29", "1.29"),
        role="node-controller",
        add=((4, _rule(["networking.k8s.io"], ["clustercidrs"], CLUSTERCIDR_VERBS)),),
        why="get/list/create/update clustercidrs (the ClusterCIDR API of the multi-CIDR range "
        "allocator); 1.30 removes the rule",
    ),
    Edit(
        releases=("1.29", "1.29"),
        role="validatingadmissionpolicy-status-controller",
        drop=True,
        why="added only when ValidatingAdmissionPolicy is on: beta and off by default in 1.29, GA "
        "in 1.30",
    ),
)
"""1.29's and 1.30's differences from 1.31's controller policy."""


def _load() -> JSON:
    doc: JSON = json.loads(gzip.decompress(DATA.read_bytes()))
    return doc


def fetched(doc: JSON, release: str) -> dict[str, dict[str, JSON]]:
    """The objects of `release`'s test data by kind key and name (base plus the release's delta)."""
    out = {key: {o["metadata"]["name"]: o for o in doc[key]} for key in KEYS}
    for key, changed in doc["releases"].get(release, {}).items():
        for name, obj in changed.items():
            if obj is None:
                del out[key][name]
            else:
                out[key][name] = obj
    return copy.deepcopy(out)


def _apply(objects: dict[str, dict[str, JSON]], edit: Edit, release: str) -> None:
    name = PREFIX + edit.role
    if edit.drop:
        for key in KEYS:
            assert objects[key].pop(name, None) is not None, (release, edit)
        return
    role = objects["clusterRoles"][name]
    rules: list[JSON] = role["rules"]
    for rule in edit.remove:
        assert rule in rules, (release, edit, rule)
        rules.remove(rule)
    for index, rule in sorted(edit.add, key=lambda a: (a[0] < 0, a[0])):
        rules.insert(len(rules) if index < 0 else index, rule)


def source_line(doc: JSON, release: str, lead: str) -> str:
    src = doc["sources"][release]
    files = ", ".join(sorted(src["sha256"]))
    return (
        f"{lead}: {src['repo']} {src['branch']} @ {src['commit']}: {files} "
        f"(kubernetes {src['kubernetes']}; scripts/data/controller_policy.json.gz)"
    )


def controller_policy(release: str) -> tuple[dict[str, list[JSON]], list[str]]:
    """`release`'s controller roles and bindings (each list sorted by name), and where they come
    from: the fetched test data, then each edit applied."""
    doc = _load()
    fetched_from = release if _minor(release) >= FIRST_FETCHED else f"1.{FIRST_FETCHED}"
    objects = fetched(doc, fetched_from)
    sources = [source_line(doc, fetched_from, f"controller roles: {fetched_from} test data")]
    if fetched_from != release:
        lead = f"controller roles: {release} differences (DERIVED)"
        sources.append(source_line(doc, release, lead))
    for edit in OPENSHIFT + (DERIVED if fetched_from != release else ()):
        if edit.applies(release):
            _apply(objects, edit, release)
            sources.append(edit.line())
    for name, binding in objects["clusterRoleBindings"].items():
        expected = name.removeprefix(PREFIX)
        assert binding["roleRef"]["name"] == name in objects["clusterRoles"], name
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": expected, "namespace": "kube-system"}
        ], name
    assert set(objects["clusterRoles"]) == set(objects["clusterRoleBindings"]), release
    policy = {key: [objects[key][n] for n in sorted(objects[key])] for key in KEYS}
    return policy, sources


def applied(release: str) -> list[JSON]:
    """The edits `release`'s controller roles have, as the generated file records them."""
    derived = DERIVED if _minor(release) < FIRST_FETCHED else ()
    return [
        {
            "releases": list(e.releases),
            "role": PREFIX + e.role,
            "drop": e.drop,
            "remove": list(e.remove),
            "add": [rule for _, rule in e.add],
            "why": e.why,
        }
        for e in OPENSHIFT + derived
        if e.applies(release)
    ]
