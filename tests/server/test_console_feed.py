"""The console's request feed keeps each request's record and shows credentials masked."""

from __future__ import annotations

from multidict import CIMultiDict, CIMultiDictProxy

from fakekapi.server.console.feed import RequestFeed


def test_records_show_masked_credentials_and_chosen_headers() -> None:
    feed = RequestFeed(capacity=2)
    headers = CIMultiDictProxy(
        CIMultiDict(
            {"Authorization": "Bearer secret-token", "Accept": "application/json", "X-Other": "1"}
        )
    )
    for uri in ("/api/v1/pods", "/fakekapi/v1/requests", "/api/v1/namespaces"):
        feed.add(
            method="GET", uri=uri, code=200, latency_ms=1.25, user="jane", groups=["g"],
            authn="token", authn_error="", decision="allow", reason="", explanation="",
            verb="list", namespace="", resource="pods", headers=headers, status=None,
            audit_id="a-1",
        )  # fmt: skip
    records = feed.recent()
    assert [r["uri"] for r in records] == ["/api/v1/pods", "/api/v1/namespaces"]
    masked = {"Authorization": "Bearer <masked>", "Accept": "application/json"}
    assert records[0]["headers"] == masked
    assert "secret-token" not in str(records)
    assert feed.users_seen == {"jane": ("g",)}
