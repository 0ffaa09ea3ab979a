"""One error type, rendered as a metav1.Status exactly as kube-apiserver renders it.

Constructors are named after apimachinery's `pkg/api/errors/errors.go` (NewNotFound → not_found,
...) and produce the same message texts word for word, because clients (kubectl, Kopf) show or
parse them.

    Exception
    ├── StatusError      an API error answered with a metav1.Status JSON body
    └── PlainHTTPError   the few errors kube-apiserver answers in plain text (404 page not found)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Final, NamedTuple

# Field error types: (Go ErrorType.String(), cause reason).
REQUIRED: Final = ("Required value", "FieldValueRequired")
INVALID: Final = ("Invalid value", "FieldValueInvalid")
NOT_SUPPORTED: Final = ("Unsupported value", "FieldValueNotSupported")
FORBIDDEN: Final = ("Forbidden", "FieldValueForbidden")
DUPLICATE: Final = ("Duplicate value", "FieldValueDuplicate")
TOO_LONG: Final = ("Too long", "FieldValueTooLong")
TOO_MANY: Final = ("Too many", "FieldValueTooMany")
TYPE_INVALID: Final = ("Invalid value", "FieldValueTypeInvalid")
NOT_FOUND_FIELD: Final = ("Not found", "FieldValueNotFound")

_NO_VALUE_TYPES = {REQUIRED, FORBIDDEN, TOO_LONG}
_OMIT: Final = object()

CONFLICT_MODIFIED: Final = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


_GO_ESCAPES = {c: "\\" + e for c, e in zip("\a\b\f\n\r\t\v", "abfnrtv", strict=True)}


def go_quote(s: str) -> str:
    """Go's `%q` (strconv.Quote): printable characters as they are, `"` and `\\` escaped, the
    rest as \\n-style, \\xNN, \\uNNNN or \\UNNNNNNNN escapes, so a message never carries a
    control character (into a Warning header, a log line). The one home of `%q`."""
    if s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'
    out = ['"']
    for c in s:
        if c in ('"', "\\"):
            out.append("\\" + c)
        elif c.isprintable():
            out.append(c)
        elif c in _GO_ESCAPES:
            out.append(_GO_ESCAPES[c])
        elif c < " " or c == "\x7f":
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) < 0x10000:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    out.append('"')
    return "".join(out)


def go_quote_list(values: Iterable[str]) -> str:
    """`%q` of a []string: `["a" "b"]`."""
    return "[" + " ".join(go_quote(v) for v in values) + "]"


class GoLiteral(NamedTuple):
    """A bad value already in Go's print form (a struct's `%#v`), which go_value keeps as is."""

    text: str


def go_value(v: Any) -> str:
    """How field.Error prints a bad value: strings quoted, numbers and bools bare."""
    if isinstance(v, GoLiteral):
        return v.text
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int | float):
        return str(v)
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return "[]string{" + ", ".join(go_quote(x) for x in v) + "}"
    return json.dumps(v, separators=(",", ":"))


class FieldError(NamedTuple):
    """One validation failure (apimachinery `util/validation/field.Error`)."""

    type: tuple[str, str]
    field: str
    bad_value: Any = _OMIT
    detail: str = ""

    def body(self) -> str:
        """`Invalid value: "x": detail`, as field.Error.ErrorBody prints it."""
        if self.type in _NO_VALUE_TYPES or self.bad_value is _OMIT:
            s = self.type[0]
        else:
            s = f"{self.type[0]}: {go_value(self.bad_value)}"
        if self.detail:
            s += f": {self.detail}"
        return s

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(REQUIRED, path, detail=detail)


def invalid_value(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(INVALID, path, value, detail)


def not_supported(path: str, value: Any, supported: Sequence[str]) -> FieldError:
    detail = "supported values: " + ", ".join(go_quote(s) for s in supported) if supported else ""
    return FieldError(NOT_SUPPORTED, path, value, detail)


def forbidden_field(path: str, detail: str) -> FieldError:
    return FieldError(FORBIDDEN, path, detail=detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(DUPLICATE, path, value)


def qualified(resource: str, group: str) -> str:
    """`pods`, `deployments.apps`: schema.GroupResource.String()."""
    return f"{resource}.{group}" if group else resource


class StatusError(Exception):
    """An API error answered as a metav1.Status (status Failure)."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.list_meta: dict[str, Any] = {}
        """The Status's own ListMeta (`continue` of an expired continue token's fresh token)."""

    def to_status(self) -> dict[str, Any]:
        """The metav1.Status JSON, keys in kube's order; empty reason/message/details left out."""
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": dict(self.list_meta),
            "status": "Failure",
        }
        if self.message:
            out["message"] = self.message
        if self.reason:
            out["reason"] = self.reason
        if self.details is not None:
            out["details"] = self.details
        out["code"] = self.code
        return out

    def __repr__(self) -> str:
        return f"StatusError({self.code}, {self.reason!r}, {self.message!r})"


class PlainHTTPError(Exception):
    """An error kube-apiserver answers in plain text, not as a Status (reference §3)."""

    def __init__(self, code: int, body: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(body)
        self.code = code
        self.body = body
        self.headers = headers or {}


def page_not_found() -> PlainHTTPError:
    """Go's http.NotFound: unknown groups and non-API paths."""
    return PlainHTTPError(404, "404 page not found\n")


def _details(resource: str, group: str, name: str = "", **extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    if resource:
        d["kind"] = resource
    d.update({k: v for k, v in extra.items() if v})
    return d


def not_found(resource: str, group: str, name: str) -> StatusError:
    msg = f"{qualified(resource, group)} {go_quote(name)} not found"
    return StatusError(404, "NotFound", msg, _details(resource, group, name))


def generic_not_found() -> StatusError:
    """A route miss under a served group-version (go-restful's 404)."""
    return StatusError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(resource: str, group: str, name: str) -> StatusError:
    msg = f"{qualified(resource, group)} {go_quote(name)} already exists"
    return StatusError(409, "AlreadyExists", msg, _details(resource, group, name))


def generate_name_conflict(resource: str, group: str, name: str) -> StatusError:
    msg = (
        f"{qualified(resource, group)} {go_quote(name)} already exists, the server was not able "
        "to generate a unique name for the object"
    )
    return StatusError(
        409, "AlreadyExists", msg, _details(resource, group, name, retryAfterSeconds=1)
    )


def conflict(resource: str, group: str, name: str, err: str = CONFLICT_MODIFIED) -> StatusError:
    msg = f"Operation cannot be fulfilled on {qualified(resource, group)} {go_quote(name)}: {err}"
    return StatusError(409, "Conflict", msg, _details(resource, group, name))


def forbidden(
    resource: str, group: str, name: str, err: str, causes: list[dict[str, str]] | None = None
) -> StatusError:
    """NewForbidden: `<gr> "<name>" is forbidden: <err>`; `forbidden: <err>` without a resource."""
    if not resource and not group:
        msg = f"forbidden: {err}"
    elif not name:
        msg = f"{qualified(resource, group)} is forbidden: {err}"
    else:
        msg = f"{qualified(resource, group)} {go_quote(name)} is forbidden: {err}"
    details = _details(resource, group, name)
    if causes:
        details["causes"] = causes
    return StatusError(403, "Forbidden", msg, details, {"X-Content-Type-Options": "nosniff"})


def invalid(kind: str, group: str, name: str, errs: Iterable[FieldError]) -> StatusError:
    """NewInvalid: `<Kind>.<group> "<name>" is invalid: <errors>`; details.kind is the Kind."""
    errors = list(errs)
    causes = [{"reason": e.type[1], "message": e.body(), "field": e.field} for e in errors]
    agg = str(errors[0]) if len(errors) == 1 else "[" + ", ".join(str(e) for e in errors) + "]"
    msg = f"{qualified(kind, group)} {go_quote(name)} is invalid: {agg}"
    details: dict[str, Any] = {"name": name} if name else {}
    if group:
        details["group"] = group
    details["kind"] = kind
    if causes:
        details["causes"] = causes
    return StatusError(422, "Invalid", msg, details)


def invalid_options(kind: str, errs: Iterable[FieldError]) -> StatusError:
    """Options validation: `CreateOptions.meta.k8s.io "" is invalid: ...`."""
    return invalid(kind, "meta.k8s.io", "", errs)


def rejected_generic() -> StatusError:
    """422 with the generic text (a JSON patch op that fails to apply)."""
    return StatusError(
        422, "Invalid", "the server rejected our request due to an error in our request", {}
    )


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def unauthorized(message: str = "Unauthorized") -> StatusError:
    return StatusError(401, "Unauthorized", message)


def method_not_supported(resource: str, group: str, action: str) -> StatusError:
    msg = f"{action} is not supported on resources of kind {go_quote(qualified(resource, group))}"
    return StatusError(405, "MethodNotAllowed", msg, _details(resource, group))


def method_not_allowed() -> StatusError:
    """go-restful's 405 for a method with no route."""
    return StatusError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        {},
    )


def not_acceptable(accepted: Sequence[str]) -> StatusError:
    """The apiserver's own negotiation failure (no details key)."""
    msg = "only the following media types are accepted: " + ", ".join(accepted)
    return StatusError(406, "NotAcceptable", msg)


def unsupported_media_type(accepted: Sequence[str]) -> StatusError:
    """A POST/PUT body in a format the server does not decode."""
    msg = (
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted)
    )
    return StatusError(415, "UnsupportedMediaType", msg)


def unsupported_patch_type() -> StatusError:
    """The router's 415 for a PATCH whose Content-Type is not a patch type."""
    return StatusError(415, "UnsupportedMediaType", "415: Unsupported Media Type", {})


def expired(message: str) -> StatusError:
    return StatusError(410, "Expired", message)


def gone(message: str) -> StatusError:
    return StatusError(410, "Gone", message)


def too_large(message: str = "Request entity too large: limit is 3145728") -> StatusError:
    return StatusError(413, "RequestEntityTooLarge", message)


def internal(err: str) -> StatusError:
    return StatusError(
        500, "InternalError", f"Internal error occurred: {err}", {"causes": [{"message": err}]}
    )


def timeout(message: str, retry_after: int = 0) -> StatusError:
    details = {"retryAfterSeconds": retry_after} if retry_after else None
    return StatusError(504, "Timeout", f"Timeout: {message}", details)
