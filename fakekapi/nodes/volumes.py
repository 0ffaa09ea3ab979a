"""The scheduler's VolumeBinding PreFilter: a pod's PersistentVolumeClaims must exist and, unless
their StorageClass delays binding, be bound before the pod is placed.

As pkg/scheduler/framework/plugins/volumebinding (podHasPVCs, GetPodVolumeClaims): a claim that
is missing or being deleted, or an ephemeral volume's claim not owned by the pod, rejects the
pod with the lister's error; a claim not fully bound (no volumeName, or no
`pv.kubernetes.io/bind-completed` annotation) whose class binds Immediately rejects it with
"pod has unbound immediate PersistentVolumeClaims"; both for every node, so preemption cannot
help. Claims whose class has `volumeBindingMode: WaitForFirstConsumer` are returned, for the
scheduler to annotate with the chosen node (`volume.kubernetes.io/selected-node`), which is
what the provisioner waits for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakekapi.client.informer import Informer
from fakekapi.core.objects import as_dict as _d

BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"


@dataclass
class ClaimsVerdict:
    rejection: str = ""
    """The PreFilter's message when the pod cannot be placed yet ("" when it can)."""
    delayed: list[dict[str, Any]] = field(default_factory=list)
    """Unbound claims of WaitForFirstConsumer classes: they follow the pod's node."""


def _claim_names(pod: dict[str, Any]) -> list[tuple[str, bool]]:
    """(claim name, ephemeral?) for each volume that uses a claim."""
    name = str(_d(pod.get("metadata")).get("name"))
    out: list[tuple[str, bool]] = []
    for vol in _d(pod.get("spec")).get("volumes") or []:
        vol = _d(vol)
        source = _d(vol.get("persistentVolumeClaim"))
        if source.get("claimName"):
            out.append((str(source["claimName"]), False))
        elif vol.get("ephemeral") is not None:
            out.append((f"{name}-{vol.get('name')}", True))
    return out


def check_claims(pod: dict[str, Any], claims: Informer, classes: Informer) -> ClaimsVerdict:
    md = _d(pod.get("metadata"))
    namespace = str(md.get("namespace"))
    verdict = ClaimsVerdict()
    immediate_unbound = False
    for claim_name, ephemeral in _claim_names(pod):
        pvc = claims.get(namespace, claim_name)
        if pvc is None:
            verdict.rejection = f'persistentvolumeclaim "{claim_name}" not found'
            return verdict
        cmd = _d(pvc.get("metadata"))
        if cmd.get("deletionTimestamp"):
            verdict.rejection = f'persistentvolumeclaim "{claim_name}" is being deleted'
            return verdict
        if ephemeral and not any(
            _d(r).get("uid") == md.get("uid") and _d(r).get("controller")
            for r in cmd.get("ownerReferences") or []
        ):
            verdict.rejection = (
                f"PVC {namespace}/{claim_name} was not created for pod "
                f"{namespace}/{md.get('name')} (pod is not owner)"
            )
            return verdict
        bound = bool(_d(pvc.get("spec")).get("volumeName")) and BIND_COMPLETED in _d(
            cmd.get("annotations")
        )
        if bound:
            continue
        class_name = str(_d(pvc.get("spec")).get("storageClassName") or "")
        sc = classes.get("", class_name) if class_name else None
        if sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer":
            verdict.delayed.append(pvc)
        else:
            immediate_unbound = True
    if immediate_unbound:
        verdict.rejection = UNBOUND_IMMEDIATE
    return verdict
