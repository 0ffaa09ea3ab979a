"""The serve command's log handler writes what `logging.basicConfig` would, batching lines from
the event loop into one write."""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import time

import pytest
from polling import until_async

from fakekapi.server import logoutput


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, s: str) -> int:
        self.writes += 1
        return super().write(s)


def _record(msg: str, level: int = logging.INFO, created: float | None = None) -> logging.LogRecord:
    record = logging.LogRecord("fakekapi.server.access", level, __file__, 1, msg, (), None)
    if created is not None:
        record.created = created
        record.msecs = int((created - int(created)) * 1000) + 0.0
    return record


def test_lines_are_basic_configs() -> None:
    ordinary = logging.Formatter(logoutput.FORMAT)
    cached = logoutput.CachedTimeFormatter()
    for created in (1_700_000_000.0, 1_700_000_000.999, 1_700_000_001.0405, 1_700_000_061.5):
        for _ in range(2):  # the second time from the cached text
            record = _record("GET /api 200", created=created)
            assert cached.format(record) == ordinary.format(record)


async def test_loop_lines_go_out_together_and_warnings_at_once() -> None:
    stream = CountingStream()
    handler = logoutput.BatchingStreamHandler(stream)
    handler.setFormatter(logoutput.CachedTimeFormatter())
    for i in range(5):
        handler.handle(_record(f"line {i}"))
    assert stream.getvalue() == ""
    await until_async(lambda: stream.getvalue().count("\n") == 5)
    assert stream.writes == 1
    assert [line.rsplit(" ", 1)[1] for line in stream.getvalue().splitlines()] == [
        str(i) for i in range(5)
    ]

    handler.handle(_record("waiting"))
    handler.handle(_record("bad news", logging.WARNING))
    lines = stream.getvalue().splitlines()
    assert lines[-2].endswith("INFO fakekapi.server.access: waiting")
    assert lines[-1].endswith("WARNING fakekapi.server.access: bad news")


async def test_lines_from_other_threads_are_written_at_once() -> None:
    stream = CountingStream()
    handler = logoutput.BatchingStreamHandler(stream)
    handler.setFormatter(logoutput.CachedTimeFormatter())
    handler.handle(_record("from the loop"))
    thread = threading.Thread(target=handler.handle, args=(_record("from a thread"),))
    thread.start()
    thread.join()
    lines = stream.getvalue().splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == ["from the loop", "from a thread"]
    await asyncio.sleep(0)
    handler.flush()
    assert stream.getvalue().count("\n") == 2


def _private_logger(handler: logging.Handler) -> logging.Logger:
    """A logger outside the process's hierarchy (no parent, so no root handlers)."""
    logger = logging.Logger("fakekapi.server.access")
    logger.addHandler(handler)
    return logger


async def test_write_info_writes_what_logger_info_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    direct, ordinary = CountingStream(), CountingStream()
    for stream in (direct, ordinary):
        handler = logoutput.BatchingStreamHandler(stream)
        handler.setFormatter(logoutput.CachedTimeFormatter())
        stream.logger = _private_logger(handler)  # type: ignore[attr-defined]
    for created in (1_700_000_000.0, 1_700_000_000.999, 1_700_000_001.0405):
        monkeypatch.setattr(time, "time", lambda created=created: created)
        message = 'GET /api?x=%s 200 1.0ms user="a b" authz: 100% allowed'
        assert logoutput.write_info(direct.logger, message)  # type: ignore[attr-defined]
        ordinary.logger.handle(_record(message, created=created))  # type: ignore[attr-defined]
    monkeypatch.undo()
    await until_async(lambda: ordinary.getvalue().count("\n") == 3)
    await until_async(lambda: direct.getvalue().count("\n") == 3)
    assert direct.getvalue() == ordinary.getvalue()
    assert direct.writes == 1


def test_write_info_declines_what_it_cannot_do_alike() -> None:
    handler = logoutput.BatchingStreamHandler(io.StringIO())
    handler.setFormatter(logoutput.CachedTimeFormatter())
    logger = _private_logger(handler)
    handler.addFilter(logging.Filter("other"))
    assert not logoutput.write_info(logger, "filtered by the handler")
    handler.filters.clear()
    logger.addHandler(logging.StreamHandler(io.StringIO()))  # a second destination
    assert not logoutput.write_info(logger, "two handlers")
    logger.handlers[1:] = []
    handler.setFormatter(logging.Formatter(logoutput.FORMAT))
    assert not logoutput.write_info(logger, "another formatter")
    handler.setFormatter(logoutput.CachedTimeFormatter())
    quiet = _private_logger(handler)
    quiet.setLevel(logging.WARNING)
    assert not logoutput.write_info(quiet, "INFO is off")
    assert logoutput.write_info(logger, "no loop runs: written at once")
    assert handler.stream.getvalue().endswith(": no loop runs: written at once\n")
