"""Priority (k8s.io/kubernetes `plugin/pkg/admission/priority/admission.go`).

A new pod's `priorityClassName` is resolved into `priority` and `preemptionPolicy`: a stored
PriorityClass, else one of the two system classes kube-apiserver always has; without a name, the
PriorityClass marked `globalDefault` (its name is filled in), else priority 0. An unknown class, or
a `priority` the client set that differs from the computed one, is a 403.
"""

from __future__ import annotations

from fakekapi.admission.plugin import PODS, ReadingPlugin, mutating_forbidden_name, object_of
from fakekapi.catalog.catalog import Catalog
from fakekapi.core.errors import forbidden
from fakekapi.core.objects import JSONDict, as_dict, sub_dict
from fakekapi.registry.admission import Attributes
from fakekapi.registry.generic.keys import object_key
from fakekapi.store.base import Store

NAME = "Priority"

SYSTEM_PRIORITY_CLASSES = {
    "system-node-critical": (2000001000, "PreemptLowerPriority"),
    "system-cluster-critical": (2000000000, "PreemptLowerPriority"),
}
"""The PriorityClasses kube-apiserver creates at start-up (scheduling/v1 SystemPriorityClasses)."""


class Priority(ReadingPlugin):
    name = NAME

    async def __call__(self, a: Attributes) -> None:
        pod = object_of(a, PODS)
        if pod is not None:
            admit_pod(self.store, self.catalog, pod, mutating_forbidden_name(a))


def admit_pod(store: Store, catalog: Catalog, pod: JSONDict, pod_name: str) -> None:
    """Resolve priorityClassName into priority and preemptionPolicy (admission.go admitPod);
    `pod_name` is what a 403 calls the pod."""
    spec = sub_dict(pod, "spec")
    name = str(spec.get("priorityClassName") or "")
    value: int | None = None
    policy = "PreemptLowerPriority"
    pc_type = catalog.lookup("scheduling.k8s.io", "v1", "priorityclasses")
    if name:
        found = store.get(object_key(pc_type, "", name)) if pc_type is not None else None
        if found is not None:
            value = int(found[0].get("value") or 0)
            policy = str(found[0].get("preemptionPolicy") or policy)
        elif name in SYSTEM_PRIORITY_CLASSES:
            value, policy = SYSTEM_PRIORITY_CLASSES[name]
        else:
            raise forbidden("pods", "", pod_name, f"no PriorityClass with name {name} was found")
    else:
        value = 0
        if pc_type is not None:
            items, _ = store.list("/scheduling.k8s.io/priorityclasses/")
            for _key, pc, _rev in items:
                if pc.get("globalDefault") is True:
                    spec["priorityClassName"] = as_dict(pc.get("metadata")).get("name")
                    value = int(pc.get("value") or 0)
                    policy = str(pc.get("preemptionPolicy") or policy)
                    break
    if spec.get("priority") is not None and spec["priority"] != value:
        raise forbidden(
            "pods",
            "",
            pod_name,
            f"the integer value of priority ({spec['priority']}) must not be provided in pod "
            f"spec; priority admission controller computed {value} from the given PriorityClass "
            "name",
        )
    spec["priority"] = value
    if not spec.get("preemptionPolicy"):
        spec["preemptionPolicy"] = policy
