"""Waiting for a condition in tests: the suite's one polling helper.

Controllers, informers, kubelets and operators act asynchronously, as on a real cluster, so a
test states what must *eventually* hold and polls for it with a deadline; it never sleeps for
readiness. The deadline is generous (only a failing test ever reaches it), so a loaded machine
makes a test slower, never red.

Two kinds of check, one loop:
- `until(check)` / `await until_async(check)`: the check returns something truthy once the
  condition holds (and that value is returned), falsy until then. An AssertionError from the
  check also means "not yet"; at the deadline the last one is raised.
- `await eventually(check)`: the check is a block of assertions (an async function); it holds
  once it returns without an AssertionError, a KeyError (a field not written yet) or a 404
  StatusError (an object not created yet). Its return value, whatever it is, is returned.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

from fakekapi.core.errors import StatusError

T = TypeVar("T")

TIMEOUT = 60.0
"""Seconds before a condition counts as never reached."""

SYNC_INTERVAL = 0.02
ASYNC_INTERVAL = 0.005


class _Deadline:
    """The deadline and the reason to give when it passes."""

    def __init__(self, what: str, timeout: float) -> None:
        self.what = what
        self.timeout = timeout
        self.at = time.monotonic() + timeout
        self.last: AssertionError | None = None

    def check(self) -> None:
        if time.monotonic() > self.at:
            message = f"not reached within {self.timeout:g} s: {self.what}"
            raise AssertionError(message) from self.last


def until(
    check: Callable[[], T | None],
    what: str = "the condition",
    *,
    timeout: float = TIMEOUT,
    retry_on: tuple[type[Exception], ...] = (),
) -> T:
    """Poll `check` (blocking) until it returns something truthy, and return that. Exceptions
    of the `retry_on` types also mean "not yet" (a browser's stale element, say)."""
    deadline = _Deadline(what, timeout)
    while True:
        try:
            value = check()
        except AssertionError as e:
            deadline.last = e
        except retry_on:
            pass
        else:
            if value:
                return value
        deadline.check()
        time.sleep(SYNC_INTERVAL)


@overload
async def until_async(
    check: Callable[[], Awaitable[T | None]], what: str = ..., *, timeout: float = ...
) -> T: ...


@overload
async def until_async(
    check: Callable[[], T | None], what: str = ..., *, timeout: float = ...
) -> T: ...


async def until_async(
    check: Callable[[], Awaitable[T | None] | T | None],
    what: str = "the condition",
    *,
    timeout: float = TIMEOUT,
) -> T:
    """Poll `check` (a function or a coroutine function) on the running loop until it returns
    something truthy, and return that."""
    deadline = _Deadline(what, timeout)
    while True:
        try:
            result = check()
            value: T | None = await result if inspect.isawaitable(result) else result
        except AssertionError as e:
            deadline.last = e
        else:
            if value:
                return value
        deadline.check()
        await asyncio.sleep(ASYNC_INTERVAL)


async def eventually(
    check: Callable[[], Awaitable[T]], what: str = "the assertions", *, timeout: float = TIMEOUT
) -> T:
    """Run the assertions of `check` until they pass, and return what it returns."""
    deadline = _Deadline(what, timeout)
    while True:
        try:
            return await check()
        except (AssertionError, KeyError, StatusError) as e:
            if isinstance(e, StatusError) and e.code != 404:
                raise
            if time.monotonic() > deadline.at:
                raise
        await asyncio.sleep(ASYNC_INTERVAL)
