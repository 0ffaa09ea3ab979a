"""Fixtures shared by the client-library tests.

Each module gets one real server (TLS on a free 127.0.0.1 port, ephemeral data dir): starting one
costs about a second, and the tests keep out of each other's way by using namespaces of their own
(`fresh_namespace`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from fakekapi.testing import ServerHandle, running_server

_counter = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    """A real fakekapi server shared by one test module."""
    with running_server() as s:
        yield s


@pytest.fixture
def ns_name(request: pytest.FixtureRequest) -> str:
    """A namespace name unique within the module, derived from the test's name."""
    base = request.node.name.removeprefix("test_").replace("_", "-").lower()
    return f"{base[:40].strip('-')}-{next(_counter)}"
