"""Instructions a warm start executes until it is ready, counted by valgrind's callgrind, next to
the bare aiohttp TLS app's. Unlike wall or CPU time, a count repeats to ~0.1% from run to run
whatever else the machine does, so it decides between two versions of start-up where timings
(10-20% apart from one minute to the next on a shared VM) cannot. Prints a table; asserts
nothing.

    python bench/bench_startcount.py                   # this tree, and the bare app
    python bench/bench_startcount.py --compare DIR     # also another tree (an export of a commit)

Each tree's data dir is first prepared by two real starts that run 3 s and stop gracefully
(SIGINT), so start-up's background writes (controller ServiceAccounts, the node's Lease) are
committed as on a user's machine. Each counted start then runs `fakekapi serve` on it under
callgrind and exits the moment the server is ready (`_serve` below), on a new port each time,
as bench_scale.py's warm row does (a new port makes the server rewrite the `kubernetes`
endpoints once it listens). The bare app is bench_server's, exiting once it listens. Bytecode
is cached in the run's own directory, as an installed server's would be; one uncounted start
of each caches it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

# Only what `_serve` and `_bare` need is imported at the top: the counted processes run this file.

HERE = Path(__file__).resolve()


def _serve(data_dir: str, port: str) -> None:
    """`fakekapi serve` that exits at once when ready (run under callgrind)."""
    import fakekapi.server.run as run

    def ready(server: object) -> str:
        os._exit(0)

    run.ready_message = ready  # type: ignore[assignment]
    from fakekapi import cli

    sys.argv = ["fakekapi", "serve", "--host", "127.0.0.1", "--port", port, "--data-dir", data_dir]
    cli.main()


def _bare(pki_dir: str, port: str) -> None:
    """bench_server's bare app, exiting once it listens (bench_scale starts it through
    bench_server.py too; `_serve` imports no bench module, as `fakekapi serve` does not)."""
    import bench_server as bs
    from aiohttp import web

    async def main() -> None:
        app, ctx = bs.bare_app(Path(pki_dir))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", int(port), ssl_context=ctx).start()
        os._exit(0)

    asyncio.run(main())


def _env(tree: Path, work: Path) -> dict[str, str]:
    import bench_server as bs

    env = bs.server_env(work / f"pyc-{abs(hash(str(tree)))}")
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(HERE.parent)])
    return env


def prepare(tree: Path, data_dir: Path, work: Path) -> None:
    """Two real starts on a new data dir, each running 3 s and stopped with SIGINT."""
    import signal

    import bench_server as bs

    for _ in range(2):
        port = bs.free_port()
        cmd = [sys.executable, "-m", "fakekapi.cli", "serve", "--host", "127.0.0.1"]
        cmd += ["--port", str(port), "--data-dir", str(data_dir)]
        proc = subprocess.Popen(
            cmd, env=_env(tree, work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        bs.wait_ready(proc, port, time.perf_counter(), "fakekapi serve")
        time.sleep(3)
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


def count(tree: Path, work: Path, *args: str) -> int:
    """Instructions of `python bench_startcount.py ARGS` under callgrind, with `tree` imported."""
    import re

    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    cmd += [sys.executable, str(HERE), *args]
    out = subprocess.run(cmd, env=_env(tree, work), capture_output=True, text=True, timeout=600)
    m = re.search(r"Collected : (\d+)", out.stderr)
    if m is None or out.returncode != 0:
        raise SystemExit(f"callgrind run failed ({out.returncode}): {out.stderr[-2000:]}")
    return int(m.group(1))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("_serve", "_bare"):
        (_serve if sys.argv[1] == "_serve" else _bare)(sys.argv[2], sys.argv[3])
        return
    import argparse
    import tempfile

    import bench_server as bs

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--compare", type=Path, action="append", default=[], help="another tree")
    p.add_argument("--runs", type=int, default=2, help="counted starts per tree")
    args = p.parse_args()
    trees = [bs.ROOT, *args.compare]
    rows: list[tuple[str, list[int]]] = []
    with tempfile.TemporaryDirectory(prefix="startcount-") as tmp:
        work = Path(tmp)
        for i, tree in enumerate(trees):
            data = work / f"data-{i}"
            prepare(tree, data, work)
            count(tree, work, "_serve", str(data), str(bs.free_port()))  # caches bytecode
            runs = [
                count(tree, work, "_serve", str(data), str(bs.free_port()))
                for _ in range(args.runs)
            ]
            rows.append((str(tree), runs))
            print(f"[{time.strftime('%H:%M:%S')}] {tree}: {runs}", file=sys.stderr, flush=True)
        count(bs.ROOT, work, "_bare", str(work / "data-0" / "pki"), str(bs.free_port()))
        bare = [
            count(bs.ROOT, work, "_bare", str(work / "data-0" / "pki"), str(bs.free_port()))
            for _ in range(args.runs)
        ]
    base = min(bare)
    print("| start | instructions to ready (each run) | ratio to bare |")
    print("|---|---|---|")
    for tree, runs in rows:
        shown = ", ".join(f"{n / 1e6:,.0f} M" for n in runs)
        print(f"| fakekapi warm start, {tree} | {shown} | {min(runs) / base:.3f}x |")
    print(f"| bare aiohttp TLS app | {', '.join(f'{n / 1e6:,.0f} M' for n in bare)} | 1.000x |")


if __name__ == "__main__":
    main()
