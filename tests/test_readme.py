"""The README's Python examples call `fakekapi.testing` as its signatures allow (issue 9: the
`spawned_server()` example did not match its signature)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from fakekapi import testing
from fakekapi.server.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def calls(name: str) -> list[ast.Call]:
    found = []
    for block in re.findall(r"```python\n(.*?)```", README.read_text(), re.S):
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if called == name:
                    found.append(node)
    return found


def bind(name: str, call: ast.Call) -> inspect.BoundArguments:
    """Bind the call's arguments (placeholders for their values) to the function's signature."""
    args = [object() for _ in call.args]
    kwargs = {kw.arg: object() for kw in call.keywords if kw.arg is not None}
    return inspect.signature(getattr(testing, name)).bind(*args, **kwargs)


@pytest.mark.parametrize("name", ["spawned_server", "running_server"])
def test_readme_examples_match_the_signatures(name: str) -> None:
    examples = calls(name)
    assert examples, f"the README shows no {name}() call"
    settings = {f.name for f in dataclasses.fields(Settings)}
    for call in examples:
        bind(name, call)
        if name == "spawned_server":  # positional arguments are `serve` flags: strings
            assert all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)
        else:  # keywords are Settings fields
            assert {kw.arg for kw in call.keywords} <= settings
