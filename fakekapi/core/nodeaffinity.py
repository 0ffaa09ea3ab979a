"""Whether a pod may run on a node: nodeSelector, required node affinity and taints.

As k8s.io/component-helpers/scheduling/corev1 (nodeaffinity.GetRequiredNodeAffinity,
FindMatchingUntoleratedTaint) and v1helper.ToleratesTaint. kube has one copy of these predicates,
which the scheduler's NodeAffinity and TaintToleration filters and the daemonset controller's
NodeShouldRunDaemonPod both call; so has fakekapi (nodes/scheduler.py, controllers/daemonset.py).
Objects are read tolerantly: a field of the wrong type counts as absent.
"""

from __future__ import annotations

from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list

NAME_FIELD = "metadata.name"
"""The one node field a matchFields requirement may name (validation refuses others)."""


def _requirement_matches(req: JSONDict, value: str | None) -> bool:
    """A NodeSelectorRequirement against the node's value for its key (None: absent)."""
    op = req.get("operator")
    values = [str(v) for v in as_list(req.get("values"))]
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
    exprs = [as_dict(e) for e in as_list(term.get("matchExpressions"))]
    fields = [as_dict(f) for f in as_list(term.get("matchFields"))]
    if not exprs and not fields:
        return False
    md = as_dict(node.get("metadata"))
    labels = as_dict(md.get("labels"))
    for req in exprs:
        value = labels.get(str(req.get("key")))
        if not _requirement_matches(req, None if value is None else str(value)):
            return False
    for req in fields:
        if req.get("key") != NAME_FIELD or not _requirement_matches(req, str(md.get("name"))):
            return False
    return True


def fits_affinity(pod_spec: JSONDict, node: JSONDict) -> bool:
    """The pod's nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node affinity
    (GetRequiredNodeAffinity(pod).Match(node)): any of the terms must match."""
    labels = as_dict(as_dict(node.get("metadata")).get("labels"))
    for key, value in as_dict(pod_spec.get("nodeSelector")).items():
        if labels.get(key) != value:
            return False
    required = as_dict(
        as_dict(as_dict(pod_spec.get("affinity")).get("nodeAffinity")).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
    )
    terms = required.get("nodeSelectorTerms")
    if not isinstance(terms, list):
        return True
    return any(term_matches(as_dict(t), node) for t in terms)


def tolerates(toleration: JSONDict, taint: JSONDict) -> bool:
    """Toleration.ToleratesTaint: an empty effect or key matches any; Exists matches any
    value, Equal (the default) the same value."""
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


def tolerations_tolerate(tolerations: list[Any], taint: JSONDict) -> bool:
    """v1helper.TolerationsTolerateTaint: any of the tolerations tolerates the taint."""
    return any(tolerates(as_dict(t), taint) for t in tolerations)


def untolerated_taint(pod_spec: JSONDict, node: JSONDict, effects: tuple[str, ...]) -> Any:
    """FindMatchingUntoleratedTaint over the node's taints of the given effects: the first
    the pod's tolerations do not tolerate, or None."""
    tolerations = as_list(pod_spec.get("tolerations"))
    for taint in as_list(as_dict(node.get("spec")).get("taints")):
        taint = as_dict(taint)
        if taint.get("effect") in effects and not tolerations_tolerate(tolerations, taint):
            return taint
    return None
