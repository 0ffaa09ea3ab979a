"""An RBAC stack without HTTP: Registry over a MemoryStore, bootstrap namespaces and policy, the
RBAC index fed by informers, the aggregation controller and the escalation admission hook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from polling import until_async

from fakekapi.admission.chain import install
from fakekapi.admission.rbac_escalation import RBACEscalationCheck
from fakekapi.auth.authz import Decision
from fakekapi.auth.modes import ModeAuthorizer
from fakekapi.auth.rbac import RBACAuthorizer, RBACIndex, RBACSource, cancel_all
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.client.informer import Informer
from fakekapi.controllers.clusterrole_aggregation import ClusterRoleAggregationController
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import UserInfo
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.rbac.rules import Rule
from fakekapi.registry.rbac_bootstrap import bootstrap_rbac
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore

CATALOG = Catalog.builtin()
RBAC = "rbac.authorization.k8s.io"


def rbac_type(plural: str) -> ResourceType:
    rt = CATALOG.lookup(RBAC, "v1", plural)
    assert rt is not None
    return rt


@dataclass
class Stack:
    registry: Registry
    index: RBACIndex
    authorizer: ModeAuthorizer
    controller: ClusterRoleAggregationController

    def allows(self, user: UserInfo, info: RequestInfo) -> bool:
        return self.authorizer.authorize(user, info)[0] is Decision.ALLOW


def escalation_hook(index: RBACIndex, authorizer: ModeAuthorizer) -> RBACEscalationCheck:
    def role_rules(kind: str, namespace: str, name: str) -> tuple[Rule, ...] | None:
        if kind == "ClusterRole":
            return index.cluster_roles.get(name)
        return index.roles.get((namespace, name))

    return RBACEscalationCheck(
        lambda u, i: authorizer.authorize(u, i)[0] is Decision.ALLOW,
        index.rules_for,
        role_rules,
    )


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    store = MemoryStore()
    await store.start()
    registry = install(Registry(store, CATALOG))
    await bootstrap(registry)
    await bootstrap_rbac(registry)
    index = RBACIndex()
    source = RBACSource(registry, index)
    await source.start()
    authorizer = ModeAuthorizer(("RBAC",), RBACAuthorizer(index))
    install(registry, escalation_hook(index, authorizer))
    informer = Informer(registry, rbac_type("clusterroles"))
    controller = ClusterRoleAggregationController(registry, rbac_type("clusterroles"), informer)
    tasks = [asyncio.create_task(informer.run()), asyncio.create_task(controller.run())]
    s = Stack(registry, index, authorizer, controller)
    await until_async(lambda: bool(index.cluster_roles.get("admin")))
    try:
        yield s
    finally:
        await cancel_all(tasks)
        controller.queue.shutdown()
        await source.stop()
        await store.close()
