"""An unusable data dir is one line naming the path and the reason, exit 1, no traceback, for
`serve` and every command that uses one (issue 9: `--data-dir /proc/x`, a path under a file and a
0500 folder printed a Python traceback)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakekapi import cli
from fakekapi.testing import fakekapi_command, subprocess_env


def cannot_be_created(tmp_path: Path) -> Path:
    return Path("/proc/fakekapi-no-such-dir")  # /proc takes no new folders, not even from root


def under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "a-file").write_text("x")
    return tmp_path / "a-file" / "data"


def a_file(tmp_path: Path) -> Path:
    (tmp_path / "a-file").write_text("x")
    return tmp_path / "a-file"


def read_only(tmp_path: Path) -> Path:
    """A folder no new file can go into: mode 0500, or for root (who ignores modes) sysfs."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o500)
        return folder
    folder = Path("/sys/fs")
    try:
        (folder / "fakekapi-probe").touch()
    except OSError:
        return folder
    pytest.skip("no read-only folder for root on this machine")  # pragma: no cover


BAD_DIRS: list[tuple[Callable[[Path], Path], str]] = [
    (cannot_be_created, r"cannot be created: No such file or directory"),
    (under_a_file, r".*/a-file is a file, not a directory"),
    (a_file, r"not a directory"),
    (read_only, r"not writable: (Permission denied|Read-only file system|Operation not permitted)"),
]
IDS = [f.__name__ for f, _ in BAD_DIRS]

COMMANDS: list[list[str]] = [
    ["ca", "export"],
    ["kubeconfig"],
    ["sa", "create", "postman"],
    ["token", "create", "postman"],
    ["incluster", "default/postman", "-o", "{tmp}/incluster"],
    ["postman", "export", "-o", "{tmp}/postman"],
    ["fixtures", "export", "-o", "{tmp}/fixtures"],
]


def expected(path: Path, reason: str) -> str:
    return rf"fakekapi: data dir {re.escape(str(path))}: {reason}\n"


@pytest.mark.parametrize(("make", "reason"), BAD_DIRS, ids=IDS)
def test_serve_says_one_line_and_exits_1(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    data_dir = make(tmp_path)
    proc = subprocess.run(
        [*fakekapi_command(), "serve", "--port", "0", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(),
    )
    assert proc.returncode == 1, proc.stderr
    assert re.fullmatch(expected(data_dir, reason), proc.stderr), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
@pytest.mark.parametrize(("make", "reason"), BAD_DIRS, ids=IDS)
def test_every_command_says_one_line_and_exits_1(
    tmp_path: Path, make: Callable[[Path], Path], reason: str, command: list[str]
) -> None:
    data_dir = make(tmp_path)
    args = [a.format(tmp=tmp_path) for a in command]
    result = CliRunner().invoke(cli.cli, [*args, "--data-dir", str(data_dir)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert re.fullmatch(expected(data_dir, reason), result.stderr), result.stderr


@pytest.mark.parametrize(("make", "reason"), BAD_DIRS[1:3], ids=IDS[1:3])
def test_status_refuses_a_path_that_is_not_a_folder(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    data_dir = make(tmp_path)
    result = CliRunner().invoke(cli.cli, ["status", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert re.fullmatch(expected(data_dir, reason), result.stderr), result.stderr


def test_status_reads_a_missing_or_read_only_data_dir_without_complaint(tmp_path: Path) -> None:
    """status only reads: a data dir that does not exist (yet) is "not running", not an error,
    and nothing is created."""
    missing = tmp_path / "missing"
    result = CliRunner().invoke(cli.cli, ["status", "--data-dir", str(missing)])
    assert (result.exit_code, result.stdout) == (1, f"not running (data dir {missing})\n")
    assert not missing.exists()
