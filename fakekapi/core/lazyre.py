"""Regular expressions compiled at their first use rather than at import.

`re.compile` at module level runs at every start, and sre's parser and compiler are Python: a
pattern costs ~0.1-1 M instructions (the container image reference of registry/defaults.py
the most). Patterns a start does not use (those for CRDs, container images, Go's base64,
`--runtime-config`, ...) are `LazyPattern`s: the call sites stay as they were, and the
pattern is compiled by the first `match`/`fullmatch`/`search`/`findall` (the same object
`re.compile` gives). A use costs one Python call more than a compiled pattern's.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, Generic


class LazyPattern(Generic[AnyStr]):
    """`re.compile(source, flags)`, compiled by its first use."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: AnyStr, flags: int = 0) -> None:
        self._source: AnyStr = source
        self._flags = flags
        self._compiled: re.Pattern[AnyStr] | None = None

    @property
    def compiled(self) -> re.Pattern[AnyStr]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._source, self._flags)
        return compiled

    @property
    def pattern(self) -> AnyStr:
        return self._source

    def match(self, string: AnyStr) -> re.Match[AnyStr] | None:
        return self.compiled.match(string)

    def fullmatch(self, string: AnyStr) -> re.Match[AnyStr] | None:
        return self.compiled.fullmatch(string)

    def search(self, string: AnyStr) -> re.Match[AnyStr] | None:
        return self.compiled.search(string)

    def findall(self, string: AnyStr) -> list[Any]:
        return self.compiled.findall(string)

    def __repr__(self) -> str:
        return f"LazyPattern({self._source!r})"
