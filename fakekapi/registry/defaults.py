"""Defaulting as kube-apiserver 1.33 does it, so objects read back field for field as on a cluster.

Two stages, as in kube:

* `set_defaults(rt, obj)`: the scheme's defaulting functions (`SetDefaults_*` in
  pkg/apis/{core,apps,batch,rbac,networking,...}/v1/defaults.go plus the declarative `+default`
  markers of zz_generated.defaults.go), run whenever a body is decoded (create, update, patch);
* `admit(...)`: the mutating admission plugins a default cluster runs that change objects
  (ServiceAccount, Priority, DefaultTolerationSeconds), and what the Service REST storage does on
  create (cluster IP and node port allocation; see services.py), DefaultStorageClass (claims
  without a class get the default one). LimitRanger changes nothing without LimitRanges.

Both work on the JSON form in place and are idempotent: defaulting an already defaulted object
changes nothing, which keeps no-op updates no-ops.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any

from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import (
    FieldError,
    forbidden,
    invalid,
    invalid_value,
    not_supported,
    required,
)

from . import services
from .hooks import CREATE, UPDATE
from .keys import collection_prefix, object_key

if TYPE_CHECKING:
    from fakekapi.store.base import Store

__all__ = ["admit", "image_pull_policy", "set_defaults", "set_pod_spec_defaults"]

RBAC_GROUP = "rbac.authorization.k8s.io"
SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
SA_VOLUME_PREFIX = "kube-api-access-"
SA_TOKEN_EXPIRATION = 3607
"""The ServiceAccount admission plugin asks for 1 h + 7 s (the kubelet refreshes at 80 %)."""
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300
SYSTEM_PRIORITY_CLASSES = {
    "system-node-critical": (2000001000, "PreemptLowerPriority"),
    "system-cluster-critical": (2000000000, "PreemptLowerPriority"),
}
"""The PriorityClasses kube-apiserver creates at start-up (scheduling/v1 SystemPriorityClasses)."""
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"

JOB_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _l(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _sub(obj: dict[str, Any], key: str) -> dict[str, Any]:
    """obj[key] as a dict, created if missing (a Go struct field that is not a pointer)."""
    v = obj.get(key)
    if not isinstance(v, dict):
        v = obj[key] = {}
    return v


# -- containers -------------------------------------------------------------------------------

_DIGEST = re.compile(r"@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
_REFERENCE = re.compile(
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


# -- admission --------------------------------------------------------------------------------


def _random_suffix() -> str:
    return "".join(random.choice(_NAME_CHARS) for _ in range(5))


def _service_account_volume() -> dict[str, Any]:
    """The projected volume the ServiceAccount plugin adds (BoundServiceAccountTokenVolume)."""
    return {
        "name": SA_VOLUME_PREFIX + _random_suffix(),
        "projected": {
            "defaultMode": 420,
            "sources": [
                {
                    "serviceAccountToken": {
                        "expirationSeconds": SA_TOKEN_EXPIRATION,
                        "path": "token",
                    }
                },
                {
                    "configMap": {
                        "name": ROOT_CA_CONFIGMAP,
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {
                                    "apiVersion": "v1",
                                    "fieldPath": "metadata.namespace",
                                },
                            }
                        ]
                    }
                },
            ],
        },
    }


def _admit_service_account(store: Store, catalog: Any, pod: dict[str, Any]) -> None:
    """plugin/pkg/admission/serviceaccount: default the ServiceAccount and mount its token."""
    spec = _sub(pod, "spec")
    md = _d(pod.get("metadata"))
    if _d(md.get("annotations")).get("kubernetes.io/config.mirror"):
        return
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = "default"
    spec["serviceAccount"] = spec["serviceAccountName"]
    automount = spec.get("automountServiceAccountToken")
    if automount is None:
        sa_type = catalog.lookup("", "v1", "serviceaccounts")
        if sa_type is not None:
            key = object_key(sa_type, str(md.get("namespace") or ""), spec["serviceAccountName"])
            cur = store.get(key)
            if cur is not None:
                automount = cur[0].get("automountServiceAccountToken")
    if automount is False:
        return
    volumes = _l(spec.get("volumes"))
    existing = next(
        (
            v.get("name")
            for v in volumes
            if isinstance(v, dict) and str(v.get("name", "")).startswith(SA_VOLUME_PREFIX)
        ),
        None,
    )
    mounted = any(
        _d(m).get("mountPath") == SA_MOUNT_PATH
        for k in ("containers", "initContainers")
        for c in _l(spec.get(k))
        for m in _l(_d(c).get("volumeMounts"))
    )
    if existing is None and mounted:
        return
    name = existing
    if name is None:
        volume = _service_account_volume()
        name = volume["name"]
        spec["volumes"] = [*volumes, volume]
    mount = {"name": name, "readOnly": True, "mountPath": SA_MOUNT_PATH}
    for k in ("initContainers", "containers"):
        for c in _l(spec.get(k)):
            if not isinstance(c, dict):
                continue
            mounts = _l(c.get("volumeMounts"))
            if any(_d(m).get("mountPath") == SA_MOUNT_PATH for m in mounts):
                continue
            c["volumeMounts"] = [*mounts, dict(mount)]


def _admit_tolerations(pod: dict[str, Any]) -> None:
    """plugin/pkg/admission/defaulttolerationseconds: tolerate not-ready/unreachable 300 s."""
    spec = _sub(pod, "spec")
    tolerations = _l(spec.get("tolerations"))
    not_ready = unreachable = False
    for t in tolerations:
        t = _d(t)
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


def _admit_priority(store: Store, catalog: Any, pod: dict[str, Any]) -> None:
    """plugin/pkg/admission/priority: resolve priorityClassName into priority/preemptionPolicy."""
    spec = _sub(pod, "spec")
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
            pod_name = str(_d(pod.get("metadata")).get("name") or "")
            raise forbidden("pods", "", pod_name, f"no PriorityClass with name {name} was found")
    else:
        value = 0
        if pc_type is not None:
            items, _ = store.list("/scheduling.k8s.io/priorityclasses/")
            for _key, pc, _rev in items:
                if pc.get("globalDefault") is True:
                    spec["priorityClassName"] = _d(pc.get("metadata")).get("name")
                    value = int(pc.get("value") or 0)
                    policy = str(pc.get("preemptionPolicy") or policy)
                    break
    if spec.get("priority") is not None and spec["priority"] != value:
        raise forbidden(
            "pods",
            "",
            str(_d(pod.get("metadata")).get("name") or ""),
            f"the integer value of priority ({spec['priority']}) must not be provided in pod "
            f"spec; priority admission controller computed {value} from the given PriorityClass "
            "name",
        )
    spec["priority"] = value
    if not spec.get("preemptionPolicy"):
        spec["preemptionPolicy"] = policy


async def admit(
    store: Store,
    catalog: Any,
    op: str,
    rt: ResourceType,
    obj: dict[str, Any],
    old: dict[str, Any] | None,
    subresource: str = "",
) -> None:
    """The object-changing admission of a default cluster, in kube's plugin order.

    Raises StatusError as the plugins refuse (an unknown PriorityClass, a taken cluster IP).
    """
    key = (rt.group, rt.plural)
    if rt.is_crd or subresource:
        return
    if key == ("", "pods"):
        if op == CREATE:
            _admit_service_account(store, catalog, obj)
            _admit_priority(store, catalog, obj)
        if op in (CREATE, UPDATE):
            _admit_tolerations(obj)
    elif key == ("", "services") and op in (CREATE, UPDATE):
        services.allocate(store, obj, old)
    elif key == ("batch", "jobs") and op == CREATE:
        job_selector(obj)
    elif key == ("", "persistentvolumeclaims") and op == CREATE:
        _admit_default_storage_class(store, catalog, obj)
    elif key == ("networking.k8s.io", "ingresses") and op in (CREATE, UPDATE):
        errs = ingress_path_errors(obj)
        if errs:
            name = str(_d(obj.get("metadata")).get("name") or "")
            raise invalid("Ingress", "networking.k8s.io", name, errs)


DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def _admit_default_storage_class(store: Store, catalog: Any, pvc: dict[str, Any]) -> None:
    """plugin/pkg/admission/storage/storageclass/setdefault: a claim that names no class (the
    field absent; "" means none on purpose) gets the default StorageClass, the newest when
    several are marked default (GetDefaultClass)."""
    spec = _sub(pvc, "spec")
    if spec.get("storageClassName") is not None:
        return
    sc_type = catalog.lookup("storage.k8s.io", "v1", "storageclasses")
    if sc_type is None:
        return
    items, _ = store.list(collection_prefix(sc_type, ""))
    defaults = [
        sc
        for _key, sc, _rev in items
        if any(_d(_d(sc.get("metadata")).get("annotations")).get(a) == "true"
               for a in DEFAULT_CLASS_ANNOTATIONS)
    ]  # fmt: skip
    if not defaults:
        return
    newest = max(
        defaults,
        key=lambda sc: (
            str(_d(sc.get("metadata")).get("creationTimestamp") or ""),
            str(_d(sc.get("metadata")).get("name") or ""),
        ),
    )
    spec["storageClassName"] = _d(newest.get("metadata")).get("name")


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
