"""How the OpenAPI documents of a release are stored, and rebuilt as the bytes a server serves.

A release's v3 documents (one per group-version: `api/v1`, `apis/apps/v1`, ...) repeat the same
schemas many times (PodSpec is in every workload group's document). They are stored as one table
of schemas plus, per document, the document without its `components.schemas`, which holds the
list of schema names instead; `assemble_v3` puts them back together in the same order. The
generator (scripts/gen_releases.py) checks that what this module rebuilds is byte-for-byte the
document it built, and records each document's hash from it.

Pure functions (no I/O): openapi.py reads the stored files.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fakekapi.core import gojson

JSON = dict[str, Any]


def go_json(obj: object) -> bytes:
    """Compact JSON as Go's encoding/json writes it (HTML characters escaped)."""
    return gojson.marshal(obj).encode()


def etag(data: bytes) -> str:
    """Upper-case hex SHA-512 of `data`: the ETag and `?hash=` kube-apiserver uses."""
    return hashlib.sha512(data).hexdigest().upper()


def split_v3(docs: dict[str, JSON]) -> JSON:
    """{"schemas": {name: schema}, "docs": {key: doc with components.schemas = [names]}}."""
    table: JSON = {}
    out: JSON = {}
    for key in sorted(docs):
        doc = dict(docs[key])
        components = doc.get("components")
        if isinstance(components, dict) and "schemas" in components:
            components = dict(components)
            schemas = components["schemas"]
            for name, schema in schemas.items():
                if name in table and table[name] != schema:
                    raise ValueError(f"{key}: schema {name} differs from another document's")
                table[name] = schema
            components["schemas"] = list(schemas)
            doc["components"] = components
        out[key] = doc
    return {"schemas": dict(sorted(table.items())), "docs": out}


def v3_document(store: JSON, key: str) -> JSON:
    """The v3 document for `key` as a JSON object, schemas filled in from the table."""
    doc = dict(store["docs"][key])
    components = doc.get("components")
    if isinstance(components, dict) and isinstance(components.get("schemas"), list):
        table = store["schemas"]
        components = dict(components)
        components["schemas"] = {name: table[name] for name in components["schemas"]}
        doc["components"] = components
    return doc


def assemble_v3(store: JSON, key: str) -> bytes:
    """The served bytes of the v3 document for `key`."""
    return go_json(v3_document(store, key))
