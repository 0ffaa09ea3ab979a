"""What the registry stores for minimal objects of the common kinds, next to what kube-apiserver
1.33 returns for the same input.

Each expected object is kube's encoding of the kind's Go type (k8s.io/api <group>/<version>
types.go: field order and `omitempty`, as the protobuf schema records them and
tests/protobuf/test_pb_go_encoding.py checks against kubernetes/api testdata/v1.33.0), after the
defaulting kube applies at decode time (k8s.io/kubernetes pkg/apis/<group>/v1/defaults.go,
named per row) and the strategy's PrepareForCreate (pkg/registry/<group>/<kind>/strategy.go:
status reset, generation 1). System metadata the server generates (uid, resourceVersion,
creationTimestamp, managedFields) is left out of the comparison; key order is compared.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakekapi.registry.registry import Registry
from registry.registry_helpers import W, rtype

_SYSTEM = ("uid", "resourceVersion", "creationTimestamp", "managedFields")

TEMPLATE_SPEC_DEFAULTS: dict[str, Any] = {
    # SetDefaults_PodSpec, SetDefaults_Container (pkg/apis/core/v1/defaults.go), in PodSpec's
    # Go field order
    "containers": [
        {
            "name": "c",
            "image": "nginx",
            "resources": {},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "Always",
        }
    ],
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "securityContext": {},
    "schedulerName": "default-scheduler",
}

TMPL: dict[str, Any] = {
    "metadata": {"labels": {"app": "x"}},
    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
}

# (resource, minimal input, what kube stores, the defaulting source)
ROWS: list[tuple[tuple[str, str, str], dict[str, Any], dict[str, Any], str]] = [
    (
        ("", "v1", "configmaps"),
        {"metadata": {"name": "x"}, "data": {"b": "2", "a": "1"}},
        {"metadata": {"name": "x", "namespace": "default"}, "data": {"a": "1", "b": "2"}},
        "no defaults; map keys sorted by encoding/json",
    ),
    (
        ("", "v1", "configmaps"),
        {"metadata": {"name": "x"}, "binaryData": {"k": "aGk="}, "immutable": False},
        {
            "metadata": {"name": "x", "namespace": "default"},
            "immutable": False,
            "binaryData": {"k": "aGk="},
        },
        "Immutable is a *bool: kept when false",
    ),
    (
        ("", "v1", "secrets"),
        {"metadata": {"name": "x"}, "data": {"k": "aGk="}},
        {
            "metadata": {"name": "x", "namespace": "default"},
            "data": {"k": "aGk="},
            "type": "Opaque",
        },
        "SetDefaults_Secret: type Opaque",
    ),
    (
        ("", "v1", "serviceaccounts"),
        {"metadata": {"name": "x"}},
        {"metadata": {"name": "x", "namespace": "default"}},
        "no defaults; no token secrets since 1.24",
    ),
    (
        ("", "v1", "namespaces"),
        {"metadata": {"name": "team-a"}},
        {
            "metadata": {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "team-a"}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        },
        "namespace strategy PrepareForCreate (finalizer kubernetes, phase Active) and the "
        "kubernetes.io/metadata.name label (SetDefaults_Namespace)",
    ),
    (
        ("rbac.authorization.k8s.io", "v1", "roles"),
        {
            "metadata": {"name": "x"},
            "rules": [{"resources": ["pods"], "verbs": ["get"], "apiGroups": [""]}],
        },
        {
            "metadata": {"name": "x", "namespace": "default"},
            "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}],
        },
        "no defaults; PolicyRule's order verbs, apiGroups, resources",
    ),
    (
        ("rbac.authorization.k8s.io", "v1", "clusterroles"),
        {
            "metadata": {"name": "enc-x"},
            "rules": [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}],
        },
        {
            "metadata": {"name": "enc-x"},
            "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
        },
        "no defaults; aggregationRule (pointer) absent",
    ),
    (
        ("rbac.authorization.k8s.io", "v1", "rolebindings"),
        {
            "metadata": {"name": "x"},
            "roleRef": {"kind": "Role", "name": "r", "apiGroup": "rbac.authorization.k8s.io"},
            "subjects": [{"name": "bob", "kind": "User"}],
        },
        {
            "metadata": {"name": "x", "namespace": "default"},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        },
        "SetDefaults_Subject: apiGroup rbac.authorization.k8s.io for User and Group",
    ),
    (
        ("coordination.k8s.io", "v1", "leases"),
        {"metadata": {"name": "x"}, "spec": {"leaseDurationSeconds": 40, "holderIdentity": "me"}},
        {
            "metadata": {"name": "x", "namespace": "default"},
            "spec": {"holderIdentity": "me", "leaseDurationSeconds": 40},
        },
        "no defaults",
    ),
    (
        ("scheduling.k8s.io", "v1", "priorityclasses"),
        {"metadata": {"name": "enc-high"}, "value": 1000},
        {
            "metadata": {"name": "enc-high"},
            "value": 1000,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "SetDefaults_PriorityClass: preemptionPolicy PreemptLowerPriority; globalDefault omitempty",
    ),
    (
        ("", "v1", "resourcequotas"),
        {
            "metadata": {"name": "x"},
            "spec": {"hard": {"pods": "10", "cpu": "1.5", "memory": "2048Mi"}},
        },
        {
            "metadata": {"name": "x", "namespace": "default"},
            "spec": {"hard": {"cpu": "1500m", "memory": "2Gi", "pods": "10"}},
            "status": {},
        },
        "no defaults; quantities canonical; status reset by the strategy",
    ),
    (
        ("networking.k8s.io", "v1", "ingressclasses"),
        {"metadata": {"name": "enc-nginx"}, "spec": {"controller": "example.com/ingress"}},
        {
            "metadata": {"name": "enc-nginx", "generation": 1},
            "spec": {"controller": "example.com/ingress"},
        },
        "no defaults; generation 1 (ingressclass strategy)",
    ),
    (
        ("networking.k8s.io", "v1", "ingresses"),
        {
            "metadata": {"name": "x"},
            "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}},
        },
        {
            "metadata": {"name": "x", "namespace": "default", "generation": 1},
            "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}},
            "status": {"loadBalancer": {}},
        },
        "no defaults; IngressStatus.LoadBalancer is a struct",
    ),
    (
        ("networking.k8s.io", "v1", "networkpolicies"),
        {"metadata": {"name": "x"}, "spec": {"podSelector": {}}},
        {
            "metadata": {"name": "x", "namespace": "default", "generation": 1},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        },
        "SetDefaults_NetworkPolicy: policyTypes [Ingress] without egress rules",
    ),
    (
        ("storage.k8s.io", "v1", "storageclasses"),
        {"metadata": {"name": "enc-fast"}, "provisioner": "example.com/disk"},
        {
            "metadata": {"name": "enc-fast"},
            "provisioner": "example.com/disk",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
        },
        "SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate",
    ),
    (
        ("node.k8s.io", "v1", "runtimeclasses"),
        {"metadata": {"name": "enc-runc"}, "handler": "runc"},
        {"metadata": {"name": "enc-runc"}, "handler": "runc"},
        "no defaults",
    ),
    (
        ("apps", "v1", "controllerrevisions"),
        {"metadata": {"name": "x"}, "revision": 1, "data": {"spec": {}}},
        {"metadata": {"name": "x", "namespace": "default"}, "data": {"spec": {}}, "revision": 1},
        "no defaults; data is a RawExtension, kept as sent",
    ),
    (
        ("policy", "v1", "poddisruptionbudgets"),
        {
            "metadata": {"name": "x"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "a"}}},
        },
        {
            "metadata": {"name": "x", "namespace": "default", "generation": 1},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "a"}}},
            "status": {
                "disruptionsAllowed": 0,
                "currentHealthy": 0,
                "desiredHealthy": 0,
                "expectedPods": 0,
            },
        },
        "no defaults; PodDisruptionBudgetStatus's int32 fields have no omitempty",
    ),
    (
        ("", "v1", "podtemplates"),
        {
            "metadata": {"name": "x"},
            "template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        },
        {
            "metadata": {"name": "x", "namespace": "default"},
            "template": {"metadata": {"creationTimestamp": None}, "spec": TEMPLATE_SPEC_DEFAULTS},
        },
        "SetDefaults_PodSpec and SetDefaults_Container on the template",
    ),
    (
        ("", "v1", "replicationcontrollers"),
        {
            "metadata": {"name": "x"},
            "spec": {
                "selector": {"app": "x"},
                "template": {
                    "metadata": {"labels": {"app": "x"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        },
        {
            "metadata": {
                "name": "x",
                "namespace": "default",
                "generation": 1,
                "labels": {"app": "x"},
            },
            "spec": {
                "replicas": 1,
                "selector": {"app": "x"},
                "template": {
                    "metadata": {"creationTimestamp": None, "labels": {"app": "x"}},
                    "spec": TEMPLATE_SPEC_DEFAULTS,
                },
            },
            "status": {"replicas": 0},
        },
        "SetDefaults_ReplicationController: replicas 1, labels from the template; status.replicas "
        "has no omitempty",
    ),
    (
        ("apps", "v1", "daemonsets"),
        {
            "metadata": {"name": "x"},
            "spec": {
                "selector": {"matchLabels": {"app": "x"}},
                "template": {
                    "metadata": {"labels": {"app": "x"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        },
        {
            "metadata": {"name": "x", "namespace": "default", "generation": 1},
            "spec": {
                "selector": {"matchLabels": {"app": "x"}},
                "template": {
                    "metadata": {"creationTimestamp": None, "labels": {"app": "x"}},
                    "spec": TEMPLATE_SPEC_DEFAULTS,
                },
                "updateStrategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
                },
                "revisionHistoryLimit": 10,
            },
            "status": {
                "currentNumberScheduled": 0,
                "numberMisscheduled": 0,
                "desiredNumberScheduled": 0,
                "numberReady": 0,
            },
        },
        "SetDefaults_DaemonSet (apps/v1): RollingUpdate 1/0, revisionHistoryLimit 10; the four "
        "status counters have no omitempty",
    ),
    (
        ("", "v1", "persistentvolumeclaims"),
        {
            "metadata": {"name": "x"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1.5Gi"}},
            },
        },
        {
            "metadata": {"name": "x", "namespace": "default"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1536Mi"}},
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Pending"},
        },
        "SetDefaults_PersistentVolumeClaimSpec: volumeMode Filesystem; "
        "SetDefaults_PersistentVolumeClaim: phase Pending",
    ),
    (
        ("rbac.authorization.k8s.io", "v1", "clusterrolebindings"),
        {
            "metadata": {"name": "enc-crb"},
            "roleRef": {
                "kind": "ClusterRole",
                "name": "view",
                "apiGroup": "rbac.authorization.k8s.io",
            },
            "subjects": [{"kind": "Group", "name": "devs"}],
        },
        {
            "metadata": {"name": "enc-crb"},
            "subjects": [
                {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"}
            ],
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "view",
            },
        },
        "SetDefaults_Subject; the shape of kubectl 1.27's ClusterRoleBinding body in the traces",
    ),
    (
        ("apps", "v1", "deployments"),
        {
            "metadata": {"name": "x"},
            "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": TMPL},
        },
        {
            "metadata": {"name": "x", "namespace": "default", "generation": 1},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "x"}},
                "template": {
                    "metadata": {"creationTimestamp": None, "labels": {"app": "x"}},
                    "spec": TEMPLATE_SPEC_DEFAULTS,
                },
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
                },
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
            },
            "status": {},
        },
        "SetDefaults_Deployment (apps/v1): replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit "
        "10, progressDeadlineSeconds 600; DeploymentStatus is all omitempty",
    ),
    (
        ("apps", "v1", "replicasets"),
        {
            "metadata": {"name": "x"},
            "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": TMPL},
        },
        {
            "metadata": {"name": "x", "namespace": "default", "generation": 1},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "x"}},
                "template": {
                    "metadata": {"creationTimestamp": None, "labels": {"app": "x"}},
                    "spec": TEMPLATE_SPEC_DEFAULTS,
                },
            },
            "status": {"replicas": 0},
        },
        "SetDefaults_ReplicaSet (apps/v1): replicas 1; ReplicaSetStatus.replicas has no omitempty",
    ),
    (
        ("apps", "v1", "statefulsets"),
        {
            "metadata": {"name": "x"},
            "spec": {
                "selector": {"matchLabels": {"app": "x"}},
                "serviceName": "x",
                "template": TMPL,
            },
        },
        {
            "metadata": {"name": "x", "namespace": "default", "generation": 1},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "x"}},
                "template": {
                    "metadata": {"creationTimestamp": None, "labels": {"app": "x"}},
                    "spec": TEMPLATE_SPEC_DEFAULTS,
                },
                "serviceName": "x",
                "podManagementPolicy": "OrderedReady",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                "revisionHistoryLimit": 10,
                "persistentVolumeClaimRetentionPolicy": {
                    "whenDeleted": "Retain",
                    "whenScaled": "Retain",
                },
            },
            "status": {"replicas": 0, "availableReplicas": 0},
        },
        "SetDefaults_StatefulSet (apps/v1); StatefulSetStatus.replicas and availableReplicas have "
        "no omitempty",
    ),
    (
        ("", "v1", "services"),
        {"metadata": {"name": "x"}, "spec": {"ports": [{"port": 80}], "selector": {"app": "x"}}},
        {
            "metadata": {"name": "x", "namespace": "default"},
            "spec": {
                "ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}],
                "selector": {"app": "x"},
                "clusterIP": "<allocated>",
                "clusterIPs": ["<allocated>"],
                "type": "ClusterIP",
                "sessionAffinity": "None",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "internalTrafficPolicy": "Cluster",
            },
            "status": {"loadBalancer": {}},
        },
        "SetDefaults_Service and the service REST's IP allocation (the address itself varies)",
    ),
    (
        ("", "v1", "limitranges"),
        {
            "metadata": {"name": "x"},
            "spec": {
                "limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "0.5Gi"}}]
            },
        },
        {
            "metadata": {"name": "x", "namespace": "default"},
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        "max": {"cpu": "2"},
                        "min": {"memory": "512Mi"},
                        "default": {"cpu": "2"},
                        "defaultRequest": {"cpu": "2", "memory": "512Mi"},
                    }
                ]
            },
        },
        "SetDefaults_LimitRangeItem: default from max, defaultRequest from default then min",
    ),
    (
        ("", "v1", "endpoints"),
        {
            "metadata": {"name": "x"},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}],
        },
        {
            "metadata": {"name": "x", "namespace": "default"},
            "subsets": [
                {"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80, "protocol": "TCP"}]}
            ],
        },
        "SetDefaults_EndpointPort: protocol TCP",
    ),
    (
        ("discovery.k8s.io", "v1", "endpointslices"),
        {
            "metadata": {"name": "x"},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.0.0.1"]}],
            "ports": [{"port": 80}],
        },
        {
            "metadata": {"name": "x", "namespace": "default", "generation": 1},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {}}],
            "ports": [{"name": "", "protocol": "TCP", "port": 80}],
        },
        'SetDefaults_EndpointPort (discovery/v1): name "", protocol TCP; generation 1 '
        "(endpointslice strategy); Endpoint.Conditions is a struct",
    ),
    (
        ("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"),
        {
            "metadata": {"name": "enc-vwc"},
            "webhooks": [
                {
                    "name": "a.example.com",
                    "clientConfig": {"service": {"namespace": "default", "name": "hook"}},
                    "rules": [
                        {
                            "operations": ["CREATE"],
                            "apiGroups": [""],
                            "apiVersions": ["v1"],
                            "resources": ["pods"],
                        }
                    ],
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                }
            ],
        },
        {
            "metadata": {"name": "enc-vwc", "generation": 1},
            "webhooks": [
                {
                    "name": "a.example.com",
                    "clientConfig": {
                        "service": {"namespace": "default", "name": "hook", "port": 443}
                    },
                    "rules": [
                        {
                            "operations": ["CREATE"],
                            "apiGroups": [""],
                            "apiVersions": ["v1"],
                            "resources": ["pods"],
                            "scope": "*",
                        }
                    ],
                    "failurePolicy": "Fail",
                    "matchPolicy": "Equivalent",
                    "namespaceSelector": {},
                    "objectSelector": {},
                    "sideEffects": "None",
                    "timeoutSeconds": 10,
                    "admissionReviewVersions": ["v1"],
                }
            ],
        },
        "SetDefaults_ValidatingWebhook, SetDefaults_Rule, SetDefaults_ServiceReference",
    ),
    (
        ("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations"),
        {
            "metadata": {"name": "enc-mwc"},
            "webhooks": [
                {
                    "name": "m.example.com",
                    "clientConfig": {"url": "https://hook.example.com"},
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                }
            ],
        },
        {
            "metadata": {"name": "enc-mwc", "generation": 1},
            "webhooks": [
                {
                    "name": "m.example.com",
                    "clientConfig": {"url": "https://hook.example.com"},
                    "failurePolicy": "Fail",
                    "matchPolicy": "Equivalent",
                    "namespaceSelector": {},
                    "objectSelector": {},
                    "sideEffects": "None",
                    "timeoutSeconds": 10,
                    "admissionReviewVersions": ["v1"],
                    "reinvocationPolicy": "Never",
                }
            ],
        },
        "SetDefaults_MutatingWebhook: as validating, plus reinvocationPolicy Never",
    ),
]


def _strip(obj: dict[str, Any]) -> dict[str, Any]:
    md = {k: v for k, v in obj["metadata"].items() if k not in _SYSTEM}
    out = {**obj, "metadata": md}
    spec = out.get("spec")
    if out["kind"] == "Service" and isinstance(spec, dict):
        out["spec"] = {
            k: ("<allocated>" if k == "clusterIP" else ["<allocated>"] if k == "clusterIPs" else v)
            for k, v in spec.items()
        }
    return out


@pytest.mark.parametrize(
    ("resource", "minimal", "expected", "source"),
    ROWS,
    ids=[f"{r[0][2]}-{i}" for i, r in enumerate(ROWS)],
)
async def test_stored_object(
    registry: Registry,
    resource: tuple[str, str, str],
    minimal: dict[str, Any],
    expected: dict[str, Any],
    source: str,
) -> None:
    rt = rtype(*resource)
    body = {"apiVersion": rt.group_version, "kind": rt.kind, **json.loads(json.dumps(minimal))}
    got = (await registry.create(rt, "default" if rt.namespaced else "", body, W)).object
    want = {"kind": rt.kind, "apiVersion": rt.group_version, **expected}
    assert json.dumps(_strip(got), indent=1) == json.dumps(want, indent=1), source
