"""Structural schemas of custom resources: pruning, defaulting and validation.

What apiextensions-apiserver does to a custom resource body with the version's openAPIV3Schema,
in its order:

1. decoding prunes the fields the schema does not declare (unless a node says
   `x-kubernetes-preserve-unknown-fields: true`); apiVersion, kind and metadata of the root and of
   `x-kubernetes-embedded-resource` objects are always kept. The pruned paths are what
   fieldValidation=Strict refuses and Warn reports (`unknown field "spec.foo"`);
2. defaulting fills in `default` values of missing (or null, non-nullable) fields, then drops the
   remaining nulls of non-nullable fields;
3. validation (kube-openapi's validator, converted to field errors as
   `kubeOpenAPIResultToFieldErrors` does) gives the 422 causes: type, required, enum, pattern,
   min/max, lengths, item and property counts, uniqueness, multipleOf.

Written by hand rather than with a JSON-schema library: what a client sees is kube-openapi's
validator's exact messages, its error paths (`spec.items[0]`), the `%q`-quoted composite
messages of allOf/anyOf/oneOf/not (`"spec" must validate one and only one schema (oneOf). Found
none valid`, reported on the `<nil>` path as kubeOpenAPIResultToFieldErrors does for non-field
errors) and the x-kubernetes-list-type invariants (structurallisttype.ValidateListSetsAndMaps);
a library's own errors would have to be re-derived into all of that. Formats are not checked. CEL
rules (`x-kubernetes-validations`) are in cel.py.
"""

from __future__ import annotations

import copy
import json
import math
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from fakekapi.core.errors import (
    INVALID,
    NOT_SUPPORTED,
    REQUIRED,
    TOO_LONG,
    TOO_MANY,
    TYPE_INVALID,
    FieldError,
    GoLiteral,
    duplicate,
    go_quote,
    not_supported,
    required,
)

Schema = dict[str, Any]

_ROOT_KEPT = ("apiVersion", "kind", "metadata")
_IN = "in body"


# -- pruning ----------------------------------------------------------------------------------


def prune(schema: Schema | None, obj: dict[str, Any]) -> list[str]:
    """Drop undeclared fields from `obj` (in place); the dropped paths, sorted."""
    if not schema:
        return []
    pruned: list[str] = []
    _prune_object(schema, obj, "", pruned, root=True)
    return sorted(pruned)


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _prune(schema: Schema, value: Any, path: str, pruned: list[str]) -> None:
    if isinstance(value, dict):
        _prune_object(
            schema, value, path, pruned, root=bool(schema.get("x-kubernetes-embedded-resource"))
        )
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for i, v in enumerate(value):
                _prune(items, v, f"{path}[{i}]", pruned)


def _prune_object(
    schema: Schema, obj: dict[str, Any], path: str, pruned: list[str], *, root: bool
) -> None:
    props = schema.get("properties")
    additional = schema.get("additionalProperties")
    preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    for key in list(obj):
        if root and key in _ROOT_KEPT:
            sub = (props or {}).get(key)
            if key == "metadata" or not isinstance(sub, dict):
                continue
        if isinstance(props, dict) and key in props:
            _prune(props[key], obj[key], _child(path, key), pruned)
        elif isinstance(additional, dict):
            _prune(additional, obj[key], _child(path, key), pruned)
        elif additional is True or preserve:
            continue
        else:
            pruned.append(_child(path, key))
            del obj[key]


# -- defaulting -------------------------------------------------------------------------------


def default(schema: Schema | None, obj: dict[str, Any]) -> None:
    """Apply the schema's `default`s to `obj` (in place), then drop non-nullable nulls."""
    if schema:
        _default(schema, obj)


def _default(schema: Schema, value: Any) -> None:
    if isinstance(value, dict):
        props = schema.get("properties")
        if isinstance(props, dict):
            for key, sub in props.items():
                if not isinstance(sub, dict):
                    continue
                if "default" in sub and (
                    key not in value or (value[key] is None and not sub.get("nullable"))
                ):
                    value[key] = copy.deepcopy(sub["default"])
                if key in value and value[key] is None and not sub.get("nullable"):
                    del value[key]
                    continue
                if key in value:
                    _default(sub, value[key])
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            for key in list(value):
                if isinstance(props, dict) and key in props:
                    continue
                if value[key] is None and not additional.get("nullable"):
                    if "default" in additional:
                        value[key] = copy.deepcopy(additional["default"])
                    else:
                        del value[key]
                        continue
                _default(additional, value[key])
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for i, v in enumerate(value):
                if v is None and not items.get("nullable") and "default" in items:
                    value[i] = copy.deepcopy(items["default"])
                _default(items, value[i])


# -- validation -------------------------------------------------------------------------------


def go_number(v: Any) -> str:
    """Go's `%v` of a float64 (schema bounds are float64): shortest digits, 'e' notation when
    the exponent is below -4 or at least 6 (1e+06, 1.5e-05), otherwise plain (100000, 0.5)."""
    f = float(v)
    if math.isinf(f) or math.isnan(f):
        return "NaN" if math.isnan(f) else ("+Inf" if f > 0 else "-Inf")
    if f == 0:
        return "0"
    _sign, digits_t, exponent = Decimal(repr(abs(f))).as_tuple()
    digits = "".join(map(str, digits_t)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    # the value is 0.DIGITS * 10**point
    point = len("".join(map(str, digits_t))) + exponent
    x = point - 1
    neg = "-" if f < 0 else ""
    if x < -4 or x >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{neg}{mantissa}e{'+' if x >= 0 else '-'}{abs(x):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{digits}"
    if len(digits) <= point:
        return f"{neg}{digits}{'0' * (point - len(digits))}"
    return f"{neg}{digits[:point]}.{digits[point:]}"


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _type_ok(schema: Schema, v: Any) -> bool:
    want = schema.get("type")
    if schema.get("x-kubernetes-int-or-string"):
        return (
            (isinstance(v, int) and not isinstance(v, bool))
            or isinstance(v, str)
            or (isinstance(v, float) and v.is_integer())
        )
    if not want:
        return True
    actual = _json_type(v)
    if want == actual:
        return True
    if want == "number" and actual == "integer":
        return True
    return want == "integer" and actual == "number" and float(v).is_integer()


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def validate(schema: Schema | None, obj: dict[str, Any]) -> list[FieldError]:
    """The field errors kube-apiserver answers a custom resource with (422 causes)."""
    if not schema:
        return []
    errs: list[FieldError] = []
    _validate(schema, obj, "", errs)
    return errs


def _err(code: tuple[str, str], path: str, value: Any, detail: str) -> FieldError:
    return FieldError(code, path, value, detail)


def _validate(schema: Schema, v: Any, path: str, errs: list[FieldError]) -> None:
    name = path or "."
    if v is None:
        if schema.get("nullable") or (
            not schema.get("type") and not schema.get("x-kubernetes-int-or-string")
        ):
            return
        want = "integer,string" if schema.get("x-kubernetes-int-or-string") else schema["type"]
        errs.append(_err(TYPE_INVALID, path, "", f"{name} {_IN} must be of type {want}"))
        return
    if not _type_ok(schema, v):
        want = "integer,string" if schema.get("x-kubernetes-int-or-string") else schema["type"]
        actual = _json_type(v)
        errs.append(
            _err(TYPE_INVALID, path, actual, f'{name} {_IN} must be of type {want}: "{actual}"')
        )
        return
    _validate_composites(schema, v, path, errs)
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(_equal(v, e) for e in enum):
        values = [e if isinstance(e, str) else json.dumps(e, separators=(",", ":")) for e in enum]
        errs.append(not_supported(path, v, values))
    if isinstance(v, str):
        _validate_string(schema, v, path, name, errs)
    elif isinstance(v, int | float) and not isinstance(v, bool):
        _validate_number(schema, v, path, name, errs)
    elif isinstance(v, list):
        _validate_array(schema, v, path, name, errs)
    elif isinstance(v, dict):
        _validate_object(schema, v, path, name, errs)


def _composite(message: str) -> FieldError:
    """A kube-openapi composite error: not a field error, so kube reports it on the nil path."""
    return FieldError(INVALID, "<nil>", "", message)


def _sub_errors(schema: Any, v: Any, path: str) -> list[FieldError]:
    if not isinstance(schema, dict):
        return []
    errs: list[FieldError] = []
    _validate(schema, v, path, errs)
    return errs


def _best_failure(results: list[list[FieldError]]) -> list[FieldError]:
    """The failed alternative kube-openapi reports: it keeps the one with the most passed checks
    (MatchCount); the one with the fewest errors (the first of equals) stands in for it."""
    failed = [r for r in results if r]
    return min(failed, key=len) if failed else []


def _validate_composites(schema: Schema, v: Any, path: str, errs: list[FieldError]) -> None:
    """anyOf, oneOf, allOf and not, in schemaPropsValidator.Validate's order and words."""
    quoted = go_quote(path)
    any_of = schema.get("anyOf")
    if isinstance(any_of, list) and any_of:
        results = [_sub_errors(s, v, path) for s in any_of]
        if all(results):
            errs.append(_composite(f"{quoted} must validate at least one schema (anyOf)"))
            errs += _best_failure(results)
    one_of = schema.get("oneOf")
    if isinstance(one_of, list) and one_of:
        results = [_sub_errors(s, v, path) for s in one_of]
        valid = sum(1 for r in results if not r)
        if valid != 1:
            more = "Found none valid" if valid == 0 else f"Found {valid} valid alternatives"
            errs.append(
                _composite(f"{quoted} must validate one and only one schema (oneOf). {more}")
            )
            if valid == 0:
                errs += _best_failure(results)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and all_of:
        results = [_sub_errors(s, v, path) for s in all_of]
        for r in results:
            errs += r
        passed = sum(1 for r in results if not r)
        if passed != len(results):
            none = ". None validated" if passed == 0 else ""
            errs.append(_composite(f"{quoted} must validate all the schemas (allOf){none}"))
    not_schema = schema.get("not")
    if isinstance(not_schema, dict) and not _sub_errors(not_schema, v, path):
        errs.append(_composite(f"{quoted} must not validate the schema (not)"))


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _validate_string(schema: Schema, v: str, path: str, name: str, errs: list[FieldError]) -> None:
    n = len(v)
    max_len = schema.get("maxLength")
    if isinstance(max_len, int) and n > max_len:
        errs.append(_err(TOO_LONG, path, v, f"may not be more than {max_len} bytes"))
    min_len = schema.get("minLength")
    if isinstance(min_len, int) and n < min_len:
        errs.append(_err(INVALID, path, v, f"{name} {_IN} should be at least {min_len} chars long"))
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        rx = _regex(pattern)
        if rx is not None and rx.search(v) is None:
            errs.append(_err(INVALID, path, v, f"{name} {_IN} should match '{pattern}'"))


def _validate_number(
    schema: Schema, v: float, path: str, name: str, errs: list[FieldError]
) -> None:
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and multiple > 0:
        q = v / multiple
        if not float(q).is_integer():
            errs.append(
                _err(
                    INVALID, path, v, f"{name} {_IN} should be a multiple of {go_number(multiple)}"
                )
            )
    maximum = schema.get("maximum")
    if isinstance(maximum, int | float):
        exclusive = bool(schema.get("exclusiveMaximum"))
        if v > maximum or (exclusive and v == maximum):
            word = "less than" if exclusive else "less than or equal to"
            errs.append(
                _err(INVALID, path, v, f"{name} {_IN} should be {word} {go_number(maximum)}")
            )
    minimum = schema.get("minimum")
    if isinstance(minimum, int | float):
        exclusive = bool(schema.get("exclusiveMinimum"))
        if v < minimum or (exclusive and v == minimum):
            word = "greater than" if exclusive else "greater than or equal to"
            errs.append(
                _err(INVALID, path, v, f"{name} {_IN} should be {word} {go_number(minimum)}")
            )


def _validate_array(
    schema: Schema, v: list[Any], path: str, name: str, errs: list[FieldError]
) -> None:
    max_items = schema.get("maxItems")
    if isinstance(max_items, int) and len(v) > max_items:
        errs.append(_err(TOO_MANY, path, len(v), f"must have at most {max_items} items"))
    min_items = schema.get("minItems")
    if isinstance(min_items, int) and len(v) < min_items:
        errs.append(
            _err(INVALID, path, len(v), f"{name} {_IN} should have at least {min_items} items")
        )
    if schema.get("uniqueItems") or schema.get("x-kubernetes-list-type") == "set":
        seen: list[str] = []
        for item in v:
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                if schema.get("uniqueItems"):
                    errs.append(
                        _err(INVALID, path, "", f"{name} {_IN} shouldn't contain duplicates")
                    )
                break
            seen.append(key)
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(v):
            _validate(items, item, f"{path}[{i}]", errs)


def _validate_object(
    schema: Schema, v: dict[str, Any], path: str, name: str, errs: list[FieldError]
) -> None:
    max_props = schema.get("maxProperties")
    if isinstance(max_props, int) and len(v) > max_props:
        errs.append(_err(TOO_MANY, path, len(v), f"must have at most {max_props} items"))
    min_props = schema.get("minProperties")
    if isinstance(min_props, int) and len(v) < min_props:
        errs.append(
            _err(
                INVALID,
                path,
                len(v),
                f"{name} {_IN} should have at least {min_props} properties",
            )
        )
    for key in schema.get("required") or ():
        if key not in v:
            errs.append(required(_child(path, key)))
    props = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    for key in sorted(v):
        if path == "" and key in _ROOT_KEPT and key not in props:
            continue
        sub = props.get(key)
        if isinstance(sub, dict):
            _validate(sub, v[key], _child(path, key), errs)
        elif isinstance(additional, dict):
            _validate(additional, v[key], _child(path, key), errs)


# -- list types ---------------------------------------------------------------------------------


def _go_sharp(value: Any) -> str:
    """Go's `%#v` of an unstructured value inside an interface{} (field.Duplicate of a map key)."""
    if isinstance(value, dict):
        inner = ", ".join(f"{go_quote(k)}:{_go_sharp(v)}" for k, v in value.items())
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_go_sharp(v) for v in value) + "}"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, float):
        return go_number(value)
    return str(value)


def _duplicate_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return GoLiteral(_go_sharp(value))
    return value


def validate_list_types(schema: Schema | None, obj: dict[str, Any]) -> list[FieldError]:
    """structurallisttype.ValidateListSetsAndMaps: no duplicate items in `x-kubernetes-list-type:
    set` lists, no duplicate keys in `map` lists (each reported once, at its second appearance)."""
    if not schema:
        return []
    errs: list[FieldError] = []
    _list_types_object(schema, obj, "", errs)
    return errs


def _list_types_object(
    schema: Schema, obj: dict[str, Any], path: str, errs: list[FieldError]
) -> None:
    props = schema.get("properties")
    additional = schema.get("additionalProperties")
    for key in sorted(obj):
        if isinstance(additional, dict):
            _list_types(additional, obj[key], f"{path}[{key}]", errs)
        if isinstance(props, dict) and isinstance(props.get(key), dict):
            _list_types(props[key], obj[key], _child(path, key), errs)


def _list_types(schema: Schema, value: Any, path: str, errs: list[FieldError]) -> None:
    if isinstance(value, dict):
        _list_types_object(schema, value, path, errs)
        return
    if not isinstance(value, list):
        return
    list_type = schema.get("x-kubernetes-list-type")
    if list_type == "set":
        for i in _non_unique(value):
            errs.append(duplicate(f"{path}[{i}]", _duplicate_value(value[i])))
    elif list_type == "map":
        errs += _list_map(schema, value, path)
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(value):
            _list_types(items, item, f"{path}[{i}]", errs)


_UNSPECIFIED = object()


def _non_unique(values: list[Any]) -> list[int]:
    """Indices of the second appearance of each repeated value (validateListSet)."""
    seen: dict[str, int] = {}
    out: list[int] = []
    for i, x in enumerate(values):
        key = "unspecified" if x is _UNSPECIFIED else json.dumps(x, sort_keys=True)
        if isinstance(x, bool):
            key = f"bool:{key}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            out.append(i)
    return out


def _list_map(schema: Schema, value: list[Any], path: str) -> list[FieldError]:
    for i, x in enumerate(value):
        if x is not None and not isinstance(x, dict):
            return [
                FieldError(
                    INVALID,
                    f"{path}[{i}]",
                    _duplicate_value(x),
                    "must be an object for an array of list-type map",
                )
            ]
    key_fields = [k for k in schema.get("x-kubernetes-list-map-keys") or [] if isinstance(k, str)]
    if len(value) <= 1 or not key_fields:
        return []
    if len(key_fields) == 1:
        field_name = key_fields[0]
        keys: list[Any] = [
            x[field_name] if isinstance(x, dict) and field_name in x else _UNSPECIFIED
            for x in value
        ]
        return [
            duplicate(
                f"{path}[{i}]",
                GoLiteral(_go_sharp({} if keys[i] is _UNSPECIFIED else {field_name: keys[i]})),
            )
            for i in _non_unique(keys)
        ]
    compound = [
        {k: x[k] for k in key_fields if k in x} if isinstance(x, dict) else {} for x in value
    ]
    return [
        duplicate(f"{path}[{i}]", GoLiteral(_go_sharp(compound[i]))) for i in _non_unique(compound)
    ]


BLOCKING = (NOT_SUPPORTED, REQUIRED, TOO_LONG, TOO_MANY, TYPE_INVALID)
NOT_CHECKED = (
    "some validation rules were not checked because the object was invalid; correct the existing "
    "errors to complete validation"
)


def blocking_error(errs: list[FieldError]) -> FieldError | None:
    """hasBlockingErr: CEL rules are not run over an object with these errors; kube says so."""
    if any(e.type in BLOCKING for e in errs):
        return FieldError(INVALID, "<nil>", "null", NOT_CHECKED)
    return None
