"""The serve command's log output: the same lines as `logging.basicConfig` writes, for less.

Every request logs one access line. Written the ordinary way, each line costs a `strftime` for its
time and a `write` system call of its own (stderr is unbuffered under PYTHONUNBUFFERED, and
`StreamHandler` flushes after every record): together ~10 us of a GET's ~200 us of CPU. Here the
time's text is made once per second, and lines written from the event loop wait for the loop to
come back to them (at most `FLUSH_AFTER` seconds) and go out in one write. Warnings and errors,
lines from other threads and lines written while no loop runs are written at once, in order with
those waiting.

`write_info` is `logger.info(message)` for the access log without the logging machinery in
between (a record, the logger's and handler's checks, the format string): when the logger's lines
would reach this handler alone, unfiltered, it writes the same text straight into the batch.
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
        return f"{self._second_text(record.created)},{int(record.msecs):03d}"

    def asctime(self, created: float) -> str:
        """`formatTime` of a record made at `created` (LogRecord's msecs, as 3.11 computes it)."""
        return f"{self._second_text(created)},{int((created - int(created)) * 1000):03d}"

    def _second_text(self, created: float) -> str:
        """The text of `created`'s second, made once per second."""
        second = int(created)
        if second != self._second:
            self._text = time.strftime(self.default_time_format, self.converter(created))
            self._second = second
        return self._text


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
        self._queue(line, record.levelno >= logging.WARNING)

    def write_info(self, name: str, message: str, created: float) -> None:
        """What `emit` writes for an INFO record of logger `name` with `message` (no arguments),
        made at `created`, from any thread; the handler must have a
        `CachedTimeFormatter` of `FORMAT` (see `write_info` below)."""
        formatter = self.formatter
        assert isinstance(formatter, CachedTimeFormatter)
        line = f"{formatter.asctime(created)} INFO {name}: {message}{self.terminator}"
        with self.lock:  # type: ignore[union-attr]
            self._queue(line, False)

    def _queue(self, line: str, at_once: bool) -> None:
        """Add a line; write what waits now if `at_once`, when too much waits, or when no event
        loop runs in this thread (nobody would come back for the line), else soon (the caller
        holds the handler's lock)."""
        self._waiting.append(line)
        if at_once or len(self._waiting) >= MAX_WAITING:
            self._write_waiting()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
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


def write_info(logger: logging.Logger, message: str) -> bool:
    """`logger.info(message)` from the event loop's thread, straight into the batch when its one
    destination is a `BatchingStreamHandler` as `configure` sets it up (no filter on the logger
    or the handler, the handler's level INFO or below, the formatter `FORMAT`'s); False when it
    is not (the caller logs the ordinary way), or when INFO is not enabled for the logger."""
    if logger.filters or not logger.isEnabledFor(logging.INFO):
        return False
    handler: logging.Handler | None = None
    node: logging.Logger | None = logger
    while node is not None:
        for h in node.handlers:
            if handler is not None:
                return False
            handler = h
        if not node.propagate:
            break
        node = node.parent
    if (
        type(handler) is not BatchingStreamHandler
        or handler.filters
        or handler.level > logging.INFO
        or type(handler.formatter) is not CachedTimeFormatter
        or handler.formatter._fmt != FORMAT
    ):
        return False
    handler.write_info(logger.name, message, time.time())
    return True


def configure(stream: TextIO) -> None:
    """What `logging.basicConfig(level=INFO, format=FORMAT, stream=stream)` sets up, with the
    batching handler and the cached-time formatter."""
    handler = BatchingStreamHandler(stream)
    handler.setFormatter(CachedTimeFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
