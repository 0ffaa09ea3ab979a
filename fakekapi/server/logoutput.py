"""The serve command's log output: the same lines as `logging.basicConfig` writes, for less.

Every request logs one access line. Written the ordinary way, each line costs a `strftime` for its
time and a `write` system call of its own (stderr is unbuffered under PYTHONUNBUFFERED, and
`StreamHandler` flushes after every record): together ~10 us of a GET's ~200 us of CPU. Here the
time's text is made once per second, and lines written from the event loop wait for the loop to
come back to them (at most `FLUSH_AFTER` seconds) and go out in one write. Warnings and errors,
lines from other threads and lines written while no loop runs are written at once, in order with
those waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""basicConfig's format as `serve` configures it."""

FLUSH_AFTER = 0.05
"""Seconds a line from the event loop may wait before it is written."""

MAX_WAITING = 256
"""Lines that may wait at once; one more writes them all."""


class CachedTimeFormatter(logging.Formatter):
    """`logging.Formatter` with the `%(asctime)s` text made once per second (the same text:
    `time.strftime(default_time_format)` of the record's local time, then `,` and the
    milliseconds)."""

    def __init__(self, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._second = -1
        self._text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:
            self._text = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = second
        return f"{self._text},{int(record.msecs):03d}"


class BatchingStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler whose lines from the event loop are written together, soon after."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._waiting: list[str] = []
        self._scheduled = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        self._waiting.append(line)
        if record.levelno >= logging.WARNING or len(self._waiting) >= MAX_WAITING:
            self._write_waiting()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop in this thread: nobody would come back for the line
            self._write_waiting()
            return
        if not self._scheduled:
            self._scheduled = True
            loop.call_later(FLUSH_AFTER, self.flush)

    def flush(self) -> None:
        self.acquire()
        try:
            self._scheduled = False
            self._write_waiting()
        finally:
            self.release()

    def _write_waiting(self) -> None:
        """Write the waiting lines (the caller holds the handler's lock)."""
        if self._waiting:
            text = "".join(self._waiting)
            self._waiting.clear()
            try:
                self.stream.write(text)
            except Exception:  # as StreamHandler: a broken stream must not break the server
                return
        with contextlib.suppress(Exception):
            self.stream.flush()


def configure(stream: TextIO) -> None:
    """What `logging.basicConfig(level=INFO, format=FORMAT, stream=stream)` sets up, with the
    batching handler and the cached-time formatter."""
    handler = BatchingStreamHandler(stream)
    handler.setFormatter(CachedTimeFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
