"""A command-line session on a data dir: its PKI, its store, and a Registry over that store.

The credential commands (`sa create`, `token create`, `kubeconfig --serviceaccount`, `incluster`,
`postman export`, `fixtures export`, `status`) read and write the data dir's SQLite store
directly, whether or not a server runs on it. That is safe because the store is built for it:
every write is a committed SQLite transaction with a revision precondition, and a running
server follows the change log, so its clients and open watches see a CLI write within a second.
Going through the store rather than over HTTP is what lets the same command work when no server
runs (the objects are there at the next start).

When no server runs, a writing session first does what every server start does (the system
namespaces, the bootstrap RBAC policy; both idempotent), so `sa create -n default --cluster-role
view` works on a data dir no server has used yet, and leaves the state a start would reach.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fakekapi.datadir.pki import write_atomic
from fakekapi.datadir.serverinfo import ServerInfo, read_server_info

if TYPE_CHECKING:
    import http.client

    from fakekapi.catalog.catalog import Catalog
    from fakekapi.catalog.types import ResourceType
    from fakekapi.datadir.pki import PKI
    from fakekapi.registry.registry import Registry
    from fakekapi.store.sqlite import SqliteStore

DEFAULT_SERVER_URL = "https://127.0.0.1:6443"
FIELD_MANAGER = "fakekapi"
"""managedFields name this CLI for the objects it writes (kubectl writes `kubectl-create`)."""


class SandboxError(Exception):
    """A failure a person can act on: one line without the `fakekapi:` prefix.

    `exit_code` 1 is a runtime failure (missing object, unusable data dir), 2 is bad input
    (an invalid name, an unknown option value found only after parsing).
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def write_file(path: Path, data: bytes, mode: int) -> None:
    """Write a file the sandbox hands to a person (kubeconfig, token, Postman export, fixtures)
    atomically with `mode`; a SandboxError naming the file if it cannot be written."""
    try:
        write_atomic(path, data, mode)
    except OSError as e:
        raise SandboxError(f"cannot write {path}: {e.strerror or e}") from e


def load_pki(data_dir: Path) -> PKI:
    """The data dir's PKI, created if missing (as `ca export` does); SandboxError if unusable."""
    from fakekapi.datadir.pki import PKI, PKIError

    try:
        return PKI.load_or_create(data_dir, None)
    except PKIError as e:
        raise SandboxError(str(e)) from e
    except OSError as e:
        raise SandboxError(f"data dir {data_dir}: {e.strerror or e}") from e


def server_url(data_dir: Path) -> str:
    """The running server's URL, else the default one (what `serve` listens on by default)."""
    info = read_server_info(data_dir)
    return info.url if info is not None else DEFAULT_SERVER_URL


@dataclass
class Session:
    """One open data dir."""

    data_dir: Path
    pki: PKI
    server: ServerInfo | None
    """The server running on this data dir, if any (from server.json, pid alive)."""
    store: SqliteStore
    registry: Registry

    @property
    def catalog(self) -> Catalog:
        catalog: Catalog = self.registry.catalog
        return catalog

    @property
    def url(self) -> str:
        return self.server.url if self.server is not None else DEFAULT_SERVER_URL

    def rt(self, group: str, plural: str) -> ResourceType:
        """A built-in type by group and plural (its preferred version)."""
        for rt in self.catalog.all():
            if rt.group == group and rt.plural == plural:
                return rt
        raise RuntimeError(f"the catalog does not serve {plural}.{group}")  # pragma: no cover

    def connection(self, timeout: float) -> http.client.HTTPSConnection:
        """An HTTPS connection to the running server (there must be one) as kubernetes-admin:
        the data dir's admin client certificate, its CA trusted."""
        import http.client
        from urllib.parse import urlsplit

        assert self.server is not None
        url = urlsplit(self.server.url)
        return http.client.HTTPSConnection(
            url.hostname or "127.0.0.1",
            url.port or 443,
            context=self.pki.client_ssl_context(),
            timeout=timeout,
        )


def store_path(data_dir: Path) -> Path:
    return data_dir / "store.db"


@contextlib.asynccontextmanager
async def open_session(data_dir: Path, *, write: bool = False) -> AsyncIterator[Session]:
    """Open the data dir's PKI and store; with `write` and no server, bootstrap first."""
    from fakekapi.admission.chain import install
    from fakekapi.catalog.catalog import Catalog
    from fakekapi.registry.bootstrap import bootstrap
    from fakekapi.registry.rbac_bootstrap import bootstrap_rbac
    from fakekapi.registry.registry import Registry
    from fakekapi.store.base import StorageError
    from fakekapi.store.sqlite import SqliteStore

    pki = load_pki(data_dir)
    server = read_server_info(data_dir)
    store = SqliteStore(store_path(data_dir))
    try:
        await store.start()
    except (StorageError, OSError) as e:
        raise SandboxError(f"cannot open {store_path(data_dir)}: {e}") from e
    try:
        # The running server's release (its catalog, RBAC policy); the default one without.
        release = (server.kubernetes_version or None) if server is not None else None
        registry = install(Registry(store, Catalog.builtin(release=release)))
        if write and server is None:
            await bootstrap(registry)
            await bootstrap_rbac(registry)
            await aggregate_cluster_roles(registry)
        opened_at = store.revision
        session = Session(data_dir, pki, server, store, registry)
        yield session
        if server is not None and store.revision != opened_at:
            await wait_until_served(session, store.revision)
    finally:
        await store.close()


async def aggregate_cluster_roles(registry: Registry) -> int:
    """Fill aggregated ClusterRoles (view, edit, admin) as the aggregation controller would.

    Without a server nobody runs that controller; doing its work here means a token bound to
    `edit` by an offline `sa create` is good from the first request after the next start, not
    only once the controller has caught up. Returns the number of roles updated.
    """
    from fakekapi.registry.generic.options import ListOptions, WriteOptions
    from fakekapi.registry.rbac.aggregation import aggregate_rules

    rt = registry.catalog.lookup("rbac.authorization.k8s.io", "v1", "clusterroles")
    assert rt is not None
    updated = 0
    for _ in range(3):  # aggregated roles feed each other (view → edit → admin)
        roles = (await registry.list(rt, "", ListOptions()))["items"]
        changed = 0
        for role in roles:
            if role.get("aggregationRule") is None:
                continue
            rules = aggregate_rules(role, roles)
            if rules != (role.get("rules") or []):
                name = role["metadata"]["name"]
                desired = {**role, "kind": "ClusterRole", "rules": rules}
                desired.setdefault("apiVersion", "rbac.authorization.k8s.io/v1")
                await registry.update(rt, "", name, desired, WriteOptions(field_manager="fakekapi"))
                changed += 1
        updated += changed
        if not changed:
            break
    return updated


SERVED_TIMEOUT = 3.0
"""Seconds a command waits for the running server to serve its writes (it polls every 0.15 s)."""


async def wait_until_served(session: Session, revision: int) -> bool:
    """Wait until the running server's lists are at `revision` or later; False on timeout.

    The server follows the store's change log a few times a second. Waiting for it means a
    command such as `kubectl create configmap -n NEW` right after `sa create --create-namespace`
    finds the namespace, instead of racing the follower.
    """
    import asyncio
    import time

    deadline = time.monotonic() + SERVED_TIMEOUT
    while time.monotonic() < deadline:
        served = await asyncio.to_thread(_served_revision, session)
        if served is None or served >= revision:
            return served is not None
        await asyncio.sleep(0.05)
    return False


def _served_revision(session: Session) -> int | None:
    """The resourceVersion of a one-item namespace list from the server (None: unreachable)."""
    import http.client
    import json

    conn = session.connection(timeout=5)
    try:
        conn.request("GET", "/api/v1/namespaces?limit=1", headers={"Accept": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return None
        return int(json.loads(body)["metadata"]["resourceVersion"])
    except (OSError, ValueError, KeyError, TypeError, http.client.HTTPException):
        return None
    finally:
        conn.close()


__all__ = [
    "DEFAULT_SERVER_URL",
    "FIELD_MANAGER",
    "SandboxError",
    "Session",
    "aggregate_cluster_roles",
    "load_pki",
    "open_session",
    "server_url",
    "store_path",
    "wait_until_served",
]
