"""kube-controller-manager's controller names and its `--controllers` flag, as pure functions.

The canonical names and their aliases are kube's (cmd/kube-controller-manager/names/
controller_names.go and the `aliases` of each ControllerDescriptor in
cmd/kube-controller-manager/app/*.go): `deployment-controller` may also be written `deployment`,
`serviceaccount-token-controller` `serviceaccount-token`, and so on. The flag's syntax is kube's
(app/controllermanager.go IsControllerEnabled): `*` enables every controller on by default,
`name` enables one, `-name` disables one; the first entry naming a controller decides; without
`*` only named controllers run. An unknown name is refused as kube's options validation does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from fakekapi.core.errors import go_quote

KNOWN: dict[str, tuple[str, ...]] = {
    "serviceaccount-token-controller": ("serviceaccount-token",),
    "endpoints-controller": ("endpoint",),
    "endpointslice-controller": ("endpointslice",),
    "endpointslice-mirroring-controller": ("endpointslicemirroring",),
    "replicationcontroller-controller": ("replicationcontroller",),
    "pod-garbage-collector-controller": ("podgc",),
    "resourcequota-controller": ("resourcequota",),
    "namespace-controller": ("namespace",),
    "serviceaccount-controller": ("serviceaccount",),
    "garbage-collector-controller": ("garbagecollector",),
    "daemonset-controller": ("daemonset",),
    "job-controller": ("job",),
    "deployment-controller": ("deployment",),
    "replicaset-controller": ("replicaset",),
    "horizontal-pod-autoscaler-controller": ("horizontalpodautoscaling",),
    "disruption-controller": ("disruption",),
    "statefulset-controller": ("statefulset",),
    "cronjob-controller": ("cronjob",),
    "certificatesigningrequest-signing-controller": ("csrsigning",),
    "certificatesigningrequest-approving-controller": ("csrapproving",),
    "certificatesigningrequest-cleaner-controller": ("csrcleaner",),
    "ttl-controller": ("ttl",),
    "bootstrap-signer-controller": ("bootstrapsigner",),
    "token-cleaner-controller": ("tokencleaner",),
    "node-ipam-controller": ("nodeipam",),
    "node-lifecycle-controller": ("nodelifecycle",),
    "taint-eviction-controller": (),
    "persistentvolume-binder-controller": ("persistentvolume-binder",),
    "persistentvolume-attach-detach-controller": ("attachdetach",),
    "persistentvolume-expander-controller": ("persistentvolume-expander",),
    "clusterrole-aggregation-controller": ("clusterrole-aggregation",),
    "persistentvolumeclaim-protection-controller": ("pvc-protection",),
    "persistentvolume-protection-controller": ("pv-protection",),
    "ttl-after-finished-controller": ("ttl-after-finished",),
    "root-ca-certificate-publisher-controller": ("root-ca-cert-publisher",),
    "ephemeral-volume-controller": ("ephemeral-volume",),
    "storageversion-garbage-collector-controller": ("storage-version-gc",),
    "resourceclaim-controller": ("resource-claim-controller",),
    "legacy-serviceaccount-token-cleaner-controller": ("legacy-service-account-token-cleaner",),
    "validatingadmissionpolicy-status-controller": (),
    "service-cidr-controller": (),
    "storage-version-migrator-controller": (),
    "selinux-warning-controller": (),
    "service-lb-controller": ("service",),
    "node-route-controller": ("route",),
    "cloud-node-lifecycle-controller": ("cloud-node-lifecycle",),
}
"""Canonical name → aliases, for every controller kube-controller-manager 1.33 knows."""

DISABLED_BY_DEFAULT = frozenset(
    {
        "bootstrap-signer-controller",
        "token-cleaner-controller",
        "selinux-warning-controller",
        "storage-version-migrator-controller",
    }
)
"""Off under `*` (kube's ControllerDescriptor.isDisabledByDefault)."""

_CANONICAL: dict[str, str] = {
    **{name: name for name in KNOWN},
    **{alias: name for name, aliases in KNOWN.items() for alias in aliases},
}


def canonical(name: str) -> str | None:
    """The canonical name of `name` (itself or an alias), None when kube knows no such one."""
    return _CANONICAL.get(name)


class ControllersFlagError(ValueError):
    """A `--controllers` value kube-controller-manager would refuse."""


class Selection(NamedTuple):
    """A parsed `--controllers` value: which controllers run."""

    entries: tuple[str, ...] = ("*",)
    """`*`, canonical names and `-`canonical names, in the order given."""

    def enabled(self, name: str) -> bool:
        """kube's IsControllerEnabled for a canonical name (or an alias)."""
        name = canonical(name) or name
        star = False
        for entry in self.entries:
            if entry == name:
                return True
            if entry == "-" + name:
                return False
            if entry == "*":
                star = True
        return star and name not in DISABLED_BY_DEFAULT


def parse(values: Iterable[str]) -> Selection:
    """`--controllers` values (repeatable and comma-separated, as pflag's StringSlice) → Selection.

    Unknown names raise ControllersFlagError with kube's message."""
    entries: list[str] = []
    for value in values:
        for raw in value.split(","):
            item = raw.strip()
            if not item:
                continue
            if item == "*":
                entries.append(item)
                continue
            negated = item.startswith("-")
            bare = item[1:] if negated else item
            name = canonical(bare)
            if name is None:
                raise ControllersFlagError(
                    f"{go_quote(bare)} is not in the list of known controllers"
                )
            entries.append(("-" if negated else "") + name)
    return Selection(tuple(entries))


ALL = Selection(("*",))
NONE = Selection(())
