"""Random identifiers and the cached clock text: what the standard library's forms give."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from fakekapi.core import ids
from fakekapi.core.gotime import now_rfc3339


def test_uuid4_is_a_version_4_uuid_in_canonical_form() -> None:
    seen = set()
    for _ in range(3 * ids._BATCH):  # across refills of the pool
        text = ids.uuid4()
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text
        seen.add(text)
    assert len(seen) == 3 * ids._BATCH


def test_threads_never_share_a_uuid() -> None:
    out: list[list[str]] = [[] for _ in range(4)]

    def take(bucket: list[str]) -> None:
        bucket.extend(ids.uuid4() for _ in range(2000))

    threads = [threading.Thread(target=take, args=(bucket,)) for bucket in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [u for bucket in out for u in bucket]
    assert len(set(every)) == len(every) == 8000


def test_now_rfc3339_is_the_current_second_in_utc() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    text = now_rfc3339()
    after = datetime.now(UTC)
    assert before <= datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) <= after
    assert text == now_rfc3339() or text < now_rfc3339()
