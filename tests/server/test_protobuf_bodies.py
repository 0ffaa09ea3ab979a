"""Protobuf at the server level, through a real server (TLS, RBAC, CRD controller): what a client
sending or asking for `application/vnd.kubernetes.protobuf` gets (reference §0.1, issue 3).

* An Accept of protobuf alone is answered at once with kube's 406 Status, never a hang (fakekapi
  answers in JSON or YAML only; kubectl always lists JSON after protobuf).
* Bad protobuf bodies (truncated, wrong magic, unknown kind, a kind that is not the URL's, trailing
  garbage) get kube's 400 Status, and nothing is stored or changed: lists before and after match.
* Custom resources have no protobuf form: the CRD handler's decoder answers 400.
* The review APIs (access, rules, self, token) take protobuf bodies.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from polling import until

from fakekapi import protobuf
from fakekapi.protobuf.encoder import _len
from fakekapi.testing import ServerHandle, running_server

PB = "application/vnd.kubernetes.protobuf"
KUBECTL_ACCEPT = f"{PB},application/json"
NS = "pb-bodies"
CMS = f"/api/v1/namespaces/{NS}/configmaps"
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"
PRIORITY_CLASSES = "/apis/scheduling.k8s.io/v1/priorityclasses"
MEDIA_TYPES = "application/json, application/yaml, application/vnd.kubernetes.protobuf"
CR_GROUP = "pb.example.com"
WIDGETS = f"/apis/{CR_GROUP}/v1/namespaces/{NS}/widgets"
MAGIC = b"k8s\x00"


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    """A failure Status as kube-apiserver writes it (no details)."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def envelope(api_version: str, kind: str, raw: bytes = b"") -> bytes:
    """A `k8s\\0` runtime.Unknown around `raw`, as a Go client builds it."""
    type_meta = _len(1, api_version.encode()) + _len(2, kind.encode())
    return MAGIC + _len(1, type_meta) + _len(2, raw) + _len(3, b"") + _len(4, b"")


class Api:
    """Blocking JSON-speaking calls to the server as the admin."""

    def __init__(self, server: ServerHandle) -> None:
        self.server = server

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "",
        accept: str = "application/json",
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        code, hdrs, data = self.server.request(method, path, body=body, headers=headers, timeout=5)
        parsed: dict[str, Any] = json.loads(data) if data else {}
        return code, hdrs, parsed

    def ok(self, method: str, path: str, obj: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps(obj).encode() if obj is not None else None
        code, _, out = self.call(method, path, body, "application/json" if body else "")
        assert code in (200, 201), (method, path, code, out)
        return out

    def names(self, path: str) -> list[tuple[str, str]]:
        """A list's items as (name, resourceVersion): equal before and after = nothing written."""
        items = self.ok("GET", path)["items"]
        return sorted((i["metadata"]["name"], i["metadata"]["resourceVersion"]) for i in items)


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"widgets.{CR_GROUP}"},
    "spec": {
        "group": CR_GROUP,
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            }
        ],
    },
}


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """One server for the module, with a namespace, a ConfigMap, a Deployment, a served CRD and
    one Widget in it."""
    with running_server() as server:
        api = Api(server)
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}
        api.ok("POST", "/api/v1/namespaces", namespace)
        api.ok("POST", CMS, configmap("existing", a="1"))
        api.ok(
            "POST",
            DEPLOYMENTS,
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web"},
                "spec": {
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                    },
                },
            },
        )
        api.ok("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
        until(lambda: api.call("GET", WIDGETS)[0] == 200, "the Widget CRD to be served")
        api.ok(
            "POST",
            WIDGETS,
            {"apiVersion": f"{CR_GROUP}/v1", "kind": "Widget", "metadata": {"name": "w1"}},
        )
        yield api


# -- Accept: protobuf only ------------------------------------------------------------------

NOT_ACCEPTABLE = status(
    406, "NotAcceptable", f"only the following media types are accepted: {MEDIA_TYPES}"
)


@pytest.mark.parametrize(
    "path",
    [
        CMS,
        f"{CMS}/existing",
        "/api/v1/namespaces",
        f"/api/v1/namespaces/{NS}",
        DEPLOYMENTS,
        f"{DEPLOYMENTS}/web",
        PRIORITY_CLASSES,
        WIDGETS,
        f"{WIDGETS}/w1",
    ],
)
@pytest.mark.parametrize(
    "accept", [PB, f"{PB};as=Table;v=v1;g=meta.k8s.io", f"{PB};q=1, text/html;q=0.5"]
)
def test_protobuf_only_accept_is_406_at_once(api: Api, path: str, accept: str) -> None:
    started = time.monotonic()
    code, headers, body = api.call("GET", path, accept=accept)
    assert (code, body) == (406, NOT_ACCEPTABLE)
    assert headers["Content-Type"] == "application/json"
    assert time.monotonic() - started < 2


def test_protobuf_only_watch_is_406_at_once(api: Api) -> None:
    for accept in (PB, f"{PB};stream=watch"):
        code, _, body = api.call("GET", f"{CMS}?watch=1", accept=accept)
        assert code == 406
        assert body["reason"] == "NotAcceptable" and body["kind"] == "Status"


def test_kubectls_accept_gets_json(api: Api) -> None:
    code, headers, body = api.call("GET", f"{CMS}/existing", accept=KUBECTL_ACCEPT)
    assert code == 200 and headers["Content-Type"] == "application/json"
    assert body["data"] == {"a": "1"}


def test_write_with_protobuf_only_accept_is_406_and_stores_nothing(api: Api) -> None:
    """The create handler negotiates the response before it reads the body."""
    before = api.names(CMS)
    code, _, body = api.call("POST", CMS, protobuf.encode(configmap("never", a="b")), PB, accept=PB)
    assert (code, body) == (406, NOT_ACCEPTABLE)
    assert api.names(CMS) == before


# -- bad bodies ------------------------------------------------------------------------------

GOOD_CM = protobuf.encode(configmap("existing", a="changed"))


def unrecognized(kind: str, err: str, data: bytes) -> str:
    """create.go's wrapping of an undecodable body; summarizeData quotes 30 bytes of it, as text
    when it looks like JSON, in hex otherwise."""
    if not data:
        summary = "<empty>"
    else:
        summary = data[:30].decode() if data[:1] == b"{" else data[:30].hex()
        summary += " ..." if len(data) > 30 else ""
    return f"the object provided is unrecognized (must be of type {kind}): {err} ({summary})"


NOT_PROTOBUF = (
    "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
)
JSON_CM = json.dumps(configmap("existing")).encode()


BAD_CM_BODIES: list[tuple[str, bytes, str]] = [
    ("empty", b"", unrecognized("ConfigMap", "empty data", b"")),
    ("magic-only", MAGIC, unrecognized("ConfigMap", "empty body", MAGIC)),
    ("truncated-envelope", GOOD_CM[:20], unrecognized("ConfigMap", "unexpected EOF", GOOD_CM[:20])),
    (
        "truncated-object",
        envelope("v1", "ConfigMap", b"\x0a\x13\x0a\x03cm1"),
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: unexpected EOF',
    ),
    (
        "wrong-magic",
        b"k9s\x00" + GOOD_CM[4:],
        unrecognized("ConfigMap", NOT_PROTOBUF, b"k9s\x00" + GOOD_CM[4:]),
    ),
    ("json-sent-as-protobuf", JSON_CM, unrecognized("ConfigMap", NOT_PROTOBUF, JSON_CM)),
    (
        "trailing-garbage",
        GOOD_CM + b"\xff",
        unrecognized("ConfigMap", "unexpected EOF", GOOD_CM + b"\xff"),
    ),
    (
        "trailing-zero-tag",
        GOOD_CM + b"\x00\x00",
        unrecognized(
            "ConfigMap", "proto: Unknown: illegal tag 0 (wire type 0)", GOOD_CM + b"\x00\x00"
        ),
    ),
    (
        "unknown-kind",
        envelope("v1", "Frobnicator", b"\x0a\x0a\x0a\x08existing"),
        'Frobnicator in version "v1" cannot be handled as a ConfigMap: no kind "Frobnicator" is '
        'registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
    ),
    (
        "unknown-group",
        envelope("example.com/v1", "Widget"),
        'Widget in version "v1" cannot be handled as a ConfigMap: no kind "Widget" is registered '
        'for version "example.com/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
    ),
    (
        "kind-of-another-resource",
        protobuf.encode({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "existing"}}),
        'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to '
        "(core.ConfigMap): unknown conversion",
    ),
    (
        "kind-of-another-group",
        protobuf.encode(
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "existing"}}
        ),
        'Deployment in version "v1" cannot be handled as a ConfigMap: converting '
        "(v1.Deployment) to (core.ConfigMap): unknown conversion",
    ),
    (
        "wire-type-mismatch",
        envelope("v1", "ConfigMap", b"\x08\x01"),
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: proto: wrong wireType = 0 '
        "for field ObjectMeta",
    ),
]


@pytest.mark.parametrize(
    ("body", "message"),
    [(b, m) for _, b, m in BAD_CM_BODIES],
    ids=[i for i, _, _ in BAD_CM_BODIES],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_bad_protobuf_is_400_and_nothing_is_written(
    api: Api, method: str, body: bytes, message: str
) -> None:
    before = api.names(CMS)
    path = CMS if method == "POST" else f"{CMS}/existing"
    code, headers, answer = api.call(method, path, body, PB, accept=KUBECTL_ACCEPT)
    assert (code, answer) == (400, status(400, "BadRequest", message))
    assert headers["Content-Type"] == "application/json"
    assert api.names(CMS) == before
    assert api.ok("GET", f"{CMS}/existing")["data"] == {"a": "1"}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            DEPLOYMENTS,
            protobuf.encode(configmap("web")),
            'ConfigMap in version "v1" cannot be handled as a Deployment: converting '
            "(v1.ConfigMap) to (apps.Deployment): unknown conversion",
        ),
        (
            DEPLOYMENTS,
            envelope("apps/v1beta2", "Deployment", b"\x0a\x05\x0a\x03new"),
            "the API version in the data (apps/v1beta2) does not match the expected API version "
            "(apps/v1)",
        ),
        (
            PRIORITY_CLASSES,
            protobuf.encode(configmap("pc")),
            'ConfigMap in version "v1" cannot be handled as a PriorityClass: converting '
            "(v1.ConfigMap) to (scheduling.PriorityClass): unknown conversion",
        ),
        (
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            envelope("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
            'SelfSubjectRulesReview in version "v1" cannot be handled as a '
            "SelfSubjectAccessReview: converting (v1.SelfSubjectRulesReview) to "
            "(authorization.SelfSubjectAccessReview): unknown conversion",
        ),
    ],
    ids=["configmap-to-deployments", "other-version", "cluster-scoped", "review-api"],
)
def test_bad_protobuf_for_other_resources(api: Api, path: str, body: bytes, message: str) -> None:
    listable = not path.endswith("reviews")
    before = api.names(path) if listable else []
    code, _, answer = api.call("POST", path, body, PB, accept=KUBECTL_ACCEPT)
    assert (code, answer) == (400, status(400, "BadRequest", message))
    if listable:
        assert api.names(path) == before


def test_other_media_types_and_patches_are_415(api: Api) -> None:
    before = api.names(CMS)
    code, _, answer = api.call("POST", CMS, GOOD_CM, "application/x-protobuf")
    assert (code, answer) == (
        415,
        status(
            415,
            "UnsupportedMediaType",
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{MEDIA_TYPES}",
        ),
    )
    code, _, answer = api.call("PATCH", f"{CMS}/existing", GOOD_CM, PB)
    assert code == 415 and answer["reason"] == "UnsupportedMediaType"
    assert api.names(CMS) == before


# -- custom resources ------------------------------------------------------------------------

CR_400 = status(
    400,
    "BadRequest",
    'Widget in version "v1" cannot be handled as a Widget: '
    "Object 'Kind' is missing in 'object has no kind field '",
)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", WIDGETS), ("PUT", f"{WIDGETS}/w1")],
)
def test_protobuf_custom_resource_is_400(api: Api, method: str, path: str) -> None:
    before = api.names(WIDGETS)
    # However well-formed: the CRD handler decodes into an Unstructured, which protobuf can't fill.
    body = envelope(f"{CR_GROUP}/v1", "Widget", b"\x0a\x04\x0a\x02w2")
    code, _, answer = api.call(method, path, body, PB, accept=KUBECTL_ACCEPT)
    assert (code, answer) == (400, CR_400)
    assert api.names(WIDGETS) == before


def test_custom_resources_still_take_json_and_yaml(api: Api) -> None:
    code, _, _ = api.call(
        "POST",
        WIDGETS,
        b"apiVersion: pb.example.com/v1\nkind: Widget\nmetadata:\n  name: w-yaml\n",
        "application/yaml",
    )
    assert code == 201
    assert "w-yaml" in [n for n, _ in api.names(WIDGETS)]


# -- review APIs -----------------------------------------------------------------------------


def post_protobuf(api: Api, path: str, obj: dict[str, Any]) -> dict[str, Any]:
    code, headers, answer = api.call("POST", path, protobuf.encode(obj), PB, accept=KUBECTL_ACCEPT)
    assert code == 201, answer
    assert headers["Content-Type"] == "application/json"
    return answer


def test_self_subject_access_review_in_protobuf(api: Api) -> None:
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "namespace": NS,
                "verb": "get",
                "resource": "pods",
                "subresource": "log",
                "name": "web",
            }
        },
    }
    answer = post_protobuf(api, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review)
    assert answer["kind"] == "SelfSubjectAccessReview"
    assert answer["spec"] == review["spec"]
    assert answer["status"]["allowed"] is True
    non_resource = {
        **review,
        "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}},
    }
    answer = post_protobuf(
        api, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", non_resource
    )
    assert answer["status"]["allowed"] is True


def test_rules_and_self_reviews_in_protobuf(api: Api) -> None:
    rules = post_protobuf(
        api,
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectRulesReview",
            "spec": {"namespace": NS},
        },
    )
    assert {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]} in rules["status"][
        "resourceRules"
    ]
    me = post_protobuf(
        api,
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert me["status"]["userInfo"]["username"] == "kubernetes-admin"


def test_token_request_and_review_in_protobuf(api: Api) -> None:
    sa = f"/api/v1/namespaces/{NS}/serviceaccounts/default"
    until(lambda: api.call("GET", sa)[0] == 200, "the default ServiceAccount")
    issued = post_protobuf(
        api,
        f"{sa}/token",
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"audiences": ["pb-test"], "expirationSeconds": 3600},
        },
    )
    assert issued["spec"]["expirationSeconds"] == 3600
    review = post_protobuf(
        api,
        "/apis/authentication.k8s.io/v1/tokenreviews",
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenReview",
            "spec": {"token": issued["status"]["token"], "audiences": ["pb-test"]},
        },
    )
    assert review["status"]["authenticated"] is True
    assert review["status"]["user"]["username"] == f"system:serviceaccount:{NS}:default"


def test_good_protobuf_create_and_update(api: Api) -> None:
    """The same bodies, well formed, do write: the refusals above are about the bodies."""
    created = post_protobuf(api, CMS, configmap("pb-new", k="v"))
    assert created["data"] == {"k": "v"}
    current = api.ok("GET", f"{CMS}/pb-new")
    update = {**configmap("pb-new", k="w"), "metadata": current["metadata"]}
    code, _, answer = api.call(
        "PUT", f"{CMS}/pb-new", protobuf.encode(update), PB, accept=KUBECTL_ACCEPT
    )
    assert code == 200 and answer["data"] == {"k": "w"}
