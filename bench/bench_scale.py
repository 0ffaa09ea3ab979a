"""Issue 15's table, each figure next to its baseline measured in the same run, plus watch fan-out
to 1,000 watchers, memory per 10,000 objects (ConfigMaps, Pods, Secrets) and growth from 1k to
10k (to 100k with --full) objects. Prints tables; asserts nothing.

    python bench/bench_scale.py              # about 10 minutes on a busy 2-core machine
    python bench/bench_scale.py --full       # also 100,000 ConfigMaps (a long start)
    python bench/bench_scale.py --only warm,fixtures --cases ConfigMap:10000
                                             # the start-up rows only

Rows and baselines:
* authorized GET of one ConfigMap with a ServiceAccount token (RBAC `view`), 16 keep-alive
  clients, vs the bare aiohttp TLS handler (bench_server.run_bare);
* durable creates (8 clients, POST with generateName) vs aiohttp + SQLite (WAL,
  synchronous=FULL) with one transaction per request (`_sqlite_baseline` below);
* N ConfigMaps (~1 KiB) as fixtures: start to ready on a new data dir (wall and server CPU), RSS
  at ready and after a restart, LIST of all of them (admin certificate, median of 5);
* warm start to ready (a data dir with the bootstrap objects only) vs the bare aiohttp TLS app's
  start to first answer, medians of `--warm-runs` (15) alternating starts: single starts of
  either moved by +-30% within a run here, and medians of 5 by +-10% between runs.
Every process is separate (server, baselines, load generator: bench_server's `_load`) and caches
its bytecode in the run's own directory (`PYCACHE`), as an installed server would. Server
CPU time comes from /proc: on a shared machine it is the figure to compare, wall time moves with
the load (recorded with the run).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_server as bs

HERE = Path(__file__).resolve()
MIB = 1024 * 1024
PYCACHE: Path | None = None
"""Where every process of the run caches its bytecode (set by `orchestrate`): with
PYTHONDONTWRITEBYTECODE=1, as this environment sets it, each start would compile fakekapi's
modules from source (~300 ms), which no installed server does."""


# --------------------------------------------------------------------------- the SQLite baseline


def run_sqlite_baseline(port: int, pki_dir: Path, db_path: Path) -> None:
    """aiohttp over TLS (as bench_server.run_bare) storing each POSTed JSON body in SQLite (WAL,
    synchronous=FULL), one transaction and one fsync per request on one worker thread: what a
    straightforward durable server does. GETs answer 200 (for the readiness probe)."""
    from aiohttp import web

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki_dir / "apiserver.crt", pki_dir / "apiserver.key")
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.load_verify_locations(cafile=str(pki_dir / "ca.crt"))
    db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, value BLOB)")
    pool = ThreadPoolExecutor(max_workers=1)
    counter = [0]

    def insert(key: str, value: bytes) -> None:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO objects (key, value) VALUES (?, ?)", (key, value))
        db.execute("COMMIT")

    async def post(request: web.Request) -> web.Response:
        obj = json.loads(await request.read())
        counter[0] += 1
        obj.setdefault("metadata", {})["name"] = f"bench-{counter[0]:08d}"
        value = json.dumps(obj).encode()
        await asyncio.get_running_loop().run_in_executor(
            pool, insert, f"{request.path}/{counter[0]}", value
        )
        return web.Response(body=value, status=201, content_type="application/json")

    async def get(request: web.Request) -> web.Response:
        return web.Response(body=bs.BARE_BODY, content_type="application/json")

    app = web.Application()
    app.router.add_post("/{tail:.*}", post)
    app.router.add_get("/{tail:.*}", get)
    web.run_app(app, host="127.0.0.1", port=port, ssl_context=ctx, access_log=None, print=None)


# --------------------------------------------------------------------------- helpers


def spawn(args: list[str], port: int, what: str) -> tuple[subprocess.Popen[bytes], float, float]:
    """Start a process that serves HTTPS on port; (process, wall s to ready, its CPU s then)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, env=bs.server_env(PYCACHE))
    ready = bs.wait_ready(proc, port, t0, what)
    return proc, ready, bs.cpu_seconds(proc.pid)


def serve(data_dir: Path, *extra: str, timeout: float = 1800.0) -> bs.Server:
    """`fakekapi serve` on data_dir with extra flags, waited for (a long fixture load is fine)."""
    port = bs.free_port()
    stderr = data_dir.parent / f"serve-{port}.err"
    cmd = [sys.executable, "-m", "fakekapi.cli", "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--data-dir", str(data_dir), *extra]
    with open(stderr, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
            env=bs.server_env(PYCACHE),
        )  # fmt: skip
    while bs.readyz(port) != 200:
        if proc.poll() is not None:
            raise SystemExit(f"fakekapi serve exited with {proc.returncode}: {stderr.read_text()}")
        if time.perf_counter() - t0 > timeout:
            raise SystemExit("fakekapi serve not ready in time")
        time.sleep(0.005)  # as bench_server.wait_ready polls the bare app: a fair comparison
    ready = time.perf_counter() - t0
    return bs.Server(proc, port, data_dir, ready, bs.cpu_seconds(proc.pid), None, stderr)


def rss_mib(pid: int) -> float:
    return bs.proc_status_kib(pid, "VmRSS") / 1024


def list_ms(server: bs.Server, path: str, runs: int = 5) -> tuple[float, int]:
    """Median wall ms of GET path with the admin certificate (a new connection each, as curl),
    and the body size."""
    ctx = bs.client_ssl(server.data_dir / "pki")
    times, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=300)
        conn.request("GET", path, headers={"Accept": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        times.append((time.perf_counter() - t0) * 1e3)
        size = len(body)
        if resp.status != 200:
            raise SystemExit(f"LIST {path}: HTTP {resp.status}")
    return statistics.median(times), size


def fixture_file(path: Path, kind: str, n: int) -> None:
    """n objects of a kind (ConfigMaps, Secrets and Pods ~1 KiB each) in 10 namespaces, one JSON
    List."""
    items: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"scale-{i}"}}
        for i in range(10)
    ]
    for i in range(n):
        md = {"name": f"obj-{i:06d}", "namespace": f"scale-{i % 10}", "labels": {"app": "scale"}}
        if kind == "ConfigMap":
            items.append({**bs.configmap("", ""), "metadata": md})
        elif kind == "Service":  # each also gets an EndpointSlice and Endpoints from controllers
            spec = {"ports": [{"name": "http", "port": 80}], "selector": {"app": f"app-{i}"}}
            items.append({"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec})
        elif kind == "Secret":
            data = {
                f"key{j}": "dmFsdWUtdmFsdWUtdmFsdWUtdmFsdWUtdmFsdWUtdmFsdWUK" for j in range(15)
            }
            items.append({"apiVersion": "v1", "kind": "Secret", "metadata": md, "data": data})
        else:
            env = [{"name": f"VAR_{j}", "value": "v" * 40} for j in range(12)]
            spec = {"containers": [{"name": "app", "image": "nginx:1.27", "env": env}]}
            items.append({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec})
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))


def load(server_url: str, pid: int, pki: Path, mode: str, **kw: Any) -> dict[str, Any]:
    return bs.run_load(bs.LoadArgs(url=server_url, pki=pki, server_pid=pid, mode=mode, **kw), 900)


def progress(what: str, value: Any) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}: {json.dumps(value, default=str)}", flush=True)


# --------------------------------------------------------------------------- the run


SECTIONS = ("get", "create", "watch", "warm", "fixtures")
"""What `--only` may name: the rows of the table, in the order they are measured."""


def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    global PYCACHE
    work = Path(tempfile.mkdtemp(prefix="fakekapi-scale-"))
    PYCACHE = work / "pycache"
    r: dict[str, Any] = {"machine": bs.machine(), "load_start": os.getloadavg()}
    want = set(args.only.split(",")) if args.only else set(SECTIONS)
    if want - set(SECTIONS):
        raise SystemExit(f"--only: unknown sections {sorted(want - set(SECTIONS))}")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        pki = None
        if want & {"get", "create", "watch"}:
            pki = _requests(r, work, want, args, procs)
        if "warm" in want:
            _warm(r, work, pki, args.warm_runs)
        if "fixtures" in want:
            _fixtures(r, work, args)
    finally:
        for p in procs:
            bs.stop(p)
        shutil.rmtree(work, ignore_errors=True)
    r["load_end"] = os.getloadavg()
    return r


def _requests(
    r: dict[str, Any],
    work: Path,
    want: set[str],
    args: argparse.Namespace,
    procs: list[subprocess.Popen[bytes]],
) -> Path:
    """The GET, create and watch rows, against one server; the server's PKI folder."""
    window = {"duration": args.duration, "warmup": 1.0}
    data = work / "data"
    srv = serve(data)
    procs.append(srv.proc)
    pki = data / "pki"
    token = subprocess.run(
        [sys.executable, "-m", "fakekapi.cli", "sa", "create", "bench", "-n", "default",
         "--cluster-role", "view", "--data-dir", str(data)],
        capture_output=True, check=True, env=bs.server_env(PYCACHE),
    ).stdout.decode().strip()  # fmt: skip
    load(srv.url, srv.proc.pid, pki, "create", count=1, namespaces=["default"])

    if "get" in want:  # authorized GET vs the bare handler
        bare_port = bs.free_port()
        bare, _, _ = spawn([sys.executable, str(bs.__file__), "_bare", str(bare_port), str(pki)],
                           bare_port, "bare app")  # fmt: skip
        procs.append(bare)
        bare_url = f"https://127.0.0.1:{bare_port}"
        path = "/api/v1/namespaces/default/configmaps/cm-00000"
        gets, bares = [], []
        for _ in range(args.rounds):  # alternate, so machine load hits both alike
            bares.append(load(bare_url, bare.pid, pki, "get", path="/", **window))
            gets.append(load(srv.url, srv.proc.pid, pki, "get", path=path, token=token, **window))
        r["bare"], r["get"] = bares, gets
        progress("get", {"bare": bares, "get": gets})
        bs.stop(bare)

    if "create" in want:  # durable creates vs aiohttp + SQLite
        base_port = bs.free_port()
        base, _, _ = spawn(
            [sys.executable, str(HERE), "_sqlite", str(base_port), str(pki), str(work / "b.db")],
            base_port, "sqlite baseline",
        )  # fmt: skip
        procs.append(base)
        coll = "/api/v1/namespaces/default/configmaps"
        posts, basep = [], []
        for _ in range(args.rounds):
            basep.append(load(f"https://127.0.0.1:{base_port}", base.pid, pki, "post",
                              path=coll, clients=8, **window))  # fmt: skip
            posts.append(load(srv.url, srv.proc.pid, pki, "post", path=coll, clients=8, **window))
        r["create_baseline"], r["create"] = basep, posts
        progress("create", {"baseline": basep, "fakekapi": posts})
        bs.stop(base)

    if "watch" in want:  # watch fan-out
        r["watch"] = load(srv.url, srv.proc.pid, pki, "watch", clients=args.watchers,
                          namespaces=["bench-watch"], updates=20)  # fmt: skip
        progress("watch", r["watch"])
    bs.stop(srv.proc)
    return pki


def _warm(r: dict[str, Any], work: Path, pki: Path | None, runs: int) -> None:
    """Warm start vs the bare app's start, medians of `runs` (alternating)."""
    warm_dir = work / "warm"
    bs.stop(serve(warm_dir).proc)  # cold start: PKI, bootstrap objects
    pki = pki or warm_dir / "pki"  # the bare app's certificate (any will do)
    warm, bare_starts = [], []
    for _ in range(runs):
        s = serve(warm_dir)
        warm.append((s.ready_seconds, s.cpu_seconds, rss_mib(s.proc.pid)))
        bs.stop(s.proc)
        port = bs.free_port()
        b, ready, cpu = spawn([sys.executable, str(bs.__file__), "_bare", str(port), str(pki)],
                              port, "bare app")  # fmt: skip
        bare_starts.append((ready, cpu))
        bs.stop(b)
    r["warm"], r["bare_start"] = warm, bare_starts
    progress("warm", {"fakekapi": warm, "bare": bare_starts})


PLURALS = {"ConfigMap": "configmaps", "Secret": "secrets", "Pod": "pods", "Service": "services"}
"""The kinds `fixture_file` writes."""


def _cases(args: argparse.Namespace) -> list[tuple[str, int]]:
    if args.cases:
        out = []
        for case in args.cases.split(","):
            kind, _, n = case.partition(":")
            if kind not in PLURALS or not n.isdigit():
                raise SystemExit(f"--cases: {case!r} is not KIND:N (one of {', '.join(PLURALS)})")
            out.append((kind, int(n)))
        return out
    if args.quick:
        return [("ConfigMap", 300), ("ConfigMap", 1_000), ("Secret", 300), ("Pod", 300)]
    cases = [("ConfigMap", 1_000), ("ConfigMap", 10_000), ("Secret", 10_000), ("Pod", 10_000)]
    cases += [("Service", 1_000), ("Service", 4_000)]  # allocations and EndpointSlices grow too
    if args.full:
        cases.append(("ConfigMap", 100_000))
    return cases


def _fixtures(r: dict[str, Any], work: Path, args: argparse.Namespace) -> None:
    """Objects as fixtures: start, memory, LIST; growth. The idle server's RSS (for the
    per-10,000 column) comes from the warm starts, or from one more start when they were not
    measured."""
    if "warm" in r:
        idle = statistics.median(w[2] for w in r["warm"])
    else:
        idle_dir = work / "idle"
        bs.stop(serve(idle_dir).proc)
        s = serve(idle_dir)
        idle = rss_mib(s.proc.pid)
        bs.stop(s.proc)
    r["fixtures"] = []
    for kind, n in _cases(args):
        fx = work / f"{kind}-{n}.json"
        fixture_file(fx, kind, n)
        dd = work / f"fx-{kind}-{n}"
        s = serve(dd, "--fixtures", str(fx), "--nodes", "0")
        row: dict[str, Any] = {
            "kind": kind, "n": n, "ready_s": s.ready_seconds, "cpu_s": s.cpu_seconds,
            "rss_mib": rss_mib(s.proc.pid), "idle_rss_mib": idle,
            "load_at_ready": os.getloadavg()[0],
        }  # fmt: skip
        row["list_ms"], row["list_bytes"] = list_ms(s, f"/api/v1/{PLURALS[kind]}")
        bs.stop(s.proc)
        again = serve(dd, "--nodes", "0")
        row["restart_ready_s"], row["restart_cpu_s"] = again.ready_seconds, again.cpu_seconds
        row["restart_rss_mib"] = rss_mib(again.proc.pid)
        bs.stop(again.proc)
        r["fixtures"].append(row)
        progress("fixtures", row)
        shutil.rmtree(dd, ignore_errors=True)


def _best(rows: list[dict[str, Any]], key: str) -> float:
    return max(float(x[key]) for x in rows)


def _cpu(rows: list[dict[str, Any]]) -> float:
    return statistics.median(float(x["server_cpu_us_per_request"]) for x in rows)


def table(r: dict[str, Any]) -> str:
    """The figures as markdown tables: the rows of the sections measured."""
    lines = ["| figure | fakekapi | baseline, same run | ratio | target |", "|---|---|---|---|---|"]
    if "get" in r:
        g, b = r["get"], r["bare"]
        lines.append(
            f"| authorized GET of one ConfigMap (SA token, RBAC, 16 conns), best of"
            f" {len(g)} rounds | {_best(g, 'rps'):,.0f} req/s, {_cpu(g):.0f} CPU-us/req"
            f" | bare aiohttp TLS {_best(b, 'rps'):,.0f} req/s, {_cpu(b):.0f} CPU-us/req"
            f" | {_best(g, 'rps') / _best(b, 'rps'):.2f}x (per CPU-second"
            f" {_cpu(b) / _cpu(g):.2f}x) | >= 0.6x |"
        )
    if "create" in r:
        c, cb = r["create"], r["create_baseline"]
        lines.append(
            f"| durable creates (8 conns, POST generateName), best of {len(c)} rounds"
            f" | {_best(c, 'rps'):,.0f}/s, {_cpu(c):.0f} CPU-us/create"
            f" | aiohttp + SQLite, a transaction per request: {_best(cb, 'rps'):,.0f}/s,"
            f" {_cpu(cb):.0f} CPU-us/create | {_best(c, 'rps') / _best(cb, 'rps'):.2f}x"
            " | >= 1.0x |"
        )
    configmaps = [x for x in r.get("fixtures", []) if x["kind"] == "ConfigMap"]
    if configmaps:
        ten = max(configmaps, key=lambda x: x["n"])
        n = f"{ten['n']:,}"
        lines += [
            f"| {n} ConfigMaps (~1 KiB) as fixtures, start to ready | {ten['ready_s']:.1f} s"
            f" (server CPU {ten['cpu_s']:.1f} s) | | | <= 3 s |",
            f"| RSS with those {n} ConfigMaps | {ten['rss_mib']:.0f} MiB at ready,"
            f" {ten['restart_rss_mib']:.0f} MiB after a restart"
            f" | idle {ten['idle_rss_mib']:.0f} MiB | | <= 90 MiB |",
            f"| LIST of all {n} (admin cert, new connection, median of 5)"
            f" | {ten['list_ms']:.0f} ms ({ten['list_bytes'] / MIB:.1f} MiB) | | | <= 120 ms |",
        ]
    if "warm" in r:
        warm = statistics.median(w[0] for w in r["warm"]) * 1e3
        warm_cpu = statistics.median(w[1] for w in r["warm"]) * 1e3
        bare_start = statistics.median(x[0] for x in r["bare_start"]) * 1e3
        bare_cpu = statistics.median(x[1] for x in r["bare_start"]) * 1e3
        lines.append(
            f"| warm start to ready (median of {len(r['warm'])}) | {warm:.0f} ms"
            f" (server CPU {warm_cpu:.0f} ms)"
            f" | bare aiohttp TLS app {bare_start:.0f} ms (CPU {bare_cpu:.0f} ms)"
            f" | {warm / bare_start:.2f}x (CPU {warm_cpu / bare_cpu:.2f}x) | <= 1.3x |"
        )
    if r.get("fixtures"):
        lines += [
            "",
            "| objects as fixtures | start to ready | server CPU | RSS at ready"
            " | RSS after restart | per 10,000 objects (restart - idle) | LIST all |",
            "|---|---|---|---|---|---|---|",
        ]
    for x in r.get("fixtures", []):
        per = (x["restart_rss_mib"] - x["idle_rss_mib"]) * 10_000 / x["n"]
        lines.append(
            f"| {x['n']:,} {x['kind']}s | {x['ready_s']:.1f} s | {x['cpu_s']:.1f} s"
            f" | {x['rss_mib']:.0f} MiB | {x['restart_rss_mib']:.0f} MiB | {per:.0f} MiB"
            f" | {x['list_ms']:.0f} ms ({x['list_bytes'] / MIB:.1f} MiB) |"
        )
    if "watch" in r:
        lines += [
            "",
            f"Watch fan-out, {r.get('watchers', 1000)} watchers x 20 updates:"
            f" {json.dumps(r['watch'])}",
        ]
    lines.append(f"Load average at start {r['load_start']}, at end {r['load_end']}.")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_sqlite":
        run_sqlite_baseline(int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--full", action="store_true", help="also 100,000 ConfigMaps")
    p.add_argument("--quick", action="store_true", help="hundreds of objects, for a smoke run")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per load window")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per comparison")
    p.add_argument("--watchers", type=int, default=1000)
    p.add_argument("--warm-runs", type=int, default=15, help="alternating warm starts of each")
    p.add_argument("--json", type=Path, help="also write the raw figures here")
    p.add_argument("--only", help=f"comma-separated sections to run, of {','.join(SECTIONS)}")
    p.add_argument("--cases", help="fixture cases as KIND:N,... (e.g. ConfigMap:10000)")
    args = p.parse_args()
    r = orchestrate(args)
    r["watchers"] = args.watchers
    if args.json:
        args.json.write_text(json.dumps(r, indent=2, default=str))
    print(table(r))


if __name__ == "__main__":
    main()
