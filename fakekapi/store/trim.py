"""Handing freed memory back to the operating system.

CPython frees an object's memory to the C allocator, which keeps it for reuse: after the history
drops a few hundred MiB of old object versions the process's RSS would stay at its peak. glibc's
`malloc_trim(0)` returns the free pages at the top of the heap and in the middle of it (madvise),
as Go's scavenger does for kube-apiserver. Elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up among the symbols the process has loaded already
    (`dlopen(NULL)`): `ctypes.util.find_library` would run `ldconfig -p` in a child process,
    ~3 ms of every start, to name the C library this process runs on anyway."""
    try:
        fn: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return fn


def release_free_memory() -> bool:
    """Ask the C allocator to give free memory back; whether it could be asked."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
