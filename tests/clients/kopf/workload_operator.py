"""A Kopf operator that deploys an app and waits for its pods, run by test_kopf_workloads.py.

A ConfigMap labelled `app-request=yes` asks for a Deployment of `data.replicas` nginx pods; the
operator creates it (adopted, so it goes with the ConfigMap) and, as the Deployment's
`status.readyReplicas` changes, annotates the ConfigMap with it: the usual "operator waits for
its workload to become Ready" loop, which needs the controllers and the simulated kubelet.
"""

from __future__ import annotations

from typing import Any

import kopf
import kubernetes


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.watching.server_timeout = 5
    settings.watching.client_timeout = 10
    settings.persistence.finalizer = "example.com/kopf-finalizer"
    kubernetes.config.load_kube_config()


@kopf.on.create("configmaps", labels={"app-request": "yes"})
def deploy(body: kopf.Body, name: str, namespace: str | None, **_: Any) -> None:
    assert namespace is not None  # ConfigMaps are namespaced
    replicas = int((body.get("data") or {}).get("replicas", "1"))
    deployment: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"{name}-app", "labels": {"made-by": "kopf", "request": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": f"{name}-app"}},
            "template": {
                "metadata": {"labels": {"app": f"{name}-app"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }
    kopf.adopt(deployment)
    kubernetes.client.AppsV1Api().create_namespaced_deployment(namespace, deployment)  # type: ignore[arg-type]


@kopf.on.field(
    "apps", "v1", "deployments", field="status.readyReplicas", labels={"made-by": "kopf"}
)
def ready(new: Any, body: kopf.Body, namespace: str | None, **_: Any) -> None:
    assert namespace is not None  # Deployments are namespaced
    request = body["metadata"]["labels"]["request"]
    kubernetes.client.CoreV1Api().patch_namespaced_config_map(
        request, namespace, {"metadata": {"annotations": {"ready-replicas": str(new or 0)}}}
    )
