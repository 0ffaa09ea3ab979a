"""A sorted index of store keys, grouped by resource so a list never sorts the whole store.

Keys look like `/<group>/<plural>/<namespace>/<name>` or `/<group>/<plural>/<name>`. Their
"bucket" is the part up to and including the third slash (`/<group>/<plural>/`), which every list of
one resource type shares. Each bucket keeps its keys in a sorted Python list (bisect insert/remove:
a memmove of at most a few thousand pointers), so a list of one namespace is two binary searches
plus a slice.

Why concatenating buckets in name order gives the global key order: every key in a bucket starts
with the bucket's name, and two full bucket names (three slashes each) are never prefixes of one
another, so keys of different buckets compare like their bucket names do. A key with fewer than
three slashes is its own bucket (its name is the key itself) and the same argument holds.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

_FEW = 16
"""Pending keys merged one by one (a binary search each) rather than by a sort of the bucket,
which compares every key once even when it finds them all in order."""


def bucket_of(key: str) -> str | None:
    """The resource part of a key or prefix (`/<group>/<plural>/`); None without a third slash."""
    first = key.find("/", 1)
    if first < 0:
        return None
    second = key.find("/", first + 1)
    if second < 0:
        return None
    return key[: second + 1]


class KeyIndex:
    """Sorted keys per bucket, plus the sorted bucket names (for prefixes wider than a resource).

    A key that does not sort last in its bucket waits in the bucket's pending list until the
    bucket is next read or a key is removed from it, then all of them are merged in one sort
    (Timsort: the sorted run plus the pending ones). An insertion in the middle moved half the
    bucket each time: creates with generated names (random, so rarely last) cost ~10 us each
    at 100,000 keys, growing with the bucket."""

    __slots__ = ("_buckets", "_names", "_pending")

    def __init__(self) -> None:
        self._buckets: dict[str, list[str]] = {}
        self._names: list[str] = []
        self._pending: dict[str, list[str]] = {}

    def __len__(self) -> int:
        pending = sum(len(keys) for keys in self._pending.values())
        return sum(len(keys) for keys in self._buckets.values()) + pending

    def add(self, key: str) -> None:
        """Insert a key that is not present yet."""
        name = bucket_of(key) or key
        keys = self._buckets.get(name)
        if keys is None:
            self._buckets[name] = [key]
            insort(self._names, name)
        elif not keys or keys[-1] < key:
            keys.append(key)  # the common case for increasing names: still sorted
        else:
            self._pending.setdefault(name, []).append(key)

    def _sorted(self, name: str) -> list[str] | None:
        """The bucket's keys, its pending ones merged in."""
        keys = self._buckets.get(name)
        pending = self._pending.pop(name, None)
        if keys is not None and pending:
            if len(pending) <= _FEW:
                for key in pending:
                    insort(keys, key)
            else:
                keys += pending
                keys.sort()
        return keys

    def remove(self, key: str) -> None:
        """Remove a present key (a missing one is ignored)."""
        name = bucket_of(key) or key
        keys = self._sorted(name)
        if keys is None:
            return
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            del keys[i]
        if not keys:
            del self._buckets[name]
            j = bisect_left(self._names, name)
            del self._names[j]

    def load(self, keys: list[str]) -> None:
        """Replace the whole index (one sort instead of many inserts)."""
        self._buckets = {}
        self._pending = {}
        for key in sorted(keys):
            self._buckets.setdefault(bucket_of(key) or key, []).append(key)
        self._names = sorted(self._buckets)

    def range(self, prefix: str, start_after: str = "") -> list[str]:
        """Keys starting with prefix and greater than start_after, in sorted order."""
        name = bucket_of(prefix)
        if name is not None:
            keys = self._sorted(name)
            return _slice(keys, prefix, start_after) if keys is not None else []
        out: list[str] = []
        names = self._names
        for i in range(bisect_left(names, prefix), len(names)):
            bucket = names[i]
            if not bucket.startswith(prefix):
                break
            keys = self._sorted(bucket)
            assert keys is not None
            if start_after and keys[-1] <= start_after:
                continue  # the whole bucket sorts at or before start_after
            out += _slice(keys, prefix, start_after)
        return out


def _slice(keys: list[str], prefix: str, start_after: str) -> list[str]:
    """Keys of one sorted bucket under prefix and after start_after: two binary searches."""
    lo = bisect_left(keys, prefix)
    if start_after:
        lo = max(lo, bisect_right(keys, start_after))
    if not prefix:
        return keys[lo:]
    # Every key with the prefix sorts before the prefix with its last character incremented.
    hi = bisect_left(keys, prefix[:-1] + chr(ord(prefix[-1]) + 1), lo)
    return keys[lo:hi]
