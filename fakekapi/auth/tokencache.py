"""The verified-token cache: each distinct token pays for its RSA check once.

Keyed by (token, requested audiences). An entry keeps the outcome of the expensive, pure part of
verification (signature, issuer, audiences, time claims) and of the look-ups, together with the
store revision of every object the look-ups read (ServiceAccount, token Secret, bound Pod/Secret/
Node; "absent" counts as a revision too). A hit is served only while

* the token is not past `exp` (plus the same leeway verification allows), and
* every one of those objects still has the revision it had, checked against the store's
  in-memory index on each hit (a dictionary look-up per object).

The store's revision only grows, with every change to anything it holds: while it has not moved
since an entry's objects were last found unchanged, they still are, and a hit skips looking them up
(`current_revision`; an ObjectLookup without one is asked about every object every time).

So a change to the ServiceAccount, the Secret or the bound object takes effect on the very next
request (well within the 1 s promise, and also for changes another process makes to the same data
dir, once the store has followed its change log); the look-ups are then redone, while the
signature check is not. Failures are never cached: a token that is rejected now may be accepted a
moment later (e.g. once the token controller has filled its Secret). The cache is bounded (LRU).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fakekapi.auth.serviceaccount import (
    LEEWAY,
    Identity,
    ObjectLookup,
    TokenError,
    VerifiedToken,
    resolve_identity,
)

DEFAULT_MAX_ENTRIES = 10_000


@dataclass
class CacheEntry:
    """One verified token: what verification found, and what its users may memoize beside it
    (an entry's identity is replaced when its objects changed, and those memos with it)."""

    verified: VerifiedToken
    identity: Identity
    checked_at: int | None = None
    """The lookup's store revision when the identity's objects were last found unchanged."""
    result: Any = None
    """The authenticator's answer for this identity (made once, on its first hit)."""
    used_day: int = -1
    """The day (days since the epoch, UTC) the identity's legacy token was last reported used
    with nothing left to do that day."""


class TokenCache:
    """Verified tokens by (token, audiences); see the module docstring for the rules."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, tuple[str, ...]], CacheEntry] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(
        self, token: str, audiences: tuple[str, ...], now: float, lookup: ObjectLookup
    ) -> CacheEntry | None:
        """The cached entry, its identity refreshed if a dependency changed; None on a miss."""
        key = (token, audiences)
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        v = entry.verified
        if v.expiry is not None and now - LEEWAY > v.expiry:
            del self._entries[key]
            self.misses += 1
            return None
        if v.not_before is not None and now + LEEWAY < v.not_before:
            self.misses += 1
            return None
        # Read before the objects are: a change landing meanwhile moves it past what is kept.
        current = getattr(lookup, "current_revision", None)
        revision = current() if current is not None else None
        if revision is None or revision != entry.checked_at:
            if not _unchanged(entry.identity, lookup):
                try:
                    identity = resolve_identity(v, token, lookup, now)
                except TokenError:
                    del self._entries[key]
                    self.misses += 1
                    return None
                entry.identity, entry.result, entry.used_day = identity, None, -1
            entry.checked_at = revision
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(
        self, token: str, audiences: Sequence[str], verified: VerifiedToken, identity: Identity
    ) -> None:
        key = (token, tuple(audiences))
        self._entries[key] = CacheEntry(verified, identity)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


def _unchanged(identity: Identity, lookup: ObjectLookup) -> bool:
    # A lookup that can tell a revision without the object (StoreLookup) saves decoding the
    # Secret and ServiceAccount on every request.
    revision = getattr(lookup, "revision_of", None)
    for resource, namespace, name, rev in identity.dependencies:
        if revision is not None:
            found_rev = revision(resource, namespace, name)
            current = found_rev if found_rev is not None else -1
        else:
            found = lookup.get(resource, namespace, name)
            current = found[1] if found is not None else -1
        if current != rev:
            return False
    return True


__all__ = ["CacheEntry", "TokenCache"]
