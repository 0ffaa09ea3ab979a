"""store.keys.KeyIndex against a plain sorted list: keys added in any order (generated names
wait in a bucket's pending list until it is read), removed, and ranged by every kind of prefix."""

from __future__ import annotations

import random
from bisect import insort

from fakekapi.store.keys import KeyIndex


def _expected(keys: list[str], prefix: str, start_after: str) -> list[str]:
    return [k for k in keys if k.startswith(prefix) and k > start_after]


def test_the_index_answers_as_a_sorted_list_does() -> None:
    rng = random.Random(15)
    index = KeyIndex()
    reference: list[str] = []
    resources = ["/core/configmaps/", "/core/pods/", "/apps/deployments/", "/core/namespaces/"]
    prefixes = ["", "/", "/core/", "/core/configmaps/", "/core/configmaps/ns1/", "/apps/", "/x"]
    for step in range(6000):
        roll = rng.random()
        if roll < 0.6 or not reference:
            name = "".join(rng.choices("abcxyz0189", k=rng.randint(1, 6)))
            ns = rng.choice(["ns1/", "ns2/", ""])
            key = rng.choice(resources) + ns + name
            if key not in reference:
                index.add(key)
                insort(reference, key)
        elif roll < 0.75:
            key = rng.choice(reference)
            index.remove(key)
            reference.remove(key)
        else:
            prefix = rng.choice(prefixes)
            after = rng.choice(["", *reference[:: max(1, len(reference) // 5)]])
            assert index.range(prefix, after) == _expected(reference, prefix, after), step
        assert len(index) == len(reference)
    for prefix in prefixes:
        assert index.range(prefix) == _expected(reference, prefix, "")


def test_a_removed_key_still_pending_is_gone() -> None:
    index = KeyIndex()
    for key in ("/core/pods/ns/b", "/core/pods/ns/c", "/core/pods/ns/a"):
        index.add(key)  # "a" waits: it does not sort last
    index.remove("/core/pods/ns/a")
    assert index.range("/core/pods/") == ["/core/pods/ns/b", "/core/pods/ns/c"]
    index.remove("/core/pods/ns/b")
    index.remove("/core/pods/ns/c")
    assert index.range("/") == []
    assert len(index) == 0
