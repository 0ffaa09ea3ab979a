"""Resource quantities and a pod's requests, as the scheduler's NodeResourcesFit counts them.

Quantities are read by core/quantity, apimachinery's resource.Quantity parser (`100m`, `0.5`,
`128Mi`, `1G`, `1e3`); a value that does not parse counts as zero, as the API server would have
refused it.
Pod requests follow kube's `resourcehelper.PodRequests` (fakekapi.core.podresources), plus
spec.overhead.
"""

from __future__ import annotations

from typing import Any

from fakekapi.core import quantity
from fakekapi.core.podresources import Resources, add, pod_total

__all__ = ["Resources", "pod_requests"]


def _requests(container: Any) -> Resources:
    res = (container or {}).get("resources") or {}
    requests = res.get("requests") or {}
    limits = res.get("limits") or {}
    out: Resources = {}
    # A limit with no request defaults the request (SetDefaults_ResourceRequirements).
    for name in set(requests) | set(limits):
        out[str(name)] = quantity.amount(requests.get(name, limits.get(name)))
    return out


def pod_requests(spec: dict[str, Any]) -> Resources:
    """What the pod asks for (resourcehelper.PodRequests, without in-place resize): its
    containers' requests added up (core/podresources.py), plus spec.overhead."""
    total = pod_total(spec, _requests)
    add(total, {str(k): quantity.amount(v) for k, v in (spec.get("overhead") or {}).items()})
    return total
