"""LimitRanger (k8s.io/kubernetes `plugin/pkg/admission/limitranger/admission.go`).

The LimitRanges of the request's namespace shape and bound what it may ask for:

* a new pod's containers and init containers get the `Container` items' `default` limits and
  `defaultRequest` requests they do not set themselves, listed in the pod's
  `kubernetes.io/limit-ranger` annotation (PodMutateLimitFunc; each LimitRange that sets
  something writes the annotation anew, as kube's does);
* then each LimitRange in turn holds the new pod to its `Container` items' min, max and
  maxLimitRequestRatio per container, and its `Pod` items' per pod (requests and limits added
  up as kube adds them: core/podresources.py); a claim, new or updated, to its
  `PersistentVolumeClaim` items' min and max storage request (a request the stored claim already
  holds is not judged again);
* the first LimitRange with violations refuses the request: admission.NewForbidden's 403
  `pods "NAME" is forbidden: <error>`, several errors as kube's aggregate `[a, b]`.

Pod updates are not judged (SupportsAttributes: a pod's containers cannot change), nor are
subresources, nor objects being deleted. kube mutates in the mutating phase and validates in the
validating one; the plugins before this one in the chain change no resources, so running both
here decides the same. Go ranges over a LimitRange's maps in random order; here resources go by
name, so several violations are always listed alike. Pod-level resources (`spec.resources`,
PodLevelResources) count from 1.34, where the feature is on by default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakekapi.admission.plugin import ReadingPlugin
from fakekapi.catalog import releases
from fakekapi.core import quantity
from fakekapi.core.errors import forbidden
from fakekapi.core.objects import JSONDict, as_dict, as_list, sub_dict
from fakekapi.core.podresources import Resources, pod_total
from fakekapi.registry.admission import CREATE, UPDATE, Attributes
from fakekapi.registry.generic.keys import collection_prefix

if TYPE_CHECKING:
    from fractions import Fraction

NAME = "LimitRanger"
ANNOTATION = "kubernetes.io/limit-ranger"
POD_LEVEL_RESOURCES = ("cpu", "memory")
"""What `spec.resources` may set (supportedPodLevelResources)."""
POD_LEVEL_RESOURCES_SINCE = 34
"""The minor release whose default feature gates turn PodLevelResources on."""


class LimitRanger(ReadingPlugin):
    name = NAME

    async def __call__(self, a: Attributes) -> None:
        rt = a.rt
        if a.subresource or rt.is_crd or rt.group != "" or a.obj is None:
            return
        if rt.plural == "pods" and a.operation == CREATE:
            ranges = self._limit_ranges(a.namespace)
            for lr in ranges:
                _default_pod(lr, a.obj)
            self._judge(a, ranges, lambda lr: self._pod_errors(lr, a.obj or {}))
        elif rt.plural == "persistentvolumeclaims" and a.operation in (CREATE, UPDATE):
            if as_dict(as_dict((a.old or {}).get("metadata"))).get("deletionTimestamp"):
                return
            ranges = self._limit_ranges(a.namespace)
            self._judge(a, ranges, lambda lr: _claim_errors(lr, a.obj or {}, a.old))

    def _limit_ranges(self, namespace: str) -> list[JSONDict]:
        rt = self.catalog.lookup("", "v1", "limitranges")
        if rt is None or not namespace:
            return []
        items, _ = self.store.list(collection_prefix(rt, namespace))
        return [obj for _key, obj, _rev in items]

    @staticmethod
    def _judge(
        a: Attributes, ranges: list[JSONDict], errors_of: Callable[[JSONDict], list[str]]
    ) -> None:
        for lr in ranges:
            errs = list(dict.fromkeys(errors_of(lr)))  # NewAggregate drops repeated messages
            if errs:
                text = errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"
                raise forbidden(a.rt.plural, "", _forbidden_name(a), text)

    def _pod_errors(self, lr: JSONDict, pod: JSONDict) -> list[str]:
        """PodValidateLimitFunc on create."""
        spec = as_dict(pod.get("spec"))
        errs: list[str] = []
        for item in _items(lr):
            kind = str(item.get("type") or "")
            if kind == "Container":
                for key in ("containers", "initContainers"):
                    for c in as_list(spec.get(key)):
                        res = as_dict(as_dict(c).get("resources"))
                        errs += _constraints(item, kind, res.get("requests"), res.get("limits"))
            elif kind == "Pod":
                requests = self._pod_level(spec, "requests", _total(spec, "requests"))
                limits = self._pod_level(spec, "limits", _total(spec, "limits"))
                errs += _constraints(item, kind, requests, limits)
        return errs

    def _pod_level(self, spec: JSONDict, field: str, total: dict[str, str]) -> dict[str, str]:
        """The pod's totals, `spec.resources` overriding them where the release counts
        pod-level resources."""
        out = dict(total)
        if releases.minor(self.catalog.release) >= POD_LEVEL_RESOURCES_SINCE:
            pod_level = as_dict(as_dict(spec.get("resources")).get(field))
            for name in POD_LEVEL_RESOURCES:
                if name in pod_level:
                    out[name] = str(pod_level[name])
        return out


def _forbidden_name(a: Attributes) -> str:
    """admission.NewForbidden's name: the request's, else the object's name or generateName."""
    if a.name:
        return a.name
    md = as_dict((a.obj or {}).get("metadata"))
    return str(md.get("name") or md.get("generateName") or "Unknown")


def _items(lr: JSONDict) -> list[JSONDict]:
    return [as_dict(i) for i in as_list(as_dict(lr.get("spec")).get("limits"))]


def _of(field: str) -> Callable[[Any], Resources]:
    def counted(container: Any) -> Resources:
        values = as_dict(as_dict(as_dict(container).get("resources")).get(field))
        return {str(k): quantity.amount(v) for k, v in values.items()}

    return counted


# -- defaults ---------------------------------------------------------------------------------


def _default_pod(lr: JSONDict, pod: JSONDict) -> None:
    """PodMutateLimitFunc: defaultContainerResourceRequirements, mergePodResourceRequirements."""
    limits: dict[str, Any] = {}
    requests: dict[str, Any] = {}
    for item in _items(lr):
        if item.get("type") == "Container":
            requests.update(as_dict(item.get("defaultRequest")))
            limits.update(as_dict(item.get("default")))
    notes: list[str] = []
    spec = sub_dict(pod, "spec")
    for key, prefix in (("containers", "container"), ("initContainers", "init container")):
        for c in as_list(spec.get(key)):
            if isinstance(c, dict):
                notes += _default_container(c, limits, requests, prefix)
    if notes:
        annotations = sub_dict(sub_dict(pod, "metadata"), "annotations")
        annotations[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


def _default_container(
    c: JSONDict, limits: dict[str, Any], requests: dict[str, Any], prefix: str
) -> list[str]:
    """mergeContainerResources: what it set, as the annotation lists it."""
    notes: list[str] = []
    res = sub_dict(c, "resources")
    for field, defaults, what in (("requests", requests, "request"), ("limits", limits, "limit")):
        present = as_dict(res.get(field))
        missing = sorted(k for k in defaults if k not in present)
        if not missing:
            continue
        values = sub_dict(res, field)
        for k in missing:
            values[k] = defaults[k]
        notes.append(f"{', '.join(missing)} {what} for {prefix} {c.get('name') or ''}")
    return notes


# -- constraints ------------------------------------------------------------------------------


def _q(value: Any) -> str:
    """A quantity as Quantity.String() prints it."""
    try:
        return quantity.canonicalize(str(value))
    except quantity.QuantityError:
        return str(value)


def _amounts(values: Any) -> dict[str, Fraction]:
    return {str(k): quantity.amount(v) for k, v in as_dict(values).items()}


def _total(spec: JSONDict, field: str) -> dict[str, str]:
    """The pod's total of `field` (requests or limits) per resource, each as the quantity Go's
    sum prints: the amount in the format of the first container that names the resource
    (addResourceList copies the first and adds the others to it)."""
    amounts = pod_total(spec, _of(field))
    formats: dict[str, str] = {}
    for key in ("containers", "initContainers"):
        for c in as_list(spec.get(key)):
            for name, v in as_dict(as_dict(as_dict(c).get("resources")).get(field)).items():
                if str(name) not in formats:
                    try:
                        formats[str(name)] = quantity.parse(str(v)).format
                    except quantity.QuantityError:
                        formats[str(name)] = quantity.DECIMAL_SI
    out: dict[str, str] = {}
    for name, amount in amounts.items():
        nano = amount * 1_000_000_000
        fmt = formats.get(name, quantity.DECIMAL_SI)
        out[name] = quantity.canonical(quantity.Quantity(int(nano), -9, fmt))
    return out


def _constraints(item: JSONDict, kind: str, requests: Any, limits: Any) -> list[str]:
    """minConstraint, maxConstraint (maxRequestConstraint for claims, whose limits are not
    user input) and limitRequestRatioConstraint of one LimitRangeItem."""
    req, lim = _amounts(requests), _amounts(limits)
    req_text = {str(k): _q(v) for k, v in as_dict(requests).items()}
    lim_text = {str(k): _q(v) for k, v in as_dict(limits).items()}
    errs: list[str] = []
    for name, enforced in sorted(as_dict(item.get("min")).items()):
        e, usage = quantity.amount(enforced), f"minimum {name} usage per {kind} is {_q(enforced)}"
        if name not in req:
            errs.append(f"{usage}.  No request is specified")
        elif e > req[name]:
            errs.append(f"{usage}, but request is {req_text[name]}")
        elif name in lim and e > lim[name]:
            errs.append(f"{usage}, but limit is {lim_text[name]}")
    for name, enforced in sorted(as_dict(item.get("max")).items()):
        e, usage = quantity.amount(enforced), f"maximum {name} usage per {kind} is {_q(enforced)}"
        if kind == "PersistentVolumeClaim" and name not in req:
            errs.append(f"{usage}.  No request is specified")
        elif kind != "PersistentVolumeClaim" and name not in lim:
            errs.append(f"{usage}.  No limit is specified")
        elif kind != "PersistentVolumeClaim" and lim[name] > e:
            errs.append(f"{usage}, but limit is {lim_text[name]}")
        elif name in req and req[name] > e:
            errs.append(f"{usage}, but request is {req_text[name]}")
    for name, enforced in sorted(as_dict(item.get("maxLimitRequestRatio")).items()):
        ratio = quantity.amount(enforced)
        head = f"{name} max limit to request ratio per {kind} is {_q(enforced)}, but"
        if not req.get(name):
            errs.append(f"{head} no request is specified or request is 0")
        elif not lim.get(name):
            errs.append(f"{head} no limit is specified or limit is 0")
        elif abs(lim[name]) > abs(req[name]) * ratio:
            errs.append(f"{head} provided ratio is {_ratio(lim[name], req[name])}")
    return errs


def _ratio(limit: Fraction, request: Fraction) -> str:
    """ratioString: |limit| / |request| rounded half-even to six decimals."""
    micro = round(abs(limit) / abs(request) * 1_000_000)
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"


def _claim_errors(lr: JSONDict, pvc: JSONDict, old: JSONDict | None) -> list[str]:
    """PersistentVolumeClaimValidateLimitFunc: min and max of the storage requests only."""
    requests, old_requests = _claim_requests(pvc), _claim_requests(old or {})
    errs: list[str] = []
    for item in _items(lr):
        if item.get("type") != "PersistentVolumeClaim":
            continue
        judged = {
            key: {
                name: v
                for name, v in as_dict(item.get(key)).items()
                if not _unchanged(str(name), requests, old_requests)
            }
            for key in ("min", "max")
        }
        errs += _constraints(judged, "PersistentVolumeClaim", requests, {})
    return errs


def _claim_requests(pvc: JSONDict) -> JSONDict:
    return as_dict(as_dict(as_dict(pvc.get("spec")).get("resources")).get("requests"))


def _unchanged(name: str, requests: JSONDict, old_requests: JSONDict) -> bool:
    """unchangedRequest: requested before and now, with the same value."""
    if name not in requests or name not in old_requests:
        return False
    return quantity.amount(requests[name]) == quantity.amount(old_requests[name])
