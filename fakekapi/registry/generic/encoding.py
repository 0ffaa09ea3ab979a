"""Objects as kube-apiserver stores and returns them.

Built-in kinds go through their Go type (fakekapi/protobuf/gojson.py): the registry calls
`stored_form` on every object it writes, after defaulting, admission and validation, where kube's
storage encodes the typed object. `go_decode_error` gives, at the time kube decodes a body
(create, update, a patch's result), the error the Go types' UnmarshalJSON would refuse it with.
"""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import bad_request, go_quote
from fakekapi.core.objects import OBJECT_META_ORDER
from fakekapi.protobuf.gojson import GoDecodeError, go_check, go_roundtrip


def canonical_order(obj: dict[str, Any]) -> dict[str, Any]:
    """Keys in the order kube's Go structs marshal them (apiVersion, kind, metadata first)."""
    out: dict[str, Any] = {}
    for k in ("apiVersion", "kind"):
        if k in obj:
            out[k] = obj[k]
    md = obj.get("metadata")
    if isinstance(md, dict):
        ordered = {k: md[k] for k in OBJECT_META_ORDER if k in md}
        ordered.update({k: v for k, v in md.items() if k not in ordered})
        out["metadata"] = ordered
    for k, v in obj.items():
        if k not in out and k != "status":
            out[k] = v
    if "status" in obj:
        out["status"] = obj["status"]
    return out


def stored_form(obj: dict[str, Any], release: str | None = None) -> dict[str, Any]:
    """What kube-apiserver stores and returns for `obj`: a built-in kind through its Go type
    (protobuf/gojson: zero values, Go field order, canonical quantities and times), anything
    else (custom resources) in kube's key order. A value the Go type refuses is kube's 400.
    `release`: the emulated release whose Go types apply (None: the default)."""
    try:
        encoded = go_roundtrip(obj, release)
    except GoDecodeError as e:
        kind = str(obj.get("kind") or "")
        version = str(obj.get("apiVersion") or "").rpartition("/")[2]
        raise bad_request(
            f"{kind} in version {go_quote(version)} cannot be handled as a {kind}: {e}"
        ) from None
    return canonical_order(obj) if encoded is None else encoded


def go_decode_error(obj: dict[str, Any], release: str | None = None) -> str:
    """The error Go's decoding of a built-in object into its type gives ("" if none): what
    the apimachinery types' UnmarshalJSON refuse (quantities, times, base64, IntOrString)."""
    try:
        go_check(obj, release)
    except GoDecodeError as e:
        return str(e)
    return ""


def with_resource_version_slot(obj: dict[str, Any]) -> dict[str, Any]:
    """`obj` with an empty metadata.resourceVersion at its place in ObjectMeta's order, for the
    store to fill in: the store sets the key in place, so a new object's resourceVersion comes
    after its uid as kube writes it, not last."""
    md = obj.get("metadata")
    if not isinstance(md, dict) or "resourceVersion" in md:
        return obj
    after = OBJECT_META_ORDER[: OBJECT_META_ORDER.index("resourceVersion")]
    slotted: dict[str, Any] = {}
    for k, v in md.items():
        if "resourceVersion" not in slotted and k not in after:
            slotted["resourceVersion"] = ""
        slotted[k] = v
    slotted.setdefault("resourceVersion", "")
    return {**obj, "metadata": slotted}
