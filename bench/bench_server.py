"""Server figures over real TLS: time to ready, GET/LIST throughput and latency, watch delivery
latency, and memory with 10,000 ConfigMaps, next to a bare aiohttp TLS handler measured in the
same run. Prints a table; asserts nothing.

    python bench/bench_server.py                    # the full run (about three minutes)
    python bench/bench_server.py --quick            # shorter windows, for a smoke check
    python bench/bench_server.py --readme           # also rewrite bench/README.md's section

Every process is separate: `fakekapi serve` (started as `python -m fakekapi.cli serve`, so the
pid we measure is the server's), the bare aiohttp app (`_bare` below) and the load generator
(`_load` below, an aiohttp client). All listen and connect on 127.0.0.1 only, with bounded
request counts and times. The load generator also samples the server's CPU time over each
window (from /proc/PID/stat) and its own: a server below ~95% CPU was not the bottleneck.

Time to ready is wall time from just before the server process is spawned to the first
`GET /readyz` answering 200 (polled every 5 ms, without a client certificate, since a cold data
dir has none yet), with the server's own CPU time by then: on a shared machine the CPU time is
the steadier figure. Bytecode goes to a private PYTHONPYCACHEPREFIX (PYTHONDONTWRITEBYTECODE is
dropped for the server), so "warm" means what it means on a normal install. Rows: "first run"
compiles every module (the prefix starts empty); "cold" is a new data dir (PKI generated,
bootstrap objects created) with bytecode cached; "warm" reuses both; "this environment as is"
keeps the caller's environment, where PYTHONDONTWRITEBYTECODE=1 makes every start compile
fakekapi's own modules from source.

Throughput rows also give the server's CPU time per request (CPU-us/request), which does not
depend on what else the machine is running; "per server CPU-second" compares those.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = Path(__file__).resolve().parent / "README.md"
BEGIN, END = "<!-- bench_server:begin -->", "<!-- bench_server:end -->"

CLIENTS = 16
WATCHERS = 100
RSS_OBJECTS = 10_000
RSS_NAMESPACES = 10
BARE_BODY = b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":200}'


# --------------------------------------------------------------------------- shared helpers


def pct(samples: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of samples; NaN when there are none."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def configmap(ns: str, name: str) -> dict[str, Any]:
    """About 1 KiB of JSON, like a small real ConfigMap (the same shape as bench_store.py)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name[:20], "tier": "bench"}},
        "data": {f"key{i}": "v" * 48 for i in range(15)},
    }


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status_kib(pid: int, key: str) -> int:
    """A `kB` line of /proc/PID/status (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- bare aiohttp app


def bare_app(pki_dir: Path) -> tuple[Any, ssl.SSLContext]:
    """A bare aiohttp app and a TLS context set up exactly like fakekapi's listener
    (pki.server_ssl_context: TLS >= 1.2, optional client certificates verified against the
    cluster CA, ALPN http/1.1), answering every GET with a small fixed JSON body."""
    from aiohttp import web

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki_dir / "apiserver.crt", pki_dir / "apiserver.key")
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.load_verify_locations(cafile=str(pki_dir / "ca.crt"))
    ctx.set_alpn_protocols(["http/1.1"])

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=BARE_BODY, content_type="application/json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    return app, ctx


def run_bare(port: int, pki_dir: Path) -> None:
    """`bare_app` served until stopped: the ceiling for this machine and client."""
    from aiohttp import web

    app, ctx = bare_app(pki_dir)
    web.run_app(app, host="127.0.0.1", port=port, ssl_context=ctx, access_log=None, print=None)


# --------------------------------------------------------------------------- load generator


@dataclass
class LoadArgs:
    url: str
    pki: Path
    server_pid: int
    mode: str
    path: str = ""
    clients: int = CLIENTS
    duration: float = 10.0
    warmup: float = 1.0
    max_requests: int = 200_000
    count: int = 0
    namespaces: list[str] = field(default_factory=list)
    updates: int = 50
    token: str = ""
    """A bearer token to send instead of presenting the admin client certificate."""


def client_ssl(pki: Path) -> ssl.SSLContext:
    """Trust the cluster CA and present the admin certificate (kubernetes-admin)."""
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(pki / "admin.crt", pki / "admin.key")
    return ctx


async def load_main(a: LoadArgs) -> dict[str, Any]:
    import aiohttp

    if a.token:
        ctx = ssl.create_default_context(cafile=str(a.pki / "ca.crt"))
        headers = {"Authorization": f"Bearer {a.token}"}
    else:
        ctx, headers = client_ssl(a.pki), {}
    limit = a.clients if a.mode != "watch" else 0
    conn = aiohttp.TCPConnector(ssl=ctx, limit=limit, limit_per_host=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=60)
    async with aiohttp.ClientSession(
        a.url, connector=conn, timeout=timeout, headers=headers
    ) as session:
        if a.mode == "get":
            return await load_get(session, a)
        if a.mode == "post":
            return await load_get(session, a, post=True)
        if a.mode == "create":
            return await load_create(session, a)
        if a.mode == "watch":
            return await load_watch(session, a)
    raise SystemExit(f"unknown mode {a.mode}")


async def load_get(session: Any, a: LoadArgs, *, post: bool = False) -> dict[str, Any]:
    """`clients` keep-alive connections, each issuing GETs back to back; a warmup, then a
    measured window bounded by `duration` and `max_requests`. With `post`, each request
    creates a ConfigMap with generateName at `path` (a collection) instead."""
    body = configmap("", "")
    body["metadata"] = {"generateName": "bench-", "labels": body["metadata"]["labels"]}
    post_body = json.dumps(body).encode()
    latencies: list[float] = []
    errors = 0
    body_len = 0
    state = {"measuring": False, "stop": False}

    async def worker() -> None:
        nonlocal errors, body_len
        while not state["stop"]:
            t0 = time.perf_counter()
            if post:
                async with session.post(
                    a.path, data=post_body, headers={"Content-Type": "application/json"}
                ) as r:
                    body = await r.read()
                    ok = r.status == 201
            else:
                async with session.get(a.path) as r:
                    body = await r.read()
                    ok = r.status == 200
            dt = time.perf_counter() - t0
            if not ok:
                errors += 1
            body_len = len(body)
            if state["measuring"]:
                latencies.append(dt)
                if len(latencies) >= a.max_requests:
                    state["stop"] = True

    tasks = [asyncio.create_task(worker()) for _ in range(a.clients)]
    await asyncio.sleep(a.warmup)
    cpu0, own0, t0 = cpu_seconds(a.server_pid), time.process_time(), time.perf_counter()
    state["measuring"] = True
    deadline = t0 + a.duration
    while not state["stop"] and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    state["measuring"] = False
    n, wall = len(latencies), time.perf_counter() - t0
    cpu1, own1 = cpu_seconds(a.server_pid), time.process_time()
    state["stop"] = True
    await asyncio.gather(*tasks)
    if errors:
        raise SystemExit(f"{errors} non-200 answers from {a.path}")
    return {
        "requests": n,
        "rps": n / wall,
        "p50_ms": pct(latencies, 0.50) * 1e3,
        "p99_ms": pct(latencies, 0.99) * 1e3,
        "server_cpu": (cpu1 - cpu0) / wall,
        "server_cpu_us_per_request": (cpu1 - cpu0) / n * 1e6 if n else float("nan"),
        "client_cpu": (own1 - own0) / wall,
        "body_bytes": body_len,
    }


async def load_create(session: Any, a: LoadArgs) -> dict[str, Any]:
    """Create the namespaces (when missing), then `count` ConfigMaps spread over them."""
    for ns in a.namespaces:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        async with session.post("/api/v1/namespaces", json=body) as r:
            await r.read()
            if r.status not in (201, 409):
                raise SystemExit(f"namespace {ns}: HTTP {r.status}")
    queue = list(range(a.count))
    queue.reverse()

    async def worker() -> None:
        while queue:
            i = queue.pop()
            ns = a.namespaces[i % len(a.namespaces)]
            body = configmap(ns, f"cm-{i:05d}")
            async with session.post(f"/api/v1/namespaces/{ns}/configmaps", json=body) as r:
                text = await r.read()
                if r.status != 201:
                    raise SystemExit(f"create {ns}/cm-{i:05d}: HTTP {r.status} {text[:200]!r}")

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(a.clients)))
    wall = time.perf_counter() - t0
    return {"created": a.count, "seconds": wall, "per_second": a.count / wall if wall else 0.0}


async def load_watch(session: Any, a: LoadArgs) -> dict[str, Any]:
    """`clients` watches on one namespace's ConfigMaps, then `updates` timed writes of one
    ConfigMap. Latency: event receipt minus the moment the write's response was read (it may
    be negative when the event overtakes the response), and receipt minus the write's start."""
    ns, name = a.namespaces[0], "watched"
    base = f"/api/v1/namespaces/{ns}/configmaps"
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
    async with session.post("/api/v1/namespaces", json=body) as r:
        await r.read()
    async with session.post(base, json=configmap(ns, name)) as r:
        await r.read()
        if r.status not in (201, 409):
            raise SystemExit(f"create {ns}/{name}: HTTP {r.status}")
    async with session.get(base) as r:
        rv = (await r.json())["metadata"]["resourceVersion"]

    received: dict[int, list[float]] = {}
    complete: dict[int, asyncio.Event] = {}
    opened = 0

    async def watcher() -> None:
        nonlocal opened
        url = f"{base}?watch=1&resourceVersion={rv}&fieldSelector=metadata.name%3D{name}"
        async with session.get(url) as r:
            if r.status != 200:
                raise SystemExit(f"watch: HTTP {r.status}")
            opened += 1
            while True:
                line = await r.content.readline()
                if not line:
                    return
                now = time.perf_counter()
                ev = json.loads(line)
                seq = int(ev["object"].get("data", {}).get("seq", "-1"))
                got = received.setdefault(seq, [])
                got.append(now)
                if len(got) == a.clients and seq in complete:
                    complete[seq].set()

    tasks = [asyncio.create_task(watcher()) for _ in range(a.clients)]
    t_open = time.perf_counter()
    while opened < a.clients:
        if time.perf_counter() - t_open > 30:
            raise SystemExit(f"only {opened} of {a.clients} watches opened")
        await asyncio.sleep(0.01)
    open_seconds = time.perf_counter() - t_open

    after_resp: list[float] = []
    after_send: list[float] = []
    missed = 0
    for seq in range(a.updates + 1):  # seq 0: every watch is live before timing starts
        complete[seq] = asyncio.Event()
        patch = json.dumps({"data": {"seq": str(seq)}})
        headers = {"Content-Type": "application/merge-patch+json"}
        t_send = time.perf_counter()
        async with session.patch(f"{base}/{name}", data=patch, headers=headers) as r:
            await r.read()
            if r.status != 200:
                raise SystemExit(f"patch: HTTP {r.status}")
        t_resp = time.perf_counter()
        if len(received.get(seq, [])) < a.clients:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(complete[seq].wait(), 10 if seq == 0 else 5)
        got = received.get(seq, [])
        if seq == 0:
            if len(got) < a.clients:
                raise SystemExit(f"warm-up event reached {len(got)} of {a.clients} watches")
            continue
        missed += a.clients - len(got)
        after_resp.extend(t - t_resp for t in got)
        after_send.extend(t - t_send for t in got)
        await asyncio.sleep(0.02)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "watchers": a.clients,
        "updates": a.updates,
        "samples": len(after_resp),
        "missed": missed,
        "open_seconds": open_seconds,
        "p50_ms": pct(after_resp, 0.50) * 1e3,
        "p99_ms": pct(after_resp, 0.99) * 1e3,
        "max_ms": max(after_resp) * 1e3 if after_resp else float("nan"),
        "send_p50_ms": pct(after_send, 0.50) * 1e3,
        "send_p99_ms": pct(after_send, 0.99) * 1e3,
    }


# --------------------------------------------------------------------------- orchestration


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    ready_seconds: float
    cpu_seconds: float
    """The server's own CPU time (user + system) when it first answered /readyz."""
    internal_ms: float | None
    """What the server itself logged as `ready in N ms` (start() only, after imports)."""
    stderr: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


def readyz(port: int) -> int | None:
    """One unauthenticated GET /readyz (status) or None when nothing answers yet."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=2)
    try:
        conn.request("GET", "/readyz")
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def wait_ready(proc: subprocess.Popen[bytes], port: int, t0: float, what: str) -> float:
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        if readyz(port) == 200:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > 60:
            raise SystemExit(f"{what} not ready after 60 s")
        time.sleep(0.005)


def server_env(pycache: Path | None) -> dict[str, str]:
    """The server's environment: bytecode cached under `pycache`, or (None) the caller's own
    environment untouched, which here may say PYTHONDONTWRITEBYTECODE=1."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("FAKEKAPI_DATA_DIR", None)
    if pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def start_server(data_dir: Path, pycache: Path | None) -> Server:
    port = free_port()
    stderr = data_dir.parent / f"serve-{port}.err"
    cmd = [sys.executable, "-m", "fakekapi.cli", "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--data-dir", str(data_dir)]
    with open(stderr, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=server_env(pycache),
        )
    ready = wait_ready(proc, port, t0, "fakekapi serve")
    cpu = cpu_seconds(proc.pid)
    internal = None
    for _ in range(100):  # the log line lands a moment after the listener answers
        m = re.search(r"ready in (\d+) ms", stderr.read_text())
        if m:
            internal = float(m.group(1))
            break
        time.sleep(0.01)
    return Server(proc, port, data_dir, ready, cpu, internal, stderr)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_load(a: LoadArgs, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "_load", json.dumps(_jsonable(a))]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    out = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, check=False)
    if out.returncode != 0:
        err = out.stderr.decode()[-2000:]
        raise SystemExit(f"load generator ({a.mode} {a.path}) failed: {err}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _jsonable(a: LoadArgs) -> dict[str, Any]:
    d = dict(a.__dict__)
    d["pki"] = str(a.pki)
    return d


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import aiohttp

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if commit and dirty:
        commit += " plus uncommitted changes"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit or "unknown",
    }


def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="fakekapi-bench-"))
    dur, warm_runs = (2.0, 2) if args.quick else (args.duration, args.warm_runs)
    results: dict[str, Any] = {"machine": machine(), "duration": dur, "warm_runs": warm_runs}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        data, pycache = work / "data", work / "pycache"

        # ---- time to ready
        first = start_server(work / "first", pycache)  # writes every module's bytecode
        stop(first.proc)
        cold = start_server(data, pycache)
        stop(cold.proc)
        warm = []
        for _ in range(warm_runs):
            s = start_server(data, pycache)
            warm.append(s)
            stop(s.proc)
        nopyc = start_server(data, None)
        stop(nopyc.proc)
        results["ready"] = {
            "first": ready_figures([first]),
            "cold": ready_figures([cold]),
            "warm": ready_figures(warm),
            "warm_min_s": min(s.ready_seconds for s in warm),
            "warm_nopyc": ready_figures([nopyc]),
        }
        print_progress("ready", results["ready"])

        # ---- the server under load, and the bare app
        srv = start_server(data, pycache)
        procs.append(srv.proc)
        pki = data / "pki"
        bare_port = free_port()
        t0 = time.perf_counter()
        bare = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "_bare", str(bare_port), str(pki)],
            stdin=subprocess.DEVNULL,
        )
        procs.append(bare)
        wait_ready(bare, bare_port, t0, "bare aiohttp app")
        results["rss_idle_kib"] = proc_status_kib(srv.proc.pid, "VmRSS")

        def load(url: str, pid: int, mode: str, **kw: Any) -> dict[str, Any]:
            a = LoadArgs(url=url, pki=pki, server_pid=pid, mode=mode, **kw)
            return run_load(a, timeout=600)

        load(srv.url, srv.proc.pid, "create", count=1, namespaces=["default"])  # cm-00000
        load(srv.url, srv.proc.pid, "create", count=100, namespaces=["bench-list"])
        get_path = "/api/v1/namespaces/default/configmaps/cm-00000"
        list_path = "/api/v1/namespaces/bench-list/configmaps"
        window = {"duration": dur, "warmup": 1.0 if not args.quick else 0.5}
        bare_url = f"https://127.0.0.1:{bare_port}"
        results["bare"] = load(bare_url, bare.pid, "get", path="/", **window)
        print_progress("bare", results["bare"])
        results["get"] = load(srv.url, srv.proc.pid, "get", path=get_path, **window)
        print_progress("get", results["get"])
        results["list"] = load(srv.url, srv.proc.pid, "get", path=list_path, **window)
        print_progress("list", results["list"])
        stop(bare)
        results["watch"] = load(
            srv.url,
            srv.proc.pid,
            "watch",
            clients=WATCHERS,
            namespaces=["bench-watch"],
            updates=20 if args.quick else 50,
        )
        print_progress("watch", results["watch"])

        # ---- memory
        n = 1000 if args.quick else RSS_OBJECTS
        namespaces = [f"bench-rss-{i:02d}" for i in range(RSS_NAMESPACES)]
        results["create"] = load(srv.url, srv.proc.pid, "create", count=n, namespaces=namespaces)
        results["rss_objects"] = n
        results["rss_kib"] = proc_status_kib(srv.proc.pid, "VmRSS")
        results["hwm_kib"] = proc_status_kib(srv.proc.pid, "VmHWM")
        print_progress("rss", {k: results[k] for k in ("create", "rss_kib", "hwm_kib")})
        stop(srv.proc)
        again = start_server(data, pycache)
        procs.append(again.proc)
        results["ready_loaded"] = ready_figures([again])
        results["rss_reloaded_kib"] = proc_status_kib(again.proc.pid, "VmRSS")
        stop(again.proc)
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(work, ignore_errors=True)
    return results


def ready_figures(runs: list[Server]) -> dict[str, float]:
    """Medians over runs: wall seconds to ready, server CPU seconds by then, start() ms."""
    return {
        "wall_s": statistics.median(s.ready_seconds for s in runs),
        "cpu_s": statistics.median(s.cpu_seconds for s in runs),
        "start_ms": statistics.median(s.internal_ms or float("nan") for s in runs),
    }


def print_progress(what: str, value: Any) -> None:
    print(f"  {what}: {json.dumps(value, default=str)}", file=sys.stderr, flush=True)


def table(r: dict[str, Any]) -> str:
    """The figures as a Markdown table (also what is printed)."""
    rd = r["ready"]
    b, g, li, w = r["bare"], r["get"], r["list"], r["watch"]

    def ready_row(label: str, v: dict[str, float], target: str = "") -> str:
        return (
            f"| {label} | {v['wall_s'] * 1e3:.0f} ms (server CPU {v['cpu_s'] * 1e3:.0f} ms;"
            f" of which run.start() {v['start_ms']:.0f} ms wall) | {target} |"
        )

    def load_row(label: str, v: dict[str, Any], target: str = "") -> str:
        return (
            f"| {label} | {v['rps']:,.0f} req/s, p50 {v['p50_ms']:.2f} ms, p99 {v['p99_ms']:.2f} ms"
            f" (server {v['server_cpu_us_per_request']:,.0f} CPU-us/request;"
            f" server CPU {v['server_cpu']:.0%}, client CPU {v['client_cpu']:.0%};"
            f" {v['body_bytes']:,} B body) | {target} |"
        )

    ratio = g["rps"] / b["rps"]
    cpu_ratio = b["server_cpu_us_per_request"] / g["server_cpu_us_per_request"]
    mib = r["rss_kib"] / 1024
    lines = [
        "| figure | value | target |",
        "|---|---|---|",
        ready_row("time to ready, first run (new data dir, no .pyc at all)", rd["first"]),
        ready_row("time to ready, cold (new data dir)", rd["cold"]),
        ready_row(
            f"time to ready, warm (median of {r['warm_runs']};"
            f" min {rd['warm_min_s'] * 1e3:.0f} ms)",
            rd["warm"],
            f"< 1 s: {'met' if rd['warm']['wall_s'] < 1 else 'MISSED'}",
        ),
        ready_row(
            "time to ready, warm, this environment as is (PYTHONDONTWRITEBYTECODE=1:"
            " fakekapi compiled from source on every start)",
            rd["warm_nopyc"],
        ),
        ready_row(
            f"time to ready, warm, {r['rss_objects']:,} ConfigMaps stored", r["ready_loaded"]
        ),
        load_row("bare aiohttp TLS handler, GET", b),
        load_row(
            "fakekapi GET one ConfigMap",
            g,
            f">= 50% of bare: {ratio:.0%} {'met' if ratio >= 0.5 else 'MISSED'}"
            f" (per server CPU-second: {cpu_ratio:.0%})",
        ),
        load_row("fakekapi LIST 100 ConfigMaps", li),
        f"| watch delivery, {w['watchers']} watchers x {w['updates']} updates"
        f" | after write response: p50 {w['p50_ms']:.1f} ms, p99 {w['p99_ms']:.1f} ms,"
        f" max {w['max_ms']:.1f} ms; after write start: p50 {w['send_p50_ms']:.1f} ms,"
        f" p99 {w['send_p99_ms']:.1f} ms; {w['missed']} missed | |",
        f"| RSS idle (after start, bootstrap objects only)"
        f" | {r['rss_idle_kib'] / 1024:.0f} MiB | |",
        f"| RSS with {r['rss_objects']:,} more ConfigMaps (~1 KiB each) | {mib:.0f} MiB"
        f" (peak {r['hwm_kib'] / 1024:.0f} MiB; created at"
        f" {r['create']['per_second']:,.0f}/s with {CLIENTS} clients) | |",
        f"| RSS after restart with them | {r['rss_reloaded_kib'] / 1024:.0f} MiB | |",
    ]
    return "\n".join(lines)


def write_readme(r: dict[str, Any], command: str, text: str) -> None:
    m = r["machine"]
    section = "\n".join(
        [
            BEGIN,
            f"Run {m['date']} at commit {m['commit']}: `{command}`",
            f"(windows of {r['duration']:.0f} s after a warm-up).",
            f"Machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}, Python {m['python']},"
            f" aiohttp {m['aiohttp']}; load average at start {m['load']}.",
            "",
            text,
            END,
        ]
    )
    old = README.read_text() if README.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + section + rest.split(END, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + section + "\n"
    README.write_text(new)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_bare":
        run_bare(int(sys.argv[2]), Path(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_load":
        raw = json.loads(sys.argv[2])
        raw["pki"] = Path(raw["pki"])
        print(json.dumps(asyncio.run(load_main(LoadArgs(**raw)))))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short windows and 1,000 objects")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per load window")
    p.add_argument("--warm-runs", type=int, default=5, help="warm starts to take the median of")
    p.add_argument("--readme", action="store_true", help="rewrite bench/README.md's section")
    p.add_argument("--json", type=Path, help="also write the raw figures here")
    args = p.parse_args()
    results = orchestrate(args)
    text = table(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    if args.readme:
        command = "python bench/bench_server.py " + " ".join(sys.argv[1:])
        write_readme(results, command.strip(), text)


if __name__ == "__main__":
    main()
