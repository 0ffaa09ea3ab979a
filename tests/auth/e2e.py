"""Helpers for the end-to-end auth tests: HTTPS requests with a bearer token, kubeconfigs for
token users, waiting for the token controller, and tokens forged with the server's own key."""

from __future__ import annotations

import base64
import http.client
import json
from pathlib import Path
from typing import Any

from e2e.clients import Kubectl, kubectl_path
from polling import until

from fakekapi.auth.serviceaccount import SigningKey
from fakekapi.testing import ServerHandle

UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


def call(
    server: ServerHandle,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    admin: bool = False,
) -> tuple[int, dict[str, str], Any]:
    """One HTTPS request; the body is decoded as JSON when it is JSON."""
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPSConnection(
        server.host, server.port, context=server.ssl_context(admin=admin), timeout=10
    )
    try:
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        raw = resp.read()
        out: Any = raw
        if resp.getheader("Content-Type", "").startswith("application/json"):
            out = json.loads(raw)
        return resp.status, dict(resp.getheaders()), out
    finally:
        conn.close()


def admin(server: ServerHandle, method: str, path: str, body: Any = None) -> Any:
    status, _, out = call(server, method, path, body=body, admin=True)
    assert status < 300, (method, path, status, out)
    return out


def service_account(server: ServerHandle, name: str, ns: str = "default") -> dict[str, Any]:
    return dict(
        admin(
            server,
            "POST",
            f"/api/v1/namespaces/{ns}/serviceaccounts",
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}},
        )
    )


def legacy_token(server: ServerHandle, sa: str, secret: str, ns: str = "default") -> str:
    """Create a token Secret for `sa` and wait for the controller to fill it."""
    admin(
        server,
        "POST",
        f"/api/v1/namespaces/{ns}/secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/service-account-token",
            "metadata": {
                "name": secret,
                "annotations": {"kubernetes.io/service-account.name": sa},
            },
        },
    )

    def token() -> str | None:
        data = admin(server, "GET", f"/api/v1/namespaces/{ns}/secrets/{secret}").get("data") or {}
        return str(data["token"]) if data.get("token") else None

    return base64.b64decode(until(token, f"secret {secret} filled")).decode()


def bound_token(server: ServerHandle, sa: str, ns: str = "default", **spec: Any) -> str:
    out = admin(
        server,
        "POST",
        f"/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec},
    )
    return str(out["status"]["token"])


def server_key(server: ServerHandle) -> SigningKey:
    return SigningKey.from_file(server.data_dir / "pki" / "sa.key")


def whoami(server: ServerHandle, token: str) -> dict[str, Any]:
    status, _, out = call(
        server,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        token=token,
        body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert status == 201, out
    return dict(out["status"]["userInfo"])


def kubectl(minor: int, kubeconfig: Path, cache: Path) -> Kubectl:
    return Kubectl(kubectl_path(minor), kubeconfig, cache)


def whoami_table(out: str) -> dict[str, str]:
    """`kubectl auth whoami` rows → {ATTRIBUTE: VALUE}."""
    rows: dict[str, str] = {}
    for line in out.splitlines()[1:]:
        parts = line.split(None, 1) if not line.startswith("Extra:") else line.rsplit(None, 1)
        if len(parts) == 2:
            rows[parts[0].strip()] = parts[1].strip()
    return rows
