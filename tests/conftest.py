"""Test-suite-wide fixtures, kept generic: every subfolder can rely on them.

- No test ever touches the developer's real data dir: `$FAKEKAPI_DATA_DIR` is unset and
  `$XDG_DATA_HOME` points into the test's own temporary folder.
- `fakekapi_server`: a real server (free port, ephemeral data dir) from `fakekapi.testing`.
- `fakekapi_wheel`, `installed_fakekapi`: the package built as a wheel and installed the way users
  install it (see tests/installed.py), once per test run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from installed import Installation, build_wheel, install_wheel

from fakekapi.testing import fakekapi_server

__all__ = ["fakekapi_server"]


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAKEKAPI_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


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
