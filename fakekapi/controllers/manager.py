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

from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.descriptors import DESCRIPTORS
from fakekapi.controllers.names import ALL, Selection
from fakekapi.registry.controllers.base import Controller
from fakekapi.registry.controllers.informer import SharedInformers, cancel_and_wait

if TYPE_CHECKING:
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)


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
        return self

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
