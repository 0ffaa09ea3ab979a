"""The per-object create path in-process: CPU per create of a ConfigMap, a Secret and a Pod.

What one POST costs once the request has been authenticated and authorized: the JSON body
decoded as the handler decodes it, `Registry.create` (typed decoding, defaulting, admission,
validation, managedFields, the Go encoding of what is stored, the store's write over a
MemoryStore) and the response body as the handler writes it. No HTTP, no TLS, no SQLite thread:
the figure moves far less than a load test's on a shared machine. Prints numbers; asserts
nothing.

    python bench/bench_create.py                           # this tree's code
    python bench/bench_create.py --compare /tmp/old-export # alternating with another tree's

Each measurement runs in its own process with `PYTHONPATH` set to the tree it measures (its
bytecode cached in a temporary directory), a warm-up of 200 creates, then `--count` creates;
the figure is the event loop thread's CPU time per create (`time.thread_time`): the best and
the median of `--rounds` rounds, each round alternating the trees, and the median of the two
trees' ratio within a round (the steadiest figure on a shared machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("ConfigMap", "Secret", "Pod")


def body(kind: str) -> tuple[str, dict[str, Any]]:
    """The plural and a POST body with generateName: the bench_scale create row's ConfigMap,
    a Secret of the same size, a Pod of one container with 12 environment variables."""
    md: dict[str, Any] = {"generateName": "bench-", "labels": {"app": "", "tier": "bench"}}
    if kind == "ConfigMap":
        data = {f"key{i}": "v" * 48 for i in range(15)}
        return "configmaps", {"apiVersion": "v1", "kind": kind, "metadata": md, "data": data}
    if kind == "Secret":
        data = {f"key{i}": "dmFsdWVz" * 6 for i in range(15)}
        secret = {"apiVersion": "v1", "kind": kind, "metadata": md, "type": "Opaque", "data": data}
        return "secrets", secret
    env = [{"name": f"VAR_{j}", "value": "v" * 40} for j in range(12)]
    spec = {"containers": [{"name": "app", "image": "nginx:1.27", "env": env}]}
    return "pods", {"apiVersion": "v1", "kind": kind, "metadata": md, "spec": spec}


async def _measure(kind: str, count: int) -> float:
    """CPU microseconds per create, on the event loop's thread."""
    from fakekapi.admission.chain import install
    from fakekapi.catalog.catalog import Catalog
    from fakekapi.core.user import UserInfo
    from fakekapi.registry.bootstrap import bootstrap
    from fakekapi.registry.generic.options import parse_write_options
    from fakekapi.registry.registry import Registry
    from fakekapi.server import responses
    from fakekapi.server.negotiation import JSON, ExpectedKind, decode_object
    from fakekapi.store.memory import MemoryStore

    catalog = Catalog.builtin()
    registry = install(Registry(MemoryStore(), catalog))
    await bootstrap(registry)
    plural, obj = body(kind)
    rt = catalog.lookup("", "v1", plural)
    assert rt is not None
    expected = ExpectedKind.of(rt, "", catalog.release)
    raw = json.dumps(obj).encode()
    user = UserInfo(name="admin", groups=("system:masters", "system:authenticated"))

    async def create() -> object:
        decoded = decode_object(JSON, raw, expected)
        opts = parse_write_options({}, "CreateOptions", "bench/1.0 (linux/amd64)", [])
        result = await registry.create(rt, "default", decoded, opts, user=user, raw=raw)
        stored = getattr(result, "stored", None)  # trees before create_raw encode the object
        if stored is not None:
            return responses.stored_json_response(stored, 201)
        return responses.raw_response(responses.encode_body(result.object, JSON, False), JSON, 201)

    for _ in range(200):
        await create()
    start = time.thread_time()
    for _ in range(count):
        await create()
    return (time.thread_time() - start) / count * 1e6


def _child(args: argparse.Namespace) -> None:
    print(json.dumps(asyncio.run(_measure(args.kind, args.count))))


def run_in(tree: Path, kind: str, count: int, pycache: Path) -> float:
    """One measurement in a fresh process importing `tree`'s code."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONPYCACHEPREFIX": str(pycache)}
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--count", str(count)],
        env=env,
        cwd=tree,
        capture_output=True,
        check=True,
        text=True,
    )
    value: float = json.loads(out.stdout.strip().splitlines()[-1])
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="another tree (an export) to alternate with")
    parser.add_argument("--count", type=int, default=3000, help="creates per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--child", metavar="KIND", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.kind = args.child
        _child(args)
        return
    trees = [ROOT] + ([args.compare.resolve()] if args.compare else [])
    kinds = args.kinds.split(",")
    seen: dict[tuple[Path, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-create-") as tmp:
        for _ in range(args.rounds):
            for kind in kinds:
                for tree in trees:
                    us = run_in(tree, kind, args.count, Path(tmp) / tree.name)
                    seen.setdefault((tree, kind), []).append(us)
    head = [f"CPU us per create, {t} (best, median)" for t in trees]
    if len(trees) > 1:
        head.append("ratio of the same round, median")
    print("| kind | " + " | ".join(head) + " |")
    print("|---|" + "---|" * len(head))
    for kind in kinds:
        cells = [
            f"{min(seen[(t, kind)]):.0f}, {statistics.median(seen[(t, kind)]):.0f}" for t in trees
        ]
        if len(trees) > 1:
            mine, other = seen[(trees[0], kind)], seen[(trees[1], kind)]
            ratios = [a / b for a, b in zip(mine, other, strict=True)]
            cells.append(f"{statistics.median(ratios):.2f}")
        print(f"| {kind} | " + " | ".join(cells) + " |")
    print(f"{args.rounds} rounds of {args.count} creates; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
