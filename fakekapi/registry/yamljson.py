"""YAML bodies read as the apiserver reads them: sigs.k8s.io/yaml `YAMLToJSON`, then JSON.

PyYAML builds values JSON cannot hold: non-string map keys, NaN and infinities, `!!binary`
bytes, `!!set` sets, integers beyond 64 bits, aliases that share or contain their own nodes.
YAMLToJSON converts keys to strings (ints, floats, bools; a null key is an error), json.Marshal
refuses NaN and infinities, and go-yaml reads integers that do not fit 64 bits as floats. So a
loaded body is converted here, and whatever cannot become JSON is a `yaml.YAMLError` (which the
callers answer with a 400), never an object the rest of the server cannot serialize.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import yaml


class _NoTimestampLoader(yaml.SafeLoader):
    """safe_load without YAML 1.1 timestamps: sigs.k8s.io/yaml keeps them as strings."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_ALIAS_ALLOWANCE = 400_000
"""Values beyond one per input byte that aliases may add (go-yaml refuses documents whose
aliases expand far beyond their size: `document contains excessive aliasing`)."""


class ConversionError(yaml.YAMLError):
    """A YAML document that has no JSON form."""


def load(data: bytes | str) -> Any:
    """The JSON value of a YAML document; raises yaml.YAMLError (ConversionError included)."""
    try:
        value = yaml.load(data, Loader=_NoTimestampLoader)
    except RecursionError:
        raise ConversionError("yaml: exceeded max depth: the document nests too deeply") from None
    budget = [len(data) + _ALIAS_ALLOWANCE]
    try:
        return _jsonable(value, budget)
    except RecursionError:
        raise ConversionError("yaml: exceeded max depth: the document nests too deeply") from None


def _jsonable(v: Any, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise ConversionError("yaml: document contains excessive aliasing")
    if isinstance(v, dict):
        return {_key(k, x): _jsonable(x, budget) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x, budget) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if -(2**63) <= v < 2**64 else float(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise ConversionError(f"json: unsupported value: {_go_float(v)}")
        return v
    if isinstance(v, bytes):  # !!binary: go-yaml decodes it into a string of those bytes
        return v.decode("utf-8", errors="replace")
    if isinstance(v, set):  # !!set: a map of null values
        return {_key(k, None): None for k in v}
    if isinstance(v, datetime.date):  # an explicit !!timestamp
        return v.isoformat()
    raise ConversionError(f"unsupported value of type {type(v).__name__}")


def _key(k: Any, v: Any) -> str:
    """convertToJSONableObject: map keys become strings; other key types are an error."""
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, int):
        return str(k)
    if isinstance(k, float):
        return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(_go_float(k), repr(k))
    go_type = "<nil>" if k is None else type(k).__name__
    raise ConversionError(f"unsupported map key of type: {go_type}, key: {k!r}, value: {v!r}")


def _go_float(f: float) -> str:
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    return repr(f)
