"""Locating the real client binaries the end-to-end tests run (kubectl 1.27-1.33).

On a user's machine a missing binary skips the test with the reason; in CI
(FAKEKAPI_REQUIRE_CLIENTS=1) it fails, because there a skip would hide untested behaviour.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


def require(what: str) -> None:
    """Skip (or, in CI, fail) because `what` is missing."""
    reason = f"{what} is not installed on this machine"
    if os.environ.get("FAKEKAPI_REQUIRE_CLIENTS"):
        pytest.fail(f"{reason}, and FAKEKAPI_REQUIRE_CLIENTS is set")
    pytest.skip(reason)


def kubectl_path(minor: int) -> Path:
    """`kubectl.1.NN` beside the real kubectl binary."""
    found = shutil.which("kubectl")
    if found:
        candidate = Path(os.path.realpath(found)).parent / f"kubectl.1.{minor}"
        if candidate.exists():
            return candidate
    require(f"kubectl.1.{minor}")
    raise AssertionError("unreachable")


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Kubectl:
    """One kubectl version bound to one kubeconfig, with its own discovery cache."""

    binary: Path
    kubeconfig: Path
    cache_dir: Path

    def __call__(
        self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 60
    ) -> Result:
        cmd = [
            str(self.binary),
            f"--kubeconfig={self.kubeconfig}",
            f"--cache-dir={self.cache_dir}",
            *args,
        ]
        env = {**os.environ, "HOME": str(self.cache_dir)}
        proc = subprocess.run(
            cmd, input=stdin, capture_output=True, text=True, timeout=timeout, env=env
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        cmd = [
            str(self.binary),
            f"--kubeconfig={self.kubeconfig}",
            f"--cache-dir={self.cache_dir}",
            *args,
        ]
        env = {**os.environ, "HOME": str(self.cache_dir)}
        return subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )


class LineReader:
    """Reads a long-running client's stdout on a thread, so a test can wait for lines with a
    deadline instead of sleeping (`kubectl get -w` never ends by itself)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def expect(self, predicate: Callable[[str], bool], timeout: float = 15.0) -> str:
        """The first unread line for which `predicate` holds; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching line within {timeout}s; seen: {self.lines}")
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"output ended; seen: {self.lines}; stderr: {err}")
            self.lines.append(line)
            if predicate(line):
                return line

    def close(self) -> None:
        """Stop the client (SIGTERM, then SIGKILL) and its reader."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._thread.join(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def table(text: str) -> list[list[str]]:
    """kubectl's human-readable table as rows of cells (header first)."""
    return [line.split() for line in text.splitlines() if line.strip()]
