"""ServiceAccount (k8s.io/kubernetes `plugin/pkg/admission/serviceaccount/admission.go`).

A new pod (not a mirror pod) runs as `spec.serviceAccountName`, `default` when unset, and unless
automounting is off (on the pod, else on its ServiceAccount) gets the projected
`kube-api-access-<random>` volume (a bound token of 3607 s, the cluster CA from the
`kube-root-ca.crt` ConfigMap, the namespace from the downward API) mounted read-only at
/var/run/secrets/kubernetes.io/serviceaccount in every container and init container that does not
mount something there already. The ServiceAccount need not exist yet (kube's plugin does not wait
for it either when `MountServiceAccountToken` is on and the token is projected).
"""

from __future__ import annotations

import random
from typing import Any

from fakekapi.admission.plugin import PODS, ReadingPlugin, object_of
from fakekapi.catalog.catalog import Catalog
from fakekapi.core.objects import JSONDict, as_dict, as_list, sub_dict
from fakekapi.registry.admission import Attributes
from fakekapi.registry.generic.keys import object_key
from fakekapi.store.base import Store

NAME = "ServiceAccount"

SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
SA_VOLUME_PREFIX = "kube-api-access-"
SA_TOKEN_EXPIRATION = 3607
"""The plugin asks for 1 h + 7 s (the kubelet refreshes at 80 %)."""
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"
"""utilrand.String's alphabet (no vowels, no confusable characters)."""


class ServiceAccount(ReadingPlugin):
    name = NAME

    async def __call__(self, a: Attributes) -> None:
        pod = object_of(a, PODS)
        if pod is not None:
            admit_pod(self.store, self.catalog, pod)


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


def admit_pod(store: Store, catalog: Catalog, pod: JSONDict) -> None:
    """Default the pod's ServiceAccount and mount its token (serviceaccount/admission.go Admit)."""
    spec = sub_dict(pod, "spec")
    md = as_dict(pod.get("metadata"))
    if as_dict(md.get("annotations")).get("kubernetes.io/config.mirror"):
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
    volumes = as_list(spec.get("volumes"))
    existing = next(
        (
            v.get("name")
            for v in volumes
            if isinstance(v, dict) and str(v.get("name", "")).startswith(SA_VOLUME_PREFIX)
        ),
        None,
    )
    mounted = any(
        as_dict(m).get("mountPath") == SA_MOUNT_PATH
        for k in ("containers", "initContainers")
        for c in as_list(spec.get(k))
        for m in as_list(as_dict(c).get("volumeMounts"))
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
        for c in as_list(spec.get(k)):
            if not isinstance(c, dict):
                continue
            mounts = as_list(c.get("volumeMounts"))
            if any(as_dict(m).get("mountPath") == SA_MOUNT_PATH for m in mounts):
                continue
            c["volumeMounts"] = [*mounts, dict(mount)]
