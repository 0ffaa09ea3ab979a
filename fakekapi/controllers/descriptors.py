"""Every controller fakekapi runs from this package, by kube's canonical name.

As kube-controller-manager's NewControllerDescriptors: a name (names.py; the flag also takes its
aliases) and an init function that builds the controller's workers over the shared context.
To add a controller: a module named after it with an `init(ctx) -> list[Controller]`, and one
line here. The ones start-up needs before fixtures (namespace, serviceaccount,
serviceaccount-token, root-ca-cert-publisher, clusterrole-aggregation) are started by the server
through early.py, switched by the same selection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from fakekapi.controllers import (
    cronjob,
    daemonset,
    deployment,
    disruption,
    endpoints,
    endpointslice,
    job,
    persistentvolume_binder,
    replicaset,
    replicationcontroller,
    statefulset,
    ttl_after_finished,
)
from fakekapi.controllers.base import Controller
from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.garbagecollector import NAME as GARBAGE_COLLECTOR
from fakekapi.controllers.garbagecollector import init as garbagecollector_init


class ControllerDescriptor(NamedTuple):
    name: str
    """kube's canonical name (`deployment-controller`; tests/controllers/test_names.py checks
    that names.py knows each one)."""
    init: Callable[[ControllerContext], Sequence[Controller]]


DESCRIPTORS: tuple[ControllerDescriptor, ...] = (
    ControllerDescriptor(GARBAGE_COLLECTOR, garbagecollector_init),
    ControllerDescriptor("deployment-controller", deployment.init),
    ControllerDescriptor("replicaset-controller", replicaset.init),
    ControllerDescriptor("statefulset-controller", statefulset.init),
    ControllerDescriptor("daemonset-controller", daemonset.init),
    ControllerDescriptor("job-controller", job.init),
    ControllerDescriptor("cronjob-controller", cronjob.init),
    ControllerDescriptor("ttl-after-finished-controller", ttl_after_finished.init),
    ControllerDescriptor("endpoints-controller", endpoints.init),
    ControllerDescriptor("endpointslice-controller", endpointslice.init),
    ControllerDescriptor("persistentvolume-binder-controller", persistentvolume_binder.init),
    ControllerDescriptor("disruption-controller", disruption.init),
    ControllerDescriptor("replicationcontroller-controller", replicationcontroller.init),
)
