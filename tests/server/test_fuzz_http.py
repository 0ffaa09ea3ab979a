"""Generated requests against the in-process app over a real Registry and MemoryStore.

Bad input must never crash the server nor lose data: every answer is below 500 (or one of the
500s kube-apiserver itself gives, listed in `KUBE_500S`), every error body is a Status (or Go's
plain `404 page not found`), no request logs an unhandled exception, a failing write leaves the
store's revision where it was, and the server still answers /readyz at the end.

Hypothesis draws methods, URLs built from the catalog (core and grouped, namespaced and
cluster-scoped, odd names, subresources, watches, unknown segments), query parameters (valid
and garbage values), Content-Types and bodies (JSON values, objects shaped like the URL's kind,
the four patch types, malformed JSON/YAML, protobuf, random bytes, deep nesting). Each example
starts from a fresh store with a few seeded objects, so examples do not depend on each other.

`FAKEKAPI_FUZZ_EXAMPLES=3000 pytest tests/server/test_fuzz_http.py` hunts with more examples
(`FAKEKAPI_FUZZ_RANDOM=1`: a new seed each run; `FAKEKAPI_FUZZ_STATS=1 ... -s`: what the answers
were); CI runs the derandomized default.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import io
import json
import logging
import os
import re
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import orjson
import pytest
import yaml
from aiohttp import ClientTimeout, web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from yarl import URL

from fakekapi import protobuf
from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.server.app import build_app
from fakekapi.server.settings import Settings
from fakekapi.store.memory import MemoryStore
from server.conftest import ADMIN, JANE, test_authenticator

EXAMPLES = int(os.environ.get("FAKEKAPI_FUZZ_EXAMPLES", "1200"))
RANDOM = bool(os.environ.get("FAKEKAPI_FUZZ_RANDOM"))
"""Hunting: a new seed each run instead of CI's fixed one."""
CATALOG = Catalog.builtin()
SERVED = [rt for rt in CATALOG.all() if CATALOG.serves(rt.group, rt.version)]
COMMON = [
    CATALOG.lookup(g, "v1", p)
    for g, p in [
        ("", "configmaps"),
        ("", "pods"),
        ("", "namespaces"),
        ("", "services"),
        ("", "secrets"),
        ("apps", "deployments"),
        ("rbac.authorization.k8s.io", "clusterroles"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
    ]
]

KUBE_500S = (
    # strategic-merge-patch: an unknown `$patch` directive (reason "", as kube)
    re.compile(r"^unknown patch type: "),
    # strategic-merge-patch: a list item without the merge key (InternalError)
    re.compile(r"^Internal error occurred: map: .* does not contain declared merge key: "),
    # create with metadata.resourceVersion set
    re.compile(r"^resourceVersion should not be set on objects to be created$"),
    # server-side apply: a field the schema does not declare
    re.compile(r"^failed to create typed patch object "),
    # eviction of a pod that several PodDisruptionBudgets select
    re.compile(r"more than one PodDisruptionBudget"),
)
"""The 500s kube-apiserver itself answers, by Status message."""

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PLAIN_404 = b"404 page not found\n"


# -- the server: one app for the whole module, a fresh registry per example --------------------


class SwitchableRegistry:
    """The app's registry: forwards to the example's own Registry (fresh store each example)."""

    def __init__(self, target: Registry) -> None:
        self.target = target

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


class CrashLog(logging.Handler):
    """Every record logged with a traceback: an exception the server did not expect."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@dataclass
class Harness:
    loop: asyncio.AbstractEventLoop
    client: TestClient[web.Request, web.Application]
    registry: SwitchableRegistry
    crashes: CrashLog
    stores: list[MemoryStore] = field(default_factory=list)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)


T = TypeVar("T")


SEED: list[tuple[str, str, str, dict[str, Any]]] = [
    ("", "namespaces", "", {"metadata": {"name": "ns1"}}),
    ("", "configmaps", "default", {"metadata": {"name": "cm1"}, "data": {"a": "1"}}),
    ("", "secrets", "default", {"metadata": {"name": "s1"}, "stringData": {"k": "v"}}),
    (
        "",
        "pods",
        "default",
        {
            "metadata": {"name": "p1", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    ),
    (
        "",
        "services",
        "default",
        {"metadata": {"name": "svc1"}, "spec": {"ports": [{"port": 80}], "selector": {"a": "b"}}},
    ),
    (
        "apps",
        "deployments",
        "default",
        {
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        },
    ),
    (
        "rbac.authorization.k8s.io",
        "clusterroles",
        "",
        {"metadata": {"name": "cr1"}, "rules": [{"verbs": ["get"], "resources": ["pods"]}]},
    ),
    (
        "policy",
        "poddisruptionbudgets",
        "default",
        {"metadata": {"name": "pdb1"}, "spec": {"selector": {"matchLabels": {"x": "y"}}}},
    ),
]
SEED_NAMES = ["ns1", "cm1", "s1", "p1", "svc1", "web", "cr1", "pdb1", "default", "kube-system"]


async def fresh_registry() -> tuple[Registry, MemoryStore]:
    store = MemoryStore()
    await store.start()
    reg = install(Registry(store, CATALOG))
    await bootstrap(reg)
    for group, plural, ns, obj in SEED:
        rt = CATALOG.lookup(group, "v1", plural)
        assert rt is not None
        body = {"apiVersion": rt.group_version, "kind": rt.kind, **obj}
        await reg.create(rt, ns, body, WriteOptions())
    return reg, store


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    loop = asyncio.new_event_loop()
    crashes = CrashLog()
    loggers = [logging.getLogger("fakekapi"), logging.getLogger("aiohttp")]
    for logger in loggers:
        logger.addHandler(crashes)
    try:
        first, store = loop.run_until_complete(fresh_registry())
        registry = SwitchableRegistry(first)
        app = build_app(
            Settings(data_dir=tmp_path_factory.mktemp("fuzz")),
            registry=registry,
            catalog=CATALOG,
            authenticator=test_authenticator(),
        )
        client: TestClient[web.Request, web.Application] = TestClient(TestServer(app), loop=loop)
        loop.run_until_complete(client.start_server())
        h = Harness(loop, client, registry, crashes, [store])
        try:
            yield h
        finally:
            loop.run_until_complete(client.close())
            for s in h.stores:
                loop.run_until_complete(s.close())
    finally:
        for logger in loggers:
            logger.removeHandler(crashes)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def reset(h: Harness) -> MemoryStore:
    """A fresh registry for the next example (the previous store is closed)."""
    for s in h.stores:
        h.run(s.close())
    reg, store = h.run(fresh_registry())
    h.stores = [store]
    h.registry.target = reg
    return store


# -- strategies ----------------------------------------------------------------------------------

ODD_NAMES = [
    "",
    "a b",
    ".",
    "..",
    "%",
    "%2F",
    "a/b",
    "UPPER",
    "-lead",
    "trail-",
    "x" * 300,
    "名前",
    "a:b",
    "a\x00b",
    "a?b",
    "a#b",
    "a;b",
    "\n",
    "status",
    "watch",
    "namespaces",
]
GARBAGE_SEGMENTS = ["nope", "v1", "watch", "status", "scale", "namespaces", "proxy", "x" * 70, "%"]

segment_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=12
)
names = st.one_of(
    st.sampled_from(SEED_NAMES),
    st.sampled_from(ODD_NAMES),
    st.from_regex(r"[a-z0-9][a-z0-9.-]{0,20}", fullmatch=True),
    segment_text,
)


def enc(segment: str) -> str:
    return quote(segment, safe="")


@dataclass(frozen=True)
class Target:
    path: str
    """Percent-encoded path."""
    rt: ResourceType | None
    subresource: str = ""


@st.composite
def resource_paths(draw: st.DrawFn) -> Target:
    rt = draw(st.one_of(st.sampled_from(SERVED), st.sampled_from(COMMON)))
    assert rt is not None
    prefix = ["apis", rt.group, rt.version] if rt.group else ["api", rt.version]
    prefix = draw(
        st.sampled_from(
            [
                prefix,
                prefix,
                prefix,
                prefix,
                ["apis", "nope.example.com", "v1"],
                ["api", "v2"],
                ["apis", rt.group or "core", "v1beta1"],
                ["apis", "apps"],
                ["apis"],
                ["api"],
            ]
        )
    )
    segs: list[str] = list(prefix)
    if draw(st.integers(0, 9)) == 0:
        segs.append("watch")
    namespaced = rt.namespaced if draw(st.integers(0, 7)) else not rt.namespaced
    if namespaced:
        segs += ["namespaces", draw(st.sampled_from(["default", "default", "kube-system", "gone"]))]
    plural = draw(
        st.sampled_from([rt.plural] * 6 + [rt.kind, rt.singular or "x", "nope", rt.plural.upper()])
    )
    segs.append(plural)
    sub = ""
    if draw(st.booleans()):
        segs.append(draw(names))
        if draw(st.integers(0, 3)) == 0:
            choices = [s.name for s in rt.subresources] or ["status"]
            sub = draw(st.sampled_from([*choices, *choices, "nope"]))
            segs.append(sub)
    if draw(st.integers(0, 19)) == 0:
        segs += draw(st.lists(st.sampled_from(GARBAGE_SEGMENTS), min_size=1, max_size=3))
    return Target("/" + "/".join(enc(s) for s in segs), rt, sub)


OTHER_PATHS = [
    "/",
    "/version",
    "/version/",
    "/healthz",
    "/livez",
    "/readyz",
    "/readyz/ping",
    "/healthz/nope",
    "/livez?verbose",
    "/metrics",
    "/api",
    "/api/",
    "/apis",
    "/apis/",
    "/apis/apps",
    "/apis/apps/v1",
    "/api/v1",
    "/apis/nope",
    "/openapi/v2",
    "/openapi/v3",
    "/openapi/v3/api/v1",
    "/openapi/v3/apis/apps/v1",
    "/openapi/v3/nope",
    "/.well-known/openid-configuration",
    "/openid/v1/jwks",
    "/nope",
    "//",
    "/api//v1",
    "/apis/apps/v1/namespaces",
    "/api/v1/namespaces/default",
    "/api/v1/namespaces/default/status",
    "/api/v1/namespaces/default/finalize",
]

paths = st.one_of(
    resource_paths(),
    resource_paths(),
    resource_paths(),
    st.builds(Target, st.sampled_from(OTHER_PATHS), st.none()),
)

QUERY_VALUES: dict[str, list[str]] = {
    "limit": ["1", "500", "0", "-1", "abc", "99999999999999999999", "1.5", ""],
    "continue": [
        "",
        "abc",
        "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJ4In0",
        "!!!",
        base64.urlsafe_b64encode(b"[" * 1500).decode(),  # URLs stay under aiohttp's 8190 bytes
    ],
    "resourceVersion": ["", "0", "1", "3", "999999", "abc", "-1", "18446744073709551616"],
    "resourceVersionMatch": ["", "NotOlderThan", "Exact", "garbage"],
    "labelSelector": ["", "app=web", "a in (b,c)", "!x", "a==", "=", "a in (", "x" * 70 + "=y"],
    "fieldSelector": [
        "",
        "metadata.name=cm1",
        "metadata.namespace!=default",
        "spec.nodeName=",
        "nope=1",
        "status.phase==Running",
        "=",
        "a,b",
    ],
    "watch": ["true", "false", "1", "0", "t", "garbage", ""],
    "allowWatchBookmarks": ["true", "garbage"],
    "sendInitialEvents": ["true", "false", "x"],
    "timeoutSeconds": ["1", "0", "-5", "abc", "1.5", ""],
    "dryRun": ["All", "all", "None", "", "x"],
    "fieldManager": ["m", "", "x" * 200, "a\x01b", "kubectl"],
    "fieldValidation": ["Strict", "Warn", "Ignore", "strict", "garbage", ""],
    "force": ["true", "false", "x"],
    "propagationPolicy": ["Orphan", "Background", "Foreground", "garbage", ""],
    "gracePeriodSeconds": ["0", "30", "-1", "abc"],
    "orphanDependents": ["true", "x"],
    "includeObject": ["None", "Metadata", "Object", "garbage", ""],
    "pretty": ["true", "1", "false", "garbage"],
    "container": ["c", "nope"],
    "verbose": [""],
    "exclude": ["etcd", "nope"],
}
query_pairs = st.lists(
    st.one_of(
        st.sampled_from(sorted(QUERY_VALUES)).flatmap(
            lambda k: st.tuples(
                st.just(k), st.one_of(st.sampled_from(QUERY_VALUES[k]), segment_text)
            )
        ),
        st.tuples(segment_text, segment_text),
    ),
    max_size=5,
)

CONTENT_TYPES = [
    "application/json",
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "text/plain",
    "application/xml",
    "garbage",
    "application/",
    ";;",
    "*/*",
    None,
]
ACCEPTS = [
    None,
    None,
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/vnd.kubernetes.protobuf,application/json",
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    "application/json;as=Table;v=v1;g=meta.k8s.io",
    "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
    "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
    "application/json;as=APIGroupDiscoveryList;v=v2;g=apidiscovery.k8s.io",
    "application/json;as=Nope;v=v9;g=x",
    "text/html",
    "*/*",
    "garbage;;q=x",
    "application/json;q=abc",
]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)
META_KEYS = [
    "name",
    "generateName",
    "namespace",
    "labels",
    "annotations",
    "resourceVersion",
    "uid",
    "finalizers",
    "ownerReferences",
    "managedFields",
    "deletionTimestamp",
    "creationTimestamp",
    "generation",
]
FIELD_KEYS = [
    "spec",
    "status",
    "data",
    "binaryData",
    "stringData",
    "rules",
    "subjects",
    "roleRef",
    "type",
    "immutable",
    "items",
    "nope",
]


def meta_value(key: str) -> st.SearchStrategy[Any]:
    good: dict[str, st.SearchStrategy[Any]] = {
        "name": names,
        "generateName": st.sampled_from(["gen-", "", "Bad_"]),
        "namespace": st.sampled_from(["default", "other", ""]),
        "labels": st.dictionaries(
            st.sampled_from(["a", "app", "x/y", "bad key"]), st.text(), max_size=2
        ),
        "annotations": st.dictionaries(
            st.sampled_from(["a", "k8s.io/x", ""]), st.text(), max_size=2
        ),
        "resourceVersion": st.sampled_from(["", "1", "5", "abc"]),
        "finalizers": st.lists(st.sampled_from(["a/b", "kubernetes", "bad finalizer"]), max_size=2),
    }
    return st.one_of(good.get(key, json_values), json_values)


@st.composite
def shaped_objects(draw: st.DrawFn, rt: ResourceType | None) -> dict[str, Any]:
    """An object of the URL's kind (mostly), with random metadata and fields of random types."""
    obj: dict[str, Any] = {}
    if rt is not None and draw(st.integers(0, 5)):
        obj["apiVersion"] = rt.group_version
        obj["kind"] = rt.kind
    elif draw(st.booleans()):
        obj["apiVersion"] = draw(st.sampled_from(["v1", "apps/v1", "nope/v1", "", 5]))
        obj["kind"] = draw(st.sampled_from(["ConfigMap", "Pod", "Nope", "", None, "Status"]))
    if draw(st.integers(0, 5)):
        keys = draw(st.lists(st.sampled_from(META_KEYS), max_size=4, unique=True))
        md = {k: draw(meta_value(k)) for k in keys}
        obj["metadata"] = md if draw(st.integers(0, 9)) else draw(json_values)
    for k in draw(st.lists(st.sampled_from(FIELD_KEYS), max_size=3, unique=True)):
        obj[k] = draw(json_values)
    return obj


json_patch_ops = st.lists(
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "nope"]),
            "path": st.sampled_from(
                ["/metadata/labels/a", "/data/x", "/spec", "", "/", "nope", "/a~2b", "/items/-"]
            ),
        },
        optional={"value": json_values, "from": st.sampled_from(["/data/a", "/x", ""])},
    ),
    max_size=4,
)
smp_objects = st.fixed_dictionaries(
    {},
    optional={
        "$patch": st.sampled_from(["replace", "delete", "merge", "nope"]),
        "metadata": st.fixed_dictionaries(
            {},
            optional={
                "labels": st.dictionaries(
                    st.sampled_from(["a", "$patch"]), json_values, max_size=2
                ),
                "finalizers": st.lists(json_values, max_size=2),
            },
        ),
        "spec": st.fixed_dictionaries(
            {},
            optional={
                "containers": st.lists(
                    st.one_of(
                        json_values,
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "name": st.sampled_from(["c", "d"]),
                                "image": st.text(max_size=5),
                                "$patch": st.sampled_from(["delete", "replace", "x"]),
                            },
                        ),
                    ),
                    max_size=3,
                ),
                "$retainKeys": json_values,
                "replicas": json_values,
            },
        ),
        "$setElementOrder/finalizers": json_values,
        "$deleteFromPrimitiveList/finalizers": json_values,
        "data": json_values,
    },
)


DEPTHS = st.sampled_from([50, 250, 260, 500, 900, 1100])


DEEP_MARK = "deep-value-goes-here"


def nested(depth: int) -> bytes:
    """JSON (and so YAML flow) `depth` levels deep, maps and lists alternating."""
    opening = b"".join(b'{"a":' if i % 2 else b"[" for i in range(depth))
    closing = b"".join(b"}" if i % 2 else b"]" for i in reversed(range(depth)))
    return opening + b'"x"' + closing


def deep(n: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * n + b"]" * n
    if kind == "object":
        return b'{"a":' * n + b"1" + b"}" * n
    if kind == "shaped":
        inner = b'{"a":' * n + b"1" + b"}" * n
        return (
            b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"spec":' + inner + b"}"
        )
    return b"- " * n + b"x"  # yaml block sequences


def dump(value: Any, content_type: str | None) -> bytes:
    if content_type and "yaml" in content_type:
        return yaml.safe_dump(value).encode()
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


@st.composite
def bodies(draw: st.DrawFn, target: Target, content_type: str | None) -> bytes | None:
    choice = draw(st.integers(0, 13))
    if choice == 0:
        return None
    if choice == 1:
        return b""
    if choice <= 5:
        value: Any = draw(shaped_objects(target.rt))
    elif choice == 6:
        value = draw(json_values)
    elif choice == 7:
        value = draw(json_patch_ops)
    elif choice == 8:
        value = draw(smp_objects)
    elif choice == 9:
        text = draw(st.sampled_from(['{"a":', "{", "[1,]", "a: [", "a: b: c", "\t- x", "{'a':1}"]))
        return text.encode() + draw(st.binary(max_size=5))
    elif choice == 10:
        return draw(st.binary(max_size=64))
    elif choice == 11:
        n = draw(st.sampled_from([30, 400, 1200, 5000, 20000]))
        return deep(n, draw(st.sampled_from(["list", "object", "shaped", "yaml"])))
    else:
        value = draw(shaped_objects(target.rt))
        if content_type == "application/vnd.kubernetes.protobuf" or draw(st.booleans()):
            try:
                return protobuf.encode(value)
            except Exception:
                return b"k8s\x00" + draw(st.binary(max_size=32))
    try:
        return dump(value, content_type)
    except (TypeError, yaml.YAMLError, orjson.JSONEncodeError):
        return json.dumps(value).encode()  # integers beyond 64 bits


@dataclass(frozen=True)
class Req:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    watchish: bool

    def __repr__(self) -> str:
        body = self.body
        if body is not None and len(body) > 300:
            shown = f"{body[:300]!r}... ({len(body)} bytes)"
        else:
            shown = repr(body)
        return f"Req({self.method} {self.url} {self.headers} body={shown})"


VERB_METHODS = {
    "get": "GET",
    "list": "GET",
    "watch": "GET",
    "create": "POST",
    "update": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "deletecollection": "DELETE",
}
COLLECTION_VERBS = frozenset({"list", "watch", "create", "deletecollection"})
SEEDED = {(g, p): (ns, obj) for g, p, ns, obj in SEED}
WRITE_TYPES = {
    "create": ["application/json"] * 4
    + ["application/yaml", "application/vnd.kubernetes.protobuf"],
    "update": ["application/json"] * 4
    + ["application/yaml", "application/vnd.kubernetes.protobuf"],
    "patch": [
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
        "application/apply-patch+yaml",
    ],
}


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """`value` with one place changed: replaced by a random value, dropped, or given a new key."""
    if (
        depth > 6
        or not isinstance(value, (dict, list))
        or not value
        or draw(st.integers(0, 3)) == 0
    ):
        return draw(json_values) if depth else value
    if isinstance(value, dict):
        key = draw(st.sampled_from(sorted(value)))
        out = dict(value)
        action = draw(st.integers(0, 5))
        if action == 0:
            del out[key]
        elif action == 1:
            new_key = draw(st.one_of(st.sampled_from(FIELD_KEYS), st.text(max_size=8)))
            out[new_key] = draw(json_values)
        else:
            out[key] = draw(mutated(value[key], depth + 1))
        return out
    i = draw(st.integers(0, len(value) - 1))
    return [*value[:i], draw(mutated(value[i], depth + 1)), *value[i + 1 :]]


def template(rt: ResourceType, name: str, namespace: str) -> dict[str, Any]:
    _ns, obj = SEEDED.get((rt.group, rt.plural), ("", {"metadata": {}}))
    body = orjson.loads(orjson.dumps(obj))
    body["metadata"]["name"] = name
    if rt.namespaced and namespace:
        body["metadata"]["namespace"] = namespace
    return {"apiVersion": rt.group_version, "kind": rt.kind, **body}


@st.composite
def plausible_requests(draw: st.DrawFn) -> Req:
    """A request the router accepts: a verb the type has, at its URL, with a body of its kind."""
    seeded = draw(st.booleans())
    if seeded:
        g, p, _ns, _obj = draw(st.sampled_from(SEED))
        rt = CATALOG.lookup(g, "v1", p)
    else:
        rt = draw(st.sampled_from(SERVED))
    assert rt is not None
    subs = [(sub.name, v) for sub in rt.subresources for v in sub.verbs]
    ops = [("", v) for v in rt.verbs if v in VERB_METHODS] + subs
    sub, verb = draw(st.sampled_from(ops))
    if sub == "" and verb in COLLECTION_VERBS:
        name = ""
    elif seeded and draw(st.integers(0, 4)):
        name = str(SEEDED[(rt.group, rt.plural)][1]["metadata"]["name"])
    else:
        name = draw(st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), names))
    namespace = SEEDED.get((rt.group, rt.plural), ("default", {}))[0] or "default"
    prefix = ["apis", rt.group, rt.version] if rt.group else ["api", rt.version]
    segs = [*prefix]
    if verb == "watch" and draw(st.integers(0, 3)) == 0:
        segs.append("watch")
    if rt.namespaced and (verb not in ("list", "watch") or draw(st.integers(0, 3))):
        segs += ["namespaces", namespace]
    segs.append(rt.plural)
    if name:
        segs.append(name)
    if sub:
        segs.append(sub)
    method = VERB_METHODS.get(verb, "POST")
    pairs = draw(query_pairs)
    if verb == "watch" and "watch" not in segs:
        pairs.append(("watch", "true"))
    watchish = "watch" in segs or any(k == "watch" for k, _ in pairs)
    if watchish:
        pairs = [(k, v) for k, v in pairs if k != "timeoutSeconds"] + [("timeoutSeconds", "1")]
    headers = dict(ADMIN)
    content_type = draw(st.sampled_from(WRITE_TYPES.get(verb, [None, "application/json"])))
    if draw(st.integers(0, 9)) == 0:
        content_type = draw(st.sampled_from(CONTENT_TYPES))
    if content_type is not None:
        headers["Content-Type"] = content_type
    accept = draw(st.sampled_from([None, None, None, *ACCEPTS]))
    if accept is not None:
        headers["Accept"] = accept
    body: bytes | None = None
    if method in ("POST", "PUT", "PATCH") or (method == "DELETE" and draw(st.booleans())):
        base = template(rt, name or draw(st.from_regex(r"[a-z]{1,6}", fullmatch=True)), namespace)
        if method == "DELETE":
            base = {"kind": "DeleteOptions", "apiVersion": "v1"}
        for _ in range(draw(st.integers(0, 3))):
            base = draw(mutated(base))
        if content_type == "application/json-patch+json" and draw(st.integers(0, 2)):
            value: Any = draw(json_patch_ops)
        elif content_type == "application/strategic-merge-patch+json" and draw(st.booleans()):
            value = draw(smp_objects)
        elif content_type == "application/merge-patch+json" and draw(st.booleans()):
            value = draw(st.dictionaries(st.sampled_from(FIELD_KEYS), json_values, max_size=3))
        else:
            value = base
        depth = 0
        if isinstance(value, dict) and draw(st.integers(0, 9)) == 0:
            # deep nesting under a field of the object: within orjson's 1024 levels, or beyond
            depth = draw(DEPTHS)
            value = {**value, draw(st.sampled_from(FIELD_KEYS)): DEEP_MARK}
        if content_type == "application/vnd.kubernetes.protobuf":
            try:
                body = protobuf.encode(value)
            except Exception:
                body = b"k8s\x00" + draw(st.binary(max_size=32))
        else:
            try:
                body = dump(value, content_type)
            except (TypeError, yaml.YAMLError, orjson.JSONEncodeError):
                body = json.dumps(value).encode()
        if depth:
            mark = orjson.dumps(DEEP_MARK)
            if mark in body:
                body = body.replace(mark, nested(depth), 1)
            else:  # YAML
                body = body.replace(DEEP_MARK.encode(), nested(depth), 1)
        if draw(st.integers(0, 19)) == 0:
            body = body[: draw(st.integers(0, len(body)))]  # truncated
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    url = "/" + "/".join(enc(x) for x in segs) + ("?" + query if query else "")
    return Req(method, url, headers, body, watchish)


@st.composite
def wild_requests(draw: st.DrawFn) -> Req:
    """Anything: methods, paths and headers drawn independently of each other."""
    target = draw(paths)
    method = draw(
        st.sampled_from(
            ["GET", "GET", "POST", "PUT", "PATCH", "PATCH", "DELETE", "HEAD", "OPTIONS"]
        )
    )
    pairs = draw(query_pairs)
    watchish = "/watch" in target.path or any(k == "watch" for k, _ in pairs)
    if watchish:
        # Watches are bounded: at most a second, whatever the rest of the query says.
        pairs = [(k, v) for k, v in pairs if k != "timeoutSeconds"] + [("timeoutSeconds", "1")]
    headers = dict(
        draw(st.sampled_from([ADMIN] * 12 + [JANE, {}, {"Authorization": "Bearer nope"}]))
    )
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if content_type is not None:
        headers["Content-Type"] = content_type
    accept = draw(st.sampled_from(ACCEPTS))
    if accept is not None:
        headers["Accept"] = accept
    body = draw(bodies(target, content_type)) if method not in ("GET", "HEAD") else None
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    url = target.path + ("?" + query if query else "")
    return Req(method, url, headers, body, watchish)


requests = st.one_of(plausible_requests(), plausible_requests(), wild_requests())


# -- one request and its checks ----------------------------------------------------------------


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    lines: list[bytes]


async def send(h: Harness, req: Req) -> Answer:
    headers = dict(req.headers)
    resp = await h.client.request(
        req.method,
        URL(req.url, encoded=True),
        headers=headers,
        data=io.BytesIO(req.body) if req.body is not None else None,
        timeout=ClientTimeout(total=10),
        skip_auto_headers=("Content-Type",),
    )
    try:
        ctype = resp.headers.get("Content-Type", "")
        streamed = "Content-Length" not in resp.headers
        if resp.status == 200 and req.watchish and req.method == "GET" and streamed:
            # A stream: read what comes at once (the initial events), then hang up.
            lines: list[bytes] = []
            try:
                while True:
                    line = await asyncio.wait_for(resp.content.readline(), 0.05)
                    if not line:
                        break
                    lines.append(line)
            except TimeoutError:
                pass
            return Answer(resp.status, ctype, b"", lines)
        return Answer(resp.status, ctype, await resp.read(), [])
    finally:
        resp.close()


def decode_status(ans: Answer) -> dict[str, Any]:
    value = yaml.safe_load(ans.body) if "yaml" in ans.content_type else orjson.loads(ans.body)
    assert isinstance(value, dict), value
    return value


def allowed_500(status: dict[str, Any]) -> bool:
    message = str(status.get("message", ""))
    return any(p.search(message) for p in KUBE_500S)


def check(req: Req, ans: Answer) -> None:
    where = f"{req.method} {req.url} -> {ans.status} {ans.body[:300]!r}"
    if ans.status >= 400 and req.method != "HEAD":
        if ans.status == 404 and ans.body == PLAIN_404:
            return
        if ans.status == 406 and req.url.startswith("/openapi/") and not ans.body:
            return  # kube-openapi's handler answers an unservable Accept with a bare 406
        if ans.status == 500 and req.url.split("?")[0].rstrip("/").endswith(("z", "/nope")):
            # health checks answer their failures in plain text, as kube's do
            assert ans.body.startswith(b"internal server error") or b"check failed" in ans.body
            return
        status = decode_status(ans)
        assert status.get("kind") == "Status", where
        assert status.get("apiVersion") == "v1", where
        assert status.get("status") == "Failure", where
        assert status.get("code") == ans.status, where
        assert status.get("message"), where
        if ans.status >= 500:
            assert allowed_500(status), where
    elif ans.status >= 500:
        raise AssertionError(where)
    for line in ans.lines:
        event = orjson.loads(line)
        assert event["type"] in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"), where
        if event["type"] == "ERROR":
            code = event["object"].get("code", 0)
            assert code < 500 or allowed_500(event["object"]), (where, event)


def run_requests(h: Harness, reqs: list[Req]) -> None:
    store = reset(h)
    h.crashes.records.clear()
    for req in reqs:
        before = store.revision
        ans = h.run(send(h, req))
        crashed = [h.crashes.format(r) for r in h.crashes.records]
        assert not crashed, f"{req}\n" + "\n".join(crashed)
        check(req, ans)
        STATS[(req.method, ans.status)] += 1
        if ans.status >= 400 and ans.body[:1] == b"{":
            MESSAGES[orjson.loads(ans.body).get("message", "")[:90]] += 1
        after = store.revision
        if req.method not in WRITE_METHODS or ans.status >= 400:
            assert after == before, f"{req.method} {req.url} -> {ans.status} changed the store"
        dry = [v for k, v in _pairs(req.url) if k == "dryRun"]
        if dry and all(v == "All" for v in dry) and ans.status < 400:
            assert after == before, f"dry-run {req.method} {req.url} changed the store"


STATS: collections.Counter[Any] = collections.Counter()
MESSAGES: collections.Counter[Any] = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def _stats() -> Iterator[None]:
    yield
    if os.environ.get("FAKEKAPI_FUZZ_STATS"):
        for k, v in sorted(STATS.items()):
            print(k, v)
        for k, v in MESSAGES.most_common(80):
            print(v, k)


def _pairs(url: str) -> list[tuple[str, str]]:
    return list(URL(url, encoded=True).query.items())


def req(
    method: str,
    path: str,
    body: bytes | None = None,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> Req:
    hs = {**ADMIN, **(headers or {})}
    if content_type is not None:
        hs["Content-Type"] = content_type
    watchish = "watch" in path
    return Req(method, path, hs, body, watchish)


CMS = "/api/v1/namespaces/default/configmaps"
MERGE = "application/merge-patch+json"
AUTHN = "/apis/authentication.k8s.io/v1"
JP = "application/json-patch+json"
DEEP = b"[" * 260 + b"]" * 260
DEEP_BINDING = (
    b'{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p1"},"target":{"name":"n"},"spec":'
    + DEEP
    + b"}"
)
NS1_CONTROL_FIELD = (
    b'{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns1"},"\\u001f":null}'
)
PODS = "/api/v1/namespaces/default/pods"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
SMP = "application/strategic-merge-patch+json"


@pytest.mark.timeout(900)  # a few hundred requests: ~20 s alone, several times that under load
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    # No explain phase: on Python 3.11 it traces every line (sys.settrace), which made a failing
    # example take minutes to report and ended in pytest-timeout instead of the failure.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(reqs=st.lists(requests, min_size=1, max_size=3))
@example(reqs=[req("PATCH", f"{CMS}/cm1", b'{"$patch":"nope"}', SMP)])
@example(reqs=[req("POST", CMS, b'{"metadata":{"name":"x","resourceVersion":"1"}}')])
@example(reqs=[req("POST", CMS, b"[" * 5000 + b"]" * 5000)])
@example(reqs=[req("PUT", f"{CMS}/cm1", b"not json")])
@example(reqs=[req("PATCH", f"{DEPLOYS}/web/scale", b"{}", "garbage")])
@example(reqs=[req("GET", f"{CMS}?watch=true&timeoutSeconds=1&labelSelector=a+in+(")])
@example(reqs=[req("GET", "/api/v1/watch/namespaces/default/pods/p1?timeoutSeconds=1")])
@example(reqs=[req("DELETE", f"{CMS}/cm1?propagationPolicy=garbage")])
@example(reqs=[req("POST", CMS, b"x" * (3 * 1024 * 1024 + 1))])
# Regressions: each of these once crashed the server (see the tests below).
@example(reqs=[req("PUT", "/api/v1/namespaces/ns1", NS1_CONTROL_FIELD)])
@example(reqs=[req("POST", "/api/v1/namespaces", b"metadata: {name: y}\n1: 2", "application/yaml")])
@example(reqs=[req("POST", "/api/v1/namespaces/default/bindings", DEEP_BINDING)])
@example(reqs=[req("POST", f"{AUTHN}/selfsubjectreviews", b'{"metadata":1}')])
@example(reqs=[req("PATCH", f"{DEPLOYS}/web/scale", b'{"spec":[1]}', MERGE)])
@example(reqs=[req("PUT", f"{DEPLOYS}/web/scale", b'{"spec":{"replicas":"5"}}')])
@example(reqs=[req("POST", f"{AUTHN}/tokenreviews", b'{"spec":{"token":"t","audiences":5}}')])
@example(reqs=[req("PATCH", f"{CMS}/cm1", b'{"data":' + b"[" * 3000, MERGE)])
@example(reqs=[req("PATCH", f"{CMS}/cm1", b'[{"op":"add","path":"/x","value":' + DEEP + b"}]", JP)])
@example(
    reqs=[req("GET", f"{CMS}?limit=1&continue=" + base64.urlsafe_b64encode(b"[" * 1500).decode())]
)
def test_fuzz_http(harness: Harness, reqs: list[Req]) -> None:
    run_requests(harness, reqs)


def test_still_serving_after_fuzz(harness: Harness) -> None:
    """Runs after the fuzz test (file order) on the same server."""

    async def readyz() -> int:
        r = await harness.client.get("/readyz")
        return r.status

    assert harness.run(readyz()) == 200


# -- regressions found by the fuzzer ----------------------------------------------------------


async def _send_checked(h: Harness, r: Req) -> tuple[Answer, list[str]]:
    resp = await h.client.request(
        r.method, URL(r.url, encoded=True), headers=r.headers, data=r.body
    )
    body = await resp.read()
    return Answer(resp.status, resp.headers.get("Content-Type", ""), body, []), resp.headers.getall(
        "Warning", []
    )


def test_unknown_field_with_a_control_character(harness: Harness) -> None:
    """An unknown field named "\\x1f" was warned about with the raw control character, which no
    header may carry: aiohttp refused to write the response and dropped the connection. The
    strict decoder quotes field paths with Go's %q, so the warning reads `unknown field "\\x1f"`.
    """
    reset(harness)
    ans, warnings = harness.run(
        _send_checked(harness, req("PUT", "/api/v1/namespaces/ns1", NS1_CONTROL_FIELD))
    )
    assert ans.status == 200, ans
    assert warnings == ['299 - "unknown field \\"\\\\x1f\\""']


def test_yaml_bodies_become_json(harness: Harness) -> None:
    """YAML keys that are not strings (`1: 2`) reached the store's JSON copy and crashed it
    (500 `Dict key must be str`); YAMLToJSON makes them strings, and what JSON cannot hold
    (a null key, NaN) is a 400."""
    store = reset(harness)
    yaml_cm = "application/yaml"
    body = b"metadata: {name: yaml-keys}\ndata: {1: a, false: b, true: c}\n"
    ans, _ = harness.run(_send_checked(harness, req("POST", CMS, body, yaml_cm)))
    assert ans.status == 201, ans
    assert orjson.loads(ans.body)["data"] == {"1": "a", "false": "b", "true": "c"}
    for bad, message in [
        (b"metadata: {name: z}\ndata: {~: a}", "unsupported map key of type: <nil>"),
        (b"metadata: {name: z}\nx: .nan", "json: unsupported value: NaN"),
        (b"&a [*a]", "nests too deeply"),
    ]:
        before = store.revision
        ans, _ = harness.run(_send_checked(harness, req("POST", CMS, bad, yaml_cm)))
        assert ans.status == 400, ans
        assert message in orjson.loads(ans.body)["message"]
        assert store.revision == before
