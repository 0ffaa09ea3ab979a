"""The pods' special subresources: eviction, binding (and the `bindings` resource), log.

Each follows its kube-apiserver REST storage:

* `pods/eviction` (pkg/registry/core/pod/storage/eviction.go): PodDisruptionBudget checks for
  running pods, then the pod is deleted; the answer is a 201 Status Success;
* `pods/binding` and `bindings` (BindingREST): sets spec.nodeName and the PodScheduled
  condition, refuses a pod already assigned;
* `pods/log`: a pod not yet assigned to a node has an empty log (kube's LogLocation returns no
  location for it); on a node, with no kubelet, a container not reported running is "waiting to
  start" (the kubelet's answer) and a running one logs the `simulate.fakekapi.dev/logs`
  annotation's text (what the simulated kubelet's containers print).

The pod and binding strategies (pod.py) declare them.
Everything here goes through the `Engine` port, never the Registry class (no import cycle).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fakekapi.core.errors import (
    FieldError,
    StatusError,
    bad_request,
    conflict,
    forbidden,
    internal,
    invalid,
    not_found,
    not_supported,
    required,
)
from fakekapi.core.gotime import now_rfc3339
from fakekapi.core.objects import as_dict as _d
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.encoding import stored_form
from fakekapi.registry.generic.engine import Engine, Streamed, WriteResult, served_type
from fakekapi.registry.generic.keys import collection_prefix, object_key
from fakekapi.registry.generic.options import WriteOptions, parse_delete_options
from fakekapi.registry.validation import structured_selector_matches
from fakekapi.store.base import KeyNotFoundError, RevisionConflict

__all__ = [
    "bind",
    "bind_subresource",
    "create_binding",
    "evict",
    "log_subresource",
    "pod_log",
]

WRITE_RETRIES = 5
SIMULATED_LOGS = "simulate.fakekapi.dev/logs"
EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."
DISRUPTION_BUDGET_CAUSE = "DisruptionBudget"


def _success(code: int = 201) -> dict[str, Any]:
    """The Status a create handler answers for a REST that returns Status Success."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code}


# -- pods: eviction ---------------------------------------------------------------------------


def _too_many_requests(cause: str) -> StatusError:
    return StatusError(
        429,
        "TooManyRequests",
        EVICTION_REFUSED,
        {"causes": [{"reason": DISRUPTION_BUDGET_CAUSE, "message": cause}]},
    )


async def _check_budgets(
    engine: Engine, namespace: str, pod: dict[str, Any], dry_run: bool
) -> None:
    """checkAndDecrement: at most one matching budget, and it must allow a disruption."""
    pdb_rt = served_type(engine, "policy", "v1", "poddisruptionbudgets")
    items, _ = engine.store.list(collection_prefix(pdb_rt, namespace))
    labels = _d(_d(pod.get("metadata")).get("labels"))
    matching = [
        pdb
        for _k, pdb, _rev in items
        if isinstance(_d(pdb.get("spec")).get("selector"), dict)
        and structured_selector_matches(_d(pdb.get("spec"))["selector"], labels)
    ]
    if not matching:
        return
    if len(matching) > 1:
        raise internal(
            "This pod has more than one PodDisruptionBudget, which the eviction subresource "
            "does not support."
        )
    pdb = matching[0]
    pmd = _d(pdb.get("metadata"))
    status = _d(pdb.get("status"))
    pdb_name = str(pmd.get("name") or "")
    if int(status.get("observedGeneration") or 0) < int(pmd.get("generation") or 0):
        raise _too_many_requests(
            f"The disruption budget {pdb_name} is still being processed by the server."
        )
    allowed = int(status.get("disruptionsAllowed") or 0)
    if allowed < 0:
        raise forbidden(
            "pods",
            "",
            str(_d(pod.get("metadata")).get("name") or ""),
            "pdb disruptions allowed is negative",
        )
    if allowed == 0:
        raise _too_many_requests(
            f"The disruption budget {pdb_name} needs {int(status.get('desiredHealthy') or 0)} "
            f"healthy pods and has {int(status.get('currentHealthy') or 0)} currently"
        )
    if dry_run:
        return
    new = json.loads(json.dumps(pdb))
    new["status"]["disruptionsAllowed"] = allowed - 1
    pod_name = str(_d(pod.get("metadata")).get("name") or "")
    disrupted = new["status"].setdefault("disruptedPods", {})
    disrupted[pod_name] = now_rfc3339()
    await engine.update(pdb_rt, namespace, pdb_name, new, WriteOptions(), subresource="status")


async def evict(
    engine: Engine,
    namespace: str,
    name: str,
    eviction: dict[str, Any],
    opts: WriteOptions,
    user: UserInfo | None,
) -> WriteResult:
    """POST pods/NAME/eviction."""
    md = _d(eviction.get("metadata"))
    if str(md.get("name") or "") != name:
        raise bad_request("name in URL does not match name in Eviction object")
    pods = served_type(engine, "", "v1", "pods")
    pod = await engine.get(pods, namespace, name)
    raw_options = eviction.get("deleteOptions")
    delete_opts = parse_delete_options({}, raw_options if isinstance(raw_options, dict) else None)
    if opts.dry_run:
        delete_opts = delete_opts._replace(dry_run=True)
    pmd = _d(pod.get("metadata"))
    phase = _d(pod.get("status")).get("phase")
    ignore_budgets = phase in ("Succeeded", "Failed", "Pending", None) or bool(
        pmd.get("deletionTimestamp")
    )
    if not ignore_budgets:
        await _check_budgets(engine, namespace, pod, delete_opts.dry_run)
    await engine.delete(pods, namespace, name, delete_opts, user=user)
    return WriteResult(_success(), created=True)


# -- pods: binding ----------------------------------------------------------------------------


def _validate_binding(binding: dict[str, Any]) -> list[FieldError]:
    target = _d(binding.get("target"))
    errs: list[FieldError] = []
    if target.get("kind") not in (None, "", "Node"):
        errs.append(not_supported("target.kind", target.get("kind"), ["Node", "<empty>"]))
    if not target.get("name"):
        errs.append(required("target.name", ""))
    return errs


async def bind(
    engine: Engine,
    namespace: str,
    name: str,
    binding: dict[str, Any],
    opts: WriteOptions,
) -> dict[str, Any]:
    """POST pods/NAME/binding (or `bindings`, name from the body): assign the pod to a node."""
    md = _d(binding.get("metadata"))
    if str(md.get("name") or "") != name:
        raise bad_request("name in URL does not match name in Binding object")
    errs = _validate_binding(binding)
    if errs:
        raise invalid("Binding", "", name, errs)
    node = str(_d(binding.get("target"))["name"])
    pods = served_type(engine, "", "v1", "pods")
    key = object_key(pods, namespace, name)
    for _ in range(WRITE_RETRIES):
        cur = engine.store.get(key)
        if cur is None:
            raise not_found("pods", "", name)
        stored, rev = cur
        pod = json.loads(json.dumps(stored))
        pmd = pod.setdefault("metadata", {})
        if pmd.get("deletionTimestamp"):
            raise conflict(
                "pods/binding",
                "",
                name,
                f"pod {name} is being deleted, cannot be assigned to a host",
            )
        current = _d(pod.get("spec")).get("nodeName")
        if current:
            raise conflict(
                "pods/binding",
                "",
                name,
                f"pod {name} is already assigned to node {json.dumps(current)}",
            )
        pod.setdefault("spec", {})["nodeName"] = node
        annotations = _d(md.get("annotations"))
        if annotations:
            pmd["annotations"] = {**_d(pmd.get("annotations")), **annotations}
        status = pod.setdefault("status", {})
        conditions = [
            c for c in status.get("conditions") or [] if _d(c).get("type") != "PodScheduled"
        ]
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": now_rfc3339(),
            }
        )
        status["conditions"] = conditions
        if opts.dry_run:
            return _success()
        try:
            await engine.store.update(
                key,
                stored_form(pod, getattr(engine.catalog, "release", None)),
                expected_revision=rev,
            )
        except (RevisionConflict, KeyNotFoundError):
            continue  # a concurrent write: read again
        return _success()
    raise conflict("pods/binding", "", name)


# -- pods: log --------------------------------------------------------------------------------


def _names(containers: Any) -> list[str]:
    return [str(_d(c).get("name") or "") for c in containers or []]


def _container_status(pod: dict[str, Any], container: str) -> dict[str, Any] | None:
    status = _d(pod.get("status"))
    for k in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(k) or []:
            if _d(cs).get("name") == container:
                return _d(cs)
    return None


async def log_subresource(
    engine: Engine, namespace: str, name: str, query: Mapping[str, str]
) -> Streamed:
    """GET pods/NAME/log as kube's LogREST streams it: plain text."""
    return Streamed((await pod_log(engine, namespace, name, query)).encode(), "text/plain")


async def pod_log(engine: Engine, namespace: str, name: str, query: Mapping[str, str]) -> str:
    """The log text, or kube's 400 for an unknown or waiting container."""
    pods = served_type(engine, "", "v1", "pods")
    pod = await engine.get(pods, namespace, name)
    spec = _d(pod.get("spec"))
    regular = _names(spec.get("containers"))
    init = _names(spec.get("initContainers"))
    ephemeral = _names(spec.get("ephemeralContainers"))
    container = query.get("container", "")
    if not container:
        annotated = _d(_d(pod.get("metadata")).get("annotations")).get(
            "kubectl.kubernetes.io/default-container"
        )
        if len(regular) == 1:
            container = regular[0]
        elif annotated in regular:
            container = str(annotated)
        else:
            msg = (
                f"a container name must be specified for pod {name}, choose one of: "
                f"[{' '.join(regular)}]"
            )
            if init:
                msg += f" or one of the init containers: [{' '.join(init)}]"
            if ephemeral:
                msg += f" or one of the ephemeral containers: [{' '.join(ephemeral)}]"
            raise bad_request(msg)
    if container not in regular + init + ephemeral:
        raise bad_request(f"container {container} is not valid for pod {name}")
    if not spec.get("nodeName"):
        return ""  # LogLocation: no host assigned, no location, an empty stream
    cs = _container_status(pod, container)
    state = _d(cs.get("state")) if cs is not None else {}
    if "running" in state or "terminated" in state or _d(cs).get("lastState"):
        # The simulated kubelet's containers print what `simulate.fakekapi.dev/logs` says
        # (fakekapi/nodes/knobs.py); other containers print nothing.
        return str(_d(_d(pod.get("metadata")).get("annotations")).get(SIMULATED_LOGS) or "")
    reason = str(_d(state.get("waiting")).get("reason") or "ContainerCreating")
    if cs is None and init and container in regular:
        reason = "PodInitializing"  # the main containers wait for the init containers
    raise bad_request(
        f"container {json.dumps(container)} in pod {json.dumps(name)} is waiting to start: {reason}"
    )


# -- the bindings resource ----------------------------------------------------------------


async def bind_subresource(
    engine: Engine,
    namespace: str,
    name: str,
    binding: dict[str, Any],
    opts: WriteOptions,
    user: UserInfo | None,
) -> WriteResult:
    """POST pods/NAME/binding."""
    return WriteResult(await bind(engine, namespace, name, binding, opts), created=True)


async def create_binding(
    engine: Engine, namespace: str, obj: dict[str, Any], opts: WriteOptions
) -> dict[str, Any]:
    """POST namespaces/NS/bindings: the Binding names the pod."""
    name = str(_d(obj.get("metadata")).get("name") or "")
    if not name:
        raise invalid(
            "Binding", "", "", [required("metadata.name", "name or generateName is required")]
        )
    return await bind(engine, namespace, name, obj, opts)
