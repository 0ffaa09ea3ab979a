"""Test-suite-wide fixtures, kept generic: every subfolder can rely on them.

- No test ever touches the developer's real data dir: `$FAKEKAPI_DATA_DIR` is unset and
  `$XDG_DATA_HOME` points into the test's own temporary folder.
- No async test leaves a task running: watches, informers and servers each start tasks, and one
  left behind runs into the next test (`_no_leaked_tasks`).
- `fakekapi_server`: a real server (free port, ephemeral data dir) from `fakekapi.testing`.
- `node_packages`: `npm ci` of a test folder's package-lock.json, once per run
  (tests/node_packages.py).
- `fakekapi_wheel`, `installed_fakekapi`: the package built as a wheel and installed the way users
  install it (see tests/installed.py), once per test run.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from installed import Installation, build_wheel, install_wheel
from node_packages import NodePackagesError, npm_ci

from fakekapi.testing import fakekapi_server, require_client

__all__ = ["fakekapi_server"]


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAKEKAPI_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
async def _tasks_left_running() -> AsyncIterator[None]:
    """Fails the test when a task it started is still running after every other fixture of the
    test has been torn down (the tasks that existed before it are not its own)."""
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)  # let tasks that were just cancelled finish
    leaked = [t for t in asyncio.all_tasks() - before - {asyncio.current_task()} if not t.done()]
    assert not leaked, f"tasks left running: {leaked}"


@pytest.fixture(autouse=True)
def _no_leaked_tasks(request: pytest.FixtureRequest) -> None:
    """The task-leak guard for every async test. Autouse fixtures are set up first, so the guard
    is torn down last, after the test's registry, stores and servers have closed."""
    if inspect.iscoroutinefunction(request.function):
        request.getfixturevalue("_tasks_left_running")


@pytest.fixture(scope="session")
def fakekapi_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip wheel .` makes of this checkout, built once per test run."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def installed_fakekapi(
    fakekapi_wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> Installation:
    """A virtual environment with that wheel installed (not editable), once per test run."""
    return install_wheel(fakekapi_wheel, tmp_path_factory.mktemp("installed") / "venv")


@pytest.fixture(scope="session")
def node_packages() -> Callable[[Path], Path]:
    """`install(folder)`: that folder's Node packages (`npm ci`, once per run, skipped when
    node_modules already matches the lock); returns node_modules. Without npm or network the
    test skips, or fails under FAKEKAPI_REQUIRE_CLIENTS=1 (CI)."""
    done: dict[Path, Path | str] = {}

    def install(folder: Path) -> Path:
        if folder not in done:
            try:
                done[folder] = npm_ci(folder)
            except NodePackagesError as e:
                done[folder] = str(e)
        outcome = done[folder]
        if isinstance(outcome, str):
            require_client(False, f"Node packages of {folder.name} ({outcome})")
            raise AssertionError("unreachable")  # require_client skipped or failed
        return outcome

    return install
