"""`x-kubernetes-validations`: the CEL rules of custom resource schemas.

Evaluated as apiextensions-apiserver's `cel.Validator` (pkg/apiserver/schema/cel/validation.go)
does, with cel-python for the language itself:
- each rule runs with `self` bound to the value at its schema node (numbers typed `number` are
  doubles, `integer` ints, as the schema's declared type makes them in kube); at the resource root
  `metadata` holds only `name` and `generateName`;
- a rule that mentions `oldSelf` is a transition rule: it runs on update only, where an old value
  correlates (same property, same map key, same list-map key; never inside sets or atomic lists);
- a false rule is one field error: at the node's path (plus the rule's `fieldPath`), of the
  rule's `reason` (default Invalid), with the value for scalars and none for objects and arrays,
  and the detail from `messageExpression`, else `message`, else `failed rule: <rule>`;
- an evaluation error is `<error> evaluating rule: <rule>` with cel-go's wording for the common
  ones (`no such key: x`, `division by zero`).
Not done: kube's cost budgets (rules here are never refused for cost), `optionalOldSelf`, and the
Kubernetes CEL libraries beyond the standard ones (quantity, url, ip, format).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, NamedTuple

from fakekapi.core.errors import (
    INVALID,
    FieldError,
    duplicate,
    forbidden_field,
    required,
)

Schema = dict[str, Any]

_OLD_SELF = re.compile(r"\boldSelf\b")
_OMIT = object()


class _Compiled(NamedTuple):
    program: Any | None
    error: str


@lru_cache(maxsize=1)
def _env() -> Any:
    """cel-python's environment, imported on the first rule: the import takes ~0.3 s, which a
    server whose CRDs have no rules should never pay at start-up."""
    import celpy

    return celpy.Environment()


@lru_cache(maxsize=1024)
def _compile(expression: str) -> _Compiled:
    env = _env()
    try:
        return _Compiled(env.program(env.compile(expression)), "")
    except Exception as e:  # cel-python raises several types for syntax and semantic errors
        return _Compiled(None, str(e).strip().splitlines()[0] if str(e).strip() else repr(e))


def to_cel(schema: Schema | None, value: Any) -> Any:
    """A JSON value as a CEL value of its schema's type (kube's UnstructuredToVal)."""
    from celpy import celtypes
    from celpy.adapter import json_to_cel

    schema = schema or {}
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        out: dict[Any, Any] = {}
        for k, v in value.items():
            sub = props.get(k) if isinstance(props, dict) else None
            if sub is None and isinstance(additional, dict):
                sub = additional
            out[celtypes.StringType(k)] = to_cel(sub if isinstance(sub, dict) else None, v)
        return celtypes.MapType(out)
    if isinstance(value, list):
        items = schema.get("items")
        return celtypes.ListType(
            [to_cel(items if isinstance(items, dict) else None, v) for v in value]
        )
    if schema.get("type") == "number" and isinstance(value, int) and not isinstance(value, bool):
        return celtypes.DoubleType(float(value))
    return json_to_cel(value)


def _root_view(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj.get("metadata")
    view = dict(obj)
    if isinstance(md, dict):
        view["metadata"] = {k: md[k] for k in ("name", "generateName") if k in md}
    return view


def _go_error(err: Any) -> str:
    """cel-python's evaluation error in cel-go's words where a client would see a difference."""
    text = str(err.args[0]) if getattr(err, "args", None) else str(err)
    m = re.match(r"no such member in mapping: '(.*)'", text)
    if m:
        return f"no such key: {m.group(1)}"
    if "divide by zero" in text:
        return "division by zero"
    if "no matching overload" in text or "no such overload" in text:
        return "no such overload"
    return text


def _evaluate(program: Any, activation: dict[str, Any]) -> tuple[Any, str]:
    from celpy.evaluation import CELEvalError

    try:
        result = program.evaluate(activation)
    except Exception as e:  # CELEvalError and the Python errors it wraps
        return None, _go_error(e)
    if isinstance(result, CELEvalError):
        return None, _go_error(result)
    return result, ""


def _rule_text(rule: dict[str, Any]) -> str:
    """ruleErrorString: the message if there is one, else the rule."""
    message = str(rule.get("message") or "").strip()
    return message or str(rule.get("rule") or "").strip()


def _field_error(
    path: str, value: Any, detail: str, reason: str | None, schema_type: str
) -> FieldError:
    """fieldErrorForReason."""
    if reason == "FieldValueForbidden":
        return forbidden_field(path, detail)
    if reason == "FieldValueRequired":
        return required(path, detail)
    if reason == "FieldValueDuplicate":
        return duplicate(path, value)
    if value is _OMIT:
        return FieldError(INVALID, path, detail=detail)
    return FieldError(INVALID, path, value, detail)


def _message(rule: dict[str, Any], activation: dict[str, Any]) -> str:
    expression = rule.get("messageExpression")
    if isinstance(expression, str) and expression:
        compiled = _compile(expression)
        if compiled.program is not None:
            result, error = _evaluate(compiled.program, activation)
            text = str(result).strip() if isinstance(result, str) else ""
            if not error and text and "\n" not in text:
                return text
    message = str(rule.get("message") or "").strip()
    return message or f"failed rule: {_rule_text(rule)}"


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _run_rules(schema: Schema, value: Any, old: Any, path: str, errs: list[FieldError]) -> None:
    rules = schema.get("x-kubernetes-validations")
    if not isinstance(rules, list) or not rules:
        return
    schema_type = str(schema.get("type") or "")
    this = to_cel(schema, value)
    activation: dict[str, Any] = {"self": this}
    if old is not _OMIT:
        activation["oldSelf"] = to_cel(schema, old)
    for rule in rules:
        if not isinstance(rule, dict) or not isinstance(rule.get("rule"), str):
            continue
        text = rule["rule"]
        if _OLD_SELF.search(text) and old is _OMIT:
            continue  # a transition rule, with no old value to compare
        where = path or "<nil>"
        compiled = _compile(text)
        if compiled.program is None:
            errs.append(
                FieldError(
                    INVALID,
                    where,
                    schema_type,
                    f"rule compile error: {compiled.error}: {_rule_text(rule)}",
                )
            )
            continue
        result, error = _evaluate(compiled.program, activation)
        if error:
            errs.append(
                FieldError(
                    INVALID, where, schema_type, f"{error} evaluating rule: {_rule_text(rule)}"
                )
            )
            continue
        if result is True or (type(result).__name__ == "BoolType" and bool(result)):
            continue
        field_path = str(rule.get("fieldPath") or "").lstrip(".")
        at = _child(path, field_path) if field_path else where
        shown = (
            _OMIT if schema_type in ("object", "array") or isinstance(value, dict | list) else value
        )
        reason = rule.get("reason")
        errs.append(
            _field_error(
                at,
                shown,
                _message(rule, activation),
                reason if isinstance(reason, str) else None,
                schema_type,
            )
        )


def _list_map_key(schema: Schema, item: Any) -> tuple[Any, ...] | None:
    keys = schema.get("x-kubernetes-list-map-keys") or []
    if not isinstance(item, dict) or not keys:
        return None
    return tuple(repr(item.get(k)) for k in keys)


def _walk(schema: Schema, value: Any, old: Any, path: str, errs: list[FieldError]) -> None:
    if value is None:
        return
    _run_rules(schema, value, old, path, errs)
    for sub in schema.get("allOf") or []:
        if isinstance(sub, dict):
            _run_rules(sub, value, old, path, errs)
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        old_map = old if isinstance(old, dict) else {}
        for key in value:
            sub = props.get(key) if isinstance(props, dict) else None
            if isinstance(sub, dict):
                _walk(sub, value[key], old_map.get(key, _OMIT), _child(path, key), errs)
            elif isinstance(additional, dict):
                _walk(additional, value[key], old_map.get(key, _OMIT), f"{path}[{key}]", errs)
    elif isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, dict):
            return
        old_by_key: dict[tuple[Any, ...], Any] = {}
        if schema.get("x-kubernetes-list-type") == "map" and isinstance(old, list):
            for item in old:
                key = _list_map_key(schema, item)
                if key is not None:
                    old_by_key[key] = item
        for i, item in enumerate(value):
            key = _list_map_key(schema, item)
            old_item = old_by_key.get(key, _OMIT) if key is not None else _OMIT
            _walk(items, item, old_item, f"{path}[{i}]", errs)


def validate(
    schema: Schema | None, obj: dict[str, Any], old: dict[str, Any] | None = None
) -> list[FieldError]:
    """The field errors of every `x-kubernetes-validations` rule of `schema` over `obj`."""
    if not schema or not _has_rules(schema):
        return []
    errs: list[FieldError] = []
    _walk(schema, _root_view(obj), _root_view(old) if old is not None else _OMIT, "", errs)
    return errs


_HAS_RULES: dict[int, tuple[Schema, bool]] = {}


def _has_rules(schema: Schema) -> bool:
    """Most schemas have no rules: skip the walk (and its CEL conversions) for them. Cached by
    identity: a CRD version's schema object lives as long as the version is served."""
    hit = _HAS_RULES.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    found = '"x-kubernetes-validations"' in json.dumps(schema)
    if len(_HAS_RULES) > 1024:
        _HAS_RULES.clear()
    _HAS_RULES[id(schema)] = (schema, found)
    return found
