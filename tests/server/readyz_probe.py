"""A `/readyz` prober for tests that show the event loop stays free during big requests."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class ReadyzProbe:
    """`GET /readyz` in a loop on a thread over one keep-alive connection, recording each
    answer's latency (and any answer other than 200 `ok`)."""

    connect: Callable[[], http.client.HTTPConnection]
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the probe to stop and wait for its last answer (blocking: from a thread or a
        process other than the server's loop)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(60)

    def _run(self) -> None:
        conn = self.connect()
        try:
            while not self._stop.is_set():
                started = time.monotonic()
                conn.request("GET", "/readyz")
                resp = conn.getresponse()
                body = resp.read()
                self.latencies.append(time.monotonic() - started)
                if resp.status != 200 or body != b"ok":
                    self.failures.append(f"{resp.status} {body[:100]!r}")
                self._stop.wait(0.01)
        finally:
            conn.close()
