"""What every controller shares: a work queue of keys and a worker that survives errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fakekapi.client.informer import Informer
from fakekapi.client.workqueue import WorkQueue, work
from fakekapi.core import gotime
from fakekapi.core.errors import StatusError

if TYPE_CHECKING:
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)

FIELD_MANAGER = "kube-controller-manager"
"""Writes by controllers are attributed as on a real cluster."""
NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating"


now_rfc3339 = gotime.now_rfc3339


def has_status_cause(err: StatusError, reason: str) -> bool:
    """apierrors.HasStatusCause: one of details.causes has this reason."""
    causes: Any = (err.details or {}).get("causes") or []
    return any(isinstance(c, dict) and c.get("reason") == reason for c in causes)


def is_terminating(ns: dict[str, Any]) -> bool:
    """True for a namespace being deleted (phase Terminating or a deletionTimestamp)."""
    md = ns.get("metadata") or {}
    status = ns.get("status") or {}
    return bool(md.get("deletionTimestamp")) or status.get("phase") == "Terminating"


class Controller:
    """A queue of keys processed one at a time by `sync`, retried with backoff when it fails."""

    name = "controller"

    def __init__(self, registry: Registry, informers: Sequence[Informer]) -> None:
        self.registry = registry
        self.informers = list(informers)
        self.queue = WorkQueue()

    async def sync(self, key: str) -> float | None:
        """Bring `key` to its desired state; may return a delay after which to look again."""
        raise NotImplementedError

    async def run(self) -> None:
        # As WaitForCacheSync: decisions are made on complete caches only.
        await asyncio.gather(*(i.synced.wait() for i in self.informers))
        await work(self.name, self.queue, self.sync, log)
