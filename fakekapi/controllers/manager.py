"""The controller manager: starts the selected controllers with the server, stops them with it.

As kube-controller-manager's StartControllers: each known controller (descriptors.py) is started
when `--controllers` enables it, all of them over one set of shared informers, which start once
every controller has asked for its own. `stop()` cancels everything and waits: nothing is left
running, no write lands after it returns.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from fakekapi.client.informer import SharedInformers, cancel_and_wait
from fakekapi.controllers.base import FIELD_MANAGER, Controller
from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.descriptors import DESCRIPTORS
from fakekapi.controllers.names import ALL, Selection
from fakekapi.controllers.worker import WorkloadController
from fakekapi.core.errors import StatusError
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)


def controller_service_accounts() -> frozenset[str]:
    """The kube-system ServiceAccounts the controllers act as (made at every start)."""
    found: set[str] = set()
    todo: list[type[WorkloadController]] = [WorkloadController]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls is not WorkloadController:
            found.add(cls.service_account)
    return frozenset(found)


class ControllerManager:
    """The running kube-controller-manager controllers of one server."""

    def __init__(
        self,
        registry: Registry,
        selection: Selection = ALL,
        *,
        informers: SharedInformers | None = None,
        kubernetes_version: str = "1.33",
    ) -> None:
        self.selection = selection
        self.informers = informers if informers is not None else SharedInformers(registry)
        self.context = ControllerContext(
            registry,
            self.informers,
            kubernetes_version=kubernetes_version,
            enabled=selection.enabled,
        )
        self.controllers: list[Controller] = []
        for descriptor in DESCRIPTORS:
            if selection.enabled(descriptor.name):
                self.controllers.extend(descriptor.init(self.context))
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    def start(
        cls,
        registry: Registry,
        selection: Selection = ALL,
        *,
        informers: SharedInformers | None = None,
        kubernetes_version: str = "1.33",
    ) -> ControllerManager:
        """Build the enabled controllers and run them (and the informers) on the running loop."""
        self = cls(registry, selection, informers=informers, kubernetes_version=kubernetes_version)
        self.informers.start()
        for controller in self.controllers:
            self._tasks.append(asyncio.create_task(controller.run(), name=controller.name))
        self._tasks.append(
            asyncio.create_task(self._ensure_service_accounts(), name="controller identities")
        )
        return self

    async def _ensure_service_accounts(self) -> None:
        """The kube-system ServiceAccounts the controllers act as, created when missing, as
        kube-controller-manager's SAControllerClientBuilder does with
        --use-service-account-credentials (so `kubectl get sa -n kube-system` lists them).
        Looked up first, as its getOrCreateServiceAccount does (pkg/controller/
        client_builder.go): after the first start every one exists, and a create that ends in
        AlreadyExists runs the whole write path first."""
        registry = self.context.registry
        sa_type = self.context.resource("", "v1", "serviceaccounts")
        names = sorted(
            {c.service_account for c in self.controllers if isinstance(c, WorkloadController)}
        )
        manager = UserInfo(name="system:kube-controller-manager", groups=("system:authenticated",))
        for name in names:
            try:
                await registry.get(sa_type, "kube-system", name)
                continue
            except StatusError as e:
                if e.code != 404:
                    log.info("ServiceAccount kube-system/%s not read: %s", name, e.message)
                    continue
            sa = {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": name, "namespace": "kube-system"},
            }
            try:
                await registry.create(
                    sa_type, "kube-system", sa, WriteOptions(field_manager=FIELD_MANAGER),
                    user=manager,
                )  # fmt: skip
            except StatusError as e:
                if e.reason != "AlreadyExists":
                    log.info("ServiceAccount kube-system/%s not created: %s", name, e.message)

    async def wait_synced(self) -> None:
        await self.informers.wait_synced()

    def idle(self) -> bool:
        """True when no controller has work queued, running or scheduled and no event is
        being written."""
        return all(c.queue.idle() for c in self.controllers) and not any(
            r.pending() for r in self.context.recorders
        )

    async def stop(self) -> None:
        """Cancel the controllers, their pending events and the informers; wait for all."""
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)
        for controller in self.controllers:
            controller.queue.shutdown()
        for recorder in self.context.recorders:
            await recorder.stop()
        await self.informers.stop()
