"""ControllerRevisions as pkg/controller/history keeps them, for the StatefulSet and DaemonSet
controllers (the two that snapshot their pod template).

A revision holds the template as a patch (`$patch: replace`), is named `<owner>-<hash>`, and is
numbered; when a template comes back, the old revision holding it is renumbered to be the newest
instead of a second copy being made (kube's getStatefulSetRevisions and the daemon controller's
constructHistory both do this through history.FindEqualRevisions).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable

from fakekapi.controllers.deploymentutil import safe_encode
from fakekapi.controllers.index import NamespaceIndex
from fakekapi.controllers.ownership import controller_of, new_controller_ref
from fakekapi.core.objects import JSONDict


def revision_patch(owner: JSONDict) -> JSONDict:
    """getPatch: the template, to be applied as a whole (`$patch: replace`)."""
    template = copy.deepcopy((owner.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def revision_hash(data: JSONDict, collision_count: int | None) -> str:
    """history.HashControllerRevision: FNV-32a of the data (and collision count)."""
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        raw += int(collision_count & 0xFFFFFFFF).to_bytes(4, "little")
    h = 0x811C9DC5
    for b in raw:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(h))


def owned_revisions(revisions: NamespaceIndex, owner: JSONDict) -> list[JSONDict]:
    """ListControllerRevisions then SortControllerRevisions: the revisions `owner` controls,
    oldest first."""
    md = owner["metadata"]
    return sorted(
        (
            r
            for r in revisions.list(md.get("namespace") or "")
            if (controller_of(r) or {}).get("uid") == md.get("uid")
        ),
        key=lambda r: int(r.get("revision") or 0),
    )


def next_revision(revisions: list[JSONDict]) -> int:
    """NextRevision: one more than the newest of `revisions` (sorted), 1 for none."""
    return int(revisions[-1].get("revision") or 0) + 1 if revisions else 1


async def reuse_equal(
    revisions: list[JSONDict],
    data: JSONDict,
    update: Callable[[JSONDict], Awaitable[JSONDict]],
) -> JSONDict | None:
    """The newest of `revisions` (sorted) holding `data`, renumbered through `update` to be the
    newest when it is not; None when none holds it."""
    equal = [r for r in revisions if r.get("data") == data]
    if not equal:
        return None
    found = equal[-1]
    if found is revisions[-1]:
        return found
    renumbered = {"apiVersion": "apps/v1", "kind": "ControllerRevision", **copy.deepcopy(found)}
    renumbered["revision"] = next_revision(revisions)
    return await update(renumbered)


def new_revision(
    owner: JSONDict, kind: str, data: JSONDict, number: int, collision_count: int, hash_label: str
) -> JSONDict:
    """NewControllerRevision: `<owner>-<hash>` (the owner's name cut to 223 characters; the hash
    of the data and collision count), labelled with the template's labels and
    `hash_label: <hash>`, controlled by `owner`."""
    md = owner["metadata"]
    h = revision_hash(data, collision_count)
    template_labels = (((owner.get("spec") or {}).get("template") or {}).get("metadata") or {}).get(
        "labels"
    ) or {}
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": f"{md['name'][:223]}-{h}",
            "namespace": md["namespace"],
            "labels": {**template_labels, hash_label: h},
            "ownerReferences": [new_controller_ref(owner, "apps/v1", kind)],
        },
        "data": data,
        "revision": number,
    }
