"""How many pods per second the simulated kubelet brings to Ready, with 10 fake nodes.

Runs `fakekapi serve` in a subprocess twice, in the same run:

1. baseline, `--nodes 0`: create N pods with C concurrent clients; pods/s the API server alone
   accepts (the ceiling: every pod must at least be created);
2. `--nodes 10`: a watch on pods, then the same N creates; the time from the first create until
   the watch has seen every pod Ready gives the pods/s the scheduler + kubelet sustain (each pod
   costs a binding, two status writes and five events besides its create); then the server's CPU
   over 10 idle seconds (leases only), and the time to delete them all (graceful deletion: the
   kubelet stops each pod and removes it) until the watch has seen every DELETED;
3. the idle CPU of a server with no pods, `--nodes 0` against the default `--nodes 1` (the
   difference is the node's lease renewal every 10 s).

Usage: python bench/bench_kubelet.py [--pods 500] [--clients 8] [--nodes 10]
Prints figures; asserts nothing. Figures are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from fakekapi.testing import SpawnedServer, spawned_server


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"bench": "kubelet"}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
    }


def ready(obj: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (obj.get("status") or {}).get("conditions") or []
    )


async def create_all(session: Any, url: str, n: int, clients: int) -> tuple[float, float]:
    """Create pod-0..pod-N-1 with `clients` workers; (start, end) loop times."""
    names = iter(range(n))
    loop = asyncio.get_running_loop()

    async def worker() -> None:
        for i in names:
            async with session.post(
                f"{url}/api/v1/namespaces/default/pods", json=pod(f"pod-{i}")
            ) as r:
                if r.status != 201:
                    raise RuntimeError(f"create pod-{i}: {r.status} {await r.text()}")

    start = loop.time()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return start, loop.time()


async def run(server: SpawnedServer, n: int, clients: int, simulate: bool) -> dict[str, Any]:
    import aiohttp

    url = server.url
    ssl = server.ssl_context()
    pid = server.process.pid if server.process else 0
    out: dict[str, Any] = {}
    conn = aiohttp.TCPConnector(ssl=ssl, limit=clients + 4)
    async with aiohttp.ClientSession(connector=conn) as session:
        loop = asyncio.get_running_loop()
        ready_at: dict[str, float] = {}
        gone_at: dict[str, float] = {}
        watch_started = asyncio.Event()

        async def watch() -> None:
            async with session.get(
                f"{url}/api/v1/namespaces/default/pods",
                params={"watch": "1", "labelSelector": "bench=kubelet", "timeoutSeconds": "600"},
                timeout=aiohttp.ClientTimeout(total=None),
            ) as r:
                watch_started.set()
                async for line in r.content:
                    ev = json.loads(line)
                    name = ev["object"]["metadata"]["name"]
                    if ev["type"] == "DELETED":
                        gone_at[name] = loop.time()
                    elif ready(ev["object"]) and name not in ready_at:
                        ready_at[name] = loop.time()
                    if len(gone_at) == n:
                        return

        watcher = asyncio.create_task(watch())
        await watch_started.wait()
        cpu0 = cpu_seconds(pid)
        start, created = await create_all(session, url, n, clients)
        out["create_s"] = created - start
        out["creates_per_s"] = n / (created - start)
        if not simulate:
            out["create_cpu_s"] = cpu_seconds(pid) - cpu0
            watcher.cancel()
            return out
        while len(ready_at) < n:
            await asyncio.sleep(0.01)
        done = max(ready_at.values())
        out["all_ready_s"] = done - start
        out["ready_pods_per_s"] = n / (done - start)
        out["ready_cpu_s"] = cpu_seconds(pid) - cpu0
        idle0 = cpu_seconds(pid)
        await asyncio.sleep(10)
        out["idle_cpu_ms_per_s"] = (cpu_seconds(pid) - idle0) * 100
        t0 = loop.time()
        async with session.delete(
            f"{url}/api/v1/namespaces/default/pods", params={"labelSelector": "bench=kubelet"}
        ) as r:
            assert r.status == 200, await r.text()
        await asyncio.wait_for(watcher, 300)
        out["delete_all_s"] = max(gone_at.values()) - t0
    return out


def idle_cpu(*args: str, seconds: float = 20.0) -> float:
    """Server CPU in ms per second over `seconds` of doing nothing (after a settling second)."""
    with spawned_server(*args) as server:
        assert server.process is not None
        pid = server.process.pid
        time.sleep(1.0)
        start = cpu_seconds(pid)
        time.sleep(seconds)
        return (cpu_seconds(pid) - start) * 1000 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pods", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--nodes", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; load average {os.getloadavg()}")  # fmt: skip
    with spawned_server("--nodes", "0") as server:
        base = asyncio.run(run(server, args.pods, args.clients, simulate=False))
    print(
        f"baseline --nodes 0: {args.pods} pods created in {base['create_s']:.2f} s = "
        f"{base['creates_per_s']:.0f} creates/s (server CPU {base['create_cpu_s']:.2f} s)"
    )
    with spawned_server("--nodes", str(args.nodes)) as server:
        sim = asyncio.run(run(server, args.pods, args.clients, simulate=True))
    print(f"--nodes {args.nodes}: {args.pods} pods created in {sim['create_s']:.2f} s, all Ready "
          f"after {sim['all_ready_s']:.2f} s = {sim['ready_pods_per_s']:.0f} pods/s "
          f"(server CPU {sim['ready_cpu_s']:.2f} s)")  # fmt: skip
    print(f"idle with {args.nodes} nodes and {args.pods} running pods: server CPU "
          f"{sim['idle_cpu_ms_per_s']:.1f} ms per second")  # fmt: skip
    print(f"graceful delete of all {args.pods}: gone after {sim['delete_all_s']:.2f} s")
    none, one = idle_cpu("--nodes", "0"), idle_cpu("--nodes", "1")
    print(
        f"idle, no pods: server CPU {none:.2f} ms/s with --nodes 0, {one:.2f} ms/s with --nodes 1"
    )


if __name__ == "__main__":
    main()
