"""A pod's total of each resource, as kube adds its containers up.

kube has this sum in several places that must agree (component-helpers `resource.PodRequests` /
`PodLimits`, which the scheduler uses, and the LimitRanger admission plugin's copies of them):
the containers and the restartable init containers (sidecars, which run beside them) are summed;
a regular init container runs alone, beside only the sidecars started before it, so the pod needs
at least that much — the larger of the two wins. What is counted per container (requests,
limits, requests defaulted from limits) is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fractions import Fraction

Resources = dict[str, "Fraction"]
"""Resource name → exact amount (cores, bytes, ...)."""


def add(into: Resources, more: Mapping[str, Fraction]) -> None:
    """addResourceList: `into` += `more`, resource by resource."""
    for k, v in more.items():
        into[k] = into.get(k, 0) + v  # 0 + Fraction is a Fraction (no import at start)


def at_least(into: Resources, other: Mapping[str, Fraction]) -> None:
    """maxResourceList: each resource of `into` raised to `other`'s where that is more."""
    for k, v in other.items():
        if k not in into or v > into[k]:
            into[k] = v


def pod_total(spec: Mapping[str, Any], of_container: Callable[[Any], Resources]) -> Resources:
    """The pod's total of what `of_container` counts for each container (no overhead)."""
    total: Resources = {}
    for c in spec.get("containers") or []:
        add(total, of_container(c))
    sidecars: Resources = {}
    init_max: Resources = {}
    for c in spec.get("initContainers") or []:
        counted = of_container(c)
        if isinstance(c, dict) and c.get("restartPolicy") == "Always":
            add(total, counted)
            add(sidecars, counted)
            continue
        step = dict(counted)
        add(step, sidecars)
        at_least(init_max, step)
    at_least(total, init_max)
    return total
