"""Random identifiers: version 4 UUIDs as `str(uuid.uuid4())` writes them, for less.

Every create gives its object a uid and every request gets an Audit-ID; `uuid.uuid4()` reads
16 bytes from the OS each time (a system call) and builds a UUID object only to format it.
Here the random bytes come from `os.urandom` (the same source) a few kilobytes at a time, cut
into 16-byte pieces that are each handed out once (`deque.popleft` is atomic, so threads never
share one).
"""

from __future__ import annotations

import os
from collections import deque

_BATCH = 256
"""UUIDs' worth of random bytes read at once."""

_pool: deque[bytes] = deque()


def uuid4() -> str:
    """A random (version 4, RFC 4122 variant) UUID in its canonical text form."""
    try:
        raw = _pool.popleft()
    except IndexError:
        fresh = os.urandom(16 * _BATCH)
        _pool.extend(fresh[i : i + 16] for i in range(0, len(fresh), 16))
        raw = _pool.popleft()
    b = bytearray(raw)
    b[6] = (b[6] & 0x0F) | 0x40  # version 4
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
