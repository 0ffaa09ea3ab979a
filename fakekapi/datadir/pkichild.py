"""Issuing the data dir's PKI in a child process, so that a serving process never loads
cryptography.

A first start on a new data dir makes the CA, the serving and admin certificates and the
ServiceAccount key: that needs trustme and cryptography, ~70 ms of imports that a process keeps
to its end once made (measured: +9 MiB of RSS at ready), plus ~50-130 ms of key generation.
`fakekapi serve` has them made by a short-lived `python -m fakekapi.datadir.pkichild DATA_DIR
[TLS_SAN...]` while it imports its own modules (on two cores the work overlaps), then loads the
finished PKI, which needs no cryptography (the ServiceAccount key is parsed on its first use).

The child runs exactly `PKI.load_or_create` (the same lock, the same files, the same
algorithms), and says nothing: when it fails, the server's own `load_or_create` runs next and
either finishes the job or reports the problem, word for word as without a child.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from fakekapi.datadir.pki import PKI, PKIError

_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)
"""The folder fakekapi is imported from, put first on the child's path (a server started from a
source checkout or a test's sys.path finds the same code in its child)."""


async def begin(data_dir: Path, tls_sans: Sequence[str]) -> asyncio.subprocess.Process | None:
    """Start issuing what `PKI.load_or_create(data_dir, tls_sans)` would issue, in a child; None
    when there is nothing to issue, when this process has loaded cryptography already (issuing
    here then costs less than a child), or when no child can be started."""
    if "cryptography" in sys.modules or not sys.executable:
        return None
    if not PKI(data_dir / "pki").missing(tls_sans):
        return None
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            str(data_dir),
            *tls_sans,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    except OSError:
        return None


async def end(child: asyncio.subprocess.Process | None) -> None:
    """Wait for the child (if any) to finish; its outcome shows in the files it leaves."""
    if child is not None:
        await child.wait()


async def abandon(child: asyncio.subprocess.Process | None) -> None:
    """Stop a child whose start failed (the PKI's files are written atomically, under its lock:
    what it leaves is whole or absent)."""
    if child is None or child.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        child.kill()
    await child.wait()


def main(argv: Sequence[str]) -> int:
    """`python -m fakekapi.datadir.pkichild DATA_DIR [TLS_SAN...]`: exit 0 once the PKI is
    whole, 1 when it could not be made (the parent finds out why itself)."""
    if not argv:
        return 1
    data_dir, *tls_sans = argv
    try:
        PKI.load_or_create(Path(data_dir), tls_sans)
    except (PKIError, OSError):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
