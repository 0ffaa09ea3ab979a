"""A work queue drained by a few workers, as a controller with `--concurrent-*-syncs` > 1.

Several workers let writes of different pods wait for the store together (one commit covers
them all); the queue still hands a key to one worker at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from fakekapi.client.informer import Informer
from fakekapi.client.workqueue import WorkQueue
from fakekapi.core.errors import StatusError

log = logging.getLogger(__name__)

Sync = Callable[[str], Awaitable[float | None]]


async def drain(
    name: str, queue: WorkQueue, sync: Sync, informers: Sequence[Informer], workers: int
) -> None:
    """Run `workers` workers over `queue` until cancelled (after the informers have synced)."""
    await asyncio.gather(*(i.synced.wait() for i in informers))
    await asyncio.gather(*(_worker(name, queue, sync) for _ in range(workers)))


async def _worker(name: str, queue: WorkQueue, sync: Sync) -> None:
    while True:
        key = await queue.get()
        try:
            again = await sync(key)
            queue.forget(key)
            if again is not None:
                queue.add_after(key, again)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            level = logging.INFO if isinstance(e, StatusError) else logging.WARNING
            log.log(level, "%s: syncing %r failed: %s", name, key, e, exc_info=True)
            queue.add_rate_limited(key)
        finally:
            queue.done(key)
