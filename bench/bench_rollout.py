"""Time from `kubectl create deployment --replicas=N` to `kubectl rollout status` returning.

Runs `fakekapi serve --nodes 4` (every controller; a node takes 110 pods, as a kubelet's default
maxPods) in a subprocess and kubectl 1.33 against it, in the same run:

1. baseline: `kubectl create configmap` then `kubectl get configmap` (two kubectl processes,
   the fixed cost of starting kubectl and of discovery from its cache) and N pods created
   directly with 8 concurrent clients (what the API server alone needs to store N pods);
2. the rollout: `kubectl create deployment web --image=nginx --replicas=N`, then
   `kubectl rollout status deployment/web`; the wall time of both commands together, plus the
   server's CPU seconds over that time. Each of the N pods costs its create, a scheduler binding,
   the kubelet's status writes and events, ReplicaSet and Deployment status writes.
3. once the namespaces are deleted, the server's CPU over 10 idle seconds (node heartbeats and
   leases, nothing else should run).

Usage: python bench/bench_rollout.py [--replicas 100] [--runs 3]
Prints figures; asserts nothing. Figures are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from fakekapi.testing import SpawnedServer, spawned_server


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kubectl_binary() -> str:
    found = shutil.which("kubectl")
    if not found:
        raise SystemExit("kubectl is not installed")
    versioned = Path(os.path.realpath(found)).parent / "kubectl.1.33"
    return str(versioned if versioned.exists() else found)


class Kubectl:
    def __init__(self, server: SpawnedServer, cache: Path) -> None:
        self.base = [kubectl_binary(), f"--kubeconfig={server.kubeconfig_path}",
                     f"--cache-dir={cache}"]  # fmt: skip
        self.env = {**os.environ, "HOME": str(cache)}

    def __call__(self, *args: str) -> str:
        proc = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, env=self.env, timeout=300
        )
        if proc.returncode != 0:
            raise SystemExit(f"kubectl {' '.join(args)}: {proc.stderr}")
        return proc.stdout


async def create_pods(server: SpawnedServer, namespace: str, n: int, clients: int = 8) -> float:
    import aiohttp

    names = iter(range(n))
    ssl = server.ssl_context()

    async def worker(session: Any) -> None:
        for i in names:
            body = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"pod-{i}"},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            }
            async with session.post(
                f"{server.url}/api/v1/namespaces/{namespace}/pods", json=body, ssl=ssl
            ) as r:
                assert r.status == 201, await r.text()

    start = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(clients)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    n = args.replicas
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    with spawned_server("--nodes", "4") as server:
        assert server.process is not None
        pid = server.process.pid
        cache = Path(server.data_dir).parent / "kubectl-cache"
        k = Kubectl(server, cache)
        k("get", "nodes")  # discovery into the cache
        for run in range(args.runs):
            ns = f"bench-{run}"
            k("create", "namespace", ns)
            t = time.perf_counter()
            k("-n", ns, "create", "configmap", "c")
            k("-n", ns, "get", "configmap", "c")
            kubectl_floor = time.perf_counter() - t
            cpu0 = cpu_seconds(pid)
            direct = asyncio.run(create_pods(server, ns, n))
            direct_cpu = cpu_seconds(pid) - cpu0
            cpu0, t0 = cpu_seconds(pid), time.perf_counter()
            k("-n", ns, "create", "deployment", "web", "--image=nginx", f"--replicas={n}")
            k("-n", ns, "rollout", "status", "deployment/web", "--timeout=300s")
            wall = time.perf_counter() - t0
            cpu = cpu_seconds(pid) - cpu0
            k("delete", "namespace", ns, "--wait=false")
            print(
                f"run {run + 1}: two kubectl commands {kubectl_floor:.2f} s; {n} pods created "
                f"directly {direct:.2f} s (server CPU {direct_cpu:.2f} s); create deployment "
                f"--replicas={n} until rollout status returns {wall:.2f} s (server CPU {cpu:.2f} s)"
            )
        for run in range(args.runs):
            k("wait", "--for=delete", f"namespace/bench-{run}", "--timeout=300s")
        cpu0 = cpu_seconds(pid)
        time.sleep(10)
        print(f"idle afterwards: {cpu_seconds(pid) - cpu0:.2f} CPU s over 10 s")


if __name__ == "__main__":
    main()
