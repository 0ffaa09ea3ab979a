"""The finalizers a DELETE adds for the garbage collector (apiserver registry/generic/registry/
store.go: shouldOrphanDependents, shouldDeleteDependents, deletionFinalizersForGarbageCollection).

`orphan` asks the garbage collector to remove the owner's ownerReferences from its dependents
before the owner goes; `foregroundDeletion` keeps the owner (with its deletionTimestamp) until the
dependents that block it are gone. Which one a DELETE gets: `orphanDependents` if sent, else
`propagationPolicy`, else the finalizer already on the object, else the kind's default policy
(DefaultGarbageCollectionPolicy): ReplicationControllers in core/v1 and Jobs in batch/v1 orphan
"for backwards compatibility", every other kind (Deployments, ReplicaSets... in apps/v1, custom
resources) deletes dependents in the background.
"""

from __future__ import annotations

from fakekapi.catalog.types import ResourceType

from .generic.options import DeleteOptions

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"

ORPHAN_BY_DEFAULT = frozenset({("", "v1", "replicationcontrollers"), ("batch", "v1", "jobs")})
"""(group, version, plural) whose strategy's DefaultGarbageCollectionPolicy is OrphanDependents."""


def _orphan(rt: ResourceType, finalizers: list[str], opts: DeleteOptions) -> bool:
    if opts.orphan_dependents is not None:
        return opts.orphan_dependents
    if opts.propagation_policy:
        return opts.propagation_policy == "Orphan"
    for f in finalizers:
        if f == ORPHAN:
            return True
        if f == FOREGROUND:
            return False
    return (rt.group, rt.version, rt.plural) in ORPHAN_BY_DEFAULT


def _foreground(finalizers: list[str], opts: DeleteOptions) -> bool:
    if opts.orphan_dependents is not None:
        return False
    if opts.propagation_policy:
        return opts.propagation_policy == "Foreground"
    for f in finalizers:
        if f == FOREGROUND:
            return True
        if f == ORPHAN:
            return False
    return False


def deletion_finalizers(
    rt: ResourceType, finalizers: list[str], opts: DeleteOptions
) -> list[str] | None:
    """The object's finalizers after this DELETE's policy, or None when they stay as they are."""
    new = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
    if _orphan(rt, finalizers, opts):
        new.append(ORPHAN)
    if _foreground(finalizers, opts):
        new.append(FOREGROUND)
    return None if set(new) == set(finalizers) else new


JOB_DELETE_WARNING = (
    "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background "
    "to remove them or set propagationPolicy=Orphan to suppress this warning"
)
"""pkg/registry/batch/job/storage: a DELETE of a batch/v1 Job that names no policy orphans its
pods, and says so."""


def delete_warnings(rt: ResourceType, opts: DeleteOptions) -> list[str]:
    """Warnings a DELETE (or deletecollection) answers with (the Job REST's Delete)."""
    if (
        (rt.group, rt.version, rt.plural) == ("batch", "v1", "jobs")
        and opts.propagation_policy is None
        and opts.orphan_dependents is None
    ):
        return [JOB_DELETE_WARNING]
    return []
