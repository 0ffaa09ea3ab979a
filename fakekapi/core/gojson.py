"""How Go's encoding/json names JSON values in its errors, which kube-apiserver passes on verbatim.

`json: cannot unmarshal <type> into Go struct field ...` is what clients see for a body of the
wrong shape; one function keeps every such message naming types the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def unmarshal_type(v: Any) -> str:
    """The `<type>` of an UnmarshalTypeError: object, array, string, bool, number (null: null)."""
    if isinstance(v, Mapping):
        return "object"
    if isinstance(v, list):
        return "array"
    if isinstance(v, str):
        return "string"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    return "null" if v is None else "value"
