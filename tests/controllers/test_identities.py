"""The controllers' identities hold, in every emulated release, the permissions kube gives them.

Each in-process controller writes as its kube-system ServiceAccount (controllers/context.py), the
subject of its bootstrap `system:controller:<name>` role (kube's controller_policy.go, generated
per release into the bootstrap policy). Judged by the RBAC authorizer over that policy alone: every
ServiceAccount a controller uses has its role and binding, and the writes the controllers make
are allowed to it, as they are to kube-controller-manager's controllers on a cluster.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import fakekapi.controllers
from fakekapi.auth.authz import Decision
from fakekapi.auth.rbac import RBACAuthorizer, RBACIndex
from fakekapi.catalog import releases
from fakekapi.controllers import garbagecollector
from fakekapi.controllers.context import controller_identity
from fakekapi.controllers.worker import WorkloadController
from fakekapi.registry.rbac.rules import resource_attributes
from fakekapi.registry.rbac_bootstrap import policy, policy_objects

WRITES = [
    ("deployment-controller", "create", "apps", "replicasets", ""),
    ("deployment-controller", "update", "apps", "deployments", "status"),
    ("replicaset-controller", "create", "", "pods", ""),
    ("replicaset-controller", "update", "apps", "replicasets", "status"),
    ("replication-controller", "create", "", "pods", ""),
    ("statefulset-controller", "create", "", "pods", ""),
    ("statefulset-controller", "create", "apps", "controllerrevisions", ""),
    ("daemon-set-controller", "create", "", "pods", ""),
    ("job-controller", "create", "", "pods", ""),
    ("job-controller", "update", "batch", "jobs", "status"),
    ("cronjob-controller", "create", "batch", "jobs", ""),
    ("ttl-after-finished-controller", "delete", "batch", "jobs", ""),
    ("disruption-controller", "update", "policy", "poddisruptionbudgets", "status"),
    ("endpoint-controller", "create", "", "endpoints", ""),
    ("endpointslice-controller", "create", "discovery.k8s.io", "endpointslices", ""),
    ("persistent-volume-binder", "create", "", "persistentvolumes", ""),
    ("generic-garbage-collector", "delete", "apps", "replicasets", ""),
]
"""(ServiceAccount, verb, group, resource, subresource): writes the controllers make."""


def _service_accounts() -> set[str]:
    """Every ServiceAccount a fakekapi controller writes as."""
    for module in pkgutil.iter_modules(fakekapi.controllers.__path__):
        importlib.import_module(f"fakekapi.controllers.{module.name}")
    found: set[str] = {garbagecollector.SERVICE_ACCOUNT}
    pending: list[type[WorkloadController]] = [WorkloadController]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.service_account != WorkloadController.service_account:
            found.add(cls.service_account)
    return found


@pytest.fixture(scope="module", params=releases.supported())
def authorizer(request: pytest.FixtureRequest) -> tuple[str, RBACAuthorizer]:
    index = RBACIndex()
    index.load(policy_objects(request.param))
    return request.param, RBACAuthorizer(index)


def test_every_controller_identity_has_its_role(authorizer: tuple[str, RBACAuthorizer]) -> None:
    release, _ = authorizer
    data = policy(release)
    roles = {r["metadata"]["name"] for r in data["clusterRoles"]}
    subjects = {b["roleRef"]["name"]: b.get("subjects") or [] for b in data["clusterRoleBindings"]}
    accounts = _service_accounts()
    assert {sa for sa, *_ in WRITES} <= accounts
    for sa in accounts:
        name = f"system:controller:{sa}"
        assert name in roles, (release, sa)
        assert subjects[name] == [
            {"kind": "ServiceAccount", "name": sa, "namespace": "kube-system"}
        ], (release, sa)


@pytest.mark.parametrize(("sa", "verb", "group", "resource", "subresource"), WRITES)
def test_controller_writes_are_allowed(
    authorizer: tuple[str, RBACAuthorizer],
    sa: str,
    verb: str,
    group: str,
    resource: str,
    subresource: str,
) -> None:
    release, authz = authorizer
    user = controller_identity(sa)
    write = resource_attributes(
        verb, group=group, resource=resource, subresource=subresource, namespace="default"
    )
    assert authz.authorize(user, write)[0] is Decision.ALLOW, (release, sa, verb, resource)
    event = resource_attributes("create", resource="events", namespace="default")
    assert authz.authorize(user, event)[0] is Decision.ALLOW, (release, sa)
    # No more than kube grants: no controller role but the collector's may delete nodes.
    nodes = resource_attributes("delete", resource="nodes")
    allowed = authz.authorize(user, nodes)[0] is Decision.ALLOW
    assert allowed is (sa == "generic-garbage-collector"), (release, sa)
