"""The scheduler's PodTopologySpread filter for `whenUnsatisfiable: DoNotSchedule` constraints.

As pkg/scheduler/framework/plugins/podtopologyspread (PreFilter's counts, Filter's skew check):
the domains of a constraint are the values of its `topologyKey` on the nodes that carry every
constraint's key and (nodeAffinityPolicy Honor, the default) match the pod's nodeSelector and
required node affinity; a domain's count is the pods there (not being deleted) in the pod's
namespace that the constraint's labelSelector (with matchLabelKeys) selects. A node without the
key fails "node(s) didn't match pod topology spread constraints (missing required label)"
(unresolvable); a node where placing the pod would make its domain's count exceed the smallest
domain's by more than maxSkew (the smallest counted as 0 while there are fewer domains than
minDomains) fails "node(s) didn't match pod topology spread constraints". ScheduleAnyway
constraints only score, and scoring is not modelled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from fakekapi.core.objects import as_dict as _d
from fakekapi.registry.validation import structured_selector_matches

MISSING_LABEL_REASON = (
    "node(s) didn't match pod topology spread constraints (missing required label)"
)
SKEW_REASON = "node(s) didn't match pod topology spread constraints"


class Constraint:
    def __init__(self, pod: dict[str, Any], raw: dict[str, Any]) -> None:
        labels = _d(_d(pod.get("metadata")).get("labels"))
        self.key = str(raw.get("topologyKey") or "")
        self.max_skew = int(raw.get("maxSkew") or 1)
        self.min_domains = int(raw.get("minDomains") or 1)
        selector = raw.get("labelSelector")
        self.selector: dict[str, Any] | None = None
        if isinstance(selector, dict):
            exprs = list(selector.get("matchExpressions") or [])
            for key in raw.get("matchLabelKeys") or []:
                if key in labels:
                    exprs.append({"key": key, "operator": "In", "values": [labels[key]]})
            self.selector = {**selector, "matchExpressions": exprs}
        self.honor_affinity = raw.get("nodeAffinityPolicy", "Honor") != "Ignore"
        self.counts: Counter[str] = Counter()
        self.self_match = self.matches_labels(labels)

    def matches_labels(self, labels: dict[str, Any]) -> bool:
        return self.selector is not None and structured_selector_matches(self.selector, labels)


class TopologySpread:
    """PreFilter's state for one pod; `check(node)` is the Filter."""

    def __init__(
        self,
        pod: dict[str, Any],
        nodes: list[dict[str, Any]],
        placed: Iterable[tuple[dict[str, Any], str]],
        eligible: Callable[[dict[str, Any]], bool],
    ) -> None:
        """`placed`: (pod, node name) of every pod on a node; `eligible(node)`: the pod's node
        selector and required node affinity accept the node."""
        spec = _d(pod.get("spec"))
        namespace = _d(pod.get("metadata")).get("namespace")
        self.constraints = [
            Constraint(pod, _d(raw))
            for raw in spec.get("topologySpreadConstraints") or []
            if _d(raw).get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule"
        ]
        keys = {c.key for c in self.constraints}
        labels_of = {
            str(_d(n.get("metadata")).get("name")): _d(_d(n.get("metadata")).get("labels"))
            for n in nodes
        }
        counted = {name for name, labels in labels_of.items() if keys <= set(labels)}
        accepted = {str(_d(n.get("metadata")).get("name")) for n in nodes if eligible(n)}
        for c in self.constraints:
            for name in counted:
                if not c.honor_affinity or name in accepted:
                    c.counts.setdefault(str(labels_of[name][c.key]), 0)
        for other, node in placed:
            md = _d(other.get("metadata"))
            if (
                node not in counted
                or md.get("deletionTimestamp")
                or md.get("namespace") != namespace
            ):
                continue
            for c in self.constraints:
                if c.honor_affinity and node not in accepted:
                    continue
                if c.matches_labels(_d(md.get("labels"))):
                    c.counts[str(labels_of[node][c.key])] += 1

    def check(self, node_labels: dict[str, Any]) -> tuple[str, bool] | None:
        """None when the node passes; else (reason, unresolvable)."""
        for c in self.constraints:
            if c.key not in node_labels:
                return MISSING_LABEL_REASON, True
            smallest = min(c.counts.values()) if c.counts else 0
            if len(c.counts) < c.min_domains:
                smallest = 0
            count = c.counts.get(str(node_labels[c.key]), 0)
            if count + int(c.self_match) - smallest > c.max_skew:
                return SKEW_REASON, False
        return None
