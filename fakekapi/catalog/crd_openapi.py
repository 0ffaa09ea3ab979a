"""Custom resource versions the catalog serves, and their OpenAPI v3 documents.

A `CustomVersion` is what the rest of the server needs to know about one served version of a
CustomResourceDefinition beyond its ResourceType: the structural schema (validation, pruning,
defaulting), the printer columns (Tables), the status/scale subresource paths. The catalog keeps
them in a `CustomResources` (its `custom` attribute), keyed like the ResourceTypes.

The OpenAPI v3 document of a custom group-version (`/openapi/v3/apis/<group>/<version>`) is built
here as apiextensions-apiserver's builder does: one schema per kind named after the reversed
group (`com.example.v1.Widget`, with `x-kubernetes-group-version-kind`), its List, the meta types
they refer to (copied from the built-in documents, so descriptions read as on a real cluster), and
the resource paths. Documents are built on first use and dropped whenever a CRD changes; their
hash is the SHA-512 of the bytes served, so `kubectl explain` and other v3 caches notice changes.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_META_SOURCE = "apis/apiextensions.k8s.io/v1"
"""A built-in document holding every meta type a custom resource document refers to."""

_API_VERSION_DOC = (
    "APIVersion defines the versioned schema of this representation of an object. Servers "
    "should convert recognized schemas to the latest internal value, and may reject "
    "unrecognized values. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"
)
_KIND_DOC = (
    "Kind is a string value representing the REST resource this object represents. Servers may "
    "infer this from the endpoint the client submits requests to. Cannot be updated. In "
    "CamelCase. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)
_METADATA_DOC = (
    "Standard object's metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
_LIST_METADATA_DOC = (
    "Standard list metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)


# The write parameters of custom resource operations (v2 form; v3 wraps type in a schema).
_DRY_RUN: dict[str, Any] = {
    "description": (
        "When present, indicates that modifications should not be persisted. An invalid or "
        "unrecognized dryRun directive will result in an error response and no further processing "
        "of the request. Valid values are: - All: all dry run stages will be processed"
    ),
    "in": "query",
    "name": "dryRun",
    "type": "string",
    "uniqueItems": True,
}
_FIELD_MANAGER: dict[str, Any] = {
    "description": (
        "fieldManager is a name associated with the actor or entity that is making these "
        "changes. The value must be less than or 128 characters long, and only contain printable "
        "characters, as defined by https://golang.org/pkg/unicode/#IsPrint."
    ),
    "in": "query",
    "name": "fieldManager",
    "type": "string",
    "uniqueItems": True,
}
_FIELD_VALIDATION: dict[str, Any] = {
    "description": (
        "fieldValidation instructs the server on how to handle objects in the request "
        "(POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: "
        "This will ignore any unknown fields that are silently dropped from the object, and will "
        "ignore all but the last duplicate field that the decoder encounters. This is the default "
        "behavior prior to v1.23. - Warn: This will send a warning via the standard warning "
        "response header for each unknown field that is dropped from the object, and for each "
        "duplicate field that is encountered. The request will still succeed if there are no "
        "other errors, and will only persist the last of any duplicate fields. This is the "
        "default in v1.23+ - Strict: This will fail the request with a BadRequest error if any "
        "unknown fields would be dropped from the object, or if any duplicate fields are present. "
        "The error returned from the server will contain all unknown and duplicate fields "
        "encountered."
    ),
    "in": "query",
    "name": "fieldValidation",
    "type": "string",
    "uniqueItems": True,
}
_FORCE: dict[str, Any] = {
    "description": (
        'Force is going to "force" Apply requests. It means user will re-acquire conflicting '
        "fields owned by other people. Force flag must be unset for non-apply patch requests."
    ),
    "in": "query",
    "name": "force",
    "type": "boolean",
    "uniqueItems": True,
}


def _v3_parameter(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": p["name"],
        "in": p["in"],
        "description": p["description"],
        "schema": {"type": p["type"], "uniqueItems": True},
    }


def _v3_parameters(action: str) -> list[dict[str, Any]]:
    """Inline, as kube's: kubectl's QueryParamVerifierV3 looks for `fieldValidation` among a
    GVK's patch parameters and validates client-side when they lack it."""
    if action in ("post", "put"):
        return [_v3_parameter(p) for p in (_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION)]
    if action == "patch":
        return [_v3_parameter(p) for p in (_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION, _FORCE)]
    if action in ("delete", "deletecollection"):
        return [_v3_parameter(_DRY_RUN)]
    return []


@dataclass
class CustomVersion:
    """One served version of a CustomResourceDefinition."""

    crd_name: str
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    list_kind: str
    namespaced: bool
    schema: dict[str, Any] | None = None
    """The version's openAPIV3Schema (None: no schema, everything is kept)."""
    printer_columns: list[dict[str, Any]] = field(default_factory=list)
    """additionalPrinterColumns, as in the CRD (empty: the default Age column)."""
    status: bool = False
    """The status subresource is enabled."""
    scale: dict[str, Any] | None = None
    """The scale subresource (specReplicasPath, statusReplicasPath, labelSelectorPath)."""
    generation: str = ""
    """Changes whenever the CRD changes (its resourceVersion): the document cache key."""


def schema_name(group: str, version: str, kind: str) -> str:
    """`com.example.v1.Widget`: the definition name apiextensions' builder gives a kind."""
    return ".".join(reversed(group.split("."))) + f".{version}.{kind}"


class CustomResources:
    """The custom versions of one catalog, with their OpenAPI v3 documents."""

    def __init__(self, release: str | None = None) -> None:
        self.release = release
        """The release whose ObjectMeta schemas the documents use (None: the default)."""
        self._versions: dict[tuple[str, str, str], CustomVersion] = {}
        self._docs: dict[str, tuple[bytes, str]] = {}
        self._v2: dict[tuple[int, bool], tuple[Any, bytes, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, group: str, version: str, plural: str) -> CustomVersion | None:
        """The custom version served at /apis/GROUP/VERSION/PLURAL, or None."""
        return self._versions.get((group, version, plural))

    def put(self, cv: CustomVersion) -> None:
        """Add or replace a custom version (its group-version document is rebuilt)."""
        with self._lock:
            self._versions[(cv.group, cv.version, cv.plural)] = cv
            self._docs.pop(f"apis/{cv.group}/{cv.version}", None)

    def remove(self, group: str, version: str, plural: str) -> None:
        with self._lock:
            self._versions.pop((group, version, plural), None)
            self._docs.pop(f"apis/{group}/{version}", None)

    def all(self) -> list[CustomVersion]:
        return list(self._versions.values())

    # -- OpenAPI v2 -------------------------------------------------------------------------

    def v2_document(self, base: bytes, protobuf: bool) -> bytes:
        """The served v2 document `base` (JSON or gnostic protobuf) with every custom version
        merged in (crd_openapi_v2.py); `base` itself when there are none. Cached until a CRD
        or the base changes."""
        versions = self.all()
        if not versions:
            return base
        state = (id(base), protobuf, tuple(sorted((cv.crd_name, cv.generation) for cv in versions)))
        hit = self._v2.get((id(base), protobuf))
        if hit is not None and hit[0] == state and hit[1] is base:
            return hit[2]
        from fakekapi.catalog import crd_openapi_v2

        merge = crd_openapi_v2.merged_protobuf if protobuf else crd_openapi_v2.merged_json
        data = merge(base, versions)
        with self._lock:
            self._v2[(id(base), protobuf)] = (state, base, data)
        return data

    # -- OpenAPI v3 -------------------------------------------------------------------------

    def v3_keys(self) -> list[str]:
        """`apis/G/V` of every custom group-version (not those of built-in groups)."""
        return sorted({f"apis/{cv.group}/{cv.version}" for cv in self._versions.values()})

    def v3_document(self, key: str) -> bytes | None:
        """The document of a custom group-version, or None."""
        hit = self._entry(key.strip("/"))
        return hit[0] if hit else None

    def v3_hash(self, key: str) -> str:
        hit = self._entry(key.strip("/"))
        return hit[1] if hit else ""

    def _entry(self, key: str) -> tuple[bytes, str] | None:
        hit = self._docs.get(key)
        if hit is not None:
            return hit
        parts = key.split("/")
        if len(parts) != 3 or parts[0] != "apis":
            return None
        with self._lock:
            versions = [
                cv for cv in self._versions.values() if (cv.group, cv.version) == tuple(parts[1:])
            ]
            if not versions:
                return None
            data = json.dumps(
                build_document(versions, self.release), separators=(",", ":")
            ).encode()
            hit = (data, _builtin_openapi().etag(data))
            self._docs[key] = hit
            return hit


def _builtin_openapi() -> Any:
    """The built-in documents' module, imported by the first CRD document asked for: every
    catalog holds a CustomResources, and a start without CRDs never builds one (with its
    store and gnostic: -2 M instructions of a warm start)."""
    from fakekapi.catalog import openapi

    return openapi


def _meta_schemas(release: str | None = None) -> dict[str, Any]:
    raw = _builtin_openapi().v3_document(_META_SOURCE, release)
    if raw is None:  # pragma: no cover - the generated documents always include it
        return {}
    schemas: dict[str, Any] = json.loads(raw)["components"]["schemas"]
    return {k: v for k, v in schemas.items() if k.startswith("io.k8s.apimachinery.")}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _refs(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            out.add(ref.rsplit("/", 1)[-1])
        for v in node.values():
            _refs(v, out)
    elif isinstance(node, list):
        for v in node:
            _refs(v, out)


def _kind_schema(cv: CustomVersion) -> dict[str, Any]:
    """The version's schema with the standard fields kube adds (apiVersion, kind, metadata)."""
    schema: dict[str, Any] = copy.deepcopy(cv.schema) if cv.schema else {"type": "object"}
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"description": _API_VERSION_DOC, "type": "string"}
    props["kind"] = {"description": _KIND_DOC, "type": "string"}
    props["metadata"] = {"description": _METADATA_DOC, "allOf": [_ref(META + "ObjectMeta")]}
    schema.setdefault("type", "object")
    schema["x-kubernetes-group-version-kind"] = [
        {"group": cv.group, "kind": cv.kind, "version": cv.version}
    ]
    if not cv.schema:
        schema["x-kubernetes-preserve-unknown-fields"] = True
    return schema


def list_schema(
    cv: CustomVersion, items: dict[str, Any], metadata: dict[str, Any]
) -> dict[str, Any]:
    """The schema of the version's List kind. It reads the same in the v2 and v3 documents
    (kube's builder makes one and converts it) but for how a reference is written, so the
    callers pass the item reference and the ListMeta property."""
    return {
        "description": f"{cv.kind}List is a list of {cv.kind}",
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {"description": _API_VERSION_DOC, "type": "string"},
            "items": {
                "description": (
                    f"List of {cv.plural}. More info: "
                    "https://git.k8s.io/community/contributors/devel/api-conventions.md"
                ),
                "type": "array",
                "items": items,
            },
            "kind": {"description": _KIND_DOC, "type": "string"},
            "metadata": metadata,
        },
        "x-kubernetes-group-version-kind": [
            {"group": cv.group, "kind": cv.list_kind, "version": cv.version}
        ],
    }


def _content(name: str) -> dict[str, Any]:
    return {mt: {"schema": _ref(name)} for mt in ("application/json", "application/yaml")}


def _operation(
    cv: CustomVersion, action: str, verb_doc: str, op_id: str, response: str
) -> dict[str, Any]:
    params = _v3_parameters(action)
    return {
        "tags": [f"{cv.group.split('.')[0]}_{cv.version}"],
        "description": verb_doc,
        "operationId": op_id,
        **({"parameters": params} if params else {}),
        "responses": {
            "200": {"description": "OK", "content": _content(response)},
            "401": {"description": "Unauthorized"},
        },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {
            "group": cv.group,
            "kind": cv.kind,
            "version": cv.version,
        },
    }


Operation = Callable[[CustomVersion, str, str, str, str], dict[str, Any]]
"""Renders one operation of a document: (version, action, description, operation id, response
schema name) → the operation object."""


def routes(cv: CustomVersion, item: str, lst: str, operation: Operation) -> dict[str, Any]:
    """The paths of a custom version, with their verbs, descriptions and operation ids (kind
    `item`, list `lst`), each operation rendered by `operation`. The CRD OpenAPI builder
    (apiextensions-apiserver pkg/controller/openapi/builder) builds these routes once and
    renders them as v2 and as v3; here too, so the two documents cannot drift apart."""
    base = f"/apis/{cv.group}/{cv.version}"
    scope = "Namespaced" if cv.namespaced else ""
    title = "".join(p.capitalize() for p in cv.group.split(".")[0].split("-"))
    ident = f"{title}{cv.version.capitalize()}{scope}{cv.kind}"
    collection = (
        f"{base}/namespaces/{{namespace}}/{cv.plural}" if cv.namespaced else (f"{base}/{cv.plural}")
    )
    status = META + "Status"

    def op(action: str, description: str, op_id: str, response: str) -> dict[str, Any]:
        return operation(cv, action, description, op_id, response)

    paths: dict[str, Any] = {
        collection: {
            "get": op("list", f"list objects of kind {cv.kind}", f"list{ident}", lst),
            "post": op("post", f"create a {cv.kind}", f"create{ident}", item),
            "delete": op(
                "deletecollection",
                f"delete collection of {cv.kind}",
                f"deletecollection{ident}",
                status,
            ),
        },
        f"{collection}/{{name}}": {
            "get": op("get", f"read the specified {cv.kind}", f"read{ident}", item),
            "put": op("put", f"replace the specified {cv.kind}", f"replace{ident}", item),
            "patch": op(
                "patch", f"partially update the specified {cv.kind}", f"patch{ident}", item
            ),
            "delete": op("delete", f"delete a {cv.kind}", f"delete{ident}", status),
        },
    }
    if cv.namespaced:
        paths[f"{base}/{cv.plural}"] = {
            "get": op(
                "list", f"list objects of kind {cv.kind}", f"list{ident}ForAllNamespaces", lst
            )
        }
    if cv.status:
        paths[f"{collection}/{{name}}/status"] = {
            "get": op("get", f"read status of the specified {cv.kind}", f"read{ident}Status", item),
            "put": op(
                "put",
                f"replace status of the specified {cv.kind}",
                f"replace{ident}Status",
                item,
            ),
            "patch": op(
                "patch",
                f"partially update status of the specified {cv.kind}",
                f"patch{ident}Status",
                item,
            ),
        }
    return paths


def build_document(versions: list[CustomVersion], release: str | None = None) -> dict[str, Any]:
    """The OpenAPI v3 document of one custom group-version."""
    meta = _meta_schemas(release)
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for cv in sorted(versions, key=lambda v: v.plural):
        item = schema_name(cv.group, cv.version, cv.kind)
        lst = schema_name(cv.group, cv.version, cv.list_kind)
        schemas[item] = _kind_schema(cv)
        schemas[lst] = list_schema(
            cv,
            _ref(item),
            {"description": _LIST_METADATA_DOC, "allOf": [_ref(META + "ListMeta")]},
        )
        paths.update(routes(cv, item, lst, _operation))
    wanted: set[str] = {META + "Status", META + "ObjectMeta", META + "ListMeta"}
    _refs(schemas, wanted)
    _refs(paths, wanted)
    done: set[str] = set()
    while wanted - done:
        name = min(wanted - done)
        done.add(name)
        if name in meta and name not in schemas:
            schemas[name] = meta[name]
            _refs(meta[name], wanted)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes CRD Swagger", "version": "v0.1.0"},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }
