"""Request options (ListOptions, Create/Update/PatchOptions, DeleteOptions) as plain values.

The server parses query parameters and bodies into these with the parse_* functions (which raise
kube's 400/422 StatusErrors); the registry only ever sees validated values.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from fakekapi.core.errors import (
    TOO_LONG,
    FieldError,
    StatusError,
    bad_request,
    forbidden_field,
    go_quote,
    invalid_options,
    invalid_value,
    not_supported,
    required,
)
from fakekapi.core.gojson import unmarshal_type
from fakekapi.core.lazyre import LazyPattern


class ListOptions(NamedTuple):
    label_selector: str = ""
    field_selector: str = ""
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""
    resource_version_match: str = ""
    watch: bool = False
    allow_watch_bookmarks: bool = False
    timeout_seconds: int | None = None
    send_initial_events: bool | None = None


class WriteOptions(NamedTuple):
    """CreateOptions, UpdateOptions and PatchOptions share these fields."""

    dry_run: bool = False
    field_manager: str = ""
    field_validation: str = "Warn"
    """Ignore, Warn (the server default) or Strict."""
    force: bool = False
    force_given: bool = False
    """True when the request carried `force` at all (kube rejects it for non-apply patches)."""
    field_manager_given: bool = False
    """True when `fieldManager` came from the request, not the User-Agent (apply requires it)."""


class DeleteOptions(NamedTuple):
    grace_period_seconds: int | None = None
    preconditions_uid: str | None = None
    preconditions_resource_version: str | None = None
    propagation_policy: str | None = None
    orphan_dependents: bool | None = None
    dry_run: bool = False


# --- parsing: query parameters (and the DELETE body) into the values above -----------------------
#
# Query parameters are decoded the way apimachinery's parameter codec does it: booleans are true
# unless "false" (any case) or "0"; integers go through strconv.ParseInt and its error text becomes
# a 400; option validation failures are 422s named after the options kind.

_INT_RE = LazyPattern(r"[+-]?[0-9]+")
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)
FIELD_MANAGER_MAX_LENGTH = 128
DRY_RUN_VALUES = ("All",)
FIELD_VALIDATION_VALUES = ("", "Ignore", "Strict", "Warn")
PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan")


def parse_bool(value: str) -> bool:
    """Convert_Slice_string_To_bool: anything but "0" and "false" (any case) is true."""
    return not (value == "0" or value.lower() == "false")


def parse_int(value: str) -> int:
    """strconv.ParseInt(value, 10, 64), with its error text as a 400."""
    if not _INT_RE.fullmatch(value):
        raise bad_request(f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax")
    n = int(value)
    if not _INT64_MIN <= n <= _INT64_MAX:
        raise bad_request(f"strconv.ParseInt: parsing {go_quote(value)}: value out of range")
    return n


def validate_list_options(opts: ListOptions) -> None:
    """apimachinery internalversion/validation ValidateListOptions, WatchList gate off (1.33)."""
    errs: list[FieldError] = []
    match = opts.resource_version_match
    if opts.watch:
        if opts.send_initial_events is not None:
            if match != "NotOlderThan":
                errs.append(
                    forbidden_field(
                        "resourceVersionMatch",
                        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                    )
                )
            errs.append(
                forbidden_field(
                    "sendInitialEvents",
                    "sendInitialEvents is forbidden for watch unless the WatchList feature gate "
                    "is enabled",
                )
            )
        if match:
            if opts.send_initial_events is None:
                errs.append(
                    forbidden_field(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is "
                        "provided",
                    )
                )
            if match != "NotOlderThan":
                errs.append(not_supported("resourceVersionMatch", match, ["NotOlderThan"]))
            if opts.continue_token:
                errs.append(
                    forbidden_field(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    )
                )
    else:
        if match:
            if not opts.resource_version:
                errs.append(
                    forbidden_field(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden unless resourceVersion is provided",
                    )
                )
            if opts.continue_token:
                errs.append(
                    forbidden_field(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    )
                )
            if match not in ("Exact", "NotOlderThan"):
                errs.append(
                    not_supported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""])
                )
            if match == "Exact" and opts.resource_version == "0":
                errs.append(
                    forbidden_field(
                        "resourceVersionMatch",
                        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
                    )
                )
        if opts.send_initial_events is not None:
            errs.append(
                forbidden_field("sendInitialEvents", "sendInitialEvents is forbidden for list")
            )
    if errs:
        raise invalid_options("ListOptions", errs)


def parse_list_options(query: Mapping[str, str]) -> ListOptions:
    """ListOptions from a list/watch query (400 for undecodable values, 422 for invalid ones)."""

    def opt_int(name: str) -> int | None:
        return parse_int(query[name]) if name in query else None

    limit = opt_int("limit")
    sie = query.get("sendInitialEvents")
    opts = ListOptions(
        label_selector=query.get("labelSelector", ""),
        field_selector=query.get("fieldSelector", ""),
        limit=limit or 0,
        continue_token=query.get("continue", ""),
        resource_version=query.get("resourceVersion", ""),
        resource_version_match=query.get("resourceVersionMatch", ""),
        watch=parse_bool(query["watch"]) if "watch" in query else False,
        allow_watch_bookmarks=(
            parse_bool(query["allowWatchBookmarks"]) if "allowWatchBookmarks" in query else False
        ),
        timeout_seconds=opt_int("timeoutSeconds"),
        send_initial_events=None if sie is None else parse_bool(sie),
    )
    validate_list_options(opts)
    return opts


def _field_manager_errors(manager: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if len(manager.encode()) > FIELD_MANAGER_MAX_LENGTH:
        errs.append(
            FieldError(
                TOO_LONG,
                "fieldManager",
                detail=f"may not be more than {FIELD_MANAGER_MAX_LENGTH} bytes",
            )
        )
    for i, ch in enumerate(manager):
        if not ch.isprintable():
            errs.append(
                invalid_value(
                    "fieldManager",
                    manager,
                    f"invalid character U+{ord(ch):04X} (at position {i})",
                )
            )
    return errs


def _dry_run_errors(values: list[str]) -> list[FieldError]:
    if all(v in DRY_RUN_VALUES for v in values):
        return []
    return [not_supported("dryRun", values, list(DRY_RUN_VALUES))]


@functools.lru_cache(maxsize=64)
def manager_from_user_agent(user_agent: str) -> str:
    """prefixFromUserAgent: the User-Agent up to the first `/`, printable characters, ≤128.
    Remembered: a client sends the same User-Agent with every write."""
    out = ""
    for ch in user_agent.split("/", 1)[0]:
        if not ch.isprintable():
            continue
        if len(out.encode()) >= FIELD_MANAGER_MAX_LENGTH:
            break
        out += ch
    return out


def parse_write_options(
    query: Mapping[str, str],
    options_kind: str,
    user_agent: str,
    dry_run_values: Sequence[str] | None = None,
) -> WriteOptions:
    """Create/Update/PatchOptions from the query; `options_kind` names them in 422 messages.

    `dry_run_values`: every `dryRun` of the query (a []string in kube's options: each is
    validated, so `dryRun=All&dryRun=Bogus` is a 422); default the first one of `query`.

    The field manager falls back to the User-Agent prefix, as kube-apiserver attributes writes.
    Apply-specific rules (fieldManager required, force only for apply) need the patch type and are
    checked by `validate_patch_options`.
    """
    errs: list[FieldError] = []
    manager = query.get("fieldManager")
    if manager is not None:
        errs += _field_manager_errors(manager)
    if dry_run_values is None:
        first = query.get("dryRun")
        dry_run_values = [first] if first is not None else []
    errs += _dry_run_errors(list(dry_run_values))
    validation = query.get("fieldValidation", "")
    if validation not in FIELD_VALIDATION_VALUES:
        errs.append(not_supported("fieldValidation", validation, FIELD_VALIDATION_VALUES))
    force = query.get("force")
    if errs:
        raise invalid_options(options_kind, errs)
    return WriteOptions(
        dry_run=bool(dry_run_values),
        field_manager=manager if manager else manager_from_user_agent(user_agent),
        field_validation=validation or "Warn",
        force=parse_bool(force) if force is not None else False,
        force_given=force is not None,
        field_manager_given=bool(manager),
    )


def validate_patch_options(opts: WriteOptions, apply: bool) -> None:
    """ValidatePatchOptions' patch-type rules (422 PatchOptions.meta.k8s.io)."""
    errs: list[FieldError] = []
    if not apply and opts.force_given:
        errs.append(forbidden_field("force", "may not be specified for non-apply patch"))
    if apply and not opts.field_manager_given:
        errs.append(required("fieldManager", "is required for apply patch"))
    if errs:
        raise invalid_options("PatchOptions", errs)


_GO_TYPES = {bool: "bool", str: "string", int: "number", float: "number", list: "array"}


def _unmarshal_error(value: Any, field_name: str, go_type: str) -> StatusError:
    return bad_request(
        f"json: cannot unmarshal {unmarshal_type(value)} into Go struct field "
        f"DeleteOptions.{field_name} of type {go_type}"
    )


def parse_delete_options(
    query: Mapping[str, str],
    body: dict[str, Any] | None,
    dry_run_values: Sequence[str] | None = None,
) -> DeleteOptions:
    """DeleteOptions from the request body if there is one, else from the query (kube reads one
    or the other, never both); 400 for undecodable fields, 422 for invalid values."""
    grace: int | None = None
    uid: str | None = None
    rv: str | None = None
    policy: str | None = None
    orphan: bool | None = None
    dry_run: list[str] = []
    if body:
        g = body.get("gracePeriodSeconds")
        if g is not None:
            if isinstance(g, bool) or not isinstance(g, int):
                raise _unmarshal_error(g, "gracePeriodSeconds", "int64")
            grace = g
        pre = body.get("preconditions")
        if pre is not None:
            if not isinstance(pre, dict):
                raise _unmarshal_error(pre, "preconditions", "v1.Preconditions")
            for key in ("uid", "resourceVersion"):
                v = pre.get(key)
                if v is not None and not isinstance(v, str):
                    raise bad_request(
                        f"json: cannot unmarshal {unmarshal_type(v)} into Go struct field "
                        f"Preconditions.preconditions.{key} of type string"
                    )
            uid = pre.get("uid")
            rv = pre.get("resourceVersion")
        p = body.get("propagationPolicy")
        if p is not None:
            if not isinstance(p, str):
                raise _unmarshal_error(p, "propagationPolicy", "v1.DeletionPropagation")
            policy = p
        o = body.get("orphanDependents")
        if o is not None:
            if not isinstance(o, bool):
                raise _unmarshal_error(o, "orphanDependents", "bool")
            orphan = o
        d = body.get("dryRun")
        if d is not None:
            if not isinstance(d, list) or not all(isinstance(x, str) for x in d):
                raise _unmarshal_error(d, "dryRun", "[]string")
            dry_run = list(d)
    else:
        if "gracePeriodSeconds" in query:
            grace = parse_int(query["gracePeriodSeconds"])
        if "propagationPolicy" in query:
            policy = query["propagationPolicy"]
        if "orphanDependents" in query:
            orphan = parse_bool(query["orphanDependents"])
        if dry_run_values is not None:
            dry_run = list(dry_run_values)
        elif "dryRun" in query:
            dry_run = [query["dryRun"]]
    errs: list[FieldError] = []
    if orphan is not None and policy is not None:
        errs.append(
            invalid_value(
                "propagationPolicy",
                policy,
                "orphanDependents and deletionPropagation cannot be both set",
            )
        )
    if policy is not None and policy not in PROPAGATION_POLICIES:
        errs.append(not_supported("propagationPolicy", policy, [*PROPAGATION_POLICIES, "nil"]))
    errs += _dry_run_errors(dry_run)
    if errs:
        raise invalid_options("DeleteOptions", errs)
    return DeleteOptions(
        grace_period_seconds=grace,
        preconditions_uid=uid,
        preconditions_resource_version=rv,
        propagation_policy=policy,
        orphan_dependents=orphan,
        dry_run=bool(dry_run),
    )
