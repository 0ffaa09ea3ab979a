"""Helpers for the workload controller tests: a stand-in kubelet (`StubKubelet`) that makes pods
Running and Ready (or Succeeded/Failed) by writing their status, so each controller is tested on its
own, without the nodes package; polling and object helpers."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, TypeVar

from polling import eventually as eventually

from fakekapi.catalog.types import ResourceType
from fakekapi.client.informer import Informer
from fakekapi.controllers.base import now_rfc3339
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import ListOptions, WriteOptions
from fakekapi.registry.registry import Registry

T = TypeVar("T")
EXIT_CODE = "simulate.fakekapi.dev/exit-code"


def rt(registry: Registry, group: str, version: str, plural: str) -> ResourceType:
    found: ResourceType | None = registry.catalog.lookup(group, version, plural)
    assert found is not None
    return found


class StubKubelet:
    """Pods with a nodeName-less spec are 'scheduled' to `node` and made Running + Ready at once;
    pods of a restartPolicy Never/OnFailure template terminate, with the exit code of their
    `simulate.fakekapi.dev/exit-code` annotation (0 by default)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.pods = rt(registry, "", "v1", "pods")
        self.informer = Informer(registry, self.pods)
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.informer.add_handler(self._changed)
        self.ready = True

    def _changed(self, old: Any, new: Any) -> None:
        if new is not None and (new.get("status") or {}).get("phase") not in (
            "Running",
            "Succeeded",
            "Failed",
        ):
            md = new["metadata"]
            self.queue.put_nowait((md["namespace"], md["name"]))

    async def run(self) -> None:
        while True:
            ns, name = await self.queue.get()
            pod = self.informer.get(ns, name)
            if pod is None or pod["metadata"].get("deletionTimestamp"):
                continue
            with contextlib.suppress(StatusError):
                await self._start(pod)

    async def _start(self, pod: dict[str, Any]) -> None:
        now = now_rfc3339()
        spec = pod.get("spec") or {}
        restart = spec.get("restartPolicy", "Always")
        code = int((pod["metadata"].get("annotations") or {}).get(EXIT_CODE, "0"))
        pod = {"apiVersion": "v1", "kind": "Pod", **pod}
        if restart != "Always":
            phase = "Succeeded" if code == 0 else "Failed"
            ready = "False"
            states = [
                {
                    "name": c["name"],
                    "ready": False,
                    "restartCount": 0,
                    "image": c.get("image", ""),
                    "imageID": "",
                    "state": {
                        "terminated": {
                            "exitCode": code,
                            "reason": "Completed" if code == 0 else "Error",
                            "startedAt": now,
                            "finishedAt": now,
                        }
                    },
                }
                for c in spec.get("containers") or []
            ]
        else:
            phase = "Running"
            ready = "True" if self.ready else "False"
            states = [
                {
                    "name": c["name"],
                    "ready": self.ready,
                    "restartCount": 0,
                    "image": c.get("image", ""),
                    "imageID": "",
                    "started": True,
                    "state": {"running": {"startedAt": now}},
                }
                for c in spec.get("containers") or []
            ]
        pod["status"] = {
            "phase": phase,
            "conditions": [
                {"type": "Ready", "status": ready, "lastTransitionTime": now},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
            ],
            "podIP": "10.244.0.10",
            "podIPs": [{"ip": "10.244.0.10"}],
            "hostIP": "172.18.0.2",
            "startTime": now,
            "containerStatuses": states,
        }
        await self.registry.update(
            self.pods, pod["metadata"]["namespace"], pod["metadata"]["name"], pod,
            WriteOptions(), subresource="status",
        )  # fmt: skip


async def items(
    registry: Registry, group: str, version: str, plural: str, ns: str
) -> list[dict[str, Any]]:
    listed = await registry.list(rt(registry, group, version, plural), ns, ListOptions())
    return list(listed["items"])


async def create(registry: Registry, obj: dict[str, Any]) -> dict[str, Any]:
    api_version = obj["apiVersion"]
    group, _, version = api_version.rpartition("/")
    kind = obj["kind"]
    plural = kind.lower() + ("es" if kind.endswith("s") else "s")
    if kind == "CronJob":
        plural = "cronjobs"
    result = await registry.create(
        rt(registry, group, version, plural), obj["metadata"].get("namespace", ""), obj,
        WriteOptions(),
    )  # fmt: skip
    return result.object


def pod_template(labels: dict[str, str], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}], **spec},
    }
