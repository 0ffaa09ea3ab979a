"""Resource verbs over HTTP: routing errors, bodies, negotiation, transforms (reference §0, §2, §3).

The registry is a recording stand-in (fakes.py): these tests pin what the HTTP layer does.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import orjson
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient

from fakekapi import protobuf
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from server.conftest import ADMIN, ClientFactory
from server.fakes import FakeRegistry

Client = TestClient[web.Request, web.Application]
CMS = "/api/v1/namespaces/default/configmaps"
TABLE_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
ACCEPTED = "application/json, application/yaml, application/vnd.kubernetes.protobuf"
WIDGETS = ResourceType(
    group="example.com",
    version="v1",
    plural="widgets",
    kind="Widget",
    singular="widget",
    namespaced=True,
    verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
    is_crd=True,
)


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
async def client(make_client: ClientFactory, registry: FakeRegistry, catalog: Catalog) -> Client:
    catalog.register(WIDGETS)
    return await make_client(registry)


def cm(name: str, **data: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


async def _status(r: object) -> dict[str, object]:
    body: dict[str, object] = await r.json()  # type: ignore[attr-defined]
    return body


async def test_create_get_list_delete(client: Client, registry: FakeRegistry) -> None:
    r = await client.post(CMS, json=cm("a", k="v"), headers=ADMIN)
    assert r.status == 201
    assert r.headers["Content-Type"] == "application/json"
    assert (await r.json())["metadata"]["namespace"] == "default"
    r = await client.get(f"{CMS}/a", headers=ADMIN)
    assert r.status == 200 and (await r.json())["data"] == {"k": "v"}
    r = await client.get(CMS, params={"limit": "500"}, headers=ADMIN)
    assert [i["metadata"]["name"] for i in (await r.json())["items"]] == ["a"]
    r = await client.delete(f"{CMS}/a", json={"propagationPolicy": "Background"}, headers=ADMIN)
    assert r.status == 200
    opts = registry.calls[-1][1][3]
    assert opts.propagation_policy == "Background"
    r = await client.get(f"{CMS}/a", headers=ADMIN)
    assert r.status == 404
    assert await r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'configmaps "a" not found',
        "reason": "NotFound",
        "details": {"name": "a", "kind": "configmaps"},
        "code": 404,
    }


async def test_bodies_json_yaml_missing_type_and_protobuf(
    client: Client, registry: FakeRegistry
) -> None:
    r = await client.post(
        CMS,
        data=yaml.safe_dump(cm("y", when="2024-01-01T00:00:00Z")),
        headers={**ADMIN, "Content-Type": "application/yaml"},
    )
    assert r.status == 201
    assert registry.calls[-1][1][2]["data"]["when"] == "2024-01-01T00:00:00Z"
    no_type = {"skip_auto_headers": ["Content-Type"], "headers": ADMIN}
    r = await client.post(CMS, data=orjson.dumps(cm("n")), **no_type)  # type: ignore[arg-type]
    assert r.status == 201, await r.text()
    # kind and apiVersion default from the URL
    r = await client.post(CMS, json={"metadata": {"name": "bare"}}, headers=ADMIN)
    assert r.status == 201
    assert registry.calls[-1][1][2]["kind"] == "ConfigMap"
    body = protobuf.encode(cm("pb", a="b"))
    r = await client.post(
        CMS,
        data=body,
        headers={
            **ADMIN,
            "Content-Type": "application/vnd.kubernetes.protobuf",
            "Accept": "application/vnd.kubernetes.protobuf,application/json",
        },
    )
    assert r.status == 201
    assert r.headers["Content-Type"] == "application/json"
    assert registry.calls[-1][1][2]["data"] == {"a": "b"}


async def test_unsupported_body_type_is_415(client: Client) -> None:
    r = await client.post(CMS, data=b"x", headers={**ADMIN, "Content-Type": "text/plain"})
    assert r.status == 415
    assert await r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the body of the request was in an unknown format - accepted media types "
        f"include: {ACCEPTED}",
        "reason": "UnsupportedMediaType",
        "code": 415,
    }


async def test_protobuf_to_custom_resource_is_400(client: Client) -> None:
    # The CRD handler lists protobuf among its media types; its decoder then fails (400).
    r = await client.post(
        "/apis/example.com/v1/namespaces/default/widgets",
        data=protobuf.encode(cm("x")),
        headers={**ADMIN, "Content-Type": "application/vnd.kubernetes.protobuf"},
    )
    assert r.status == 400
    assert (await r.json())["message"] == (
        'ConfigMap in version "v1" cannot be handled as a Widget: '
        "Object 'Kind' is missing in 'object has no kind field '"
    )


async def test_patch_content_types(client: Client, registry: FakeRegistry) -> None:
    await client.post(CMS, json=cm("p"), headers=ADMIN)
    for ct in (
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/json-patch+json",
    ):
        r = await client.patch(f"{CMS}/p", data=b"{}", headers={**ADMIN, "Content-Type": ct})
        assert r.status == 200, ct
        assert registry.calls[-1][1][3] == ct
    r = await client.patch(
        f"{CMS}/p",
        data=b"{}",
        params={"fieldManager": "kubectl", "force": "false"},
        headers={**ADMIN, "Content-Type": "application/apply-patch+yaml"},
    )
    assert r.status == 200
    r = await client.patch(
        f"{CMS}/p", data=b"{}", headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert r.status == 415
    assert await r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "415: Unsupported Media Type",
        "reason": "UnsupportedMediaType",
        "details": {},
        "code": 415,
    }
    r = await client.patch(
        "/apis/example.com/v1/namespaces/default/widgets/w",
        data=b"{}",
        headers={**ADMIN, "Content-Type": "application/strategic-merge-patch+json"},
    )
    assert r.status == 415
    assert (await r.json())["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )


async def test_decode_errors_are_400(client: Client) -> None:
    r = await client.post(
        CMS, data=b"{not json", headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert r.status == 400
    body = await r.json()
    assert body["reason"] == "BadRequest" and "details" not in body
    assert body["message"].startswith(
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get "
        "version/kind; json parse error: "
    )
    assert body["message"].endswith("({not json)")
    r = await client.post(CMS, json={**cm("x"), "apiVersion": "apps/v1"}, headers=ADMIN)
    assert (await r.json())["message"] == (
        "the API version in the data (apps/v1) does not match the expected API version (v1)"
    )
    r = await client.post(CMS, json={**cm("x"), "kind": "Secret"}, headers=ADMIN)
    assert (await r.json())["message"] == (
        'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to '
        "(core.ConfigMap): unknown conversion"
    )


@pytest.mark.parametrize(
    ("method", "path", "code", "message"),
    [
        (
            "POST",
            f"{CMS}/a",
            405,
            "the server does not allow this method on the requested resource",
        ),
        ("PUT", CMS, 405, "the server does not allow this method on the requested resource"),
        (
            "POST",
            "/api/v1/configmaps",
            405,
            "the server does not allow this method on the requested resource",
        ),
        (
            "GET",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            405,
            "the server does not allow this method on the requested resource",
        ),
        ("GET", "/api/v1/configmaps/a", 404, "the server could not find the requested resource"),
        (
            "GET",
            "/api/v1/namespaces/default/nodes",
            404,
            "the server could not find the requested resource",
        ),
        ("GET", f"{CMS}/a/nosuchsub", 404, "the server could not find the requested resource"),
        ("GET", f"{CMS}/a/b/c", 404, "the server could not find the requested resource"),
        (
            "GET",
            "/api/v1/componentstatuses?watch=true",
            405,
            'watch is not supported on resources of kind "componentstatuses"',
        ),
    ],
)
async def test_router_errors(
    client: Client, method: str, path: str, code: int, message: str
) -> None:
    r = await client.request(method, path, headers=ADMIN, data=b"{}")
    assert r.status == code
    body = await r.json()
    assert body["message"] == message
    if "watch is not" in message:
        assert body["details"] == {"kind": "componentstatuses"}
    else:
        assert body["details"] == {}


async def test_crd_group_without_the_resource_is_plain_404(client: Client) -> None:
    r = await client.get("/apis/example.com/v1/gadgets", headers=ADMIN)
    assert r.status == 404 and await r.text() == "404 page not found\n"


async def test_table_output(client: Client) -> None:
    await client.post(CMS, json=cm("t", a="1", b="2"), headers=ADMIN)
    r = await client.get(CMS, params={"limit": "500"}, headers={**ADMIN, "Accept": TABLE_ACCEPT})
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    table = await r.json()
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    row = table["rows"][0]
    assert row["cells"][:2] == ["t", 2]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["namespace"] == "default"
    assert table["metadata"]["resourceVersion"]
    r = await client.get(f"{CMS}/t", headers={**ADMIN, "Accept": TABLE_ACCEPT})
    assert len((await r.json())["rows"]) == 1
    r = await client.get(
        CMS, headers={**ADMIN, "Accept": "application/json;as=Table;v=v1beta1;g=meta.k8s.io"}
    )
    t = await r.json()
    assert t["apiVersion"] == "meta.k8s.io/v1beta1"
    assert t["rows"][0]["object"]["apiVersion"] == "meta.k8s.io/v1beta1"
    r = await client.get(
        CMS, params={"includeObject": "Object"}, headers={**ADMIN, "Accept": TABLE_ACCEPT}
    )
    assert (await r.json())["rows"][0]["object"]["kind"] == "ConfigMap"
    r = await client.get(
        CMS, params={"includeObject": "x"}, headers={**ADMIN, "Accept": TABLE_ACCEPT}
    )
    assert r.status == 400
    assert (await r.json())["message"] == (
        'Unable to convert to Table as requested: includeObject: Invalid value: "x": must be '
        "'Metadata', 'Object', 'None', or empty"
    )


async def test_table_is_not_offered_for_writes_or_yaml_only_fallbacks(client: Client) -> None:
    r = await client.post(CMS, json=cm("w"), headers={**ADMIN, "Accept": TABLE_ACCEPT})
    assert r.status == 201 and (await r.json())["kind"] == "ConfigMap"
    r = await client.get(
        CMS, headers={**ADMIN, "Accept": "application/json;as=Foo;v=v1;g=meta.k8s.io"}
    )
    assert r.status == 406
    assert (await r.json())["message"] == f"only the following media types are accepted: {ACCEPTED}"


async def test_partial_object_metadata(client: Client) -> None:
    await client.post(CMS, json=cm("m"), headers=ADMIN)
    pom = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
    pomlist = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
    r = await client.get(f"{CMS}/m", headers={**ADMIN, "Accept": pom})
    body = await r.json()
    assert body["kind"] == "PartialObjectMetadata" and body["apiVersion"] == "meta.k8s.io/v1"
    assert body["metadata"]["name"] == "m" and "data" not in body
    r = await client.get(CMS, headers={**ADMIN, "Accept": pomlist})
    body = await r.json()
    assert body["kind"] == "PartialObjectMetadataList"
    assert body["metadata"]["resourceVersion"]
    assert body["items"][0]["kind"] == "PartialObjectMetadata"
    r = await client.get(CMS, headers={**ADMIN, "Accept": pom})
    assert r.status == 406
    assert (await r.json())["message"] == (
        "you requested PartialObjectMetadata, but the requested object is a list "
        "(*core.ConfigMapList)"
    )


async def test_pretty_and_yaml_responses(client: Client) -> None:
    await client.post(CMS, json=cm("pp"), headers=ADMIN)
    r = await client.get(f"{CMS}/pp", headers={**ADMIN, "User-Agent": "Mozilla/5.0 (X11)"})
    assert (await r.text()).startswith('{\n  "apiVersion": "v1",')
    r = await client.get(f"{CMS}/pp", headers={**ADMIN, "User-Agent": "kubectl/v1.33.1"})
    assert (await r.text()).startswith('{"apiVersion":"v1"')
    r = await client.get(f"{CMS}/pp", headers={**ADMIN, "Accept": "application/yaml"})
    assert r.headers["Content-Type"] == "application/yaml"
    assert yaml.safe_load(await r.text())["metadata"]["name"] == "pp"
    r = await client.get(f"{CMS}/nope", headers={**ADMIN, "User-Agent": "curl/8.5.0"})
    assert (await r.text()).startswith("{\n")


async def test_warnings_become_headers(client: Client, registry: FakeRegistry) -> None:
    registry.warnings = ['unknown field "spec.foo"']
    r = await client.post(CMS, json=cm("warn"), headers=ADMIN)
    assert r.headers.getall("Warning") == ['299 - "unknown field \\"spec.foo\\""']


async def test_write_options_reach_the_registry(client: Client, registry: FakeRegistry) -> None:
    r = await client.post(
        CMS,
        json=cm("d"),
        params={"dryRun": "All", "fieldManager": "kubectl-create", "fieldValidation": "Strict"},
        headers=ADMIN,
    )
    assert r.status == 201
    opts = registry.calls[-1][1][3]
    assert opts.dry_run and opts.field_manager == "kubectl-create"
    assert opts.field_validation == "Strict"
    r = await client.post(CMS, json=cm("e"), params={"fieldValidation": "Nope"}, headers=ADMIN)
    assert r.status == 422


async def test_put_and_status_subresource(client: Client, registry: FakeRegistry) -> None:
    pods = "/api/v1/namespaces/default/pods"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}
    r = await client.put(f"{pods}/web", json=pod, headers=ADMIN)
    assert r.status == 201
    r = await client.put(f"{pods}/web/status", json=pod, headers=ADMIN)
    assert r.status == 200
    assert registry.calls[-1][0] == "update" and registry.calls[-1][1][5] == "status"
    r = await client.get(f"{pods}/web/status", headers=ADMIN)
    assert r.status == 200 and (await r.json())["kind"] == "Pod"


async def test_deletecollection_and_namespace_paths(client: Client, registry: FakeRegistry) -> None:
    await client.post(CMS, json=cm("x1"), headers=ADMIN)
    r = await client.delete(CMS, params={"labelSelector": "a=b"}, headers=ADMIN)
    assert r.status == 200
    name, args = registry.calls[-2]
    assert name == "deletecollection" and args[2].label_selector == "a=b"
    r = await client.get("/api/v1/namespaces/default", headers=ADMIN)
    assert registry.calls[-1] == ("get", ("namespaces", "", "default"))
    r = await client.post("/api/v1/namespaces", json={"metadata": {"name": "n1"}}, headers=ADMIN)
    assert r.status == 201 and registry.calls[-1][1][1] == ""


async def test_crash_is_500_status_without_traceback(
    client: Client, registry: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def boom(*args: object) -> dict[str, object]:
        raise RuntimeError("kaput")

    monkeypatch.setattr(registry, "get", boom)
    r = await client.get(f"{CMS}/x", headers=ADMIN)
    assert r.status == 500
    assert await r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Internal error occurred: kaput",
        "reason": "InternalError",
        "details": {"causes": [{"message": "kaput"}]},
        "code": 500,
    }


async def test_content_length_over_limit_is_413_early(client: Client) -> None:
    big = io.BytesIO(b" " * (3 * 1024 * 1024 + 1))
    r = await client.put(f"{CMS}/x", data=big, headers=ADMIN)
    assert r.status == 413


async def test_body_in_pieces_is_read_whole(client: Client) -> None:
    """A chunked body read as it arrives: the pieces joined, and the limit on their sum."""
    body = orjson.dumps({"metadata": {"name": "pieces"}, "data": {"k": "v" * 5000}})

    async def pieces(data: bytes) -> AsyncIterator[bytes]:
        for i in range(0, len(data), 1000):
            yield data[i : i + 1000]
            await asyncio.sleep(0)

    json_body = {**ADMIN, "Content-Type": "application/json"}
    r = await client.post(CMS, data=pieces(body), headers=json_body)
    assert r.status == 201, await r.text()
    assert (await r.json())["data"] == {"k": "v" * 5000}

    async def too_much() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b" " * (1024 * 1024)
            await asyncio.sleep(0)

    r = await client.post(CMS, data=too_much(), headers=json_body)
    assert r.status == 413


async def test_route_accept_mismatch_is_go_restful_406(client: Client) -> None:
    r = await client.get(f"{CMS}/x", headers={**ADMIN, "Accept": "text/html"})
    assert r.status == 406
    assert await r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "406: Not Acceptable\n\nAvailable representations: application/json, "
        "application/yaml, application/vnd.kubernetes.protobuf",
        "reason": "NotAcceptable",
        "details": {},
        "code": 406,
    }
    r = await client.get(CMS, headers={**ADMIN, "Accept": "application/*"})
    assert r.status == 406
    assert (await r.json())["message"].endswith(
        "application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch"
    )
    # A PATCH with the wrong Content-Type is refused before its Accept is looked at.
    r = await client.patch(
        f"{CMS}/x",
        data=b"{}",
        headers={**ADMIN, "Content-Type": "text/plain", "Accept": "text/html"},
    )
    assert r.status == 415
