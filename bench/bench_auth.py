"""Authentication cost: requests/s of an authenticated GET with a ServiceAccount token (bound and
legacy) vs the admin client certificate, against a real server over TLS. Prints numbers.

    python bench/bench_auth.py                       # 5 s per case, 16 concurrent requests
    python bench/bench_auth.py --seconds 10 --concurrency 32 --path /api/v1/namespaces

The server runs in a thread of this process (fakekapi.testing.running_server); the client is
aiohttp with keep-alive connections, so TLS handshakes are not what is measured. Each case first
warms up (the token's first use pays for the RSA check; later ones hit the token cache).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import ssl
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from fakekapi.testing import ServerHandle, running_server


def _post(server: ServerHandle, path: str, obj: dict[str, Any]) -> dict[str, Any]:
    status, _, body = server.request(
        "POST", path, body=json.dumps(obj).encode(), headers={"Content-Type": "application/json"}
    )
    if status >= 300:
        raise RuntimeError(f"POST {path}: {status} {body[:300]!r}")
    return dict(json.loads(body))


def _get(server: ServerHandle, path: str) -> dict[str, Any]:
    status, _, body = server.request("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
    return dict(json.loads(body))


def prepare(server: ServerHandle) -> tuple[str, str]:
    """A ServiceAccount with a bound token and a legacy (Secret) token."""
    _post(
        server,
        "/api/v1/namespaces/default/serviceaccounts",
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bench"}},
    )
    tr = _post(
        server,
        "/api/v1/namespaces/default/serviceaccounts/bench/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    _post(
        server,
        "/api/v1/namespaces/default/secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/service-account-token",
            "metadata": {
                "name": "bench-token",
                "annotations": {"kubernetes.io/service-account.name": "bench"},
            },
        },
    )
    deadline = time.monotonic() + 10
    legacy = ""
    while not legacy and time.monotonic() < deadline:
        data = _get(server, "/api/v1/namespaces/default/secrets/bench-token").get("data") or {}
        legacy = base64.b64decode(data.get("token", "")).decode()
        time.sleep(0.02)
    return str(tr["status"]["token"]), legacy


async def measure(
    url: str, ctx: ssl.SSLContext, headers: dict[str, str], seconds: float, concurrency: int
) -> tuple[float, int]:
    """(requests per second, non-200 answers)."""
    connector = aiohttp.TCPConnector(ssl=ctx, limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def one() -> int:
            async with session.get(url) as resp:
                await resp.read()
                return resp.status

        for _ in range(concurrency * 4):  # warm-up: connections, token cache
            await one()
        done = bad = 0
        stop = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal done, bad
            while time.monotonic() < stop:
                status = await one()
                done += 1
                bad += status != 200

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.monotonic() - started), bad


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--path", default="/version", help="an endpoint every user may GET")
    args = ap.parse_args()
    with running_server() as server:
        bound, legacy = prepare(server)
        url = server.url + args.path
        cases = [
            ("admin client certificate", server.ssl_context(admin=True), {}),
            (
                "bound ServiceAccount token",
                server.ssl_context(admin=False),
                {"Authorization": f"Bearer {bound}"},
            ),
            (
                "legacy ServiceAccount token",
                server.ssl_context(admin=False),
                {"Authorization": f"Bearer {legacy}"},
            ),
        ]
        print(f"GET {args.path}, {args.concurrency} concurrent, {args.seconds:.0f} s per case")
        results: dict[str, float] = {}
        for name, ctx, headers in cases:
            rps, bad = asyncio.run(measure(url, ctx, headers, args.seconds, args.concurrency))
            results[name] = rps
            print(f"  {name:30s} {rps:9.0f} req/s" + (f"  ({bad} non-200!)" if bad else ""))
        cert = results["admin client certificate"]
        for name in ("bound ServiceAccount token", "legacy ServiceAccount token"):
            print(f"  {name} / certificate: {results[name] / cert:.2f}")


if __name__ == "__main__":
    main()
