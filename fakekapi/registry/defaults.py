"""Defaulting as kube-apiserver 1.33 does it, so objects read back field for field as on a cluster.

Two stages, as in kube:

* `set_defaults(rt, obj)`: the scheme's defaulting functions (`SetDefaults_*` in
  pkg/apis/{core,apps,batch,rbac,networking,...}/v1/defaults.go plus the declarative `+default`
  markers of zz_generated.defaults.go), run whenever a body is decoded (create, update, patch);
* what a few kinds' strategies do on create/update, used by their group packages: Job
  selectors (`job_selector`, fakekapi.registry.batch), Ingress path checks
  (`ingress_path_errors`, fakekapi.registry.networking). Service allocation is in
  core/service_alloc.py, the admission plugins in fakekapi.admission.

Both work on the JSON form in place and are idempotent: defaulting an already defaulted object
changes nothing, which keeps no-op updates no-ops.
"""

from __future__ import annotations

from typing import Any

from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import (
    FieldError,
    invalid_value,
    not_supported,
    required,
)
from fakekapi.core.lazyre import LazyPattern
from fakekapi.core.objects import as_dict as _d
from fakekapi.core.objects import as_list as _l
from fakekapi.core.objects import sub_dict as _sub
from fakekapi.registry.core import service_alloc as services

__all__ = [
    "image_pull_policy",
    "ingress_path_errors",
    "job_selector",
    "set_defaults",
    "set_pod_spec_defaults",
]

RBAC_GROUP = "rbac.authorization.k8s.io"

JOB_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")


# -- containers -------------------------------------------------------------------------------

_DIGEST = LazyPattern(r"@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
_REFERENCE = LazyPattern(
    r"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@.+)?$"
)


def image_pull_policy(image: Any) -> str:
    """SetDefaults_Container: `Always` for the `latest` tag (explicit or implied), else
    `IfNotPresent` (also for digests and for references parsers.ParseImageName refuses)."""
    if not isinstance(image, str) or not _REFERENCE.match(image):
        return "IfNotPresent"
    digest = _DIGEST.search(image)
    name = image[: digest.start()] if digest else image
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _probe(p: Any) -> None:
    if not isinstance(p, dict):
        return
    for k, v in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1)):
        if not p.get(k):
            p[k] = v
    if not p.get("failureThreshold"):
        p["failureThreshold"] = 3
    _handler(p)
    grpc = p.get("grpc")
    if isinstance(grpc, dict) and grpc.get("service") is None:
        grpc["service"] = ""


def _handler(h: Any) -> None:
    """HTTPGetAction defaults (path `/`, scheme HTTP) in probes and lifecycle handlers."""
    http = _d(h).get("httpGet")
    if isinstance(http, dict):
        if not http.get("path"):
            http["path"] = "/"
        if not http.get("scheme"):
            http["scheme"] = "HTTP"


def _field_ref(ref: Any) -> None:
    if isinstance(ref, dict) and not ref.get("apiVersion"):
        ref["apiVersion"] = "v1"


def _container(c: Any) -> None:
    if not isinstance(c, dict):
        return
    if not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = image_pull_policy(c.get("image"))
    if not c.get("terminationMessagePath"):
        c["terminationMessagePath"] = "/dev/termination-log"
    if not c.get("terminationMessagePolicy"):
        c["terminationMessagePolicy"] = "File"
    _sub(c, "resources")
    for p in _l(c.get("ports")):
        if isinstance(p, dict) and not p.get("protocol"):
            p["protocol"] = "TCP"
    for e in _l(c.get("env")):
        _field_ref(_d(_d(e).get("valueFrom")).get("fieldRef"))
    for k in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(c.get(k))
    lifecycle = _d(c.get("lifecycle"))
    for k in ("postStart", "preStop"):
        _handler(lifecycle.get(k))


def _volume(v: Any) -> None:
    if not isinstance(v, dict):
        return
    sources = [k for k in v if k != "name"]
    if not sources:
        v["emptyDir"] = {}
    for k in ("secret", "configMap", "downwardAPI", "projected"):
        src = v.get(k)
        if isinstance(src, dict) and src.get("defaultMode") is None:
            src["defaultMode"] = 420
    for item in _l(_d(v.get("downwardAPI")).get("items")):
        _field_ref(_d(item).get("fieldRef"))
    for s in _l(_d(v.get("projected")).get("sources")):
        s = _d(s)
        token = s.get("serviceAccountToken")
        if isinstance(token, dict) and token.get("expirationSeconds") is None:
            token["expirationSeconds"] = 3600
        for item in _l(_d(s.get("downwardAPI")).get("items")):
            _field_ref(_d(item).get("fieldRef"))
    host_path = v.get("hostPath")
    if isinstance(host_path, dict) and host_path.get("type") is None:
        host_path["type"] = ""
    claim = _d(_d(_d(v.get("ephemeral")).get("volumeClaimTemplate")).get("spec"))
    if claim and not claim.get("volumeMode"):
        claim["volumeMode"] = "Filesystem"


def set_pod_spec_defaults(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec plus the defaults of everything inside (containers, volumes)."""
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    if not spec.get("schedulerName"):
        spec["schedulerName"] = "default-scheduler"
    for k in ("containers", "initContainers", "ephemeralContainers"):
        for c in _l(spec.get(k)):
            _container(c)
    for v in _l(spec.get("volumes")):
        _volume(v)


def _template(obj: dict[str, Any], *path: str) -> None:
    """Defaults of a PodTemplateSpec at obj[path...]['template']."""
    node: Any = obj
    for k in path:
        node = _d(node).get(k)
    template = _d(node).get("template")
    if isinstance(template, dict):
        set_pod_spec_defaults(_sub(template, "spec"))


# -- per kind ---------------------------------------------------------------------------------


def _pod(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    for k in ("containers", "initContainers"):
        for c in _l(spec.get(k)):
            res = _d(_d(c).get("resources"))
            limits = res.get("limits")
            if isinstance(limits, dict) and limits:
                requests = _sub(res, "requests")
                for name, value in limits.items():
                    requests.setdefault(name, value)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork"):
        for k in ("containers", "initContainers"):
            for c in _l(spec.get(k)):
                for p in _l(_d(c).get("ports")):
                    if isinstance(p, dict) and not p.get("hostPort"):
                        p["hostPort"] = p.get("containerPort")
    set_pod_spec_defaults(spec)
    # Conversion to v1 mirrors the deprecated field (serviceAccount) from serviceAccountName.
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]


def _replication_controller(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    labels = _d(_d(spec.get("template")).get("metadata")).get("labels")
    if isinstance(labels, dict):
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        md = _sub(obj, "metadata")
        if not md.get("labels"):
            md["labels"] = dict(labels)
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _template(obj, "spec")


def _deployment(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = _sub(spec, "strategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        ru = _sub(strategy, "rollingUpdate")
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = "25%"
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _template(obj, "spec")


def _daemonset(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    strategy = _sub(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        ru = _sub(strategy, "rollingUpdate")
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = 1
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _template(obj, "spec")


def _pvc_spec(spec: dict[str, Any]) -> None:
    if not spec.get("volumeMode"):
        spec["volumeMode"] = "Filesystem"


def _statefulset(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    strategy = _sub(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        if strategy.get("rollingUpdate") is None:
            strategy["rollingUpdate"] = {}
    ru = strategy.get("rollingUpdate")
    if strategy["type"] == "RollingUpdate" and isinstance(ru, dict) and ru.get("partition") is None:
        ru["partition"] = 0
    policy = _sub(spec, "persistentVolumeClaimRetentionPolicy")
    for k in ("whenDeleted", "whenScaled"):
        if not policy.get(k):
            policy[k] = "Retain"
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    for claim in _l(spec.get("volumeClaimTemplates")):
        if isinstance(claim, dict):
            _pvc_spec(_sub(claim, "spec"))
            _sub(claim, "status").setdefault("phase", "Pending")
    _template(obj, "spec")


def _replicaset(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _template(obj, "spec")


def _job(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6
    labels = _d(_d(spec.get("template")).get("metadata")).get("labels")
    md = _sub(obj, "metadata")
    if isinstance(labels, dict) and labels and not md.get("labels"):
        md["labels"] = dict(labels)
    if spec.get("completionMode") is None:
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("podReplacementPolicy") is None:
        failure = spec.get("podFailurePolicy")
        spec["podReplacementPolicy"] = "Failed" if failure is not None else "TerminatingOrFailed"
    for rule in _l(_d(spec.get("podFailurePolicy")).get("rules")):
        for cond in _l(_d(rule).get("onPodConditions")):
            if isinstance(cond, dict) and not cond.get("status"):
                cond["status"] = "True"
    _template(obj, "spec")


def job_selector(obj: dict[str, Any]) -> None:
    """The Job strategy's PrepareForCreate (generateSelectorIfNeeded): unless manualSelector,
    select the pods by the job's uid and label the template with uid and job name."""
    spec = _sub(obj, "spec")
    if spec.get("manualSelector") is True:
        return
    md = _d(obj.get("metadata"))
    uid, name = str(md.get("uid") or ""), str(md.get("name") or "")
    tmd = _sub(_sub(spec, "template"), "metadata")
    labels = _sub(tmd, "labels")
    for k in JOB_UID_LABELS:
        labels.setdefault(k, uid)
    for k in JOB_NAME_LABELS:
        labels.setdefault(k, name)
    if spec.get("selector") is None:
        spec["selector"] = {"matchLabels": {JOB_UID_LABELS[0]: uid}}


def _cronjob(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("successfulJobsHistoryLimit") is None:
        spec["successfulJobsHistoryLimit"] = 3
    if spec.get("failedJobsHistoryLimit") is None:
        spec["failedJobsHistoryLimit"] = 1
    _template(obj, "spec", "jobTemplate", "spec")


def _pod_template(obj: dict[str, Any]) -> None:
    template = obj.get("template")
    if isinstance(template, dict):
        set_pod_spec_defaults(_sub(template, "spec"))


def _pvc(obj: dict[str, Any]) -> None:
    _pvc_spec(_sub(obj, "spec"))


def _pv(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    if not spec.get("persistentVolumeReclaimPolicy"):
        spec["persistentVolumeReclaimPolicy"] = "Retain"
    if not spec.get("volumeMode"):
        spec["volumeMode"] = "Filesystem"
    host_path = spec.get("hostPath")
    if isinstance(host_path, dict) and host_path.get("type") is None:
        host_path["type"] = ""


def _endpoints(obj: dict[str, Any]) -> None:
    for subset in _l(obj.get("subsets")):
        for p in _l(_d(subset).get("ports")):
            if isinstance(p, dict) and not p.get("protocol"):
                p["protocol"] = "TCP"


def _endpointslice(obj: dict[str, Any]) -> None:
    for p in _l(obj.get("ports")):
        if isinstance(p, dict):
            p.setdefault("name", "")
            if not p.get("protocol"):
                p["protocol"] = "TCP"


def _subjects(obj: dict[str, Any]) -> None:
    for s in _l(obj.get("subjects")):
        if isinstance(s, dict) and not s.get("apiGroup") and s.get("kind") in ("User", "Group"):
            s["apiGroup"] = RBAC_GROUP
    ref = obj.get("roleRef")
    if isinstance(ref, dict) and not ref.get("apiGroup"):
        ref["apiGroup"] = RBAC_GROUP


def _network_policy(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    for direction in ("ingress", "egress"):
        for rule in _l(spec.get(direction)):
            for p in _l(_d(rule).get("ports")):
                if isinstance(p, dict) and not p.get("protocol"):
                    p["protocol"] = "TCP"
    if not spec.get("policyTypes"):
        types = ["Ingress"]
        if spec.get("egress"):
            types.append("Egress")
        spec["policyTypes"] = types


def _hpa(obj: dict[str, Any]) -> None:
    spec = _sub(obj, "spec")
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1


def _hpa_v2(obj: dict[str, Any]) -> None:
    _hpa(obj)
    spec = _sub(obj, "spec")
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            }
        ]


def _secret(obj: dict[str, Any]) -> None:
    if not obj.get("type"):
        obj["type"] = "Opaque"


def _priority_class(obj: dict[str, Any]) -> None:
    """SetDefaults_PriorityClass (pkg/apis/scheduling/v1/defaults.go)."""
    if obj.get("preemptionPolicy") is None:
        obj["preemptionPolicy"] = "PreemptLowerPriority"


def _storage_class(obj: dict[str, Any]) -> None:
    """SetDefaults_StorageClass (pkg/apis/storage/v1/defaults.go)."""
    if obj.get("reclaimPolicy") is None:
        obj["reclaimPolicy"] = "Delete"
    if obj.get("volumeBindingMode") is None:
        obj["volumeBindingMode"] = "Immediate"


def _limit_range(obj: dict[str, Any]) -> None:
    """SetDefaults_LimitRangeItem (pkg/apis/core/v1/defaults.go): for Container limits, the
    default limit falls back to max, the default request to the default limit, then to min."""
    for item in _l(_d(obj.get("spec")).get("limits")):
        if not isinstance(item, dict) or item.get("type") != "Container":
            continue
        default: dict[str, Any] = dict(_d(item.get("default")))
        request: dict[str, Any] = dict(_d(item.get("defaultRequest")))
        for k, v in _d(item.get("max")).items():
            default.setdefault(k, v)
        for k, v in default.items():
            request.setdefault(k, v)
        for k, v in _d(item.get("min")).items():
            request.setdefault(k, v)
        item["default"], item["defaultRequest"] = default, request


def _webhooks(mutating: bool) -> Any:
    """SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook, SetDefaults_Rule and
    SetDefaults_ServiceReference (pkg/apis/admissionregistration/v1/defaults.go)."""

    def defaults(obj: dict[str, Any]) -> None:
        for hook in _l(obj.get("webhooks")):
            if not isinstance(hook, dict):
                continue
            for k, v in (("failurePolicy", "Fail"), ("matchPolicy", "Equivalent")):
                if hook.get(k) is None:
                    hook[k] = v
            for k in ("namespaceSelector", "objectSelector"):
                if hook.get(k) is None:
                    hook[k] = {}
            if hook.get("timeoutSeconds") is None:
                hook["timeoutSeconds"] = 10
            if mutating and hook.get("reinvocationPolicy") is None:
                hook["reinvocationPolicy"] = "Never"
            for rule in _l(hook.get("rules")):
                if isinstance(rule, dict) and rule.get("scope") is None:
                    rule["scope"] = "*"
            service = _d(hook.get("clientConfig")).get("service")
            if isinstance(service, dict) and service.get("port") is None:
                service["port"] = 443

    return defaults


_BY_KIND: dict[tuple[str, str], Any] = {
    ("", "pods"): _pod,
    ("", "podtemplates"): _pod_template,
    ("", "replicationcontrollers"): _replication_controller,
    ("", "services"): services.set_defaults,
    ("", "persistentvolumeclaims"): _pvc,
    ("", "persistentvolumes"): _pv,
    ("", "endpoints"): _endpoints,
    ("", "secrets"): _secret,
    ("apps", "deployments"): _deployment,
    ("apps", "daemonsets"): _daemonset,
    ("apps", "statefulsets"): _statefulset,
    ("apps", "replicasets"): _replicaset,
    ("batch", "jobs"): _job,
    ("batch", "cronjobs"): _cronjob,
    ("discovery.k8s.io", "endpointslices"): _endpointslice,
    (RBAC_GROUP, "rolebindings"): _subjects,
    (RBAC_GROUP, "clusterrolebindings"): _subjects,
    ("networking.k8s.io", "networkpolicies"): _network_policy,
    ("", "limitranges"): _limit_range,
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): _webhooks(False),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): _webhooks(True),
    ("scheduling.k8s.io", "priorityclasses"): _priority_class,
    ("storage.k8s.io", "storageclasses"): _storage_class,
}


def set_defaults(rt: ResourceType, obj: dict[str, Any]) -> None:
    """The scheme's defaulting of one decoded object of type `rt` (in place)."""
    if rt.is_crd:
        return
    if (rt.group, rt.plural) == ("autoscaling", "horizontalpodautoscalers"):
        (_hpa_v2 if rt.version == "v2" else _hpa)(obj)
        return
    fn = _BY_KIND.get((rt.group, rt.plural))
    if fn is not None:
        fn(obj)


# -- helpers of the batch and networking strategies -----------------------------------------


PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")


def ingress_path_errors(obj: dict[str, Any]) -> list[FieldError]:
    """validateHTTPIngressPath: pathType is required and known; Exact/Prefix paths absolute."""
    errs: list[FieldError] = []
    for i, rule in enumerate(_l(_d(obj.get("spec")).get("rules"))):
        for j, p in enumerate(_l(_d(_d(rule).get("http")).get("paths"))):
            p = _d(p)
            at = f"spec.rules[{i}].http.paths[{j}]"
            kind = p.get("pathType")
            if not kind:
                errs.append(required(f"{at}.pathType", "pathType must be specified"))
                continue
            if kind not in PATH_TYPES:
                errs.append(not_supported(f"{at}.pathType", kind, PATH_TYPES))
                continue
            path = p.get("path") or ""
            if kind != "ImplementationSpecific" and not str(path).startswith("/"):
                errs.append(invalid_value(f"{at}.path", path, "must be an absolute path"))
    return errs
