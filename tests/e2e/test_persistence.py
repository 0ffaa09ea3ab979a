"""The data dir across restarts of a real `fakekapi serve` process.

- SIGTERM, then start again on the same data dir: the same CA, the same objects, the same
  resourceVersions (kubectl's caches and informers' resume points stay valid).
- `kill -9` in the middle of a burst of concurrent writes (group-committed together), several
  times over: every write the server acknowledged with a 2xx is there after the restart (a write
  is committed before it is answered).
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from e2e.clients import Kubectl, kubectl_path
from fakekapi.testing import SpawnedServer, spawned_server, stop_process

pytestmark = pytest.mark.kubectl


def call(server: SpawnedServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    status, _, raw = server.request(
        method, path, body=data, headers={"Content-Type": "application/json"}
    )
    return status, json.loads(raw)


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def test_restart_keeps_ca_objects_and_resource_versions(tmp_path: Path) -> None:
    dd = tmp_path / "data"
    with spawned_server(data_dir=dd) as first:
        ca_pem = first.ca_path.read_bytes()
        status, _ = call(
            first, "POST", "/api/v1/namespaces", {"metadata": {"name": "keep"}, "kind": "Namespace"}
        )
        assert status == 201
        for i in range(3):
            status, _ = call(
                first, "POST", "/api/v1/namespaces/keep/configmaps", configmap(f"cm-{i}", i=str(i))
            )
            assert status == 201
        status, _, _ = first.request(
            "PATCH",
            "/api/v1/namespaces/keep/configmaps/cm-1",
            body=b'{"data":{"changed":"yes"}}',
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert status == 200
        status, before = call(first, "GET", "/api/v1/namespaces/keep/configmaps")
        assert status == 200
        assert stop_process(first.process) == 0  # type: ignore[arg-type]
        assert not (dd / "server.json").exists()

    old_ca = tmp_path / "old-ca.crt"
    old_ca.write_bytes(ca_pem)
    with spawned_server(data_dir=dd) as second:
        assert second.ca_path.read_bytes() == ca_pem
        # The new serving certificate still chains to the old CA: clients need no new trust.
        ctx = ssl.create_default_context(cafile=str(old_ca))
        ctx.load_cert_chain(second.admin_cert_path, second.admin_key_path)
        conn = http.client.HTTPSConnection(second.host, second.port, context=ctx, timeout=10)
        conn.request("GET", "/api/v1/namespaces/keep/configmaps")
        resp = conn.getresponse()
        after = json.loads(resp.read())
        conn.close()
        assert resp.status == 200

        assert after["items"] == before["items"]  # uids, resourceVersions, timestamps: all kept
        assert int(after["metadata"]["resourceVersion"]) >= int(
            before["metadata"]["resourceVersion"]
        )
        # The counter carries on: a new write gets a higher resourceVersion than any before.
        status, new = call(
            second, "POST", "/api/v1/namespaces/keep/configmaps", configmap("cm-new")
        )
        assert status == 201
        old_max = max(int(o["metadata"]["resourceVersion"]) for o in before["items"])
        assert int(new["metadata"]["resourceVersion"]) > old_max

        # And kubectl sees the same thing through its own eyes.
        kubectl = Kubectl(kubectl_path(33), second.kubeconfig_path, tmp_path / "cache")
        out = kubectl(
            "get",
            "cm",
            "-n",
            "keep",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}",
        ).out
        expected = {
            o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in before["items"]
        }
        seen = dict(pair.split("=") for pair in out.split())
        assert {k: seen[k] for k in expected} == expected


class Writer(threading.Thread):
    """Creates ConfigMaps back to back on one keep-alive connection, recording each 2xx."""

    def __init__(self, server: SpawnedServer, prefix: str) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.prefix = prefix
        self.acked: list[str] = []
        self.errors: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPSConnection(
            self.server.host, self.server.port, context=self.server.ssl_context(), timeout=10
        )
        i = 0
        try:
            while True:
                name = f"{self.prefix}-{i}"
                body = json.dumps(configmap(name, n=str(i))).encode()
                conn.request(
                    "POST",
                    "/api/v1/namespaces/burst/configmaps",
                    body=body,
                    headers={"Content-Type": "application/json"},
                )
                resp = conn.getresponse()
                resp.read()
                if 200 <= resp.status < 300:
                    self.acked.append(name)
                else:
                    self.errors.append(f"{name}: HTTP {resp.status}")
                    return
                i += 1
        except (OSError, http.client.HTTPException):
            return  # the server died under us: what was acknowledged is what counts
        finally:
            conn.close()


E2E_KILL_TRIALS = 3
"""Through the real server (each trial costs a start-up); tests/store runs 20 store-level trials."""


def test_kill_9_during_writes_loses_no_acknowledged_write(tmp_path: Path) -> None:
    """8 concurrent writers (their writes group-committed together), SIGKILL mid-burst, restart
    on the same data dir: every acknowledged create is there; then the next trial's burst."""
    dd = tmp_path / "data"
    acked: set[str] = set()
    for trial in range(E2E_KILL_TRIALS):
        with spawned_server(data_dir=dd) as server:
            if trial == 0:
                ns = {"metadata": {"name": "burst"}, "kind": "Namespace"}
                assert call(server, "POST", "/api/v1/namespaces", ns)[0] == 201
            status, listed = call(server, "GET", "/api/v1/namespaces/burst/configmaps")
            assert status == 200
            names = {o["metadata"]["name"] for o in listed["items"]}
            missing = sorted(acked - names)
            assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
            # resourceVersions stay unique and the counter did not go backwards.
            rvs = [int(o["metadata"]["resourceVersion"]) for o in listed["items"]]
            assert len(set(rvs)) == len(rvs)
            writers = [Writer(server, f"t{trial}w{n}") for n in range(8)]
            for w in writers:
                w.start()
            deadline = time.monotonic() + 20
            target = 100 + 50 * trial
            while sum(len(w.acked) for w in writers) < target and time.monotonic() < deadline:
                assert all(w.is_alive() for w in writers), [w.errors for w in writers]
                time.sleep(0.01)
            assert server.process is not None
            server.process.kill()  # SIGKILL: no shutdown code runs
            server.process.wait(10)
            for w in writers:
                w.join(15)
                assert not w.is_alive()
                assert not w.errors, w.errors
            new = {name for w in writers for name in w.acked}
            assert len(new) >= target
            acked |= new

    with spawned_server(data_dir=dd) as last:
        status, listed = call(last, "GET", "/api/v1/namespaces/burst/configmaps")
        assert status == 200
        names = {o["metadata"]["name"] for o in listed["items"]}
        missing = sorted(acked - names)
        assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
        rvs = [int(o["metadata"]["resourceVersion"]) for o in listed["items"]]
        assert len(set(rvs)) == len(rvs)
        status, new_cm = call(last, "POST", "/api/v1/namespaces/burst/configmaps", configmap("x"))
        assert status == 201
        assert int(new_cm["metadata"]["resourceVersion"]) > max(rvs)
