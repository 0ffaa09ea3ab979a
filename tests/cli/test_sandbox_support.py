"""Shared helpers of the credential-sandbox tests (sa/token/kubeconfig/incluster/postman/fixtures).

Data dirs are prepared once per module (`template`) and copied per test: a first `sa create`
generates the PKI and bootstraps the store, which is the slow part.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from click.testing import CliRunner, Result

from fakekapi import cli
from fakekapi.sandbox.session import Session, open_session
from fakekapi.testing import fakekapi_command, subprocess_env

T = TypeVar("T")


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli.cli, [str(a) for a in args], env=env, auto_envvar_prefix="FAKEKAPI"
    )


def fakekapi(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The CLI as a real subprocess."""
    return subprocess.run(
        [*fakekapi_command(), *map(str, args)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def in_session(data_dir: Path, fn: Callable[[Session], Any]) -> Any:
    """Run `await fn(session)` on the data dir's store (no bootstrap)."""

    async def run() -> Any:
        async with open_session(data_dir) as session:
            return await fn(session)

    return asyncio.run(run())


def stored(data_dir: Path, key: str) -> dict[str, Any] | None:
    """The object at a store key, e.g. `/core/serviceaccounts/default/postman`."""

    async def get(session: Session) -> dict[str, Any] | None:
        found = session.store.get(key)
        return json.loads(json.dumps(found[0])) if found else None

    result: dict[str, Any] | None = in_session(data_dir, get)
    return result


def keys(data_dir: Path, prefix: str = "/") -> set[str]:
    async def ls(session: Session) -> set[str]:
        items, _ = session.store.list(prefix)
        return {k for k, _, _ in items}

    result: set[str] = in_session(data_dir, ls)
    return result


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def copy_data_dir(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest
