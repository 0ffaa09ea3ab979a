"""The package as users install it: a wheel built from this checkout, installed (not editable)
into a virtual environment of its own, once per test run.

Why: an editable install reads files straight from the source tree, so a data file missing from
the wheel (issue 9: `openapi_v2.pb.gz`, a dot-file) went unnoticed until a user ran `pip install .`.
The end-to-end kubectl tests run `fakekapi serve` from this environment, so such a file fails CI.

Kept fast: the wheel is built without build isolation (setuptools comes with the test extra) from
a copy of the files git tracks (what a fresh clone has, no stale `build/` folder), and the new
environment sees the test environment's site-packages through a `.pth` line for the
dependencies, so nothing is downloaded. That `.pth` line adds the folder only: the `.pth` files
in it (the editable install's hook) are not run, so `import fakekapi` finds the wheel's copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD_FILES = ("pyproject.toml", "MANIFEST.in", "README.md")
"""The files outside fakekapi/ that the build reads."""


def tracked_files(root: Path = REPO) -> list[str] | None:
    """Paths (relative, POSIX) of the files git tracks under `root`, or None outside a checkout.

    New files not yet added count too (all but what .gitignore ignores): a module written a minute
    ago belongs in the wheel the tests build, or they would fail for a reason nobody sees."""
    try:
        out = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [p for p in out.decode().split("\0") if p and (root / p).is_file()]


def package_data_files(root: Path = REPO) -> list[str]:
    """Every file under fakekapi/ that is not Python source: what the wheel must carry besides
    the code. Git's list when there is one (untracked scratch files do not count)."""
    files = tracked_files(root)
    if files is None:
        files = [
            p.relative_to(root).as_posix()
            for p in (root / "fakekapi").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        ]
    return sorted(p for p in files if p.startswith("fakekapi/") and not p.endswith(".py"))


def source_copy(dest: Path, root: Path = REPO) -> Path:
    """A copy of what a clone of this work would hold of the package and its build files."""
    files = tracked_files(root)
    if files is None:
        shutil.copytree(
            root / "fakekapi", dest / "fakekapi", ignore=shutil.ignore_patterns("__pycache__")
        )
        files = []
    wanted = [f for f in files if f.startswith("fakekapi/")]
    wanted += [f for f in BUILD_FILES if (root / f).exists()]
    for rel in wanted:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest / rel)
    return dest


def build_wheel(workdir: Path) -> Path:
    """`pip wheel` of a fresh copy of the sources; returns the .whl file."""
    src = source_copy(workdir / "src")
    out = workdir / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(src),
        ],
        check=True,
    )
    (wheel,) = out.glob("fakekapi-*.whl")
    return wheel


@dataclass(frozen=True)
class Installation:
    """A virtual environment with the wheel installed."""

    root: Path
    wheel: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def fakekapi(self) -> Path:
        """The console script, as `pip install` made it."""
        return self.root / "bin" / "fakekapi"


def install_wheel(wheel: Path, root: Path) -> Installation:
    """A new virtual environment at `root` with `wheel` installed and the test environment's
    packages visible for the dependencies."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
    )
    # Only now (pip must not see the test environment's editable fakekapi as installed here).
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = subprocess.run([str(python), "-c", where], capture_output=True, check=True, text=True)
    outer = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    pth = Path(site.stdout.strip()) / "_test_environment.pth"
    pth.write_text("".join(f"{p}\n" for p in outer))
    return Installation(root=root, wheel=wheel)
