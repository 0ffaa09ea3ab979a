"""The console's request feed keeps each request's record and shows credentials masked."""

from __future__ import annotations

from multidict import CIMultiDict, CIMultiDictProxy

from fakekapi.core.requestinfo import parse_request_info
from fakekapi.core.user import UserInfo
from fakekapi.server.console.feed import RequestFeed
from fakekapi.server.state import RequestState


def _state(user: UserInfo | None, uri: str = "/api/v1/namespaces/dev/pods") -> RequestState:
    st = RequestState(audit_id="a-2", started=0.0, info=parse_request_info("GET", uri, {}))
    st.user = user
    st.authn_method, st.authn_error = ("token", "") if user else ("", "no credentials")
    st.decision, st.authz_reason, st.authz_explanation = "allow", "RBAC: allowed", "allowed"
    return st


def test_records_show_masked_credentials_and_chosen_headers() -> None:
    feed = RequestFeed(capacity=2)
    headers = CIMultiDictProxy(
        CIMultiDict(
            {"Authorization": "Bearer secret-token", "Accept": "application/json", "X-Other": "1"}
        )
    )
    jane = UserInfo("jane", groups=("g",))
    for uri in ("/api/v1/pods", "/fakekapi/v1/requests", "/api/v1/namespaces"):
        feed.add_request("GET", uri, 200, 1.25, _state(jane, uri), headers, None)
    records = feed.recent()
    assert [r["uri"] for r in records] == ["/api/v1/pods", "/api/v1/namespaces"]
    masked = {"Authorization": "Bearer <masked>", "Accept": "application/json"}
    assert records[0]["headers"] == masked
    assert "secret-token" not in str(records)
    assert feed.users_seen == {"jane": ("g",)}


def test_a_record_is_read_from_the_request_state() -> None:
    """The pipeline hands over its RequestState as it is; the record read later carries its
    facts, with or without a user."""
    headers = CIMultiDictProxy(CIMultiDict({"Accept": "application/json"}))
    jane = UserInfo("jane", groups=("g", "system:authenticated"))
    for user in (jane, None):
        feed = RequestFeed()
        st = _state(user)
        feed.add_request("GET", "/api/v1/namespaces/dev/pods", 200, 2.5, st, headers, None)
        [record] = feed.recent()
        assert {**record, "time": ""} == {
            "seq": 1,
            "time": "",
            "method": "GET",
            "uri": "/api/v1/namespaces/dev/pods",
            "code": 200,
            "latencyMs": 2.5,
            "user": "jane" if user else "",
            "groups": ["g", "system:authenticated"] if user else [],
            "authentication": "token" if user else "",
            "authenticationError": "" if user else "no credentials",
            "decision": "allow",
            "reason": "RBAC: allowed",
            "explanation": "allowed",
            "verb": "list",
            "namespace": "dev",
            "resource": "pods",
            "headers": {"Accept": "application/json"},
            "status": None,
            "auditID": "a-2",
        }
        assert feed.users_seen == ({"jane": ("g", "system:authenticated")} if user else {})
