"""The bootstrap RBAC policy of one release, for scripts/gen_releases.py.

kube-apiserver creates its default roles and bindings from `plugin/pkg/auth/authorizer/rbac/
bootstrappolicy/policy.go` (and `controller_policy.go`, `namespace_policy.go`) of its release. The
reference data holds the 1.33 policy (gen_rbac_policy.py); the other releases are that policy
with the changes each release's CHANGELOG lists for bootstrappolicy applied (CHANGES: every entry
cites where it comes from, and the generated file lists the citations under "sources").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gen_rbac_policy

JSON = dict[str, Any]
Policy = dict[str, list[JSON]]

INPUT_FILES = (
    "cluster-roles.yaml",
    "cluster-role-bindings.yaml",
    "namespace-roles.yaml",
    "namespace-role-bindings.yaml",
)


def base_policy(reference: Path) -> Policy:
    return gen_rbac_policy.generate(reference)


class Change:
    """One change to the policy between two releases, with its source."""

    def __init__(self, since: str, source: str, edit: Callable[[Policy], None]) -> None:
        self.since = since
        """The first release with the change."""
        self.source = source
        self.edit = edit


def _minor(release: str) -> int:
    return int(release.split(".")[1])


CHANGES: list[Change] = []
"""Changes relative to 1.33, each applied to the releases on its side of `since`.

Empty so far: the changes between releases have not been established from kube's sources yet
(the stored copies of bootstrappolicy/testdata are 1.33-era snapshots only, and the CHANGELOG
entries were not reviewed release by release), so every release serves the 1.33 policy, and its
data file says so under "sources". Known candidates to check: DynamicResourceAllocation default-on
from 1.34 (policy.go NodeRules adds `get resourceclaims` to system:node; controller_policy.go adds
system:controller:resource-claim-controller, though the base policy has no controller roles)."""


def policy_for(release: str, base: Policy) -> tuple[Policy, list[str]]:
    """The release's policy and the sources of the changes applied to the 1.33 one."""
    policy = copy.deepcopy(base)
    sources = [
        "1.33: kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata "
        "(../shared/k8s-reference/rbac, see its README)"
    ]
    for change in CHANGES:
        applies = (_minor(change.since) > 33 and _minor(release) >= _minor(change.since)) or (
            _minor(change.since) <= 33 and _minor(release) < _minor(change.since)
        )
        if applies:
            change.edit(policy)
            sources.append(f"{change.since}: {change.source}")
    if release != "1.33" and len(sources) == 1:
        sources.append(
            f"{release}: no release-specific changes applied (not yet established from kube's "
            "sources); this is the 1.33 policy"
        )
    for key in policy:
        policy[key].sort(key=gen_rbac_policy._key)
    return policy, sources
