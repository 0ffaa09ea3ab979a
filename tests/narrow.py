"""Narrowing for optional fields in tests.

The typed clients (the `kubernetes` package's models, kopf's bodies) declare nearly every field
optional, as the OpenAPI schema does; a test that has just created an object knows the server
filled `metadata`, `status` and friends. `present(x)` states that knowledge once, so mypy
narrows the value and a missing field fails the test with the expression's type in the message.

The client's API methods annotate bodies as models, yet send a plain dict unchanged (the tests
pass dicts where a user would); those calls carry `# type: ignore[arg-type]`.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def present(value: T | None) -> T:
    """`value`, asserting the server (or client) filled it in."""
    assert value is not None, "expected a value, got None"
    return value


def as_dict(value: object) -> dict[str, Any]:
    """`value` as the JSON object it is: the kubernetes client declares the answers it does not
    decode into a model (custom objects, a delete's Status) as `object`."""
    assert isinstance(value, dict), f"expected a JSON object, got {type(value).__name__}"
    return value
