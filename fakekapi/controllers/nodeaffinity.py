"""Whether a pod may run on a node: nodeSelector, required node affinity and taints.

As k8s.io/component-helpers/scheduling/corev1 (nodeaffinity.GetRequiredNodeAffinity,
FindMatchingUntoleratedTaint) and v1helper.ToleratesTaint: the predicates the daemonset
controller checks for each node (pkg/controller/daemon NodeShouldRunDaemonPod).
"""

from __future__ import annotations

from typing import Any

from fakekapi.core.objects import JSONDict


def _requirement_matches(req: JSONDict, value: str | None) -> bool:
    op = req.get("operator")
    values = [str(v) for v in req.get("values") or []]
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            have, want = int(value), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def term_matches(term: JSONDict, node: JSONDict) -> bool:
    """A NodeSelectorTerm: all its expressions (labels) and fields (metadata.name) hold; an
    empty term matches nothing."""
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    labels = (node.get("metadata") or {}).get("labels") or {}
    for req in exprs:
        if not _requirement_matches(req, labels.get(req.get("key"))):
            return False
    for req in fields:
        value = (
            (node.get("metadata") or {}).get("name") if req.get("key") == "metadata.name" else None
        )
        if not _requirement_matches(req, value):
            return False
    return True


def fits_affinity(pod_spec: JSONDict, node: JSONDict) -> bool:
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms")
    if terms is None:
        return True
    return any(term_matches(t, node) for t in terms)


def tolerates(toleration: JSONDict, taint: JSONDict) -> bool:
    """ToleratesTaint."""
    effect = toleration.get("effect")
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key")
    if key and key != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    return bool(op == "Equal" and (toleration.get("value") or "") == (taint.get("value") or ""))


def untolerated_taint(pod_spec: JSONDict, node: JSONDict, effects: tuple[str, ...]) -> Any:
    """FindMatchingUntoleratedTaint over the taints of the given effects."""
    tolerations = pod_spec.get("tolerations") or []
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") not in effects:
            continue
        if not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None
