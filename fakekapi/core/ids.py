"""Random identifiers: version 4 UUIDs as `str(uuid.uuid4())` writes them, for less.

Every create gives its object a uid and every request gets an Audit-ID; `uuid.uuid4()` reads
16 bytes from the OS each time (a system call) and builds a UUID object only to format it.
Here the random bytes come from `os.urandom` (the same source) a few kilobytes at a time, and a
batch of UUIDs is formatted from them at once; each is handed out once (`deque.popleft` is
atomic, so threads never share one).
"""

from __future__ import annotations

import os
from collections import deque

_BATCH = 256
"""UUIDs' worth of random bytes read at once."""

_pool: deque[str] = deque()


def uuid4() -> str:
    """A random (version 4, RFC 4122 variant) UUID in its canonical text form."""
    try:
        return _pool.popleft()
    except IndexError:
        _pool.extend(_formatted(os.urandom(16 * _BATCH)))
        return _pool.popleft()


def _formatted(fresh: bytes) -> list[str]:
    """The UUIDs of 16-byte pieces of `fresh`: the version nibble set to 4, the variant's two
    top bits to 10 (so the 17th hex digit is one of 89ab)."""
    out = []
    for i in range(0, len(fresh), 16):
        h = fresh[i : i + 16].hex()
        variant = _VARIANT[h[16]]
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}")
    return out


_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}
