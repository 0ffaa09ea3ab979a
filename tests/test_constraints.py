"""constraints.txt pins every requirement of pyproject.toml (runtime and test extra) to a release
that satisfies it, so `pip install -c constraints.txt -e '.[test]'` (README, .ci/run) installs
exactly what CI tested. A dependency added without re-running scripts/lock_test_deps.sh fails here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]


def pins() -> dict[str, Version]:
    out: dict[str, Version] = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        assert m, f"constraints.txt: not an exact pin: {line!r}"
        out[canonicalize_name(m[1])] = Version(m[2])
    return out


def requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    listed = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return [Requirement(r) for r in listed]


def test_every_requirement_is_pinned_to_a_release_that_satisfies_it() -> None:
    pinned = pins()
    problems = []
    for req in requirements():
        name = canonicalize_name(req.name)
        if name not in pinned:
            problems.append(f"{req.name}: no pin")
        elif not req.specifier.contains(pinned[name], prereleases=True):
            problems.append(f"{req.name}: pinned {pinned[name]}, pyproject wants {req.specifier}")
    assert problems == [], "run scripts/lock_test_deps.sh: " + "; ".join(problems)


def test_the_package_itself_is_not_pinned() -> None:
    assert "fakekapi" not in pins()


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    """What a new contributor runs is what CI runs: the README's command, as one line of .ci/run."""
    command = "pip install -c constraints.txt -e '.[test]' && python -m pytest"
    assert f"{command}\n" in (REPO / "README.md").read_text()
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert command in ci_lines
