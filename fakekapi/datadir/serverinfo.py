"""The record of a running server in its data dir (`server.json`), and how to read it.

The server writes it when it is ready and removes it when it stops; the CLI and the sandbox read
it to find the server a data dir belongs to (its URL, CA, kubeconfig and release). A record whose
process is gone is no server: kill -9 leaves the file behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple


class ServerInfo(NamedTuple):
    """What `server.json` records about a running server."""

    url: str
    pid: int
    data_dir: Path
    ca_path: Path
    kubeconfig_path: Path
    kubernetes_version: str = ""
    """The emulated release (`1.36`); "" in a server.json written before it was recorded."""

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "pid": self.pid,
            "dataDir": str(self.data_dir),
            "ca": str(self.ca_path),
            "kubeconfig": str(self.kubeconfig_path),
            "kubernetesVersion": self.kubernetes_version,
        }


def server_json_path(data_dir: Path) -> Path:
    return data_dir / "server.json"


def kubeconfig_path(data_dir: Path) -> Path:
    return data_dir / "admin.kubeconfig"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs (a pid we may not signal still counts).

    A process killed with `kill -9` whose parent has not reaped it yet is a zombie: kill(pid, 0)
    still succeeds, but it holds nothing any more (no port, no files), so it does not count."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return not _exited(pid)
    return not _exited(pid)


def _exited(pid: int) -> bool:
    """Whether `pid` is a zombie (or being reaped): state Z or X in /proc/PID/stat (Linux; on
    systems without /proc, never)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    # pid (comm) state ...: comm may hold spaces and parentheses, the state follows the last ')'
    state = stat[stat.rfind(b")") + 1 :].split(maxsplit=1)[:1]
    return state in ([b"Z"], [b"X"])


def read_server_info(data_dir: Path) -> ServerInfo | None:
    """The server running on `data_dir`, or None (no server.json, unreadable, or a dead pid)."""
    try:
        raw = json.loads(server_json_path(data_dir).read_bytes())
        info = ServerInfo(
            url=str(raw["url"]),
            pid=int(raw["pid"]),
            data_dir=Path(raw.get("dataDir", data_dir)),
            ca_path=Path(raw.get("ca", data_dir / "pki" / "ca.crt")),
            kubeconfig_path=Path(raw.get("kubeconfig", kubeconfig_path(data_dir))),
            kubernetes_version=str(raw.get("kubernetesVersion", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info if pid_alive(info.pid) else None
