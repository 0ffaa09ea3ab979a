"""Resource quantities and a pod's requests, as the scheduler's NodeResourcesFit counts them.

Quantities follow apimachinery's resource.Quantity grammar (`100m`, `0.5`, `128Mi`, `1G`,
`1e3`); a value that does not parse counts as zero, as the API server would have refused it.
Pod requests follow kube's `resourcehelper.PodRequests`: the sum of the containers (and of
restartable init containers, which run beside them), or the largest init container if that is
more, plus spec.overhead.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

_SUFFIX = {
    "": Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}
_QUANTITY = re.compile(
    r"([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)"
)

Resources = dict[str, Fraction]


def parse_quantity(value: Any) -> Fraction:
    """The quantity as an exact number (cpu in cores, memory in bytes); 0 when malformed."""
    text = str(value).strip()
    m = _QUANTITY.fullmatch(text)
    if m is None:
        return Fraction(0)
    number = Fraction(m.group(1))
    if m.group(2):
        return number * Fraction(10) ** int(m.group(2)[1:])
    return number * _SUFFIX[m.group(3) or ""]


def _requests(container: Any) -> Resources:
    res = (container or {}).get("resources") or {}
    requests = res.get("requests") or {}
    limits = res.get("limits") or {}
    out: Resources = {}
    # A limit with no request defaults the request (SetDefaults_ResourceRequirements).
    for name in set(requests) | set(limits):
        out[str(name)] = parse_quantity(requests.get(name, limits.get(name)))
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
    _add(total, {str(k): parse_quantity(v) for k, v in (spec.get("overhead") or {}).items()})
    return total
