"""The credential-sandbox commands against a running server (in-process, real TLS).

`sa create` while a server runs: API clients and open watches see the objects within a second
(through the shared SQLite store) and the token authenticates; `sa create` before the server
starts: the objects are there and the token works after the start. `token create` goes through
the server's TokenRequest (its issuer), `fixtures export` round-trips through `--fixtures`.
"""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from polling import until

from cli.test_sandbox_support import invoke, jwt_claims
from fakekapi.testing import ServerHandle, running_server

VISIBLE_WITHIN = 1.0
"""Seconds within which a CLI write must reach the server's clients (the design's promise)."""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerHandle]:
    with running_server(data_dir=tmp_path / "d", ephemeral=False) as s:
        yield s


def bearer(server: ServerHandle, path: str, token: str) -> tuple[int, dict[str, Any]]:
    status, _, body = server.request(
        "GET", path, headers={"Authorization": f"Bearer {token}"}, admin=False
    )
    return status, json.loads(body) if body.startswith(b"{") else {}


def admin_json(server: ServerHandle, method: str, path: str, obj: Any = None) -> Any:
    body = json.dumps(obj).encode() if obj is not None else None
    status, _, raw = server.request(
        method, path, body=body, headers={"Content-Type": "application/json"}
    )
    assert status < 300, (status, raw[:300])
    return json.loads(raw)


def wait_for(server: ServerHandle, path: str, deadline: float) -> float:
    """Poll GET `path` as admin until 200; returns the seconds it took."""
    start = time.monotonic()
    until(lambda: server.request("GET", path)[0] == 200, f"{path} answering 200", timeout=deadline)
    return time.monotonic() - start


class Watch:
    """A watch over HTTPS read on a thread; events land in `events`."""

    def __init__(self, server: ServerHandle, path: str) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.conn = http.client.HTTPSConnection(
            server.host, server.port, context=server.ssl_context(), timeout=30
        )
        self.conn.request("GET", path)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for line in self.resp:
                if line.strip():
                    self.events.put(json.loads(line))
        except (OSError, ValueError, http.client.HTTPException):
            pass

    def next(self, timeout: float) -> dict[str, Any]:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        self.conn.close()


def test_sa_create_while_running_reaches_clients_and_watches(server: ServerHandle) -> None:
    listing = admin_json(server, "GET", "/api/v1/namespaces/default/serviceaccounts")
    rv = listing["metadata"]["resourceVersion"]
    watch = Watch(
        server, f"/api/v1/namespaces/default/serviceaccounts?watch=1&resourceVersion={rv}"
    )
    try:
        result = invoke(
            "sa", "create", "postman", "--cluster-role", "view", "--data-dir", server.data_dir
        )
        assert result.exit_code == 0, result.output
        done = time.monotonic()
        event = watch.next(timeout=VISIBLE_WITHIN + 1)
        assert time.monotonic() - done < VISIBLE_WITHIN
        assert event["type"] == "ADDED"
        assert event["object"]["metadata"]["name"] == "postman"
    finally:
        watch.close()
    wait_for(server, "/api/v1/namespaces/default/secrets/postman-token", VISIBLE_WITHIN)
    wait_for(
        server,
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/fakekapi:default:postman:view",
        VISIBLE_WITHIN,
    )

    token = result.stdout.strip()
    secret = admin_json(server, "GET", "/api/v1/namespaces/default/secrets/postman-token")
    import base64

    assert base64.b64decode(secret["data"]["token"]).decode() == token

    assert bearer(server, "/apis", token)[0] == 200
    assert bearer(server, "/api/v1/namespaces/default/pods", token)[0] == 200
    status, body = bearer(server, "/api/v1/namespaces/default/secrets", token)
    assert status == 403
    assert body["message"] == (
        'secrets is forbidden: User "system:serviceaccount:default:postman" cannot list resource '
        '"secrets" in API group "" in the namespace "default"'
    )
    status, body = bearer(server, "/apis", "not-a-token")
    assert (status, body.get("reason")) == (401, "Unauthorized")

    # Again: nothing changes (the server itself may label the Secret with the token's last use).
    again = invoke(
        "sa", "create", "postman", "--cluster-role", "view", "--data-dir", server.data_dir
    )
    assert again.exit_code == 0 and again.stdout.strip() == token
    assert again.stderr.count(" unchanged\n") == 3, again.stderr
    after = admin_json(server, "GET", "/api/v1/namespaces/default/secrets/postman-token")
    assert after["data"] == secret["data"]
    assert after["metadata"]["annotations"] == secret["metadata"]["annotations"]


def test_sa_create_before_start_works_after_start(tmp_path: Path) -> None:
    dd = tmp_path / "d"
    result = invoke("sa", "create", "ci", "-n", "ci", "--create-namespace", "--cluster-role",
                    "edit", "--data-dir", dd)  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    with running_server(data_dir=dd, ephemeral=False) as server:
        assert bearer(server, "/apis", token)[0] == 200
        assert bearer(server, "/api/v1/namespaces/ci/pods", token)[0] == 200
        assert bearer(server, "/api/v1/namespaces/default/secrets", token)[0] == 200  # edit
        # The server's own controllers completed the new namespace.
        wait_for(server, "/api/v1/namespaces/ci/serviceaccounts/default", 5)
        status = invoke("status", "--data-dir", dd)
        assert status.exit_code == 0
        assert status.stdout.startswith(f"running at {server.url} (pid ")
        assert "  serviceaccounts " in status.stdout


def test_token_create_asks_the_running_server(tmp_path: Path) -> None:
    issuer = "https://issuer.fakekapi.test"
    with running_server(
        data_dir=tmp_path / "d", ephemeral=False, service_account_issuer=issuer
    ) as server:
        assert invoke("sa", "create", "bot", "--data-dir", server.data_dir).exit_code == 0
        result = invoke(
            "token", "create", "bot", "--duration", "20m", "--data-dir", server.data_dir
        )
        assert result.exit_code == 0, result.output
        token = result.stdout.strip()
        claims = jwt_claims(token)
        assert claims["iss"] == issuer
        assert claims["exp"] - claims["iat"] == 1200
        assert bearer(server, "/apis", token)[0] == 200

        failed = invoke("token", "create", "ghost", "--data-dir", server.data_dir)
        assert failed.exit_code == 1
        assert failed.stderr == (
            'fakekapi: failed to create token: serviceaccounts "ghost" not found\n'
        )


def test_kubeconfig_and_incluster_use_the_running_servers_url(
    server: ServerHandle, tmp_path: Path
) -> None:
    assert invoke("sa", "create", "app", "--data-dir", server.data_dir).exit_code == 0
    result = invoke("kubeconfig", "--serviceaccount", "default/app", "--data-dir", server.data_dir)
    assert yaml.safe_load(result.stdout)["clusters"][0]["cluster"]["server"] == server.url
    result = invoke(
        "incluster", "default/app", "-o", tmp_path / "sa", "--data-dir", server.data_dir
    )
    assert result.exit_code == 0, result.output
    assert f"export KUBERNETES_SERVICE_PORT={server.port}\n" in result.stdout


def _export(data_dir: Path, out: Path) -> dict[str, str]:
    result = invoke("fixtures", "export", "-o", out, "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    return {p.name: p.read_text() for p in sorted(out.iterdir())}


def test_fixtures_export_round_trip(tmp_path: Path) -> None:
    with running_server(data_dir=tmp_path / "a", ephemeral=False) as a:
        assert invoke("sa", "create", "app", "-n", "shop", "--create-namespace", "--cluster-role",
                      "view", "--data-dir", a.data_dir).exit_code == 0  # fmt: skip
        admin_json(a, "POST", "/api/v1/namespaces/shop/configmaps", {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "labels": {"tier": "web"}},
            "data": {"color": "blue"},
        })  # fmt: skip
        admin_json(a, "POST", "/apis/apps/v1/namespaces/shop/deployments", {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                },
            },
        })  # fmt: skip
        admin_json(a, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "reader"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}],
        })  # fmt: skip
        first = _export(a.data_dir, tmp_path / "fx1")

    assert "00-namespaces.yaml" in first
    assert "name: settings" in first["02-configmaps.yaml"]
    assert list(first) == [
        "00-namespaces.yaml",
        "01-serviceaccounts.yaml",
        "02-configmaps.yaml",
        "03-secrets.yaml",
        "04-deployments.apps.yaml",
        "05-clusterrolebindings.rbac.authorization.k8s.io.yaml",
        "06-roles.rbac.authorization.k8s.io.yaml",
    ]
    assert "uid:" not in "".join(first.values())
    assert "resourceVersion" not in "".join(first.values())

    with running_server(fixtures=(tmp_path / "fx1",)) as b:
        second = _export(b.data_dir, tmp_path / "fx2")
        cm = admin_json(b, "GET", "/api/v1/namespaces/shop/configmaps/settings")
        assert cm["data"] == {"color": "blue"}
        # The token Secret is filled again, with a token of this server that works here.
        deadline = time.monotonic() + 5
        while True:
            secret = admin_json(b, "GET", "/api/v1/namespaces/shop/secrets/app-token")
            if (secret.get("data") or {}).get("token") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        import base64

        token = base64.b64decode(secret["data"]["token"]).decode()
        assert bearer(b, "/api/v1/namespaces/shop/configmaps", token)[0] == 200
    assert second == first
