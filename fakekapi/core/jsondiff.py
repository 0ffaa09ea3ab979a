"""Structural differences between two JSON documents, so one release's data can be shipped as its
difference from another's.

The releases fakekapi emulates share most of their data (OpenAPI schemas, protobuf messages): a
release other than the base one is stored as `diff(base, release)` and rebuilt with
`apply(base, diff)`. A diff of two objects is an object with up to four keys:

  "=": {key: value}   keys added or whose value changed in a way that is not an object change
  "~": {key: diff}    keys whose value is an object in both, with that object's diff
  "-": [key, ...]     keys removed
  "o": [key, ...]     the key order of the result, when it is not "the base's keys that remain,
                      then the new ones" (Go struct field order matters to byte-exact output)

Anything that is not an object (lists, strings, numbers) is replaced whole. `apply(a, diff(a, b))`
equals b, key order included.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


def diff(base: JSON, new: JSON) -> JSON:
    """The diff that turns `base` into `new` (both objects)."""
    out: JSON = {}
    changed: JSON = {}
    nested: JSON = {}
    for key, value in new.items():
        if key not in base:
            changed[key] = value
        elif base[key] != value or type(base[key]) is not type(value):
            old = base[key]
            if isinstance(value, dict) and isinstance(old, dict):
                nested[key] = diff(old, value)
            else:
                changed[key] = value
    removed = [key for key in base if key not in new]
    if changed:
        out["="] = changed
    if nested:
        out["~"] = nested
    if removed:
        out["-"] = removed
    expected = [k for k in base if k in new] + [k for k in new if k not in base]
    if expected != list(new):
        out["o"] = list(new)
    return out


def apply(base: JSON, d: JSON) -> JSON:
    """`base` with the diff `d` applied (a new object; `base` is not changed)."""
    if not d:
        return base
    removed = set(d.get("-", ()))
    changed: JSON = d.get("=", {})
    nested: JSON = d.get("~", {})
    out: JSON = {}
    for key, value in base.items():
        if key in removed:
            continue
        if key in nested:
            out[key] = apply(value, nested[key])
        elif key in changed:
            out[key] = changed[key]
        else:
            out[key] = value
    for key, value in changed.items():
        if key not in out:
            out[key] = value
    order = d.get("o")
    if order is not None:
        out = {key: out[key] for key in order}
    return out
