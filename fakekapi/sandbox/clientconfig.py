"""Client configuration files: kubeconfigs (admin or ServiceAccount) and in-cluster files.

Kubeconfigs carry everything embedded (the CA as certificate-authority-data; a bearer token or
the admin client certificate and key), so a single file is all a client needs. Writing onto an
existing kubeconfig merges, as `kubectl config set-*` does: the cluster, user and context entries
of the same names are replaced, everything else (other clusters, the current context) is kept;
a file with no current context gets ours.

The in-cluster files are what a Pod finds in `/var/run/secrets/kubernetes.io/serviceaccount`:
`token`, `ca.crt` and `namespace`, plus the two environment variables client libraries read
(`KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fakekapi.datadir.pki import ADMIN_USER, CLUSTER_NAME, PKI, kubeconfig_document
from fakekapi.sandbox.session import SandboxError, write_file

TOKEN_FILE = "token"
CA_FILE = "ca.crt"
NAMESPACE_FILE = "namespace"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_server_url(url: str) -> None:
    if not url.startswith("https://") or not urlsplit(url).hostname:
        raise SandboxError(
            f"--server {url!r}: must be an https:// URL (kubectl sends no credentials over http)", 2
        )


def sa_user_name(namespace: str, name: str) -> str:
    return f"{CLUSTER_NAME}-{namespace}-{name}"


def admin_kubeconfig(pki: PKI, server_url: str, context: str | None = None) -> dict[str, Any]:
    """The admin kubeconfig (`PKI.kubeconfig`), with the context renamed when asked."""
    config = pki.kubeconfig(server_url)
    if context:
        config["contexts"][0]["name"] = context
        config["current-context"] = context
    return config


def sa_kubeconfig(
    pki: PKI,
    server_url: str,
    namespace: str,
    name: str,
    token: str,
    context: str | None = None,
) -> dict[str, Any]:
    """A kubeconfig for ServiceAccount NS/NAME: bearer token, its namespace as the default."""
    return kubeconfig_document(
        server_url,
        pki.ca_pem.encode("ascii"),
        sa_user_name(namespace, name),
        {"token": token},
        namespace,
        context,
    )


def _upsert(entries: Any, new: list[Any]) -> list[Any]:
    out = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    for entry in new:
        out = [e for e in out if e.get("name") != entry["name"]]
        out.append(entry)
    return out


def merge_kubeconfig(existing: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """`new`'s cluster, user and context entries into `existing` (same names are replaced)."""
    out = dict(existing)
    out.setdefault("apiVersion", "v1")
    out.setdefault("kind", "Config")
    for key in ("clusters", "users", "contexts"):
        out[key] = _upsert(existing.get(key), list(new.get(key) or []))
    if not out.get("current-context"):
        out["current-context"] = new.get("current-context")
    out.setdefault("preferences", {})
    return out


def write_kubeconfig(path: Path, config: Mapping[str, Any]) -> bool:
    """Write (mode 0600) or merge into an existing kubeconfig; True when it merged."""
    import yaml

    existing: Any = None
    if path.exists():
        try:
            existing = yaml.safe_load(path.read_text())
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise SandboxError(
                f"{path} exists and is not a kubeconfig (YAML: {e}); use another -o"
            ) from e
        if existing is not None and not (
            isinstance(existing, dict) and existing.get("kind", "Config") == "Config"
        ):
            raise SandboxError(f"{path} exists and is not a kubeconfig; use another -o")
    merged = merge_kubeconfig(existing, config) if existing else dict(config)
    write_file(path, yaml.safe_dump(merged, sort_keys=False).encode(), 0o600)
    return bool(existing)


def service_env(server_url: str) -> dict[str, str]:
    """KUBERNETES_SERVICE_HOST/PORT for a server URL (an IPv6 host without brackets, as kube)."""
    parts = urlsplit(server_url)
    return {
        "KUBERNETES_SERVICE_HOST": parts.hostname or "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": str(parts.port or 443),
    }


def write_incluster(out_dir: Path, token: str, ca_pem: str, namespace: str) -> list[Path]:
    """`token`, `ca.crt` and `namespace` as a Pod's ServiceAccount volume holds them."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SandboxError(f"cannot create {out_dir}: {e.strerror or e}") from e
    files = [
        (out_dir / TOKEN_FILE, token.encode("utf-8"), 0o600),
        (out_dir / CA_FILE, ca_pem.encode("ascii"), 0o644),
        (out_dir / NAMESPACE_FILE, namespace.encode("utf-8"), 0o644),
    ]
    for path, data, mode in files:
        write_file(path, data, mode)
    return [p for p, _, _ in files]


__all__ = [
    "ADMIN_USER",
    "admin_kubeconfig",
    "check_server_url",
    "merge_kubeconfig",
    "sa_kubeconfig",
    "sa_user_name",
    "service_env",
    "write_incluster",
    "write_kubeconfig",
]
