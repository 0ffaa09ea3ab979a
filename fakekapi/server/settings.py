"""Settings: everything `fakekapi serve` can be told, as one frozen value the CLI builds."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from fakekapi.auth.issuer import DEFAULT_ISSUER

__all__ = ["DEFAULT_ISSUER", "Settings", "default_data_dir"]


def default_data_dir() -> Path:
    """`$FAKEKAPI_DATA_DIR`, else `$XDG_DATA_HOME/fakekapi`, else `~/.local/share/fakekapi`."""
    env = os.environ.get("FAKEKAPI_DATA_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "fakekapi"


@dataclass(frozen=True)
class Settings:
    """Server configuration; names follow kube-apiserver's flags where the meaning is the same."""

    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 6443
    fixtures: tuple[Path, ...] = ()
    ephemeral: bool = False
    tls_sans: tuple[str, ...] = ()
    kubernetes_version: str = ""
    """The emulated release: `1.36`, `v1.36` or `1.36.2`; "" means the default (the newest)."""
    anonymous_auth: bool = True
    token_auth_file: Path | None = None
    client_ca_file: Path | None = None
    service_account_issuer: str = DEFAULT_ISSUER
    api_audiences: tuple[str, ...] = ()
    """Empty means: the issuer."""
    service_account_max_token_expiration: int = 0
    """Seconds; 0 means no maximum beyond kube's own (2^32 s)."""
    audit_log_path: Path | None = None
    authorization_mode: tuple[str, ...] = ("RBAC",)
    runtime_config: tuple[str, ...] = ()
    nodes: int = 1
    """`--nodes`: how many fake Nodes run, with the scheduler and simulated kubelet (0: none)."""
    """`--runtime-config` values (`api/all=true`, `group/version=false` ...); none: the defaults."""
    etcd_compaction_interval: float = 300.0
    """Seconds old object versions stay readable (continue snapshots, resourceVersionMatch=Exact,
    watch resumes): kube-apiserver's `--etcd-compaction-interval` (default 5m)."""
    controllers: tuple[str, ...] = ("*",)
    """kube-controller-manager's `--controllers`: `*` (every controller on by default), `name`,
    `-name`; names and aliases as kube's (fakekapi.controllers.names). `()` runs none."""
    max_requests_inflight: int = 400
    """kube-apiserver --max-requests-inflight: reads served at once (0: no limit)."""
    max_mutating_requests_inflight: int = 200
    """kube-apiserver --max-mutating-requests-inflight: writes served at once (0: no limit)."""
