"""The replicationcontroller controller: the replicaset controller over ReplicationControllers.

As pkg/controller/replication (a ReplicaSetController wrapped with conversions): the selector is
a plain label map (`spec.selector`, defaulted by the API server from the template's labels), the
events are the replicaset controller's, recorded by `replication-controller`.
"""

from __future__ import annotations

from typing import Any

from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.replicaset import ReplicaSetController
from fakekapi.controllers.worker import WorkloadController
from fakekapi.core.objects import JSONDict


class ReplicationControllerController(ReplicaSetController):
    name = "replicationcontroller-controller"
    service_account = "replication-controller"
    component = "replication-controller"
    group, version, plural, kind = "", "v1", "replicationcontrollers", "ReplicationController"

    def selector_of(self, owner: JSONDict) -> Any:
        labels = (owner.get("spec") or {}).get("selector") or {}
        return {"matchLabels": labels} if labels else None


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [ReplicationControllerController(ctx)]
