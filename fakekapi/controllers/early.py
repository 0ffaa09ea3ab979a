"""The controllers that run from before fixtures are applied, started by the server itself.

- serviceaccount: a `default` ServiceAccount in every active namespace;
- root-ca-cert-publisher: ConfigMap `kube-root-ca.crt` (the cluster CA) in every namespace;
- namespace: a deleted namespace is emptied, then its `kubernetes` finalizer removed;
- clusterrole-aggregation: ClusterRoles with an aggregationRule get the rules of those they select;
- crd: CustomResourceDefinitions are served, established and finalized (see crd.py);
- serviceaccount-token (given a signer): token Secrets get data.token/ca.crt/namespace;
- kubernetes-service (given the server's address): default/kubernetes and its endpoints.

They are apart from the manager (manager.py, descriptors.py) because start-up needs them first:
the CRD controller serves the types of fixture CRDs, and fixtures' namespaces get their default
ServiceAccount and root CA before any workload controller looks. They read through their own
informers (fakekapi.client: list + watch over the registry, no HTTP) and write through the
registry. `Controllers.start()` launches them; `await stop()` cancels and awaits every task.

`enabled(name)` switches the ones kube-controller-manager runs by their kube names
(`serviceaccount-controller`, `root-ca-certificate-publisher-controller`, `namespace-controller`,
`clusterrole-aggregation-controller`, `serviceaccount-token-controller`): names.py parses
`--controllers` into it. The CRD and kubernetes-service controllers belong to kube-apiserver
(apiextensions-apiserver's controllers, `pkg/controlplane/controller/kubernetesservice`) and
always run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from fakekapi.client.informer import Informer, cancel_and_wait
from fakekapi.controllers.base import Controller
from fakekapi.controllers.clusterrole_aggregation import ClusterRoleAggregationController
from fakekapi.controllers.crd import CRDController
from fakekapi.controllers.kubernetes_service import (
    ApiEndpoint,
    KubernetesServiceController,
)
from fakekapi.controllers.namespace import NamespaceController
from fakekapi.controllers.root_ca_cert_publisher import ROOT_CA_CONFIGMAP, RootCAPublisher
from fakekapi.controllers.serviceaccount import ServiceAccountsController
from fakekapi.controllers.serviceaccount_token import SECRET_TYPE, TokensController

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.generic.access import TokenSigner
    from fakekapi.registry.registry import Registry

__all__ = ["ApiEndpoint", "Controllers"]

log = logging.getLogger(__name__)

STOP_RECANCEL_SECONDS = 0.1

SERVICEACCOUNT = "serviceaccount-controller"
ROOT_CA_PUBLISHER = "root-ca-certificate-publisher-controller"
NAMESPACE = "namespace-controller"
CLUSTERROLE_AGGREGATION = "clusterrole-aggregation-controller"
SERVICEACCOUNT_TOKEN = "serviceaccount-token-controller"


def _all(_name: str) -> bool:
    return True


def _core(registry: Registry, plural: str, group: str = "") -> ResourceType:
    rt: ResourceType | None = registry.catalog.lookup(group, "v1", plural)
    if rt is None:  # pragma: no cover - the built-in catalog always has them
        raise RuntimeError(f"the catalog does not serve {plural}")
    return rt


class Controllers:
    """The running controllers of one registry."""

    def __init__(
        self,
        registry: Registry,
        ca_pem: str,
        *,
        token_signer: TokenSigner | None = None,
        api_endpoint: ApiEndpoint | None = None,
        enabled: Callable[[str], bool] = _all,
    ) -> None:
        ns_type = _core(registry, "namespaces")
        sa_type = _core(registry, "serviceaccounts")
        cm_type = _core(registry, "configmaps")
        namespaces = Informer(registry, ns_type)
        serviceaccounts = Informer(registry, sa_type)
        # The publisher reads and restores only kube-root-ca.crt: watching every ConfigMap would
        # copy and cache them all (measured with 10,000 of them: +0.5 s CPU before ready, +63 MiB).
        configmaps = Informer(
            registry, cm_type, field_selector=f"metadata.name={ROOT_CA_CONFIGMAP}"
        )
        cr_type = registry.catalog.lookup("rbac.authorization.k8s.io", "v1", "clusterroles")
        assert cr_type is not None
        clusterroles = Informer(registry, cr_type)
        crd_type = registry.catalog.lookup(
            "apiextensions.k8s.io", "v1", "customresourcedefinitions"
        )
        assert crd_type is not None
        crds = Informer(registry, crd_type)
        self.informers = [namespaces, serviceaccounts, configmaps, clusterroles, crds]
        self.controllers: list[Controller] = [CRDController(registry, crd_type, crds)]
        if enabled(SERVICEACCOUNT):
            self.controllers.append(
                ServiceAccountsController(registry, sa_type, namespaces, serviceaccounts)
            )
        if enabled(ROOT_CA_PUBLISHER):
            self.controllers.append(
                RootCAPublisher(registry, cm_type, namespaces, configmaps, ca_pem)
            )
        if enabled(NAMESPACE):
            self.controllers.append(NamespaceController(registry, ns_type, namespaces))
        if enabled(CLUSTERROLE_AGGREGATION):
            self.controllers.append(
                ClusterRoleAggregationController(registry, cr_type, clusterroles)
            )
        self.tokens: TokensController | None = None
        """The token controller; only with a signer (it signs legacy tokens)."""
        if token_signer is not None and enabled(SERVICEACCOUNT_TOKEN):
            # Only token Secrets, as the tokens controller once listed them (a field selector on
            # `type`): kube-controller-manager now shares its all-Secrets informer with other
            # controllers, but here none other reads Secrets, and the controller acts on token
            # Secrets alone (is_token_secret); caching every Secret decoded cost ~8 KiB each.
            secrets = Informer(
                registry, _core(registry, "secrets"), field_selector=f"type={SECRET_TYPE}"
            )
            self.informers.append(secrets)
            self.tokens = TokensController(
                registry, secrets.rt, sa_type, secrets, serviceaccounts, token_signer, ca_pem
            )
            self.controllers.append(self.tokens)
        if api_endpoint is not None:
            types = (
                _core(registry, "services"),
                _core(registry, "endpoints"),
                _core(registry, "endpointslices", "discovery.k8s.io"),
            )
            self.controllers.append(KubernetesServiceController(registry, api_endpoint, types))
        # Only the informers a running controller reads (a disabled controller costs nothing).
        used = {id(i) for c in self.controllers for i in c.informers}
        self.informers = [i for i in self.informers if id(i) in used]
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    def start(
        cls,
        registry: Registry,
        ca_pem: str,
        *,
        token_signer: TokenSigner | None = None,
        api_endpoint: ApiEndpoint | None = None,
        enabled: Callable[[str], bool] = _all,
    ) -> Controllers:
        """Build and launch the controllers on the running event loop."""
        self = cls(
            registry,
            ca_pem,
            token_signer=token_signer,
            api_endpoint=api_endpoint,
            enabled=enabled,
        )
        for informer in self.informers:
            self._tasks.append(
                asyncio.create_task(informer.run(), name=f"informer {informer.rt.qualified}")
            )
        for controller in self.controllers:
            self._tasks.append(asyncio.create_task(controller.run(), name=controller.name))
        return self

    async def wait_synced(self) -> None:
        """Wait until every informer holds its first list."""
        await asyncio.gather(*(i.synced.wait() for i in self.informers))

    def idle(self) -> bool:
        """True when no controller has work queued, running or scheduled."""
        return all(c.queue.idle() for c in self.controllers)

    async def stop(self) -> None:
        """Cancel every task and wait for them to finish (nothing is left running)."""
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks, STOP_RECANCEL_SECONDS)
        for controller in self.controllers:
            controller.queue.shutdown()
