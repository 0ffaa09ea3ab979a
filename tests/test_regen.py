"""The committed generated files are exactly what scripts/regen.py writes from the reference data.

Regenerates into a temporary folder and compares file by file, so a stale output (or a generator
change without its regenerated data) fails here. Needs ../shared/k8s-reference next to the
repository and the kubectl 1.33 binary the protobuf generator reads Go struct tags from; skipped,
with the reason, where they are absent.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "k8s-reference"


def _kubectl_1_33() -> Path | None:
    exe = shutil.which("kubectl")
    if not exe:
        return None
    binary = Path(os.path.realpath(exe)).parent / "kubectl.1.33"
    return binary if binary.is_file() else None


def _files(root: Path, rel: str) -> dict[str, bytes]:
    path = root / rel
    if path.is_file():
        return {rel: path.read_bytes()}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_committed_outputs_are_what_regen_writes(tmp_path: Path) -> None:
    if not REFERENCE.is_dir():
        pytest.skip(f"{REFERENCE} is absent: the reference data generators read")
    kubectl = _kubectl_1_33()
    if kubectl is None:
        pytest.skip("kubectl.1.33 is not next to kubectl on PATH (Go struct tags for protobuf)")
    spec = importlib.util.spec_from_file_location("regen", ROOT / "scripts" / "regen.py")
    assert spec is not None and spec.loader is not None
    regen = importlib.util.module_from_spec(spec)
    sys.modules["regen"] = regen
    spec.loader.exec_module(regen)
    regen.regenerate(tmp_path, REFERENCE, kubectl)
    stale = []
    for rel in regen.GENERATED:
        committed, fresh = _files(ROOT, rel), _files(tmp_path, rel)
        for name in sorted(set(committed) | set(fresh)):
            if committed.get(name) != fresh.get(name):
                stale.append(name)
    assert not stale, f"stale generated files (run python scripts/regen.py): {stale}"
