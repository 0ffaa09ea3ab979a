"""RBAC cost: authorized GET requests/s with 1,000 ClusterRoles and 5,000 bindings loaded, vs the
bootstrap policy alone, against a real server over TLS; plus the authorizer's own decision rate
(cache hits and misses). Prints numbers; asserts nothing.

    python bench/bench_rbac.py                        # 3 rounds x 5 s per case, 16 concurrent
    python bench/bench_rbac.py --seconds 10 --concurrency 32
    python bench/bench_rbac.py --authorizer-only      # no server: decisions/s only

The extra policy is loaded as fixtures (so start-up pays for it, not the measurement): 1,000
ClusterRoles of 5 rules each, 4,000 ClusterRoleBindings and 1,000 RoleBindings in `default`, to
users and groups other than the client's. The client is a user certificate issued by the cluster
CA (CN=bench, O=bench-group), allowed by one ClusterRoleBinding in both cases; aiohttp with
keep-alive connections, so TLS handshakes are not what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import trustme
import yaml

from fakekapi.auth.rbac import RBACAuthorizer, RBACIndex
from fakekapi.core.requestinfo import parse_request_info
from fakekapi.core.user import UserInfo
from fakekapi.registry.rbac_bootstrap import policy_objects
from fakekapi.testing import ServerHandle, running_server

RBAC = "rbac.authorization.k8s.io"
N_ROLES = 1000
N_CLUSTER_BINDINGS = 4000
N_ROLE_BINDINGS = 1000
PATH = "/api/v1/namespaces/default/pods"


def _role(name: str, i: int) -> dict[str, Any]:
    return {
        "apiVersion": f"{RBAC}/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": [
            {"apiGroups": [f"g{i}.example.com"], "resources": [f"r{j}"], "verbs": ["get", "list"]}
            for j in range(5)
        ],
    }


def bench_policy() -> list[dict[str, Any]]:
    """The client's own grant (both cases)."""
    return [
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "bench-pod-reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        },
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "bench"},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "bench-pod-reader"},
            "subjects": [{"apiGroup": RBAC, "kind": "User", "name": "bench"}],
        },
    ]


def big_policy() -> list[dict[str, Any]]:
    objs = [_role(f"bench-role-{i}", i) for i in range(N_ROLES)]
    for i in range(N_CLUSTER_BINDINGS):
        subject = (
            {"apiGroup": RBAC, "kind": "Group", "name": f"group-{i % 500}"}
            if i % 2
            else {"apiGroup": RBAC, "kind": "User", "name": f"user-{i}"}
        )
        objs.append(
            {
                "apiVersion": f"{RBAC}/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": f"bench-crb-{i}"},
                "roleRef": {
                    "apiGroup": RBAC,
                    "kind": "ClusterRole",
                    "name": f"bench-role-{i % N_ROLES}",
                },
                "subjects": [subject],
            }
        )
    for i in range(N_ROLE_BINDINGS):
        objs.append(
            {
                "apiVersion": f"{RBAC}/v1",
                "kind": "RoleBinding",
                "metadata": {"name": f"bench-rb-{i}", "namespace": "default"},
                "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": f"bench-role-{i}"},
                "subjects": [{"kind": "ServiceAccount", "name": f"sa-{i}", "namespace": "default"}],
            }
        )
    return objs


def client_context(server: ServerHandle, work: Path) -> ssl.SSLContext:
    ca = trustme.CA.from_pem(
        (server.data_dir / "pki" / "ca.crt").read_bytes(),
        (server.data_dir / "pki" / "ca.key").read_bytes(),
    )
    cert = ca.issue_cert(common_name="bench", organization_name="bench-group")
    ctx = ssl.create_default_context(cafile=str(server.ca_path))
    pem = work / "client.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(pem))
    ctx.load_cert_chain(str(pem))
    return ctx


async def measure(
    url: str, ctx: ssl.SSLContext, seconds: float, concurrency: int
) -> tuple[float, int]:
    connector = aiohttp.TCPConnector(ssl=ctx, limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        bad = 0

        async def one() -> int:
            async with session.get(url) as resp:
                await resp.read()
                return resp.status

        for _ in range(50):  # warm-up: connections, caches
            await one()
        done = 0
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done, bad
            while time.perf_counter() < deadline:
                if await one() != 200:
                    bad += 1
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - started), bad


def server_cases(
    cases: dict[str, list[dict[str, Any]]], args: argparse.Namespace
) -> dict[str, float]:
    """Start one server per case, then measure them in turns (`--rounds`), so a busy machine
    slows every case alike; report the best and the median round of each."""
    results: dict[str, list[float]] = {label: [] for label in cases}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        targets: dict[str, tuple[str, ssl.SSLContext]] = {}
        for label, objects in cases.items():
            work = Path(tmp) / str(len(targets))
            fixtures = work / "fixtures"
            fixtures.mkdir(parents=True)
            (fixtures / "policy.yaml").write_text(yaml.safe_dump_all(objects))
            t0 = time.perf_counter()
            server = stack.enter_context(running_server(fixtures=(fixtures,)))
            print(f"{label}: start-up with fixtures {time.perf_counter() - t0:.1f}s")
            targets[label] = (server.url + PATH, client_context(server, work))
        for _ in range(args.rounds):
            for label, (url, ctx) in targets.items():
                rps, bad = asyncio.run(measure(url, ctx, args.seconds, args.concurrency))
                if bad:
                    print(f"  {label}: {bad} non-200 answers")
                results[label].append(rps)
    for label, values in results.items():
        print(
            f"{label:<58} best {max(values):>7.0f} req/s, median {statistics.median(values):>7.0f}"
        )
    return {label: max(values) for label, values in results.items()}


def authorizer_case(label: str, objects: list[dict[str, Any]]) -> None:
    index = RBACIndex()
    index.load(policy_objects() + objects)
    authz = RBACAuthorizer(index)
    users = [
        UserInfo(f"user-{i}", groups=(f"group-{i % 700}", "system:authenticated"))
        for i in range(2000)
    ]
    info = parse_request_info("GET", PATH, {})
    n = 20000
    t0 = time.perf_counter()
    for i in range(n):
        authz._cache.clear()  # every decision computed afresh
        authz.authorize(users[i % len(users)], info)
    miss = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for i in range(n * 10):
        authz.authorize(users[i % len(users)], info)
    hit = n * 10 / (time.perf_counter() - t0)
    print(f"{label:<44} {miss:>9.0f} decisions/s uncached, {hit:>9.0f}/s cached")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--authorizer-only", action="store_true")
    args = p.parse_args()
    small, big = bench_policy(), bench_policy() + big_policy()
    print(f"authorizer: {len(big) - len(small)} extra RBAC objects in the large case")
    authorizer_case("authorizer, bootstrap policy", small)
    authorizer_case("authorizer, +1,000 roles/5,000 bindings", big)
    if args.authorizer_only:
        return
    base_label = f"GET {PATH}, bootstrap policy"
    big_label = f"GET {PATH}, +1,000 roles/5,000 bindings"
    best = server_cases({base_label: small, big_label: big}, args)
    print(f"ratio loaded/bootstrap (best rounds): {best[big_label] / best[base_label]:.2f}")


if __name__ == "__main__":
    main()
