"""Resource requests: URL → (type, namespace, name, subresource, verb) → one registry call.

Routing mirrors what go-restful's routes give kube-apiserver (apiserver `endpoints/installer.go`):

* an unknown group or version is Go's plain `404 page not found` (so is a group that only holds
  custom resources, served by the CRD handler);
* an unknown resource, subresource or URL shape under a served built-in group-version is the
  NotFound Status `the server could not find the requested resource` (details {});
* a path with routes, but none for this HTTP method, is 405 MethodNotAllowed;
* watch on a resource without the watch verb is `watch is not supported on resources of kind ...`.

Bodies are read only here, after authorization, with the 3 MiB limit; decoding and response
negotiation live in `negotiation`, the watch stream in `watch`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from aiohttp import web

from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import (
    StatusError,
    bad_request,
    generic_not_found,
    method_not_allowed,
    method_not_supported,
    page_not_found,
    too_large,
)
from fakekapi.core.requestinfo import RequestInfo, exact_field_match
from fakekapi.registry import gcfinalizers
from fakekapi.registry.generic import options as registry_options
from fakekapi.registry.generic import tables
from fakekapi.registry.generic.options import ListOptions
from fakekapi.registry.strategies import table_printer
from fakekapi.server import offload, responses
from fakekapi.server.entrypoints import MAX_BODY_BYTES
from fakekapi.server.handlers import discovery
from fakekapi.server.negotiation import (
    APPLY_PATCH,
    JSON,
    PROTOBUF,
    YAML,
    ExpectedKind,
    Negotiated,
    Target,
    decode_object,
    decode_options_body,
    media_type_of,
    negotiate,
    no_transform,
    patch_type,
    resource_read_transform,
)
from fakekapi.server.offload import offloader
from fakekapi.server.ports import RawListLike, WatchEventLike, WriteResultLike
from fakekapi.server.state import (
    CATALOG,
    REGISTRY,
    WATCHES,
    RequestState,
    state_of,
)
from fakekapi.server.watch import default_watch_timeout, stream_events

if TYPE_CHECKING:
    from fakekapi.catalog.catalog import Catalog

log = logging.getLogger("fakekapi.server")


_WATCH_MEDIA_TYPES = (JSON, PROTOBUF)
"""Serializers with a stream framer: YAML cannot be watched."""

_SUB_METHODS = {"get": "GET", "update": "PUT", "patch": "PATCH", "create": "POST"}
_ITEM_METHODS = {"get": "GET", "update": "PUT", "patch": "PATCH", "delete": "DELETE"}


class Route(NamedTuple):
    """What a resource URL addresses."""

    rt: ResourceType
    namespace: str
    """The namespace for the registry ("" for cluster-scoped types and all-namespace lists)."""
    name: str
    subresource: str
    verb: str
    """The operation: get, list, watch, create, update, patch, delete, deletecollection."""


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refusing more than `limit` bytes with the 413 Status."""
    if request.content_length is not None and request.content_length > limit:
        raise too_large()
    content = request.content
    try:
        # A small body has usually arrived whole with its headers: then it is the first chunk,
        # taken as it is (no copy, no async iterator, no second read to find the end).
        chunk = await content.readany()
        if content.at_eof():
            if len(chunk) > limit:
                raise too_large()
            return chunk
        data = bytearray(chunk)
        while chunk:
            if len(data) > limit:
                raise too_large()
            chunk = await content.readany()
            data += chunk
    except web.RequestPayloadError as e:
        # A body that breaks off or is badly framed: kube's handlers get the read error from
        # Go's body reader, not a Status, and ErrorToAPIStatus makes it a 500 with its text.
        raise StatusError(500, "", " ".join(str(e).split())) from None
    return bytes(data)


def first_values(request: web.Request) -> dict[str, str]:
    """Each query parameter's first value (what Go's url.Values.Get returns)."""
    out: dict[str, str] = {}
    for k, v in request.query.items():
        out.setdefault(k, v)
    return out


def resolve(request: web.Request, info: RequestInfo) -> Route:
    """The Route of a resource request, or the 404/405 kube-apiserver's router answers.

    Memoized by RequestInfo (the pipeline hands out one per method and URL, so clients' repeated
    requests bring the same object) while the catalog has not changed; refusals are not."""
    catalog = request.app[CATALOG]
    routes = state_of(request).parts.caches.routes
    found = routes.get(id(info))
    if found is not None and found[0] is info and found[1] == catalog.generation:
        memoized: Route = found[2]
        return memoized
    route = _resolve(request, info, catalog)
    if len(routes) >= ROUTES_MAX:
        routes.clear()
    routes[id(info)] = (info, catalog.generation, route)  # the info kept: its id stays its own
    return route


ROUTES_MAX = 4096
"""At most this many memoized Routes (the table is emptied when full)."""


def _resolve(request: web.Request, info: RequestInfo, catalog: Catalog) -> Route:
    group, version = info.api_group, info.api_version
    # The URL as the pipeline's RequestInfo split it (kube serves no `proxy/` paths here).
    rest = [] if info.path_verb == "proxy" else list(info.parts)
    rt = catalog.lookup(group, version, rest[0]) if rest else None
    if rt is None and rest:
        rt = catalog.unlisted(group, version, rest[0])
    if rt is None and not catalog.serves(group, version):
        raise page_not_found()
    if rt is None or len(rest) > 3:
        # A group-version of custom resources only is the CRD handler's: Go's plain 404.
        served = catalog.resources(group, version)
        crd_only = not served or all(r.is_crd for r in served)
        raise page_not_found() if crd_only else generic_not_found()
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    methods = _methods(rt, name, sub, info.path_verb == "watch", info.namespaced_path)
    if not methods:
        raise generic_not_found()
    method = "GET" if request.method == "HEAD" else request.method
    verb = methods.get(method)
    if verb is None:
        raise method_not_allowed()
    if verb == "list" and not name and info.verb == "watch":
        verb = "watch"
    if verb in ("list", "watch") and verb not in rt.verbs:
        raise method_not_supported(rt.plural, rt.group, verb)
    return Route(rt, info.namespace if rt.namespaced else "", name, sub, verb)


def _methods(
    rt: ResourceType, name: str, sub: str, legacy_watch: bool, namespaced_url: bool
) -> dict[str, str]:
    """HTTP method → verb for the routes that exist at this URL shape."""
    if rt.namespaced != namespaced_url and (namespaced_url or name):
        return {}  # cluster-scoped type under a namespace, or a namespaced item without one
    if legacy_watch:
        return {"GET": "watch"} if "watch" in rt.verbs and not sub else {}
    if sub:
        s = rt.subresource(sub)
        if s is None:
            return {}
        return {_SUB_METHODS[v]: v for v in s.verbs if v in _SUB_METHODS}
    if name:
        return {_ITEM_METHODS[v]: v for v in rt.verbs if v in _ITEM_METHODS}
    methods: dict[str, str] = {}
    if "list" in rt.verbs or "watch" in rt.verbs:
        methods["GET"] = "list"
    if rt.namespaced and not namespaced_url:
        return methods  # the all-namespaces collection is read-only
    if "create" in rt.verbs:
        methods["POST"] = "create"
    if "deletecollection" in rt.verbs:
        methods["DELETE"] = "deletecollection"
    return methods


_ROUTE_PRODUCES = (JSON, "application/yaml", PROTOBUF)
_LIST_ROUTE_PRODUCES = (*_ROUTE_PRODUCES, f"{JSON};stream=watch", f"{PROTOBUF};stream=watch")


def check_route_accept(accept: str, verb: str) -> None:
    """go-restful's Accept check (jsr311 `matchesAccept`), before the apiserver negotiates.

    Only bare media types count (no `application/*`), compared exactly; `*/*` matches anything.
    No match is go-restful's 406, worded with the route's Produces list and `details: {}`.
    """
    if not accept.strip():
        return
    produces = _LIST_ROUTE_PRODUCES if verb in ("list", "watch") else _ROUTE_PRODUCES
    for clause in accept.split(","):
        media_type = clause.split(";", 1)[0].strip()
        if media_type == "*/*" or media_type in produces:
            return
    raise StatusError(
        406,
        "NotAcceptable",
        "406: Not Acceptable\n\nAvailable representations: " + ", ".join(produces),
        {},
    )


# -- responses --------------------------------------------------------------------------------


def _go_type(rt: ResourceType, is_list: bool) -> str:
    """How `%T` names the object kube-apiserver holds (the internal type) in 406 messages."""
    if rt.is_crd:
        return "*unstructured.UnstructuredList" if is_list else "*unstructured.Unstructured"
    package = rt.group.split(".")[0] if rt.group else "core"
    return f"*{package}.{rt.kind}{'List' if is_list else ''}"


def _retag_meta_version(obj: dict[str, Any], version: str) -> dict[str, Any]:
    """Tables and partial metadata are built as meta.k8s.io/v1; v1beta1 asks for that version."""
    if version == "v1":
        return obj
    api_version = f"{tables.TABLE_API_VERSION.rpartition('/')[0]}/{version}"
    obj["apiVersion"] = api_version
    for row in obj.get("rows") or ():
        o = row.get("object")
        if isinstance(o, dict) and o.get("kind") == "PartialObjectMetadata":
            row["object"] = {**o, "apiVersion": api_version}
    for item in obj.get("items") or ():
        item["apiVersion"] = api_version
    return obj


def _partial(obj: dict[str, Any], version: str) -> dict[str, Any]:
    return _retag_meta_version(tables.partial_object_metadata(obj), version)


def _printer_columns(request: web.Request, rt: ResourceType) -> list[dict[str, Any]] | None:
    """A custom resource's additionalPrinterColumns (None for built-in kinds)."""
    cv = request.app[CATALOG].custom.get(rt.group, rt.version, rt.plural) if rt.is_crd else None
    return cv.printer_columns if cv is not None else None


def transform(
    request: web.Request, rt: ResourceType, obj: dict[str, Any], target: Target, is_list: bool
) -> dict[str, Any]:
    """`doTransformObject` for a get or list result."""
    if target.kind == "Table":
        include = tables.check_include_object(request.query.get("includeObject", ""))
        printer = table_printer(rt, request.app[CATALOG].release)
        if is_list:
            md = obj.get("metadata") or {}
            table = tables.to_table(
                rt,
                list(obj.get("items") or ()),
                printer=printer,
                resource_version=str(md.get("resourceVersion", "")),
                continue_token=str(md.get("continue", "")),
                remaining_item_count=md.get("remainingItemCount"),
                include_object=include,
                printer_columns=_printer_columns(request, rt),
            )
        else:
            rv = str((obj.get("metadata") or {}).get("resourceVersion", ""))
            table = tables.to_table(
                rt,
                [obj],
                printer=printer,
                resource_version=rv,
                include_object=include,
                printer_columns=_printer_columns(request, rt),
            )
        return _retag_meta_version(table, target.version)
    if target.kind == "PartialObjectMetadata":
        if is_list:
            raise StatusError(
                406,
                "NotAcceptable",
                "you requested PartialObjectMetadata, but the requested object is a list "
                f"({_go_type(rt, True)})",
            )
        return _partial(obj, target.version)
    if not is_list:
        raise StatusError(
            406,
            "NotAcceptable",
            "you requested PartialObjectMetadataList, but the requested object is not a list "
            f"({_go_type(rt, False)})",
        )
    md = obj.get("metadata") or {}
    list_md = {k: md[k] for k in ("resourceVersion", "continue", "remainingItemCount") if k in md}
    return _retag_meta_version(
        {
            "kind": "PartialObjectMetadataList",
            "apiVersion": tables.TABLE_API_VERSION,
            "metadata": list_md,
            "items": [tables.partial_object_metadata(i) for i in obj.get("items") or ()],
        },
        target.version,
    )


def _yaml_of_raw_list(raw_list: RawListLike) -> bytes:
    """A stored list as YAML, its items decoded a slice at a time (on a worker thread)."""
    from fakekapi.server import yamlout

    return yamlout.encode_json_items(raw_list.head, raw_list.items)


async def _render(
    request: web.Request, obj: dict[str, Any], neg: Negotiated, status: int = 200
) -> web.Response:
    """The response; YAML and big lists are encoded on a worker thread (`offload`)."""
    pretty = neg.pretty or responses.is_pretty(request)
    if neg.media_type == YAML or offload.big_list(obj):
        encode = offloader(request).run
        body = await encode(responses.encode_body, obj, neg.media_type, pretty)
    else:
        body = responses.encode_body(obj, neg.media_type, pretty)
    return responses.raw_response(body, neg.media_type, status)


async def _written(
    request: web.Request, st: RequestState, result: WriteResultLike, neg: Negotiated
) -> web.Response:
    st.warnings.extend(result.warnings)
    return await _render(request, result.object, neg, 201 if result.created else 200)


async def _decode_object(
    request: web.Request, body: bytes, expected: ExpectedKind
) -> dict[str, Any]:
    """`decode_object`, on a worker thread for a YAML or big protobuf body."""
    content_type = request.headers.get("Content-Type")
    mt = media_type_of(content_type)
    if (mt == YAML and len(body) >= offload.YAML_BYTES) or (
        mt == PROTOBUF and len(body) >= offload.PROTOBUF_BYTES
    ):
        return await offloader(request).run(decode_object, content_type, body, expected)
    return decode_object(content_type, body, expected)


def _json_body(request: web.Request, body: bytes) -> bytes | None:
    """The raw body when it is JSON: the registry's strict decoding finds duplicate keys in it,
    which a decoded dict can no longer show."""
    mt = media_type_of(request.headers.get("Content-Type"))
    return body if mt in ("", JSON) else None


# -- the handler ------------------------------------------------------------------------------


async def handle(request: web.Request) -> web.StreamResponse:
    """Every request under /api and /apis."""
    st = state_of(request)
    info = st.info
    assert info is not None
    if not info.is_resource_request:
        return await discovery.handle(request)
    route = resolve(request, info)
    registry = request.app[REGISTRY]
    rt, ns, name, sub = route.rt, route.namespace, route.name, route.subresource
    query = first_values(request)
    accept = request.headers.get("Accept", "")
    user = st.user
    # go-restful's route selection, in its order: method (405, in resolve), Content-Type of a
    # PATCH (415), Accept (406); custom resources are served outside go-restful.
    ptype = ""
    if route.verb == "patch":
        ptype = patch_type(request.headers.get("Content-Type"), is_crd=rt.is_crd)
    if not rt.is_crd:
        check_route_accept(accept, route.verb)

    if route.verb == "watch":
        return await _watch(request, route, query, accept)

    if route.verb == "get" and sub:
        streamed = await registry.stream_subresource(rt, ns, name, sub, query)
        if streamed is not None:
            return web.Response(body=streamed.body, content_type=streamed.content_type)

    if route.verb in ("get", "list"):
        neg = negotiate(accept, resource_read_transform)
        # Plain compact JSON depends on nothing but the stored bytes: the registry's raw reads
        # hand them over and the body is written without decoding or encoding an object.
        as_stored = (
            neg.target is None
            and neg.media_type == JSON
            and not (neg.pretty or responses.is_pretty(request))
        )
        if route.verb == "list":
            list_opts = registry_options.parse_list_options(query)
            as_yaml = neg.target is None and neg.media_type == YAML
            raw_list = await registry.list_raw(rt, ns, list_opts) if as_stored or as_yaml else None
            if raw_list is not None and as_yaml:
                encode = offloader(request).run
                body = await encode(_yaml_of_raw_list, raw_list)
                return responses.raw_response(body, YAML)
            if raw_list is not None:
                return await responses.write_stored_json(request, raw_list.json_chunks())
            obj = await registry.list_shared(rt, ns, list_opts)
        elif sub and sub != "status":
            obj = await registry.get_subresource(rt, ns, name, sub)
        else:
            raw = await registry.get_raw(rt, ns, name) if as_stored else None
            if raw is not None:
                return responses.stored_json_response(raw)
            obj = await registry.get_shared(rt, ns, name)
        if neg.target is not None and route.verb == "list" and offload.big_list(obj):
            obj = await offloader(request).run(transform, request, rt, obj, neg.target, True)
        elif neg.target is not None:
            obj = transform(request, rt, obj, neg.target, route.verb == "list")
        return await _render(request, obj, neg)

    neg = negotiate(accept, no_transform)
    ua = request.headers.get("User-Agent", "")
    dry_runs = request.query.getall("dryRun", [])
    if route.verb == "create":
        opts = registry_options.parse_write_options(query, "CreateOptions", ua, dry_runs)
        body = await read_body(request)
        expected = ExpectedKind.of(rt, sub, request.app[CATALOG].release)
        obj = await _decode_object(request, body, expected)
        if sub:
            result = await registry.create_subresource(rt, ns, name, sub, obj, opts, user=user)
        else:
            raw = _json_body(request, body)
            result = await registry.create(rt, ns, obj, opts, user=user, raw=raw)
        st.warnings.extend(result.warnings)
        stored = result.stored
        if (
            stored is not None
            and neg.target is None
            and neg.media_type == JSON
            and not (neg.pretty or responses.is_pretty(request))
        ):
            # Compact JSON of what was stored: its bytes as GET writes them (nothing decoded).
            return responses.stored_json_response(stored, 201)
        return await _render(request, result.object, neg, 201)

    if route.verb == "update":
        opts = registry_options.parse_write_options(query, "UpdateOptions", ua, dry_runs)
        body = await read_body(request)
        expected = ExpectedKind.of(rt, sub, request.app[CATALOG].release)
        obj = await _decode_object(request, body, expected)
        raw = _json_body(request, body)
        result = await registry.update(rt, ns, name, obj, opts, subresource=sub, user=user, raw=raw)
        return await _written(request, st, result, neg)

    if route.verb == "patch":
        opts = registry_options.parse_write_options(query, "PatchOptions", ua, dry_runs)
        registry_options.validate_patch_options(opts, ptype == APPLY_PATCH)
        body = await read_body(request)
        result = await registry.patch(rt, ns, name, ptype, body, opts, subresource=sub, user=user)
        return await _written(request, st, result, neg)

    body = await read_body(request)
    options_body = decode_options_body(request.headers.get("Content-Type"), body)
    delete_opts = registry_options.parse_delete_options(query, options_body, dry_runs)
    st.warnings.extend(gcfinalizers.delete_warnings(rt, delete_opts))
    if route.verb == "delete":
        out, code = await registry.delete(rt, ns, name, delete_opts, user=user)
        return await _render(request, out, neg, code)
    list_opts = registry_options.parse_list_options(query)
    out = await registry.delete_collection(rt, ns, list_opts, delete_opts, user=user)
    return await _render(request, out, neg)


async def _watch(
    request: web.Request, route: Route, query: Mapping[str, str], accept: str
) -> web.StreamResponse:
    rt = route.rt
    neg = negotiate(accept, resource_read_transform, _WATCH_MEDIA_TYPES)
    opts: ListOptions = registry_options.parse_list_options({**query, "watch": "true"})
    if route.name:
        selected = exact_field_match(opts.field_selector, "metadata.name")
        if not opts.field_selector:
            opts = opts._replace(field_selector=f"metadata.name={route.name}")
        elif selected is not None and selected != route.name:
            raise bad_request("fieldSelector metadata.name doesn't match requested name")
    include = "Metadata"
    target = neg.target
    if target is not None and target.kind == "Table":
        include = tables.check_include_object(query.get("includeObject", ""))
    # One draw of the watch's length (kube's ListResource), for the stream and the registry's
    # last bookmark alike.
    timeout = float(opts.timeout_seconds) if opts.timeout_seconds else default_watch_timeout()
    events = request.app[REGISTRY].watch(rt, route.namespace, opts, timeout=timeout)
    columns = _printer_columns(request, rt)
    printer = table_printer(rt, request.app[CATALOG].release)
    first = True

    def encode(event: WatchEventLike) -> dict[str, Any] | bytes:
        nonlocal first
        raw = event.raw
        if raw is not None and target is None:
            return responses.stored_watch_line(event.type, raw)
        obj = event.object
        is_status = obj.get("kind") == "Status" and obj.get("apiVersion") == "v1"
        if target is not None and target.kind == "Table":
            try:
                obj = _retag_meta_version(
                    tables.watch_table(
                        rt,
                        obj,
                        printer=printer,
                        include_object=include,
                        with_columns=first,
                        printer_columns=columns,
                    ),
                    target.version,
                )
            except Exception:  # kube logs the failed transform and sends the object itself
                log.exception("Table conversion of a %s watch event failed", rt.qualified)
            first = False
        elif target is not None and target.kind == "PartialObjectMetadata" and not is_status:
            obj = _partial(obj, target.version)
        return {"type": event.type, "object": obj}

    state_of(request).long_running = True
    return await stream_events(
        request, events, encode, tracker=request.app[WATCHES], timeout=timeout
    )
