"""A small Kopf operator the Kopf tests run (`kopf run` in a subprocess) against fakekapi.

It reacts to CronTabs (stable.example.com/v1): on create it writes `status.phase` (through the
status subresource) and Kopf stores the handler's result in `status.on_create`; on update it
annotates the object with the new schedule; on delete it records the deletion in a ConfigMap.
Because there is a delete handler, Kopf puts its finalizer on every CronTab and patches it away
once the handler succeeded. It also mirrors plain ConfigMaps labelled `kopf-watch=yes` with an
annotation, to show built-in kinds work the same way.
"""

from __future__ import annotations

from typing import Any

import kopf
import kubernetes

GROUP, VERSION, PLURAL = "stable.example.com", "v1", "crontabs"


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    # Short server-side watch timeouts: reconnects (list + watch from the last resourceVersion)
    # happen during the test too.
    settings.watching.server_timeout = 5
    settings.watching.client_timeout = 10
    settings.persistence.finalizer = "stable.example.com/kopf-finalizer"
    kubernetes.config.load_kube_config()


@kopf.on.create(GROUP, VERSION, PLURAL)
def created(spec: kopf.Spec, patch: kopf.Patch, name: str, **_: Any) -> dict[str, Any]:
    patch.status["phase"] = "Scheduled"
    return {"schedule": spec.get("cronSpec"), "name": name}


@kopf.on.update(GROUP, VERSION, PLURAL, field="spec.cronSpec")
def updated(new: Any, patch: kopf.Patch, **_: Any) -> None:
    patch.metadata.annotations["stable.example.com/schedule"] = str(new)


@kopf.on.delete(GROUP, VERSION, PLURAL)
def deleted(name: str, namespace: str | None, **_: Any) -> None:
    assert namespace is not None  # CronTabs are namespaced
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"deleted-{name}"},
        "data": {"crontab": name},
    }
    kubernetes.client.CoreV1Api().create_namespaced_config_map(namespace, body)  # type: ignore[arg-type]


@kopf.on.create("configmaps", labels={"kopf-watch": "yes"})
@kopf.on.update("configmaps", labels={"kopf-watch": "yes"})
def mirror(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
    patch.metadata.annotations["kopf-seen"] = str(len(body.get("data") or {}))
