"""Field sets, comparison and merge as sigs.k8s.io/structured-merge-diff (v6) computes them.

Server-side apply works on *field sets*: the paths of an object a manager owns. A path element is a
struct or map key (`f:name`), the key of an associative list item (`k:{"name":"nginx"}`), a set
value (`v:"a"`) or, for duplicate items, an index (`i:0`). Which one a value gets comes from its
schema, as SMD's schema built by kube-openapi's schemaconv from the OpenAPI:

- a struct (`properties`) descends into its declared fields; an undeclared key, a null value or
  an empty map is a member itself (typed/tofieldset.go visitMapItems);
- a map (`additionalProperties`) descends into every key, each key a member;
- a list with `x-kubernetes-list-type: map` (or, without a list type, `patchStrategy: merge`
  with a `patchMergeKey`) is associative by its keys; `set` (or merge without a key) by value;
  every other list is atomic;
- `x-kubernetes-map-type: atomic` structs and maps, and scalars, are leaves.

Sets here are the FieldsV1 JSON shape with every member marked: `{".": {}}` is a member, other
keys are children (`to_fields_v1` turns a member without children back into `{}`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from fakekapi.catalog.schemas import FREE, LIST, MAP, STRUCT, Field, Type, kind_type

FieldSet = dict[str, Any]
MEMBER = "."

SCALAR_N, ATOMIC_N, STRUCT_N, MAP_N, LIST_N, DEDUCED_N = range(6)

_KEY_DEFAULTS: dict[str, dict[str, Any]] = {
    "v1.ContainerPort": {"protocol": "TCP"},
    "v1.ServicePort": {"protocol": "TCP"},
}
"""Defaults of associative-list key fields (the OpenAPI v3 `default` SMD's
getAssociativeKeyDefault reads): a port applied without `protocol` is the TCP item."""


class Node:
    """One schema node: how SMD walks a value of this type."""

    __slots__ = ("_children", "_fields", "_type", "elem", "key_defaults", "keys", "kind")

    def __init__(
        self,
        kind: int,
        *,
        elem: Node | None = None,
        keys: tuple[str, ...] | None = None,
        fields: dict[str, Node] | None = None,
        type_: Type | None = None,
        key_defaults: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.elem = elem
        self.keys = keys
        """For a non-atomic list: the key fields (empty: a set of values)."""
        self._fields = fields
        self._type = type_
        self._children: dict[str, Node] = {}
        self.key_defaults = key_defaults or {}

    def declared(self, name: str) -> bool:
        if self._fields is not None:
            return name in self._fields
        if self._type is not None:
            return self._type.field(name) is not None
        return False

    def field(self, name: str) -> Node:
        if self._fields is not None:
            return self._fields.get(name, DEDUCED)
        if self._type is not None:
            node = self._children.get(name)
            if node is None:
                f = self._type.field(name)
                node = (
                    DEDUCED
                    if f is None
                    else _builtin(f.type, f, atomic_map=self._type.atomic_map(name))
                )
                self._children[name] = node
            return node
        if self.kind in (MAP_N, DEDUCED_N):
            return self.elem or DEDUCED
        return DEDUCED


DEDUCED = Node(DEDUCED_N)
SCALAR = Node(SCALAR_N)
ATOMIC = Node(ATOMIC_N)
DEDUCED.elem = DEDUCED


def _list_node(elem: Node, f: Field | None, item: Type | None) -> Node:
    if f is not None:
        if f.list_type == "map":
            defaults = _KEY_DEFAULTS.get(item.go, {}) if item is not None else {}
            return Node(LIST_N, elem=elem, keys=f.map_keys, key_defaults=defaults)
        if f.list_type == "set":
            return Node(LIST_N, elem=elem, keys=())
        if not f.list_type and "merge" in f.patch_strategy:
            defaults = _KEY_DEFAULTS.get(item.go, {}) if item is not None else {}
            keys = (f.merge_key,) if f.merge_key else ()
            return Node(LIST_N, elem=elem, keys=keys, key_defaults=defaults)
    return Node(LIST_N, elem=elem, keys=None)


def _builtin(t: Type, f: Field | None = None, *, atomic_map: bool = False) -> Node:
    if t.kind == STRUCT:
        return ATOMIC if t.atomic else Node(STRUCT_N, type_=t)
    if t.kind == MAP:
        return ATOMIC if atomic_map else Node(MAP_N, elem=_builtin(t.item) if t.item else SCALAR)
    if t.kind == LIST:
        item = t.item
        return _list_node(_builtin(item) if item else SCALAR, f, item)
    if t.kind == FREE and t.go == "map[string]interface {}":
        return DEDUCED
    return SCALAR


@cache
def builtin_root(group: str, version: str, kind: str, release: str | None = None) -> Node:
    """The node of a built-in kind of `release` (None: the default release; DEDUCED for a kind
    without a schema)."""
    t = kind_type(group, version, kind, release)
    return DEDUCED if t is None else _builtin(t)


@cache
def _object_meta() -> Node:
    t = kind_type("", "v1", "ConfigMap")
    f = t.field("metadata") if t is not None else None
    return _builtin(f.type) if f is not None else DEDUCED


def custom_root(schema: dict[str, Any] | None) -> Node:
    """The node of a custom resource from its structural schema (metadata is ObjectMeta, as
    the CRD handler's type converter adds it)."""
    root = crd_node(schema) if schema else Node(STRUCT_N, fields={})
    if root.kind != STRUCT_N or root._fields is None:
        return root
    fields = dict(root._fields)
    fields["metadata"] = _object_meta()
    fields.setdefault("apiVersion", SCALAR)
    fields.setdefault("kind", SCALAR)
    return Node(STRUCT_N, fields=fields)


def crd_node(s: dict[str, Any]) -> Node:
    """A node from a structural schema (apiextensions' ToStructuralOpenAPIV2 → schemaconv)."""
    if not isinstance(s, dict):
        return DEDUCED
    if s.get("x-kubernetes-int-or-string"):
        return SCALAR
    t = s.get("type")
    if t == "array":
        items = s.get("items")
        elem = crd_node(items) if isinstance(items, dict) else DEDUCED
        lt = s.get("x-kubernetes-list-type")
        if lt == "map":
            keys = tuple(str(k) for k in s.get("x-kubernetes-list-map-keys") or ())
            return Node(LIST_N, elem=elem, keys=keys)
        if lt == "set":
            return Node(LIST_N, elem=elem, keys=())
        return Node(LIST_N, elem=elem, keys=None)
    if t == "object" or "properties" in s or "additionalProperties" in s:
        if s.get("x-kubernetes-map-type") == "atomic":
            return ATOMIC
        props = s.get("properties")
        if isinstance(props, dict) and props:
            return Node(STRUCT_N, fields={str(k): crd_node(v) for k, v in props.items()})
        ap = s.get("additionalProperties")
        if isinstance(ap, dict):
            return Node(MAP_N, elem=crd_node(ap))
        return DEDUCED
    if s.get("x-kubernetes-preserve-unknown-fields"):
        return DEDUCED
    return SCALAR


# --- path elements ------------------------------------------------------------------------------


def _compact(v: Any) -> str:
    t = type(v)
    if t is dict:
        if all(type(x) in _EXACT for x in v.values()):
            return _compact_remembered(("d", tuple((k, type(x), x) for k, x in v.items())))
    elif t in _EXACT:
        return _compact_remembered(("s", t, v))
    return _dumps(v)


def _dumps(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


_EXACT = frozenset({str, int, bool, type(None)})
"""Values whose equality and hash (with their type beside them) tell their JSON text apart:
not floats (0.0 == -0.0)."""


@functools.lru_cache(maxsize=4096)
def _compact_remembered(form: tuple[Any, ...]) -> str:
    """`_dumps` of an associative list item's key (or a set's value), remembered: the same keys
    (a container's name, its env names, its ports) come back with every object of a kind, and
    each one's text took a JSON encoder built for the call."""
    if form[0] == "d":
        return _dumps({k: x for k, _, x in form[1]})
    return _dumps(form[2])


def item_element(node: Node, item: Any, index: int) -> str:
    """The path element of one item of a non-atomic list (listItemToPathElement)."""
    if node.keys:
        if isinstance(item, dict):
            key: dict[str, Any] = {}
            for k in node.keys:
                if k in item and item[k] is not None:
                    key[k] = item[k]
                elif k in node.key_defaults:
                    key[k] = node.key_defaults[k]
            if key:
                return "k:" + _compact(key)
        return f"i:{index}"
    return "v:" + _compact(item)


def _kind_of(node: Node, value: Any) -> int:
    if node.kind == DEDUCED_N:
        if isinstance(value, dict):
            return MAP_N
        return ATOMIC_N if isinstance(value, list) else SCALAR_N
    if node.kind in (STRUCT_N, MAP_N) and not isinstance(value, dict) and value is not None:
        return SCALAR_N
    if node.kind == LIST_N and not isinstance(value, list) and value is not None:
        return SCALAR_N
    if node.kind == LIST_N and node.keys is None:
        return ATOMIC_N
    return node.kind


# --- sets ---------------------------------------------------------------------------------------


def insert(s: FieldSet, path: list[str]) -> None:
    cur = s
    for pe in path:
        cur = cur.setdefault(pe, {})
    cur[MEMBER] = {}


def empty(s: FieldSet) -> bool:
    return not s


def union(a: FieldSet, b: FieldSet) -> FieldSet:
    out = dict(a)
    for k, v in b.items():
        out[k] = union(out[k], v) if k in out else v
    return out


def difference(a: FieldSet, b: FieldSet) -> FieldSet:
    """Members of a that are not members of b (Set.Difference: path by path)."""
    out: FieldSet = {}
    for k, v in a.items():
        if k == MEMBER:
            if MEMBER not in b:
                out[k] = v
        elif k in b:
            rest = difference(v, b[k])
            if rest:
                out[k] = rest
        else:
            out[k] = v
    return out


def intersection(a: FieldSet, b: FieldSet) -> FieldSet:
    out: FieldSet = {}
    for k, v in a.items():
        if k not in b:
            continue
        if k == MEMBER:
            out[k] = {}
        else:
            sub = intersection(v, b[k])
            if sub:
                out[k] = sub
    return out


def _raw_member(raw: Any) -> bool:
    """A FieldsV1 node is a member when it is a leaf `{}` or carries `.`."""
    return not raw or MEMBER in raw


def intersection_raw(raw: Any, s: FieldSet) -> FieldSet:
    """intersection(from_fields_v1(raw), s), walking only `s` (small: what one write changed)."""
    out: FieldSet = {}
    if not isinstance(raw, dict):
        return out
    for k, v in s.items():
        if k == MEMBER:
            continue
        sub = raw.get(k)
        if not isinstance(sub, dict):
            continue
        inner = intersection_raw(sub, v)
        if MEMBER in v and _raw_member(sub):
            inner[MEMBER] = {}
        if inner:
            out[k] = inner
    return out


def has_prefix(s: FieldSet, path: list[str]) -> bool:
    """True when s has a member at `path` or below it."""
    cur = s
    for pe in path:
        if pe not in cur:
            return False
        cur = cur[pe]
    return bool(cur)


def _value_rank(v: Any) -> tuple[Any, ...]:
    """value.Compare's order: numbers, then strings, bools, lists, maps, null."""
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, int | float):
        return (0, v)
    if isinstance(v, str):
        return (1, v)
    if isinstance(v, list):
        return (3, tuple(_value_rank(x) for x in v))
    if isinstance(v, dict):
        return (4, tuple((k, _value_rank(x)) for k, x in sorted(v.items())))
    return (5,)


@functools.lru_cache(maxsize=4096)
def _pe_rank(pe: str) -> tuple[Any, ...]:
    """PathElement.Compare: field names, then keys (field by field), then values, indexes.
    Remembered: the same elements (`k:{"name":"app"}`, a container's env names) come back with
    every object of a kind, and each one's rank parses its JSON."""
    kind, _, rest = pe.partition(":")
    if kind == "f":
        return (0, rest)
    if kind == "i":
        return (3, int(rest) if rest.isdigit() else 0)
    try:
        value = json.loads(rest)
    except ValueError:
        return (4, rest)
    if kind == "k" and isinstance(value, dict):
        return (1, tuple((k, _value_rank(x)) for k, x in sorted(value.items())))
    return (2, _value_rank(value))


def _sorted_elements(s: FieldSet) -> list[str]:
    for k in s:
        if k != MEMBER:
            if not k.startswith("f:"):  # a list's items (`k:`, `v:`, `i:`): by rank only
                return sorted((k for k in s if k != MEMBER), key=_pe_rank)
            break
    keys = sorted(s)
    if MEMBER in s:
        keys.remove(MEMBER)
    # Field names only (the common case) keep plain string order; in that order the first and
    # the last key start with "f:" exactly when all of them do.
    if keys and not (keys[0].startswith("f:") and keys[-1].startswith("f:")):
        # From the set's own order: elements of equal rank (`v:1`, `v:1.0`) keep it.
        return sorted((k for k in s if k != MEMBER), key=_pe_rank)
    return keys


def members(s: FieldSet, prefix: list[str] | None = None) -> Iterator[list[str]]:
    """Member paths in SMD's iteration order: a node's members, then its children's."""
    prefix = prefix or []
    keys = _sorted_elements(s)
    for k in keys:
        if MEMBER in s[k]:
            yield [*prefix, k]
    for k in keys:
        yield from members(s[k], [*prefix, k])


def path_string(path: list[str]) -> str:
    """fieldpath.Path.String(): `.spec.containers[name="nginx"].image`."""
    out = []
    for pe in path:
        kind, _, rest = pe.partition(":")
        if kind == "f":
            out.append("." + rest)
        elif kind == "k":
            key = json.loads(rest)
            out.append("[" + ",".join(f"{k}={_go_value(v)}" for k, v in sorted(key.items())) + "]")
        elif kind == "v":
            out.append(f"[={_go_value(json.loads(rest))}]")
        else:
            out.append(f"[{rest}]")
    return "".join(out)


def _go_value(v: Any) -> str:
    """value.ToString: strings %q-quoted, numbers and bools as Go prints them."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(_go_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "".join(f"{k}={_go_value(x)}" for k, x in v.items())
    return str(v)


def from_fields_v1(fv1: Any) -> FieldSet:
    """A FieldsV1 document as a set (leaves `{}` become members)."""
    if not isinstance(fv1, dict):
        return {}
    out: FieldSet = {}
    for k, v in fv1.items():
        if k == MEMBER:
            out[MEMBER] = {}
            continue
        sub = from_fields_v1(v) if isinstance(v, dict) and v else {MEMBER: {}}
        out[str(k)] = sub
    return out


def to_fields_v1(s: FieldSet) -> dict[str, Any]:
    """The FieldsV1 document of a set, keys in SMD's serialization order."""
    out: dict[str, Any] = {}
    if MEMBER in s and len(s) > 1:
        out[MEMBER] = {}
    for k in _sorted_elements(s):
        v = s[k]
        out[k] = {} if len(v) == 1 and MEMBER in v else to_fields_v1(v)
    return out


# --- to field set -------------------------------------------------------------------------------


def to_set(value: Any, node: Node) -> FieldSet:
    """ToFieldSet: the paths a value sets (typed/tofieldset.go)."""
    return _fs(value, node)


def _fs(value: Any, node: Node) -> FieldSet:
    kind = _kind_of(node, value)
    if kind in (SCALAR_N, ATOMIC_N) or value is None:
        return {MEMBER: {}} if kind in (SCALAR_N, ATOMIC_N) else {}
    out: FieldSet = {}
    if kind in (STRUCT_N, MAP_N):
        for k, v in value.items():
            child = _fs(v, node.field(k))
            if v is None or (isinstance(v, dict) and not v) or not node.declared(k):
                child[MEMBER] = {}
            if child:
                out["f:" + k] = child
        return out
    elem = node.elem or DEDUCED
    seen: dict[str, int] = {}
    pes = [item_element(node, item, i) for i, item in enumerate(value)]
    for pe in pes:
        seen[pe] = seen.get(pe, 0) + 1
    for item, pe in zip(value, pes, strict=True):
        if seen[pe] > 1:
            out[pe] = {MEMBER: {}}
            continue
        child = _fs(item, elem)
        child[MEMBER] = {}
        out[pe] = child
    return out


# --- compare ------------------------------------------------------------------------------------

_MISSING: Any = object()
_CONTAINERS = (dict, list)


class Comparison:
    """What changed from lhs to rhs (typed/compare.go)."""

    def __init__(self) -> None:
        self.added: FieldSet = {}
        self.modified: FieldSet = {}
        self.removed: FieldSet = {}

    def same(self) -> bool:
        return not (self.added or self.modified or self.removed)


def compare(lhs: Any, rhs: Any, node: Node) -> Comparison:
    c = Comparison()
    _cmp(lhs, rhs, node, [], c)
    return c


def _every_node(value: Any, node: Node) -> FieldSet:
    """What compare records for a value on one side only: the value's node and, below a
    non-atomic non-empty map or list, every node of it."""
    kind = _kind_of(node, value)
    out: FieldSet = {MEMBER: {}}
    if kind in (STRUCT_N, MAP_N) and isinstance(value, dict):
        for k, v in value.items():
            # A scalar (or null) is one node whatever its schema says: no call, no field lookup.
            if isinstance(v, _CONTAINERS):
                out["f:" + k] = _every_node(v, node.field(k))
            else:
                out["f:" + k] = {MEMBER: {}}
    elif kind == LIST_N and isinstance(value, list):
        elem = node.elem or DEDUCED
        order, by = _index(node, value)
        for pe in order:
            items = by[pe]
            out[pe] = _every_node(items[0], elem) if len(items) == 1 else {MEMBER: {}}
    return out


def _node_at(s: FieldSet, path: list[str]) -> FieldSet:
    """The node of `s` at `path`, made if missing (as `insert` makes it)."""
    for pe in path:
        s = s.setdefault(pe, {})
    return s


def _leaf(lhs: Any, rhs: Any, path: list[str], c: Comparison) -> None:
    if lhs is _MISSING:
        insert(c.added, path)
    elif rhs is _MISSING:
        insert(c.removed, path)
    elif lhs != rhs or type(lhs) is not type(rhs):
        insert(c.modified, path)


def _cmp(lhs: Any, rhs: Any, node: Node, path: list[str], c: Comparison) -> None:
    if lhs is rhs or (
        lhs is not _MISSING and rhs is not _MISSING and type(lhs) is type(rhs) and lhs == rhs
    ):
        return  # equal subtrees add nothing (compared in C, not walked)
    if lhs is _MISSING or rhs is _MISSING:
        # A whole subtree added (or removed): every node of it, built in one pass.
        target = c.added if lhs is _MISSING else c.removed
        sub = _every_node(rhs if lhs is _MISSING else lhs, node)
        cur = target
        for pe in path:
            cur = cur.setdefault(pe, {})
        cur.update(union(cur, sub) if cur else sub)
        return
    probe = rhs if rhs is not _MISSING else lhs
    kind = _kind_of(node, probe)
    lv = None if lhs is _MISSING else lhs
    rv = None if rhs is _MISSING else rhs
    if kind in (STRUCT_N, MAP_N):
        if (lv is not None and not isinstance(lv, dict)) or (
            rv is not None and not isinstance(rv, dict)
        ):
            kind = SCALAR_N
    elif kind == LIST_N and (
        (lv is not None and not isinstance(lv, list))
        or (rv is not None and not isinstance(rv, list))
    ):
        kind = SCALAR_N
    if kind in (SCALAR_N, ATOMIC_N) or (not lv and not rv):
        _leaf(lhs, rhs, path, c)
        return
    if kind in (STRUCT_N, MAP_N):
        lm: dict[str, Any] = lv or {}
        rm: dict[str, Any] = rv or {}
        # A key on one side only is the MISSING case of `_cmp`, done here without the call:
        # most keys of a create's object (compared with the zero object) are such keys.
        added_at: FieldSet | None = None  # c.added at `path`, once needed
        removed_at: FieldSet | None = None
        for k in {**lm, **rm} if lm and rm else lm or rm:
            lk, rk = lm.get(k, _MISSING), rm.get(k, _MISSING)
            if lk is _MISSING:
                if added_at is None:
                    added_at = _node_at(c.added, path)
                base, v = added_at, rk
            elif rk is _MISSING:
                if removed_at is None:
                    removed_at = _node_at(c.removed, path)
                base, v = removed_at, lk
            else:
                _cmp(lk, rk, node.field(k), [*path, "f:" + k], c)
                continue
            # A scalar (or null) is one node whatever its schema says, as in `_every_node`.
            sub = _every_node(v, node.field(k)) if isinstance(v, _CONTAINERS) else {MEMBER: {}}
            fk = "f:" + k
            had: FieldSet | None = base.get(fk)
            if had is None:
                base[fk] = sub  # (a fresh tree: nothing else holds it)
            else:
                had.update(union(had, sub) if had else sub)
    else:
        _cmp_list(lv or [], rv or [], node, path, c)
    if lhs is _MISSING:
        insert(c.added, path)
    elif rhs is _MISSING:
        insert(c.removed, path)


def _index(node: Node, items: list[Any]) -> tuple[list[str], dict[str, list[Any]]]:
    order: list[str] = []
    by: dict[str, list[Any]] = {}
    for i, item in enumerate(items):
        pe = item_element(node, item, i)
        if pe not in by:
            order.append(pe)
            by[pe] = []
        by[pe].append(item)
    return order, by


def _cmp_list(lhs: list[Any], rhs: list[Any], node: Node, path: list[str], c: Comparison) -> None:
    lorder, lby = _index(node, lhs)
    rorder, rby = _index(node, rhs)
    elem = node.elem or DEDUCED
    for pe in lorder + [p for p in rorder if p not in lby]:
        ll, rl = lby.get(pe, []), rby.get(pe, [])
        if len(ll) <= 1 and len(rl) <= 1:
            _cmp(ll[0] if ll else _MISSING, rl[0] if rl else _MISSING, elem, [*path, pe], c)
        elif len(ll) >= 2 and len(rl) >= 2:
            if ll != rl:
                insert(c.modified, [*path, pe])
        elif len(ll) >= 2:
            if rl:
                _cmp(_MISSING, rl[0], elem, [*path, pe], c)
            insert(c.removed, [*path, pe])
        else:
            if ll:
                _cmp(ll[0], _MISSING, elem, [*path, pe], c)
            insert(c.added, [*path, pe])


# --- merge --------------------------------------------------------------------------------------


def merge(lhs: Any, rhs: Any, node: Node) -> Any:
    """lhs.Merge(rhs) (typed/merge.go): rhs wins at leaves, maps and associative lists merge."""
    kind = _kind_of(node, rhs)
    if kind in (STRUCT_N, MAP_N) and isinstance(lhs, dict) and isinstance(rhs, dict):
        out = dict(lhs)
        for k, v in rhs.items():
            out[k] = merge(lhs[k], v, node.field(k)) if k in lhs else v
        return out
    if kind == LIST_N and isinstance(lhs, list) and isinstance(rhs, list):
        return _merge_list(lhs, rhs, node)
    return rhs


def _merge_list(lhs: list[Any], rhs: list[Any], node: Node) -> list[Any]:
    """visitListItems: rhs items in rhs order, lhs-only items kept where they were."""
    elem = node.elem or DEDUCED
    lpes = [item_element(node, x, i) for i, x in enumerate(lhs)]
    rpes = [item_element(node, x, i) for i, x in enumerate(rhs)]
    lobs = dict(zip(lpes, lhs, strict=True))
    robs = dict(zip(rpes, rhs, strict=True))
    lpes = list(dict.fromkeys(lpes))
    rpes = list(dict.fromkeys(rpes))
    shared = [pe for pe in rpes if pe in lobs]
    next_shared = shared.pop(0) if shared else None
    merged_rhs: set[str] = set()
    out: list[Any] = []
    li = ri = 0
    while li < len(lpes) or ri < len(rpes):
        if li < len(lpes) and ri < len(rpes):
            pe = lpes[li]
            if pe == rpes[ri]:
                merged_rhs.add(pe)
                out.append(merge(lobs[pe], robs[pe], elem))
                li += 1
                ri += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if pe in robs and next_shared is not None and next_shared != pe:
                li += 1
                continue
        if li < len(lpes):
            pe = lpes[li]
            if pe not in robs:
                out.append(lobs[pe])
                li += 1
                continue
            if pe in merged_rhs:
                li += 1
        if ri < len(rpes):
            pe = rpes[ri]
            merged_rhs.add(pe)
            out.append(merge(lobs[pe], robs[pe], elem) if pe in lobs else robs[pe])
            ri += 1
            if next_shared is not None and next_shared == pe:
                next_shared = shared.pop(0) if shared else None
    return out


# --- removal ------------------------------------------------------------------------------------


def remove(value: Any, path: list[str], node: Node) -> None:
    """Remove the value at `path` (a member path) from `value`, in place."""
    if not path:
        return
    pe, rest = path[0], path[1:]
    kind, _, name = pe.partition(":")
    if kind == "f" and isinstance(value, dict):
        if name not in value:
            return
        if rest:
            remove(value[name], rest, node.field(name))
        else:
            del value[name]
        return
    if isinstance(value, list):
        elem = node.elem or DEDUCED
        for i, item in enumerate(value):
            if item_element(node, item, i) == pe:
                if rest:
                    remove(item, rest, elem)
                else:
                    value.pop(i)
                return
