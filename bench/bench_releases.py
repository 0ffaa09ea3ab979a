"""Start-up time and memory per emulated release: they must not grow with the releases shipped.

For each release, in a fresh interpreter (so nothing is cached): start a real server with
`running_server(kubernetes_version=...)` and time it to ready; then load the release's OpenAPI
(v2 JSON, one v3 document) as the first client asking for it would. Records the peak RSS and
every generated data file the process opened (an audit hook on `open`), next to the total size of
the data shipped for all releases. The baseline in the same run is the base release (1.33, stored
whole; the others are diffs from it).

Usage: python bench/bench_releases.py [--readme]   (--readme rewrites the section in README.md)
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIRS = ("fakekapi/catalog/data", "fakekapi/protobuf/data", "fakekapi/registry/data")

CHILD = r"""
import json, resource, sys, time
opened = set()
def hook(event, args):
    path = args[0] if event == "open" else None
    if isinstance(path, str) and "/data/" in path and "/fakekapi/" in path:
        opened.add(path.split("/fakekapi/", 1)[1])
sys.addaudithook(hook)
release = sys.argv[1]
t0 = time.perf_counter()
from fakekapi.testing import running_server
t_import = time.perf_counter() - t0
t1 = time.perf_counter()
with running_server(kubernetes_version=release) as server:
    t_ready = time.perf_counter() - t1
    rss_ready = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    files_ready = sorted(opened)
    from fakekapi.catalog import openapi
    t2 = time.perf_counter()
    openapi.v2_json(release)
    openapi.v3_document("apis/apps/v1", release)
    t_openapi = time.perf_counter() - t2
    rss_openapi = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"release": release, "import_s": t_import, "ready_s": t_ready,
                  "rss_ready_kib": rss_ready, "openapi_s": t_openapi,
                  "rss_openapi_kib": rss_openapi, "files_ready": files_ready,
                  "files_all": sorted(opened)}))
"""


def shipped_bytes() -> int:
    return sum(p.stat().st_size for d in DATA_DIRS for p in (ROOT / d).rglob("*") if p.is_file())


def run(release: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, release],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from fakekapi.catalog import releases

    load = os.getloadavg()
    rows = []
    # Warm the .pyc files once so every release starts from the same state.
    run(releases.base())
    for release in [releases.base(), *[r for r in releases.supported() if r != releases.base()]]:
        rows.append(run(release))
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        "`python bench/bench_releases.py --readme`.",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average at start "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}. Data shipped for all "
        f"{len(releases.supported())} releases: {shipped_bytes() / 1024:.0f} KiB.",
        "",
        "| release | server ready | peak RSS at ready | + first OpenAPI (v2 JSON, apps/v1 v3) | "
        "peak RSS after | data files opened |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        files = r["files_all"]
        assert isinstance(files, list)
        releases_read = sorted(
            {f.split("/")[3].removesuffix(".json.gz") for f in files if "/releases/1." in f}
        )
        lines.append(
            f"| {r['release']}{' (base)' if r['release'] == releases.base() else ''} "
            f"| {float(r['ready_s']) * 1000:.0f} ms "  # type: ignore[arg-type]
            f"| {int(r['rss_ready_kib']) / 1024:.0f} MiB "  # type: ignore[call-overload]
            f"| {float(r['openapi_s']) * 1000:.0f} ms "  # type: ignore[arg-type]
            f"| {int(r['rss_openapi_kib']) / 1024:.0f} MiB "  # type: ignore[call-overload]
            f"| {len(files)} (releases {', '.join(releases_read)}) |"
        )
    text = "\n".join(lines)
    print(text)
    if "--readme" in argv:
        readme = ROOT / "bench" / "README.md"
        content = readme.read_text()
        begin, end = "<!-- bench_releases:begin -->", "<!-- bench_releases:end -->"
        section = f"{begin}\n{text}\n{end}"
        if begin in content:
            head, rest = content.split(begin, 1)
            content = head + section + rest.split(end, 1)[1]
        else:
            content += f"\n## bench_releases.py\n\n{section}\n"
        readme.write_text(content)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
