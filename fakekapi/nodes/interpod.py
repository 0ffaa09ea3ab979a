"""The scheduler's InterPodAffinity filter: required pod affinity and anti-affinity.

As pkg/scheduler/framework/plugins/interpodaffinity (PreFilter's counts, Filter's checks, in
this order): a node fails "node(s) didn't match pod affinity rules" unless, for every required
affinity term, a matching pod runs in the node's topology domain (the value of the node's
`topologyKey` label) — or no pod matches anywhere yet and the pod matches its own terms, the
first of a group; it fails "node(s) didn't match pod anti-affinity rules" when a pod matching
one of its required anti-affinity terms runs in the node's domain; and "node(s) didn't satisfy
existing pods anti-affinity rules" when a pod running in the domain has a required
anti-affinity term the incoming pod matches. A term selects pods by labelSelector (with
matchLabelKeys/mismatchLabelKeys merged in) in its namespaces: `namespaces` and
`namespaceSelector`, else the pod's own namespace.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from fakekapi.core.objects import as_dict as _d
from fakekapi.registry.validation import structured_selector_matches

AFFINITY_REASON = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules"

NamespaceLabels = Callable[[str], dict[str, Any]]


def required_terms(pod: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The pod's requiredDuringSchedulingIgnoredDuringExecution terms of `podAffinity` or
    `podAntiAffinity`."""
    affinity = _d(_d(_d(pod.get("spec")).get("affinity")).get(kind))
    terms = affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or []
    return [_d(t) for t in terms if isinstance(t, dict)]


def has_required_anti_affinity(pod: dict[str, Any]) -> bool:
    return bool(required_terms(pod, "podAntiAffinity"))


class Term:
    """One affinity term of `owner`, ready to match pods."""

    def __init__(self, owner: dict[str, Any], term: dict[str, Any], ns_labels: NamespaceLabels):
        md = _d(owner.get("metadata"))
        labels = _d(md.get("labels"))
        self.topology_key = str(term.get("topologyKey") or "")
        selector = _d(term.get("labelSelector"))
        exprs = list(selector.get("matchExpressions") or [])
        for key in term.get("matchLabelKeys") or []:
            if key in labels:
                exprs.append({"key": key, "operator": "In", "values": [labels[key]]})
        for key in term.get("mismatchLabelKeys") or []:
            if key in labels:
                exprs.append({"key": key, "operator": "NotIn", "values": [labels[key]]})
        self.selector: dict[str, Any] | None = (
            {**selector, "matchExpressions": exprs} if term.get("labelSelector") is not None
            else None
        )  # fmt: skip
        self.namespaces = {str(n) for n in term.get("namespaces") or []}
        self.namespace_selector = term.get("namespaceSelector")
        if not self.namespaces and self.namespace_selector is None:
            self.namespaces = {str(md.get("namespace"))}
        self.ns_labels = ns_labels

    def matches(self, pod: dict[str, Any]) -> bool:
        md = _d(pod.get("metadata"))
        namespace = str(md.get("namespace"))
        in_namespace = namespace in self.namespaces or (
            isinstance(self.namespace_selector, dict)
            and structured_selector_matches(self.namespace_selector, self.ns_labels(namespace))
        )
        return (
            in_namespace
            and self.selector is not None
            and structured_selector_matches(self.selector, _d(md.get("labels")))
        )


class InterPodAffinity:
    """PreFilter's state for one pod; `check(node)` is the Filter."""

    def __init__(
        self,
        pod: dict[str, Any],
        placed: Iterable[tuple[dict[str, Any], dict[str, str]]],
        ns_labels: NamespaceLabels,
    ) -> None:
        """`placed`: every pod on a node with that node's labels."""
        self.affinity = [Term(pod, t, ns_labels) for t in required_terms(pod, "podAffinity")]
        self.anti = [Term(pod, t, ns_labels) for t in required_terms(pod, "podAntiAffinity")]
        self.affinity_counts: Counter[tuple[str, str]] = Counter()
        self.anti_counts: Counter[tuple[str, str]] = Counter()
        self.existing_anti_counts: Counter[tuple[str, str]] = Counter()
        for other, labels in placed:
            for term in self.affinity:
                if term.topology_key in labels and term.matches(other):
                    self.affinity_counts[(term.topology_key, labels[term.topology_key])] += 1
            for term in self.anti:
                if term.topology_key in labels and term.matches(other):
                    self.anti_counts[(term.topology_key, labels[term.topology_key])] += 1
            for raw in required_terms(other, "podAntiAffinity"):
                theirs = Term(other, raw, ns_labels)
                if theirs.topology_key in labels and theirs.matches(pod):
                    key = (theirs.topology_key, labels[theirs.topology_key])
                    self.existing_anti_counts[key] += 1
        self.self_match = all(term.matches(pod) for term in self.affinity)

    def check(self, node_labels: dict[str, str]) -> tuple[str, bool] | None:
        """None when the node passes; else (reason, unresolvable)."""
        if self.affinity:
            ok = all(
                t.topology_key in node_labels
                and self.affinity_counts[(t.topology_key, node_labels[t.topology_key])] > 0
                for t in self.affinity
            )
            if not ok and not (not self.affinity_counts and self.self_match):
                return AFFINITY_REASON, True
        for t in self.anti:
            key = t.topology_key
            if key in node_labels and self.anti_counts[(key, node_labels[key])] > 0:
                return ANTI_AFFINITY_REASON, False
        for (key, value), count in self.existing_anti_counts.items():
            if count > 0 and node_labels.get(key) == value:
                return EXISTING_ANTI_AFFINITY_REASON, False
        return None
