"""DefaultTolerationSeconds (k8s.io/kubernetes `plugin/pkg/admission/defaulttolerationseconds`).

Every pod created or updated tolerates the `node.kubernetes.io/not-ready` and
`node.kubernetes.io/unreachable` NoExecute taints for 300 s (the flags
`--default-not-ready-toleration-seconds`, `--default-unreachable-toleration-seconds`), unless it
already tolerates them (a toleration with that key or no key, and effect NoExecute or none).
"""

from __future__ import annotations

from fakekapi.admission.plugin import PODS, object_of
from fakekapi.core.objects import JSONDict, as_dict, as_list, sub_dict
from fakekapi.registry.admission import CREATE, UPDATE, Attributes

NAME = "DefaultTolerationSeconds"

NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300


class DefaultTolerationSeconds:
    name = NAME

    async def __call__(self, a: Attributes) -> None:
        pod = object_of(a, PODS, (CREATE, UPDATE))
        if pod is not None:
            admit_pod(pod)


def admit_pod(pod: JSONDict) -> None:
    """Add the two tolerations a pod does not already have (admission.go Admit)."""
    spec = sub_dict(pod, "spec")
    tolerations = as_list(spec.get("tolerations"))
    not_ready = unreachable = False
    for t in tolerations:
        t = as_dict(t)
        effect_ok = t.get("effect") in (None, "", "NoExecute")
        key = t.get("key") or ""
        if effect_ok and key in ("", NOT_READY_TAINT):
            not_ready = True
        if effect_ok and key in ("", UNREACHABLE_TAINT):
            unreachable = True
    added = list(tolerations)
    for present, key in ((not_ready, NOT_READY_TAINT), (unreachable, UNREACHABLE_TAINT)):
        if not present:
            added.append(
                {
                    "key": key,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS,
                }
            )
    if len(added) != len(tolerations):
        spec["tolerations"] = added
