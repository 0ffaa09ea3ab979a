"""Test-suite-wide fixtures, kept generic: every subfolder can rely on them.

- No test ever touches the developer's real data dir: `$FAKEKAPI_DATA_DIR` is unset and
  `$XDG_DATA_HOME` points into the test's own temporary folder.
- `fakekapi_server`: a real server (free port, ephemeral data dir) from `fakekapi.testing`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fakekapi.testing import fakekapi_server

__all__ = ["fakekapi_server"]


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAKEKAPI_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
