"""Defaulting and object-changing admission, compared with what kube-apiserver 1.33 stores.

The expected objects are what `kubectl ... -o yaml` shows on a 1.33 cluster for the same request
(pkg/apis/*/v1/defaults.go and the ServiceAccount, Priority and DefaultTolerationSeconds
admission plugins are the reference).
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.registry.defaults import image_pull_policy
from fakekapi.registry.registry import Registry
from registry.registry_helpers import DEPLOYMENTS, PODS, SERVICES, W, rtype

SERVICEACCOUNTS = rtype("", "v1", "serviceaccounts")
STATEFULSETS = rtype("apps", "v1", "statefulsets")
DAEMONSETS = rtype("apps", "v1", "daemonsets")
JOBS = rtype("batch", "v1", "jobs")
CRONJOBS = rtype("batch", "v1", "cronjobs")
PVCS = rtype("", "v1", "persistentvolumeclaims")
ROLEBINDINGS = rtype("rbac.authorization.k8s.io", "v1", "rolebindings")

TEMPLATE_SPEC = {
    "containers": [
        {
            "image": "nginx",
            "imagePullPolicy": "Always",
            "name": "nginx",
            "resources": {},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
        }
    ],
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
}


def template(labels: dict[str, str]) -> dict[str, Any]:
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]},
    }


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("registry.local:5000/team/app", "Always"),
        ("registry.local:5000/team/app:v2", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
        ("nginx:1.27@sha256:" + "a" * 64, "IfNotPresent"),
        ("Upper/Case", "IfNotPresent"),
    ],
)
def test_image_pull_policy(image: str, policy: str) -> None:
    assert image_pull_policy(image) == policy


async def test_kubectl_run_pod(registry: Registry) -> None:
    """`kubectl run web --image=nginx --port=80`."""
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": {"run": "web"}},
        "spec": {
            "containers": [
                {"name": "web", "image": "nginx", "ports": [{"containerPort": 80}], "resources": {}}
            ],
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always",
        },
        "status": {},
    }
    pod = (await registry.create(PODS, "default", body, W)).object
    spec = pod["spec"]
    volume = spec["volumes"][0]["name"]
    assert volume.startswith("kube-api-access-") and len(volume) == len("kube-api-access-") + 5
    assert spec == {
        "containers": [
            {
                "image": "nginx",
                "imagePullPolicy": "Always",
                "name": "web",
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "volumeMounts": [
                    {
                        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                        "name": volume,
                        "readOnly": True,
                    }
                ],
            }
        ],
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": "default",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "tolerationSeconds": 300,
            },
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "tolerationSeconds": 300,
            },
        ],
        "volumes": [
            {
                "name": volume,
                "projected": {
                    "defaultMode": 420,
                    "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {
                            "configMap": {
                                "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                "name": "kube-root-ca.crt",
                            }
                        },
                        {
                            "downwardAPI": {
                                "items": [
                                    {
                                        "fieldRef": {
                                            "apiVersion": "v1",
                                            "fieldPath": "metadata.namespace",
                                        },
                                        "path": "namespace",
                                    }
                                ]
                            }
                        },
                    ],
                },
            }
        ],
    }
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


async def test_pod_update_keeps_defaults_stable(registry: Registry) -> None:
    pod = (await registry.create(PODS, "default", _pod("p"), W)).object
    again = await registry.update(PODS, "default", "p", pod, W)
    assert again.object == pod  # a no-op update stays a no-op


def _pod(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}], **spec},
    }


async def test_pod_without_token_automount(registry: Registry) -> None:
    sa = {"metadata": {"name": "quiet"}, "automountServiceAccountToken": False}
    await registry.create(SERVICEACCOUNTS, "default", sa, W)
    pod = (await registry.create(PODS, "default", _pod("p", serviceAccountName="quiet"), W)).object
    assert "volumes" not in pod["spec"]
    assert "volumeMounts" not in pod["spec"]["containers"][0]
    assert pod["spec"]["serviceAccount"] == "quiet"
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"


async def test_pod_tolerations_and_limits(registry: Registry) -> None:
    body = _pod(
        "p",
        tolerations=[{"operator": "Exists"}],
        automountServiceAccountToken=False,
    )
    body["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1", "memory": "1Gi"}}
    pod = (await registry.create(PODS, "default", body, W)).object
    assert pod["spec"]["tolerations"] == [{"operator": "Exists"}]
    resources = pod["spec"]["containers"][0]["resources"]
    assert resources["requests"] == {"cpu": "1", "memory": "1Gi"}
    assert pod["status"]["qosClass"] == "Guaranteed"


async def test_pod_priority_class(registry: Registry) -> None:
    with pytest.raises(StatusError) as e:
        await registry.create(PODS, "default", _pod("p", priorityClassName="nope"), W)
    assert e.value.code == 403
    assert e.value.message == ('pods "p" is forbidden: no PriorityClass with name nope was found')
    pod = (
        await registry.create(
            PODS, "default", _pod("q", priorityClassName="system-node-critical"), W
        )
    ).object
    assert pod["spec"]["priority"] == 2000001000


async def test_kubectl_create_deployment(registry: Registry) -> None:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": template({"app": "web"}),
            "strategy": {},
        },
        "status": {},
    }
    dep = (await registry.create(DEPLOYMENTS, "default", body, W)).object
    assert dep["spec"] == {
        "progressDeadlineSeconds": 600,
        "replicas": 1,
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            "type": "RollingUpdate",
        },
        "template": {
            "metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
            "spec": TEMPLATE_SPEC,
        },
    }
    assert dep["status"] == {}
    assert "enableServiceLinks" not in dep["spec"]["template"]["spec"]


async def test_statefulset_and_daemonset(registry: Registry) -> None:
    sts = {
        "metadata": {"name": "db"},
        "spec": {
            "selector": {"matchLabels": {"app": "db"}},
            "serviceName": "db",
            "template": template({"app": "db"}),
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {}}],
        },
    }
    spec = (await registry.create(STATEFULSETS, "default", sts, W)).object["spec"]
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    assert (spec["replicas"], spec["revisionHistoryLimit"]) == (1, 10)
    assert spec["volumeClaimTemplates"][0]["spec"] == {"resources": {}, "volumeMode": "Filesystem"}
    ds = {
        "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": template({"app": "a"})},
    }
    spec = (await registry.create(DAEMONSETS, "default", ds, W)).object["spec"]
    assert spec["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["template"]["spec"] == TEMPLATE_SPEC


async def test_job_and_cronjob(registry: Registry) -> None:
    tmpl = template({})
    tmpl["spec"]["restartPolicy"] = "Never"
    job = (
        await registry.create(
            JOBS, "default", {"metadata": {"name": "pi"}, "spec": {"template": tmpl}}, W
        )
    ).object
    uid = job["metadata"]["uid"]
    spec = job["spec"]
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert spec["template"]["metadata"]["labels"] == {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": uid,
        "job-name": "pi",
    }
    assert {k: spec[k] for k in ("backoffLimit", "completions", "parallelism")} == {
        "backoffLimit": 6,
        "completions": 1,
        "parallelism": 1,
    }
    assert (spec["completionMode"], spec["suspend"], spec["podReplacementPolicy"]) == (
        "NonIndexed",
        False,
        "TerminatingOrFailed",
    )
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    cj = {
        "metadata": {"name": "tick"},
        "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": tmpl}}},
    }
    spec = (await registry.create(CRONJOBS, "default", cj, W)).object["spec"]
    assert {
        k: spec[k]
        for k in (
            "concurrencyPolicy",
            "suspend",
            "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
        )
    } == {
        "concurrencyPolicy": "Allow",
        "suspend": False,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
    }
    assert spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def _svc(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80}], **spec},
    }


async def test_service_cluster_ip(registry: Registry) -> None:
    svc = (await registry.create(SERVICES, "default", _svc("web"), W)).object
    spec = svc["spec"]
    ip = spec["clusterIP"]
    assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12")
    assert spec == {
        "clusterIP": ip,
        "clusterIPs": [ip],
        "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "selector": {"app": "web"},
        "sessionAffinity": "None",
        "type": "ClusterIP",
    }
    assert svc["status"] == {"loadBalancer": {}}
    with pytest.raises(StatusError) as e:
        await registry.create(SERVICES, "default", _svc("copy", clusterIP=ip), W)
    assert e.value.code == 422
    assert e.value.message == (
        f'Service "copy" is invalid: spec.clusterIPs: Invalid value: []string{{"{ip}"}}: '
        f"failed to allocate IP {ip}: provided IP is already allocated"
    )
    # An update that leaves the allocated values out keeps them.
    body = _svc("web")
    body["metadata"]["resourceVersion"] = svc["metadata"]["resourceVersion"]
    updated = (await registry.update(SERVICES, "default", "web", body, W)).object
    assert updated["spec"]["clusterIP"] == ip
    others = set()
    for i in range(20):
        s = (await registry.create(SERVICES, "default", _svc(f"s{i}"), W)).object
        others.add(s["spec"]["clusterIP"])
    assert len(others) == 20 and ip not in others


async def test_service_node_ports_headless_external(registry: Registry) -> None:
    spec = (await registry.create(SERVICES, "default", _svc("np", type="NodePort"), W)).object[
        "spec"
    ]
    port = spec["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    assert spec["externalTrafficPolicy"] == "Cluster"
    with pytest.raises(StatusError) as e:
        body = _svc("np2", type="NodePort")
        body["spec"]["ports"][0]["nodePort"] = port
        await registry.create(SERVICES, "default", body, W)
    assert e.value.message.endswith(
        f"spec.ports[0].nodePort: Invalid value: {port}: provided port is already allocated"
    )
    lb = (await registry.create(SERVICES, "default", _svc("lb", type="LoadBalancer"), W)).object
    assert lb["spec"]["allocateLoadBalancerNodePorts"] is True
    assert lb["spec"]["ports"][0]["nodePort"] != port
    headless = (await registry.create(SERVICES, "default", _svc("h", clusterIP="None"), W)).object[
        "spec"
    ]
    assert (headless["clusterIPs"], headless["ipFamilyPolicy"]) == (["None"], "SingleStack")
    ext = {"metadata": {"name": "x"}, "spec": {"type": "ExternalName", "externalName": "a.b"}}
    spec = (await registry.create(SERVICES, "default", ext, W)).object["spec"]
    assert spec == {"externalName": "a.b", "sessionAffinity": "None", "type": "ExternalName"}


async def test_pvc_and_rolebinding(registry: Registry) -> None:
    pvc = {
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    out = (await registry.create(PVCS, "default", pvc, W)).object
    assert out["spec"]["volumeMode"] == "Filesystem"
    assert out["status"] == {"phase": "Pending"}
    rb = {
        "metadata": {"name": "rb"},
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "ServiceAccount", "name": "default", "namespace": "default"},
        ],
    }
    out = (await registry.create(ROLEBINDINGS, "default", rb, W)).object
    assert out["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert out["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io"
    assert "apiGroup" not in out["subjects"][1]


async def test_ingress_path_type(registry: Registry) -> None:
    ingresses = rtype("networking.k8s.io", "v1", "ingresses")
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    body = {
        "metadata": {"name": "ing"},
        "spec": {
            "rules": [
                {
                    "http": {
                        "paths": [
                            {"path": "/", "backend": backend},
                            {"path": "/a", "pathType": "Fuzzy", "backend": backend},
                            {"path": "b", "pathType": "Prefix", "backend": backend},
                        ]
                    }
                }
            ]
        },
    }
    with pytest.raises(StatusError) as e:
        await registry.create(ingresses, "default", body, W)
    assert e.value.message == (
        'Ingress.networking.k8s.io "ing" is invalid: ['
        "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified, "
        'spec.rules[0].http.paths[1].pathType: Unsupported value: "Fuzzy": supported values: '
        '"Exact", "ImplementationSpecific", "Prefix", '
        'spec.rules[0].http.paths[2].path: Invalid value: "b": must be an absolute path]'
    )


async def test_pod_priority_403_names_the_generate_name(registry: Registry) -> None:
    """Priority is a mutating plugin: in kube it runs before the name is generated, so its 403
    names the generateName (admission.NewForbidden's extractResourceName)."""
    body = _pod("", priorityClassName="nope")
    body["metadata"].pop("name", None)
    body["metadata"]["generateName"] = "web-"
    with pytest.raises(StatusError) as e:
        await registry.create(PODS, "default", body, W)
    assert e.value.message == 'pods "web-" is forbidden: no PriorityClass with name nope was found'
    assert e.value.details is not None and e.value.details["name"] == "web-"
