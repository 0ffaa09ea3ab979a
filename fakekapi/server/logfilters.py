"""aiohttp's log lines about malformed requests, as one line each.

aiohttp logs every request it cannot parse (a bad request line, header or chunk; a body that is
not what its headers say) with a full traceback at ERROR ("Error handling request from ...").
Go's net/http answers such a request `400 Bad Request` and logs nothing; one short line at INFO
keeps the server log useful without letting any client write tracebacks into it.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

AIOHTTP_SERVER_LOGGER = "aiohttp.server"

_CLIENT_ERRORS = (HttpProcessingError, RequestPayloadError)


class MalformedRequestFilter(logging.Filter):
    """Turns aiohttp's traceback for a client's malformed request into one INFO line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not isinstance(exc, _CLIENT_ERRORS):
            return True
        reason = " ".join(str(exc).split())
        record.args = (record.getMessage(), reason)
        record.msg = "%s: %s"
        record.exc_info = None
        record.exc_text = None
        record.levelno = logging.INFO
        record.levelname = logging.getLevelName(logging.INFO)
        return True


def install() -> None:
    """Add the filter to aiohttp's server logger (once per process)."""
    logger = logging.getLogger(AIOHTTP_SERVER_LOGGER)
    if not any(isinstance(f, MalformedRequestFilter) for f in logger.filters):
        logger.addFilter(MalformedRequestFilter())
