"""Token file, impersonation plans, the token cache and audit events (pure units)."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auth.helpers import ISSUER, DictLookup, bound_token, legacy_token, obj, sa, token_secret
from fakekapi.auth import impersonation
from fakekapi.auth.audit import (
    AuditLog,
    AuditRecord,
    build_event,
    failed_authentication_event,
)
from fakekapi.auth.authz import Decision
from fakekapi.auth.serviceaccount import ServiceAccountAuthenticator, SigningKey, build_verifier
from fakekapi.auth.tokencache import TokenCache
from fakekapi.auth.tokenfile import TokenFileError, load_token_file, parse_token_csv
from fakekapi.core.errors import PlainHTTPError, StatusError
from fakekapi.core.requestinfo import RequestInfo, parse_request_info
from fakekapi.core.user import UserInfo

# -- token file -------------------------------------------------------------------------------


def test_token_file_records(tmp_path: Path) -> None:
    f = tmp_path / "tokens.csv"
    f.write_text('t1,alice,uid-1\nt2,bob,uid-2,"dev,ops"\n,empty,x\nt1,alice2,uid-3,admins\n')
    auth = load_token_file(f)
    alice = auth.authenticate_token("t1").user
    assert alice == UserInfo("alice2", "uid-3", ("admins", "system:authenticated"))
    bob = auth.authenticate_token("t2").user
    assert bob is not None and bob.groups == ("dev", "ops", "system:authenticated")
    res = auth.authenticate_token("t3")
    assert not res.authenticated and not res.rejected


def test_token_file_errors(tmp_path: Path) -> None:
    with pytest.raises(TokenFileError, match="must have at least 3 columns"):
        parse_token_csv("tok,user\n", "f.csv")
    with pytest.raises(TokenFileError, match="cannot read token file"):
        load_token_file(tmp_path / "missing.csv")


# -- impersonation ----------------------------------------------------------------------------


class Headers(list[tuple[str, str]]):
    def items(self) -> list[tuple[str, str]]:
        return list(self)


class RecordingAuthorizer:
    def __init__(self, deny: set[str] | None = None) -> None:
        self.deny = deny or set()
        self.seen: list[RequestInfo] = []

    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[Decision, str]:
        self.seen.append(info)
        return (Decision.NO_OPINION if info.resource in self.deny else Decision.ALLOW), ""


BOB = UserInfo("bob", groups=("system:authenticated",))


def test_no_impersonation() -> None:
    assert impersonation.plan(Headers([("Accept", "x")])) is None


def test_user_groups_extra_uid() -> None:
    h = Headers(
        [
            ("Impersonate-User", "alice"),
            ("Impersonate-Group", "dev"),
            ("Impersonate-Group", "ops"),
            ("Impersonate-Extra-Scopes%2Fa", "view"),
            ("impersonate-extra-scopes%2Fa", "edit"),
            ("Impersonate-Uid", "u-1"),
        ]
    )
    p = impersonation.plan(h)
    assert p is not None
    az = RecordingAuthorizer()
    user = impersonation.apply(p, BOB, az)
    assert user == UserInfo(
        "alice", "u-1", ("dev", "ops", "system:authenticated"), {"scopes/a": ("view", "edit")}
    )
    assert [(i.resource, i.api_group, i.name, i.subresource) for i in az.seen] == [
        ("users", "", "alice", ""),
        ("groups", "", "dev", ""),
        ("groups", "", "ops", ""),
        ("userextras", "authentication.k8s.io", "view", "scopes/a"),
        ("userextras", "authentication.k8s.io", "edit", "scopes/a"),
        ("uids", "authentication.k8s.io", "u-1", ""),
    ]
    assert all(i.verb == "impersonate" for i in az.seen)


def test_serviceaccount_gets_its_groups() -> None:
    p = impersonation.plan(Headers([("Impersonate-User", "system:serviceaccount:ns:sa1")]))
    assert p is not None
    az = RecordingAuthorizer()
    user = impersonation.apply(p, BOB, az)
    assert user.groups == (
        "system:serviceaccounts",
        "system:serviceaccounts:ns",
        "system:authenticated",
    )
    assert (az.seen[0].resource, az.seen[0].namespace, az.seen[0].name) == (
        "serviceaccounts",
        "ns",
        "sa1",
    )


def test_anonymous_and_unauthenticated_groups() -> None:
    p = impersonation.plan(Headers([("Impersonate-User", "system:anonymous")]))
    assert p is not None and p.user.groups == ("system:unauthenticated",)
    p = impersonation.plan(
        Headers([("Impersonate-User", "x"), ("Impersonate-Group", "system:unauthenticated")])
    )
    assert p is not None and p.user.groups == ("system:unauthenticated",)


def test_denials_use_kubes_message() -> None:
    p = impersonation.plan(Headers([("Impersonate-User", "alice")]))
    assert p is not None
    with pytest.raises(StatusError) as e:
        impersonation.apply(p, BOB, RecordingAuthorizer({"users"}))
    assert e.value.code == 403
    assert e.value.message == (
        'users "alice" is forbidden: User "bob" cannot impersonate resource "users" '
        'in API group "" at the cluster scope'
    )
    p = impersonation.plan(Headers([("Impersonate-User", "system:serviceaccount:ns:sa1")]))
    assert p is not None
    with pytest.raises(StatusError) as e:
        impersonation.apply(p, BOB, RecordingAuthorizer({"serviceaccounts"}))
    assert e.value.message == (
        'serviceaccounts "sa1" is forbidden: User "bob" cannot impersonate resource '
        '"serviceaccounts" in API group "" in the namespace "ns"'
    )


def test_groups_without_user_is_a_plain_500() -> None:
    with pytest.raises(PlainHTTPError) as e:
        impersonation.plan(Headers([("Impersonate-Group", "system:masters")]), "/api?x=<y>")
    assert e.value.code == 500
    assert e.value.body == (
        'Internal Server Error: "/api?x=&lt;y&gt;": requested [{Group  system:masters    }] '
        "without impersonating a user\n"
    )


# -- token cache ------------------------------------------------------------------------------

KEY = SigningKey.generate()


def _cached(lookup: DictLookup, now: float) -> ServiceAccountAuthenticator:
    return ServiceAccountAuthenticator(
        build_verifier(KEY, ISSUER, clock=lambda: now), lookup, TokenCache()
    )


def test_cache_hits_and_invalidation_on_change() -> None:
    lookup = DictLookup()
    lookup.put("serviceaccounts", sa())
    token = legacy_token(KEY, sa(), "demo-token")
    lookup.put("secrets", token_secret("demo-token", token))
    auth = _cached(lookup, time.time())
    assert auth.authenticate_token(token).authenticated
    assert auth.authenticate_token(token).authenticated
    assert auth.cache is not None and auth.cache.hits == 1
    # A change to the Secret (new token) is seen on the very next request.
    lookup.put("secrets", token_secret("demo-token", "rotated"))
    assert auth.authenticate_token(token).error == "Token does not match server's copy"
    lookup.put("secrets", token_secret("demo-token", token))
    assert auth.authenticate_token(token).authenticated
    lookup.delete("serviceaccounts", "default", "demo")
    assert not auth.authenticate_token(token).authenticated
    lookup.put("serviceaccounts", sa(uid="recreated"))
    assert not auth.authenticate_token(token).authenticated


def test_cache_expiry() -> None:
    lookup = DictLookup()
    lookup.put("serviceaccounts", sa())
    now = time.time()
    token = bound_token(KEY, sa(), issued_at=int(now), lifetime=600)
    cache = TokenCache()
    assert _cached_with(lookup, cache, now).authenticate_token(token).authenticated
    later = _cached_with(lookup, cache, now + 600 + 61)
    assert later.authenticate_token(token).error == "service account token has expired"
    assert len(cache) == 0


def _cached_with(lookup: DictLookup, cache: TokenCache, now: float) -> ServiceAccountAuthenticator:
    return ServiceAccountAuthenticator(
        build_verifier(KEY, ISSUER, clock=lambda: now), lookup, cache
    )


def test_cache_bound_object_deleted() -> None:
    lookup = DictLookup()
    lookup.put("serviceaccounts", sa())
    pod = lookup.put("pods", obj("Pod", "web", "p1"))
    token = bound_token(KEY, sa(), pod=pod)
    auth = _cached(lookup, time.time())
    assert auth.authenticate_token(token).authenticated
    lookup.delete("pods", "default", "web")
    assert auth.authenticate_token(token).error == "service account token has been invalidated"


class RevisionLookup(DictLookup):
    """A DictLookup that tells its revision, as StoreLookup does (deletes count as changes)."""

    def delete(self, resource: str, namespace: str, name: str) -> None:
        self.revision += 1
        super().delete(resource, namespace, name)

    def current_revision(self) -> int:
        return self.revision


def test_cache_looks_objects_up_again_only_after_the_store_changed() -> None:
    lookup = RevisionLookup()
    lookup.put("serviceaccounts", sa())
    token = legacy_token(KEY, sa(), "demo-token")
    lookup.put("secrets", token_secret("demo-token", token))
    auth = _cached(lookup, time.time())
    assert auth.authenticate_token(token).authenticated
    assert auth.authenticate_token(token).authenticated  # checks the objects once more
    reads = lookup.reads
    for _ in range(3):
        assert auth.authenticate_token(token).authenticated
    assert lookup.reads == reads  # the store did not change: nothing looked up
    lookup.put("configmaps", obj("ConfigMap", "other", "c1"))
    assert auth.authenticate_token(token).authenticated
    assert lookup.reads == reads + 2  # the ServiceAccount and the Secret, unchanged
    lookup.delete("secrets", "default", "demo-token")
    assert not auth.authenticate_token(token).authenticated  # on the very next request


def test_legacy_use_is_reported_until_nothing_is_left_to_do_that_day() -> None:
    lookup = RevisionLookup()
    lookup.put("serviceaccounts", sa())
    token = legacy_token(KEY, sa(), "demo-token")
    lookup.put("secrets", token_secret("demo-token", token))
    reports: list[tuple[str, str]] = []
    labelled = [False]

    def on_legacy_use(namespace: str, name: str) -> bool:
        reports.append((namespace, name))
        return labelled[0]

    now = [time.time()]
    auth = ServiceAccountAuthenticator(
        build_verifier(KEY, ISSUER, clock=lambda: now[0]),
        lookup,
        TokenCache(),
        on_legacy_use=on_legacy_use,
    )
    for _ in range(3):  # the label is not there yet: every use is reported
        assert auth.authenticate_token(token).authenticated
    assert reports == [("default", "demo-token")] * 3
    labelled[0] = True
    for _ in range(3):  # reported once more, then remembered for the day
        assert auth.authenticate_token(token).authenticated
    assert len(reports) == 4
    lookup.put("secrets", token_secret("demo-token", token))  # the Secret changed
    assert auth.authenticate_token(token).authenticated
    assert len(reports) == 5
    now[0] += 86400  # the next day
    assert auth.authenticate_token(token).authenticated
    assert auth.authenticate_token(token).authenticated
    assert len(reports) == 6


def test_cache_is_bounded() -> None:
    lookup = DictLookup()
    lookup.put("serviceaccounts", sa())
    cache = TokenCache(max_entries=2)
    auth = _cached_with(lookup, cache, time.time())
    for i in range(3):
        auth.authenticate_token(bound_token(KEY, sa(), issued_at=int(time.time()) - i))
    assert len(cache) == 2


# -- audit ------------------------------------------------------------------------------------


def test_audit_event_fields() -> None:
    info = parse_request_info("GET", "/api/v1/namespaces/default/pods/web", {})
    rec = AuditRecord(
        audit_id="a-1",
        request_uri="/api/v1/namespaces/default/pods/web",
        verb=info.verb,
        source_ips=("127.0.0.1",),
        user_agent="kubectl/v1.33.1",
        received=datetime(2025, 1, 1, tzinfo=UTC),
        info=info,
        user=UserInfo("jane", groups=("system:authenticated",)),
        annotations={"authorization.k8s.io/decision": "forbid"},
    )
    ev = build_event(
        rec,
        "ResponseComplete",
        code=403,
        status={"status": "Failure", "message": "m", "reason": "Forbidden", "details": {}},
        now=datetime(2025, 1, 1, 0, 0, 1, 5, tzinfo=UTC),
    )
    assert list(ev) == [
        "kind",
        "apiVersion",
        "level",
        "auditID",
        "stage",
        "requestURI",
        "verb",
        "user",
        "sourceIPs",
        "userAgent",
        "objectRef",
        "responseStatus",
        "requestReceivedTimestamp",
        "stageTimestamp",
        "annotations",
    ]
    assert ev["objectRef"] == {
        "resource": "pods",
        "namespace": "default",
        "name": "web",
        "apiVersion": "v1",
    }
    assert ev["responseStatus"] == {
        "metadata": {},
        "status": "Failure",
        "message": "m",
        "reason": "Forbidden",
        "code": 403,
    }
    assert ev["requestReceivedTimestamp"] == "2025-01-01T00:00:00.000000Z"
    assert ev["stageTimestamp"] == "2025-01-01T00:00:01.000005Z"
    failed = failed_authentication_event(rec, ["bearer"])
    assert failed["user"] == {} and failed["stage"] == "ResponseStarted"
    assert failed["responseStatus"]["message"] == "Authentication failed, attempted: bearer"


def test_audit_log_writes_lines(tmp_path: Path) -> None:
    buf = io.BytesIO()
    log = AuditLog("-", stream=buf)
    log.write({"a": 1})
    log.write({"b": 2})
    assert [json.loads(x) for x in buf.getvalue().splitlines()] == [{"a": 1}, {"b": 2}]
    path = tmp_path / "sub" / "audit.log"
    f = AuditLog(path)
    f.write({"c": 3})
    f.close()
    assert json.loads(path.read_text()) == {"c": 3}
