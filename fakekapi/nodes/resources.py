"""Resource quantities and a pod's requests, as the scheduler's NodeResourcesFit counts them.

Quantities are read by core/quantity, apimachinery's resource.Quantity parser (`100m`, `0.5`,
`128Mi`, `1G`, `1e3`); a value that does not parse counts as zero, as the API server would have
refused it.
Pod requests follow kube's `resourcehelper.PodRequests`: the sum of the containers (and of
restartable init containers, which run beside them), or the largest init container if that is
more, plus spec.overhead.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from fakekapi.core import quantity

Resources = dict[str, Fraction]


def _requests(container: Any) -> Resources:
    res = (container or {}).get("resources") or {}
    requests = res.get("requests") or {}
    limits = res.get("limits") or {}
    out: Resources = {}
    # A limit with no request defaults the request (SetDefaults_ResourceRequirements).
    for name in set(requests) | set(limits):
        out[str(name)] = quantity.amount(requests.get(name, limits.get(name)))
    return out


def _add(into: Resources, more: Resources) -> None:
    for k, v in more.items():
        into[k] = into.get(k, Fraction(0)) + v


def pod_requests(spec: dict[str, Any]) -> Resources:
    """What the pod asks for (resourcehelper.PodRequests, without in-place resize)."""
    total: Resources = {}
    for c in spec.get("containers") or []:
        _add(total, _requests(c))
    sidecars: Resources = {}
    init_max: Resources = {}
    for c in spec.get("initContainers") or []:
        req = _requests(c)
        if (c or {}).get("restartPolicy") == "Always":
            _add(total, req)
            _add(sidecars, req)
            continue
        # A regular init container runs beside the sidecars started before it.
        step = dict(req)
        _add(step, sidecars)
        for k, v in step.items():
            if v > init_max.get(k, Fraction(0)):
                init_max[k] = v
    for k, v in init_max.items():
        if v > total.get(k, Fraction(0)):
            total[k] = v
    _add(total, {str(k): quantity.amount(v) for k, v in (spec.get("overhead") or {}).items()})
    return total
