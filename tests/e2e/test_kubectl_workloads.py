"""Workload commands through real kubectl: create deployment, scale, run, expose, logs, describe,
the `kubernetes` Service, and a drain-style eviction through the official Python client."""

from __future__ import annotations

import json
from typing import Any

import kubernetes
import pytest
from narrow import present
from polling import until

from e2e.clients import Kubectl, table
from e2e.conftest import minor_of
from fakekapi.testing import ServerHandle


@pytest.fixture(scope="module")
def ns(kubectl: Kubectl) -> str:
    name = f"work-{minor_of(kubectl)}"
    kubectl("create", "namespace", name)
    return name


def get_json(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(kubectl("get", *args, "-o", "json").out)
    return out


def test_create_deployment_and_scale(kubectl: Kubectl, ns: str) -> None:
    assert kubectl("-n", ns, "create", "deployment", "web", "--image=nginx").out.strip() == (
        "deployment.apps/web created"
    )
    assert kubectl("-n", ns, "scale", "deploy", "web", "--replicas=3").out.strip() == (
        "deployment.apps/web scaled"
    )
    dep = get_json(kubectl, "-n", ns, "deploy", "web")
    spec = dep["spec"]
    assert spec["replicas"] == 3
    assert dep["metadata"]["generation"] == 2
    assert (spec["progressDeadlineSeconds"], spec["revisionHistoryLimit"]) == (600, 10)
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    pod_spec = spec["template"]["spec"]
    assert pod_spec["containers"][0]["imagePullPolicy"] == "Always"
    assert pod_spec["containers"][0]["terminationMessagePath"] == "/dev/termination-log"
    assert (pod_spec["dnsPolicy"], pod_spec["schedulerName"]) == (
        "ClusterFirst",
        "default-scheduler",
    )
    scale = json.loads(
        kubectl("get", "--raw", f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale").out
    )
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 3}
    assert scale["status"]["selector"] == "app=web"
    # A merge patch of the scale subresource, as `kubectl patch --subresource=scale` sends it.
    kubectl(
        "-n", ns, "patch", "deploy", "web", "--subresource=scale", "--type=merge",
        "-p", '{"spec":{"replicas":2}}',
    )  # fmt: skip
    assert get_json(kubectl, "-n", ns, "deploy", "web")["spec"]["replicas"] == 2


def test_run_pod_defaults_and_describe(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "run", "web", "--image=nginx", "--port=80")
    pod = get_json(kubectl, "-n", ns, "pod", "web")
    spec = pod["spec"]
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    assert (spec["restartPolicy"], spec["terminationGracePeriodSeconds"]) == ("Always", 30)
    assert (spec["priority"], spec["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    assert spec["enableServiceLinks"] is True
    assert [t["key"] for t in spec["tolerations"]] == [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ]
    volume = spec["volumes"][0]["name"]
    assert volume.startswith("kube-api-access-")
    assert spec["containers"][0]["volumeMounts"][0]["name"] == volume
    # Created Pending; the simulated kubelet may already have started it.
    assert pod["status"]["phase"] in ("Pending", "Running")
    assert pod["status"]["qosClass"] == "BestEffort"
    described = kubectl("-n", ns, "describe", "pod", "web").out
    assert "80/TCP" in described
    assert "Service Account:  default" in described
    assert "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s" in described


def test_logs_of_a_pod_not_scheduled(kubectl: Kubectl, ns: str) -> None:
    # A pod with no node has no log location: kube-apiserver streams an empty log. (Its node
    # selector matches no node, so the scheduler leaves it unassigned.)
    kubectl(
        "-n", ns, "run", "logger", "--image=busybox",
        '--overrides={"spec":{"nodeSelector":{"fakekapi.dev/none":"none"}}}',
    )  # fmt: skip
    res = kubectl("-n", ns, "logs", "logger")
    assert (res.code, res.out) == (0, "")
    missing = kubectl("-n", ns, "logs", "logger", "-c", "nope", check=False)
    assert missing.code == 1
    assert missing.err.strip().endswith("container nope is not valid for pod logger")


def test_expose_allocates_a_cluster_ip(kubectl: Kubectl, ns: str) -> None:
    kubectl("-n", ns, "create", "deployment", "api", "--image=nginx:1.27", "--port=8080")
    assert kubectl("-n", ns, "expose", "deploy", "api", "--port=80", "--target-port=8080").out
    svc = get_json(kubectl, "-n", ns, "svc", "api")
    ip = svc["spec"]["clusterIP"]
    assert ip.startswith("10.") and svc["spec"]["clusterIPs"] == [ip]
    assert svc["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8080}]
    rows = table(kubectl("-n", ns, "get", "svc", "api").out)
    assert rows[1][:5] == ["api", "ClusterIP", ip, "<none>", "80/TCP"]
    kubectl("-n", ns, "create", "service", "nodeport", "np", "--tcp=80:80")
    np = get_json(kubectl, "-n", ns, "svc", "np")
    assert 30000 <= np["spec"]["ports"][0]["nodePort"] <= 32767


def test_kubernetes_service(kubectl: Kubectl, e2e_server: ServerHandle) -> None:
    rows = table(kubectl("get", "svc", "kubernetes").out)
    assert rows[1][:5] == ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"]
    svc = get_json(kubectl, "svc", "kubernetes")
    assert svc["spec"]["ports"] == [
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": e2e_server.port}
    ]
    eps = get_json(kubectl, "endpoints", "kubernetes")
    assert eps["subsets"] == [
        {
            "addresses": [{"ip": "127.0.0.1"}],
            "ports": [{"name": "https", "port": e2e_server.port, "protocol": "TCP"}],
        }
    ]
    slices = get_json(kubectl, "endpointslices", "kubernetes")
    assert slices["endpoints"][0]["addresses"] == ["127.0.0.1"]


def test_drain_style_eviction_with_python_client(
    kubectl: Kubectl, ns: str, e2e_server: ServerHandle
) -> None:
    kubectl("-n", ns, "run", "victim", "--image=nginx")
    config_file = str(e2e_server.kubeconfig_path)
    with kubernetes.config.new_client_from_config(config_file=config_file) as api_client:
        api_client.set_default_header("Connection", "close")  # no socket outlives the test
        api = kubernetes.client.CoreV1Api(api_client)
        body = kubernetes.client.V1Eviction(
            metadata=kubernetes.client.V1ObjectMeta(name="victim", namespace=ns)
        )
        api.create_namespaced_pod_eviction("victim", ns, body)

        # Eviction deletes gracefully: the kubelet stops the pod, then it is gone.
        def removed() -> bool:
            try:
                api.read_namespaced_pod("victim", ns)
            except kubernetes.client.ApiException as e:
                assert e.status == 404
                return True
            return False

        until(removed, "the evicted pod removed")
        with pytest.raises(kubernetes.client.ApiException) as refused:
            api.create_namespaced_pod_eviction("victim", ns, body)
        assert refused.value.status == 404
        assert json.loads(present(refused.value.body))["message"] == 'pods "victim" not found'
