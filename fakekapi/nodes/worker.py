"""A work queue drained by a few workers, as a controller with `--concurrent-*-syncs` > 1.

Several workers let writes of different pods wait for the store together (one commit covers
them all); the queue still hands a key to one worker at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from fakekapi.client.informer import Informer
from fakekapi.client.workqueue import Sync, WorkQueue, work

log = logging.getLogger(__name__)


async def drain(
    name: str, queue: WorkQueue, sync: Sync, informers: Sequence[Informer], workers: int
) -> None:
    """Run `workers` workers over `queue` until cancelled (after the informers have synced)."""
    await asyncio.gather(*(i.synced.wait() for i in informers))
    await asyncio.gather(*(work(name, queue, sync, log) for _ in range(workers)))
