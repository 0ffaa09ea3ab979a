"""`fakekapi fixtures check`: fixtures judged by the very start-up `serve --fixtures` runs.

A checker of its own would drift from what the server accepts (issue 9: `check` passed a
ConfigMap named `Bad_Name`, `data: {port: 8080}` and a Secret whose data is not base64, which
`serve` refused). So the check builds the server's components over an in-memory store, runs the
server's start-up (bootstrap, controllers, then the fixtures, applied by the same code with the
same decoding, defaulting, validation with fieldValidation=Strict and admission) and throws it
all away. The only difference: every bad document is recorded (`FixtureReport`), where `serve`
stops at the first; each message is the `FILE:LINE: message` serve would print.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from fakekapi.registry.fixtures import FixtureReport
from fakekapi.server.settings import Settings


async def judge_fixtures(
    paths: Sequence[Path], *, kubernetes_version: str = "", runtime_config: Sequence[str] = ()
) -> FixtureReport:
    """Every problem `serve --fixtures PATHS` (with the same `--kubernetes-version` and
    `--runtime-config`) would meet, in file and line order. No fake Nodes: they start after
    the fixtures are applied, so they change no verdict."""
    from fakekapi.server.app import components_lifecycle, create_components
    from fakekapi.server.run import validate
    from fakekapi.store.memory import MemoryStore

    settings = validate(
        Settings(
            fixtures=tuple(Path(p) for p in paths),
            ephemeral=True,
            kubernetes_version=kubernetes_version,
            runtime_config=tuple(runtime_config),
            nodes=0,
        )
    )
    components = create_components(settings, store=MemoryStore())
    report = FixtureReport()
    lifecycle = components_lifecycle(settings, components, fixture_report=report)
    quiet = logging.getLogger("fakekapi")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the throw-away server's controllers have nothing to say
    try:
        # As aiohttp runs a cleanup context: once to start up (bootstrap, controllers, fixtures),
        # once more to shut down.
        steps = lifecycle(web.Application())
        await anext(steps)
        with contextlib.suppress(StopAsyncIteration):
            await anext(steps)
    finally:
        quiet.setLevel(level)
    return report
