"""The wheel carries every file the package reads (issue 9: an installed server answered 500 for
/openapi/v2 because `*.pb.gz` and a dot-file were left out of the wheel)."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from installed import Installation, package_data_files


def test_wheel_holds_every_data_file_of_the_source_tree(fakekapi_wheel: Path) -> None:
    names = set(zipfile.ZipFile(fakekapi_wheel).namelist())
    data = package_data_files()
    assert any(f.endswith(".gz") for f in data), data
    missing = [f for f in data if f not in names]
    assert missing == [], f"{len(missing)} data files are not in {fakekapi_wheel.name}"


def test_wheel_holds_no_bytecode_or_build_leftovers(fakekapi_wheel: Path) -> None:
    names = zipfile.ZipFile(fakekapi_wheel).namelist()
    assert [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))] == []
    assert all(n.startswith(("fakekapi/", "fakekapi-")) for n in names)


def test_installed_package_is_the_wheel_not_the_source_tree(
    installed_fakekapi: Installation,
) -> None:
    out = subprocess.run(
        [str(installed_fakekapi.python), "-c", "import fakekapi; print(fakekapi.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=installed_fakekapi.root,
    ).stdout.strip()
    assert Path(out).is_relative_to(installed_fakekapi.root), out
    version = subprocess.run(
        [str(installed_fakekapi.fakekapi), "--help"], capture_output=True, text=True, check=True
    )
    assert "serve" in version.stdout
