"""Patch application: JSON merge patch, JSON patch and strategic merge patch (server-side apply is
in managedfields.py and smd.py).

Each function takes the stored object as JSON and the request body, and returns the patched JSON
or raises the StatusError kube-apiserver answers for a bad patch (reference §5). The registry then
treats the result like the body of a PUT, which is also how kube's patch handler works.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from fakekapi.catalog.schemas import LIST, MAP, STRUCT, Field, Type
from fakekapi.core import gojson
from fakekapi.core.errors import StatusError, bad_request, internal, rejected_generic, too_large
from fakekapi.core.gojson import unmarshal_type

from . import nesting

# apimachinery types.PatchType: the one list of patch media types (the server's negotiation and
# the controllers' own patches name them from here).
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)
CRD_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)
MAX_JSON_PATCH_OPERATIONS = 10000


def media_type(content_type: str) -> str:
    """The media type without parameters (`; charset=utf-8` is accepted)."""
    return content_type.split(";", 1)[0].strip().lower()


def _go_json_error(body: bytes, err: json.JSONDecodeError) -> str:
    """Roughly encoding/json's syntax error text."""
    if not body.strip():
        return "unexpected end of JSON input"
    if err.pos >= len(err.doc):
        return "unexpected end of JSON input"
    ch = err.doc[err.pos]
    return f"invalid character {ch!r} looking for beginning of value".replace('"', "'")


def decode_json(body: bytes) -> Any:
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        if isinstance(e, json.JSONDecodeError):
            raise bad_request(_go_json_error(body, e)) from None
        raise bad_request("invalid character looking for beginning of value") from None
    except RecursionError:
        raise nesting.error() from None
    nesting.check(value)
    return value


def go_json(doc: Any) -> str:
    """Compact JSON as encoding/json marshals a map: keys sorted, `<`, `>`, `&` escaped."""
    return gojson.marshal(doc, sort_keys=True)


# --- RFC 7386 -----------------------------------------------------------------------------------


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386 MergePatch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge(out.get(k), v)
    return out


def merge_patch(doc: dict[str, Any], body: bytes) -> dict[str, Any]:
    try:
        patch = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("Invalid JSON Patch") from None
    except RecursionError:
        raise nesting.error() from None
    nesting.check(patch)
    if not isinstance(patch, dict):
        raise bad_request("Invalid JSON Patch")
    result = merge(doc, patch)
    assert isinstance(result, dict)
    return result


# --- RFC 6902 -----------------------------------------------------------------------------------


def json_patch(doc: dict[str, Any], body: bytes) -> dict[str, Any]:
    ops = decode_json(body)
    if not isinstance(ops, list):
        raise bad_request(
            f"json: cannot unmarshal {unmarshal_type(ops)} into Go value of type jsonpatch.Patch"
        )
    for op in ops:
        if not isinstance(op, dict):
            raise bad_request(
                f"json: cannot unmarshal {unmarshal_type(op)} into Go value of type "
                "map[string]*json.RawMessage"
            )
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise too_large(
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(ops)}"
        )
    import jsonpatch  # on first use: ~20 ms of import a server start need not pay

    try:
        result = jsonpatch.JsonPatch(ops).apply(doc)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError):
        raise rejected_generic() from None
    except (IndexError, ValueError, AttributeError):
        raise rejected_generic() from None
    if not isinstance(result, dict):
        raise rejected_generic()
    return result


# --- strategic merge patch ------------------------------------------------------------------------
#
# Which lists merge, and by which key, comes from the kind's type tree (fakekapi.catalog.schemas):
# the Go struct tags `patchStrategy` / `patchMergeKey` that the OpenAPI publishes as
# `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`, looked up by path, so `ports`
# merges by containerPort under a Container and by port under a ServiceSpec. Lists without a merge
# strategy (tolerations, args, ...) and every list of a type without a schema are replaced.

_SET_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"


class _ListRule(NamedTuple):
    """How one list field combines: "replace", "merge" (by `keys`) or "set" (of scalars)."""

    mode: str = "replace"
    keys: tuple[str, ...] = ()
    item: Type | None = None


_REPLACE = _ListRule()


def _smp_rule(f: Field | None) -> _ListRule:
    if f is None or f.type.kind != LIST:
        return _REPLACE
    if "merge" not in f.patch_strategy:
        return _ListRule(item=f.type.item)
    if f.merge_key:
        return _ListRule("merge", (f.merge_key,), f.type.item)
    return _ListRule("set", (), f.type.item)


def _apply_rule(f: Field | None) -> _ListRule:
    if f is None or f.type.kind != LIST:
        return _REPLACE
    if f.list_type == "map" and f.map_keys:
        return _ListRule("merge", f.map_keys, f.type.item)
    if f.list_type == "set":
        return _ListRule("set", (), f.type.item)
    return _ListRule(item=f.type.item)


def _child(t: Type | None, name: str) -> tuple[Type | None, Field | None]:
    """The type of `name` under `t` and, for struct fields, the field (its patch metadata)."""
    if t is None:
        return None, None
    if t.kind == MAP:
        return t.item, None
    f = t.field(name) if t.kind == STRUCT else None
    return (f.type if f is not None else None), f


def _strip(value: Any) -> Any:
    """A patch value stored as is: directives removed."""
    if isinstance(value, dict):
        return {
            k: _strip(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("$"))
        }
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _go_map(m: Mapping[str, Any]) -> str:
    return "map[" + " ".join(f"{k}:{v}" for k, v in sorted(m.items())) + "]"


class _Merger:
    """One strategic merge (apply=False) or apply merge (apply=True) over a type tree."""

    def __init__(self, apply: bool) -> None:
        self.rule = _apply_rule if apply else _smp_rule

    def map(self, orig: dict[str, Any], patch: dict[str, Any], t: Type | None) -> Any:
        directive = patch.get("$patch")
        if directive == "delete":
            return None
        if directive == "replace":
            return {k: _strip(v) for k, v in patch.items() if k != "$patch"}
        if directive not in (None, "merge"):
            raise StatusError(500, "", f"unknown patch type: {directive} in map: {_go_map(patch)}")
        result = dict(orig)
        orders: dict[str, Any] = {}
        deletes: dict[str, Any] = {}
        retain = patch.get("$retainKeys")
        for k, v in patch.items():
            if k in ("$patch", "$retainKeys"):
                continue
            if k.startswith(_SET_ORDER):
                if not isinstance(v, list):
                    raise bad_request("invalid patch format of setElementOrder list")
                orders[k[len(_SET_ORDER) :]] = v
                continue
            if k.startswith(_DELETE_PRIMITIVE):
                if not isinstance(v, list):
                    raise bad_request("invalid patch format of deleteFromPrimitiveList list")
                deletes[k[len(_DELETE_PRIMITIVE) :]] = v
                continue
            if v is None:
                result.pop(k, None)
                continue
            sub, f = _child(t, k)
            old = result.get(k)
            if isinstance(v, dict):
                merged = self.map(old if isinstance(old, dict) else {}, v, sub)
                if merged is None:
                    result.pop(k, None)
                else:
                    result[k] = merged
            elif isinstance(v, list):
                result[k] = self.list(old if isinstance(old, list) else [], v, self.rule(f))
            else:
                result[k] = v
        for k, values in deletes.items():
            if isinstance(result.get(k), list):
                result[k] = [x for x in result[k] if x not in values]
        for k, order in orders.items():
            if isinstance(result.get(k), list):
                _, f = _child(t, k)
                result[k] = _reorder(result[k], order, self.rule(f).keys)
        if retain is not None:
            if not isinstance(retain, list):
                raise bad_request("invalid patch format of retainKeys list")
            result = {k: v for k, v in result.items() if k in retain}
        return result

    def list(self, orig: list[Any], patch: list[Any], rule: _ListRule) -> list[Any]:
        if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
            return [_strip(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
        if rule.mode == "set":
            out = list(orig)
            out += [v for v in patch if v not in out]
            return out
        if rule.mode == "replace" or not all(isinstance(i, dict) for i in patch):
            return [_strip(i) for i in patch]
        out = [copy.deepcopy(i) for i in orig]
        for item in patch:
            missing = [k for k in rule.keys if k not in item]
            if missing and len(missing) == len(rule.keys):
                raise internal(
                    f"map: {_go_map(item)} does not contain declared merge key: {missing[0]}"
                )
            ident = [item.get(k) for k in rule.keys]
            idx = next(
                (
                    n
                    for n, o in enumerate(out)
                    if isinstance(o, dict) and [o.get(k) for k in rule.keys] == ident
                ),
                None,
            )
            if item.get("$patch") == "delete":
                if idx is not None:
                    out.pop(idx)
                continue
            if idx is None:
                out.append(_strip(item))
            else:
                merged = self.map(out[idx], item, rule.item)
                if merged is None:
                    out.pop(idx)
                else:
                    out[idx] = merged
        return out


def _reorder(items: list[Any], order: list[Any], keys: tuple[str, ...]) -> list[Any]:
    def ident(x: Any) -> Any:
        if keys and isinstance(x, dict):
            return json.dumps([x.get(k) for k in keys])
        return json.dumps(x, sort_keys=True)

    rank = {ident(o): n for n, o in enumerate(order)}
    ranked = [i for i in items if ident(i) in rank]
    ranked.sort(key=lambda i: rank[ident(i)])
    rest = [i for i in items if ident(i) not in rank]
    return ranked + rest


def decode_strategic_patch(body: bytes) -> dict[str, Any]:
    """The patch document of a strategic merge patch (400 if it is not a JSON object)."""
    patch = decode_json(body)
    if not isinstance(patch, dict):
        raise bad_request(
            f"json: cannot unmarshal {unmarshal_type(patch)} into Go value of type "
            "map[string]interface {}"
        )
    return patch


def strategic_merge(
    doc: dict[str, Any], patch: dict[str, Any], schema: Type | None
) -> dict[str, Any]:
    """StrategicMergeMapPatch of a decoded patch, with the list rules of `schema`."""
    result = _Merger(apply=False).map(doc, patch, schema)
    return result if isinstance(result, dict) else {}


def strategic_merge_patch(
    doc: dict[str, Any], body: bytes, schema: Type | None = None
) -> dict[str, Any]:
    """Apply a strategic merge patch body to `doc` (the kind's root type as `schema`)."""
    return strategic_merge(doc, decode_strategic_patch(body), schema)


# --- server-side apply (simplified) ---------------------------------------------------------------


def decode_apply(body: bytes) -> dict[str, Any]:
    """The applied configuration (YAML or JSON)."""
    import yaml

    from fakekapi.core import yamljson

    try:
        obj = yamljson.load(body.decode("utf-8") if body else "")
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise bad_request(f"error converting YAML to JSON: {e}") from None
    nesting.check(obj)
    if not isinstance(obj, dict):
        raise bad_request("couldn't get version/kind; json parse error: invalid object")
    return obj


def apply_merge(
    live: dict[str, Any], applied: dict[str, Any], schema: Type | None = None
) -> dict[str, Any]:
    """Merge an applied configuration into the live object: maps merge, lists follow their
    `x-kubernetes-list-type` (map lists per key, sets per value, the rest replaced)."""
    result = _Merger(apply=True).map(live, _strip(applied), schema)
    return result if isinstance(result, dict) else {}
