"""Whether a data dir can be used, said in one line before anything tries to use it.

Without this check the first `mkdir` or write under an unusable data dir raised deep inside the
PKI or the store, and the person saw a Python traceback (issue 9: `--data-dir /proc/x`, a path
under a file, a read-only folder). Each problem is named with the path and the reason.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


class DataDirError(Exception):
    """The data dir cannot be used; `str()` is the one line to print (path and reason)."""


def _reason(e: OSError) -> str:
    return e.strerror or str(e)


def _file_above(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` that is not a folder (a path under a file)."""
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            return None if parent.is_dir() else parent
    return None


def check_data_dir(path: Path, *, writable: bool = True) -> None:
    """Raise DataDirError unless `path` is a folder we can use.

    With `writable` (commands that write: serve, sa create, ca export...) the folder is created
    if missing (mode 0700, as the PKI makes it) and must take a new file; without (status),
    a missing folder is fine and only a path that is not a folder is refused.
    """
    if path.exists() and not path.is_dir():
        raise DataDirError(f"data dir {path}: not a directory")
    above = _file_above(path)
    if above is not None:
        raise DataDirError(f"data dir {path}: {above} is a file, not a directory")
    if not writable:
        return
    if not path.is_dir():
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as e:
            raise DataDirError(f"data dir {path}: cannot be created: {_reason(e)}") from e
    try:
        fd, probe = tempfile.mkstemp(prefix=".fakekapi-write-check-", dir=path)
    except OSError as e:
        raise DataDirError(f"data dir {path}: not writable: {_reason(e)}") from e
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
