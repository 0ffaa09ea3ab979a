"""The Kubernetes releases fakekapi emulates, and how each one's generated data is read.

`data/releases.json` (scripts/gen_releases.py) lists the releases (1.29 - 1.36), the default (the
newest) and, per release, the gitVersion of the patch its reference data is from, that build's
commit, date and Go version, and the aggregated discovery versions it serves. Each release's
data lives in its own files; all but the base release's are stored as their difference from the
base's (fakekapi/core/jsondiff.py), so loading a release reads its own files and the base's, never
any other release's: start-up time and memory do not grow with the number of releases shipped.

Nothing is read at import; each file is read on first use and kept.
"""

from __future__ import annotations

import json
import threading
from functools import cache, lru_cache
from typing import Any

from fakekapi.core import jsondiff, packagedata

JSON = dict[str, Any]
_lock = threading.Lock()


class UnsupportedRelease(ValueError):
    """A Kubernetes version fakekapi does not emulate; the message lists the supported ones."""


@cache
def _index() -> JSON:
    doc: JSON = json.loads(packagedata.read_bytes("fakekapi.catalog", "data", "releases.json"))
    return doc


def supported() -> tuple[str, ...]:
    """Every emulated release, oldest first (`1.29` ... `1.36`)."""
    return tuple(_index()["releases"])


def default() -> str:
    """The release served when none is asked for: the newest."""
    return str(_index()["default"])


def base() -> str:
    """The release whose data is stored whole (the others are differences from it)."""
    return str(_index()["base"])


@lru_cache(maxsize=64)
def normalize(value: str) -> str:
    """`v1.36`, `1.36` or `1.36.2` → `1.36`; UnsupportedRelease for anything else (not cached:
    raised again each time). Cached: every typed decoding and validation resolves its release."""
    text = value.strip()
    parts = text.removeprefix("v").split(".")
    short = ".".join(parts[:2])
    ok = 2 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and short in supported()
    if not ok:
        raise UnsupportedRelease(
            f"Kubernetes version {value!r} is not supported (supported: {', '.join(supported())})"
        )
    return short


def minor(release: str) -> int:
    """The minor version of a normalised release (`1.33` → 33), for "from 1.NN on" rules."""
    return int(release.split(".")[1])


def resolve(release: str | None) -> str:
    """`release` normalised, or the default release for None or ""."""
    return normalize(release) if release else default()


def git_version(release: str) -> str:
    """`v1.36.3`: the patch release the reference data of `release` is from."""
    return str(_index()["releases"][release]["gitVersion"])


def build(release: str) -> tuple[str, str, str]:
    """(gitCommit, buildDate, goVersion) of the official build of `release`'s reference patch
    (scripts/releases_builds.py says where each was read; "" and the Unix epoch where no record
    of the build was found)."""
    entry = _index()["releases"][release]
    return str(entry["gitCommit"]), str(entry["buildDate"]), str(entry["goVersion"])


def aggregated_discovery_versions(release: str) -> tuple[str, ...]:
    """The apidiscovery.k8s.io versions `release` serves, preferred first (`v2`, `v2beta1`)."""
    return tuple(_index()["releases"][release]["aggregatedDiscovery"])


def read_gz(package: str, *parts: str) -> JSON:
    """A gzipped JSON file of a package's data directory."""
    doc: JSON = json.loads(packagedata.read_gzip(package, "data", *parts))
    return doc


def stored(package: str, release: str, *parts: str) -> JSON:
    """The data of one generated file of `release`, its difference from the base applied.

    `parts` is the file's path under the package's `data/releases/<release>/` with `{}` standing
    for the release (so that `("{}.json.gz",)` names `data/releases/1.36.json.gz`).
    """
    doc = read_gz(package, "releases", *(p.format(release) for p in parts))
    if doc.get("base") is None:
        data: JSON = doc["data"]
        return data
    base_doc = read_gz(package, "releases", *(p.format(doc["base"]) for p in parts))
    return jsondiff.apply(base_doc["data"], doc["diff"])
