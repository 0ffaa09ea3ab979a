"""Controller expectations, as pkg/controller/controller_utils.go's (UID-tracking) ones.

A controller that created or deleted pods must not act again on a cache that has not seen those
writes yet, or it would create the same replicas twice. It records what it expects; the informer
handlers lower the counts as the watch delivers the changes; `satisfied` says when the cache may
be trusted again (or, as kube's, when the expectations are older than five minutes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

EXPECTATIONS_TIMEOUT = 300.0


@dataclass
class _Expected:
    adds: int = 0
    deletes: set[str] = field(default_factory=set)
    stamp: float = field(default_factory=time.monotonic)


class Expectations:
    def __init__(self) -> None:
        self._by_key: dict[str, _Expected] = {}

    def expect_creations(self, key: str, count: int) -> None:
        self._by_key[key] = _Expected(adds=count)

    def expect_deletions(self, key: str, pod_keys: list[str]) -> None:
        self._by_key[key] = _Expected(deletes=set(pod_keys))

    def creation_observed(self, key: str) -> None:
        exp = self._by_key.get(key)
        if exp is not None and exp.adds > 0:
            exp.adds -= 1

    def deletion_observed(self, key: str, pod_key: str) -> None:
        exp = self._by_key.get(key)
        if exp is not None:
            exp.deletes.discard(pod_key)

    def satisfied(self, key: str) -> bool:
        exp = self._by_key.get(key)
        if exp is None:
            return True
        if exp.adds <= 0 and not exp.deletes:
            return True
        return time.monotonic() - exp.stamp > EXPECTATIONS_TIMEOUT

    def delete(self, key: str) -> None:
        self._by_key.pop(key, None)
