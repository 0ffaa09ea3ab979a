"""`--max-requests-inflight` / `--max-mutating-requests-inflight` under overload: how many
requests are refused (429), and the latency and throughput of the admitted ones, next to the
same load on a server without limits, measured in the same run. Prints a table; asserts nothing.

    python bench/bench_inflight.py            # about a minute
    python bench/bench_inflight.py --quick    # shorter windows

Each row runs `fakekapi serve` in its own process (`python -m fakekapi.cli serve`, ephemeral
data dir, no controllers or nodes) with `--authorization-mode AlwaysAllow` and a static token
for a user outside system:masters (who would be exempt). The load generator is a separate
process-less asyncio client (aiohttp) with CLIENTS connections, each sending its next request
as soon as the previous one is answered, for WINDOW seconds.

Only requests that wait for something hold a slot for long in an asyncio server (the others run
one at a time on the event loop, and wait before the pipeline, not in a slot): here LISTs of
1,000 ConfigMaps as YAML (written on a worker thread) and creates (committed by the store's
thread). A refused client waits Retry-After (1 s) before its next request, as client-go does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
TOKEN = "bench-token"
CLIENTS = 64
OBJECTS = 1000
CM = "/api/v1/namespaces/default/configmaps"


@dataclass
class Tally:
    ok: int = 0
    refused: int = 0
    other: int = 0
    latencies: list[float] = field(default_factory=list)


def _start(work: Path, *flags: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    tokens = work / "tokens.csv"
    tokens.write_text(f'{TOKEN},bench,1001,"system:authenticated"\n')
    data = work / f"data-{len(list(work.iterdir()))}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "fakekapi.cli", "serve", "--port", "0", "--data-dir", str(data)]
    cmd += ["--controllers", "", "--nodes", "0", "--authorization-mode", "AlwaysAllow"]
    cmd += ["--token-auth-file", str(tokens), *flags]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not (data / "server.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("fakekapi serve did not start")
        time.sleep(0.05)
    url = json.loads((data / "server.json").read_text())["url"]
    return proc, url, data / "pki" / "ca.crt"


async def _load(url: str, ca: Path, method: str, window: float) -> Tally:
    import aiohttp

    ctx = ssl.create_default_context(cafile=str(ca))
    tally = Tally()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    counter = 0
    connector = aiohttp.TCPConnector(ssl=ctx, limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        await _seed(session, url)
        end = time.monotonic() + window

        async def client(n: int) -> None:
            nonlocal counter
            while time.monotonic() < end:
                counter += 1
                started = time.monotonic()
                if method == "LIST":
                    req = session.get(url + CM, headers={"Accept": "application/yaml"})
                else:
                    body = {"metadata": {"name": f"w-{n}-{counter}"}, "data": {"k": "v"}}
                    req = session.post(url + CM, json=body)
                async with req as resp:
                    await resp.read()
                if resp.status in (200, 201):
                    tally.ok += 1
                    tally.latencies.append(time.monotonic() - started)
                elif resp.status == 429:
                    tally.refused += 1
                    # as client-go does: wait Retry-After, then try again
                    await asyncio.sleep(float(resp.headers.get("Retry-After", "1")))
                else:
                    tally.other += 1

        await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return tally


async def _seed(session: Any, url: str) -> None:
    async with session.get(url + CM + "?limit=1") as resp:
        if (await resp.json()).get("metadata", {}).get("continue"):
            return
    sem = asyncio.Semaphore(16)

    async def one(i: int) -> None:
        async with sem:
            body = {"metadata": {"name": f"seed-{i:04d}"}, "data": {"k": "v" * 200}}
            async with session.post(url + CM, json=body) as resp:
                await resp.read()

    await asyncio.gather(*(one(i) for i in range(OBJECTS)))


def _row(label: str, t: Tally, window: float) -> str:
    lat = sorted(t.latencies) or [0.0]
    p50 = statistics.median(lat) * 1e3
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3
    return f"| {label} | {t.ok / window:.0f} | {t.refused} | {t.other} | {p50:.0f} | {p99:.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    window = 5.0 if args.quick else 15.0
    rows = [
        ("YAML LIST, no limit", "LIST", ("--max-requests-inflight", "0")),
        ("YAML LIST, --max-requests-inflight 8", "LIST", ("--max-requests-inflight", "8")),
        ("create, no limit", "CREATE", ("--max-mutating-requests-inflight", "0")),
        ("create, --max-mutating-requests-inflight 8", "CREATE",
         ("--max-mutating-requests-inflight", "8")),
    ]  # fmt: skip
    print(f"{CLIENTS} clients, {window:.0f} s per row, YAML LISTs of {OBJECTS} ConfigMaps")
    print("| load | admitted/s | 429 | other | p50 ms (admitted) | p99 ms (admitted) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="fakekapi-bench-") as tmp:
        for label, method, flags in rows:
            proc, url, ca = _start(Path(tmp), *flags)
            try:
                tally = asyncio.run(_load(url, ca, method, window))
            finally:
                proc.terminate()
                proc.wait(30)
            print(_row(label, tally, window), flush=True)


if __name__ == "__main__":
    main()
