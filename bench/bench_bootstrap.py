"""First-start cost of the bootstrap RBAC policy: the controller roles, each kind written at once.

A first start (new data dir) creates the whole bootstrap policy: kube's default roles and
bindings and, since the controller roles were added, a `system:controller:*` ClusterRole and
ClusterRoleBinding per controller (~140 objects in 1.36 instead of ~60). Each case runs in a fresh
interpreter, in turns with the others (so machine load hits them alike), and reports the
median over the rounds of: time to ready, process CPU to ready, and bootstrap_rbac's own wall and
CPU time.

  baseline       the policy without the controller roles, objects written one by one (as before)
  sequential     the whole policy, objects written one by one
  current        the whole policy, each kind's objects written at once (rbac_bootstrap.py)

Usage: python bench/bench_bootstrap.py [--rounds 5] [--release 1.36]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
import fakekapi.registry.rbac_bootstrap as rb
case, release = sys.argv[1], sys.argv[2]
if case == "baseline":
    original_policy = rb._policy
    def without_controllers(rel):
        data = dict(original_policy(rel))
        for key in ("clusterRoles", "clusterRoleBindings"):  # kube-system's Roles stay
            data[key] = [
                o for o in data[key] if not o["metadata"]["name"].startswith("system:controller:")
            ]
        return data
    rb._policy = without_controllers
current = rb.bootstrap_rbac
async def sequential(registry):
    counts = {}
    data = rb.policy(getattr(registry.catalog, "release", None))
    for plural, key in rb.ORDER:
        rt = rb._rt(registry, plural)
        for obj in data[key]:
            outcome = await rb._ensure(registry, rt, obj)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
took = {}
async def timed(registry):
    t, c = time.perf_counter(), time.process_time()
    counts = await (current if case == "current" else sequential)(registry)
    took["bootstrap_wall"] = (time.perf_counter() - t) * 1000
    took["bootstrap_cpu"] = (time.process_time() - c) * 1000
    took["objects"] = sum(counts.values())
    return counts
rb.bootstrap_rbac = timed
from fakekapi.testing import running_server
t, c = time.perf_counter(), time.process_time()
with running_server(kubernetes_version=release):
    ready, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
print(json.dumps({"ready": ready, "cpu": cpu, **took}))
"""

CASES = ("baseline", "sequential", "current")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--release", default="1.36")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results: dict[str, list[dict[str, float]]] = {case: [] for case in CASES}
    for _ in range(args.rounds):
        for case in CASES:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, case, args.release],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
            results[case].append(json.loads(out.splitlines()[-1]))
    print(f"release {args.release}, {args.rounds} rounds, load average {os.getloadavg()[0]:.2f}")
    print("| case | objects | ready (ms) | CPU to ready (ms) | bootstrap_rbac wall / CPU (ms) |")
    print("|---|---|---|---|---|")
    for case, runs in results.items():
        ready, cpu, wall, boot_cpu = (
            statistics.median(r[k] for r in runs)
            for k in ("ready", "cpu", "bootstrap_wall", "bootstrap_cpu")
        )
        objects = runs[0]["objects"]
        print(f"| {case} | {objects:.0f} | {ready:.0f} | {cpu:.0f} | {wall:.0f} / {boot_cpu:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
