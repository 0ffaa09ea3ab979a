"""The Node packages some tests run (newman, @kubernetes/client-node), installed by the test run
itself so `python -m pytest` on a fresh clone skips nothing `.ci/run` runs (issue 9).

`npm ci` runs once per folder per test run, and not at all when `node_modules` already matches
the folder's package-lock.json (a stamp holding the lock file's hash). An exclusive lock on a file
beside the manifest keeps two test runs in one checkout from installing at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from pathlib import Path

STAMP = ".fakekapi-installed-lock-sha256"
"""In node_modules: the hash of the package-lock.json it was installed from."""


class NodePackagesError(RuntimeError):
    """npm is missing or `npm ci` failed: the message says which, with npm's output."""


def lock_hash(folder: Path) -> str:
    return hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()


def is_installed(folder: Path) -> bool:
    stamp = folder / "node_modules" / STAMP
    return stamp.is_file() and stamp.read_text().strip() == lock_hash(folder)


def npm_ci(folder: Path, timeout: float = 600) -> Path:
    """`npm ci` in `folder` unless its node_modules is already what package-lock.json says;
    returns the node_modules folder."""
    modules = folder / "node_modules"
    with open(folder / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_installed(folder):
            return modules
        npm = shutil.which("npm")
        if npm is None:
            raise NodePackagesError("npm is not on PATH")
        proc = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise NodePackagesError(
                f"npm ci in {folder} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}"
            )
        (modules / STAMP).write_text(lock_hash(folder) + "\n")
        return modules
