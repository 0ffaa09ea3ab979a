"""The console's request feed keeps each request's record and shows credentials masked."""

from __future__ import annotations

from multidict import CIMultiDict, CIMultiDictProxy

from fakekapi.core.requestinfo import parse_request_info
from fakekapi.core.user import UserInfo
from fakekapi.server.console.feed import RequestFeed
from fakekapi.server.state import RequestState


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


def test_a_request_state_makes_the_same_record_as_its_facts() -> None:
    """The pipeline hands over its RequestState as it is; the record read later is what the
    facts given one by one make."""
    headers = CIMultiDictProxy(CIMultiDict({"Accept": "application/json"}))
    info = parse_request_info("GET", "/api/v1/namespaces/dev/pods", {})
    jane = UserInfo("jane", groups=("g", "system:authenticated"))
    for user in (jane, None):
        by_state, by_facts = RequestFeed(), RequestFeed()
        st = RequestState(audit_id="a-2", started=0.0, info=info, user=user)
        st.authn_method, st.authn_error = ("token", "") if user else ("", "no credentials")
        st.decision, st.authz_reason, st.authz_explanation = "allow", "RBAC: allowed", "allowed"
        by_state.add_request("GET", "/api/v1/namespaces/dev/pods", 200, 2.5, st, headers, None)
        by_facts.add(
            method="GET", uri="/api/v1/namespaces/dev/pods", code=200, latency_ms=2.5,
            user=user.name if user else "", groups=user.groups if user else (),
            authn=st.authn_method, authn_error=st.authn_error, decision="allow",
            reason="RBAC: allowed", explanation="allowed", verb="list", namespace="dev",
            resource="pods", headers=headers, status=None, audit_id="a-2",
        )  # fmt: skip
        [a], [b] = by_state.recent(), by_facts.recent()
        assert {**a, "time": ""} == {**b, "time": ""}
        assert by_state.users_seen == by_facts.users_seen
