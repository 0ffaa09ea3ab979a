"""The Registry: kube-apiserver's generic registry (`registry/generic/registry/store.go`) over a
Store, for every resource type of the catalog.

It owns the rules every write goes through, in kube's order: type and namespace checks, system
metadata, per-type preparation (strategies.py), the admission chain (admission.py), validation
(validation.py), managedFields, then the store write with optimistic concurrency; and the read
side: lists with selectors and pagination, watches (generic/watch.py). Store errors become
StatusErrors here, so callers only ever see StatusError.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import functools
import random
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

import orjson

from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.schemas import Type, kind_type
from fakekapi.catalog.types import ResourceType, Subresource
from fakekapi.core import gotime
from fakekapi.core.errors import (
    FieldError,
    StatusError,
    already_exists,
    bad_request,
    conflict,
    expired,
    generate_name_conflict,
    generic_not_found,
    go_quote,
    invalid,
    invalid_value,
    method_not_allowed,
    method_not_supported,
    not_found,
    qualified,
    unsupported_media_type,
    unsupported_patch_type,
)
from fakekapi.core.gojson import unmarshal_type
from fakekapi.core.ids import uuid4
from fakekapi.core.objects import meta
from fakekapi.core.requestinfo import exact_field_match
from fakekapi.core.user import UserInfo
from fakekapi.store.base import (
    KeyExistsError,
    KeyNotFoundError,
    RevisionConflict,
    Store,
    TooOldError,
)

from . import defaults, gcfinalizers
from .admission import CREATE, DELETE, UPDATE, AdmissionPlugin, Attributes
from .apiextensions import definition as crd_definition
from .generic import cpu, nesting, smd
from .generic import fieldvalidation as fv
from .generic import managedfields as mf
from .generic import patch as patches
from .generic import scale as scales
from .generic.access import NO_ACCESS, Access
from .generic.bulk import BULK_CHUNK, gather_all
from .generic.encoding import go_decode_error, stored_form, with_resource_version_slot
from .generic.engine import Streamed, WriteResult
from .generic.fieldsets import object_fields, supported_fields
from .generic.keys import collection_prefix, etcd_key, object_key
from .generic.options import (
    DeleteOptions,
    ListOptions,
    WriteOptions,
    validate_list_options,
    validate_patch_options,
)
from .generic.pagination import decode_continue, encode_continue
from .generic.rawlist import MATCH_ALL, RawList, list_item
from .generic.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)
from .generic.watch import (
    WatchEvent,
    WatchSpec,
    copy_obj,
    stream,
    too_large_error,
    wait_for_revision,
)
from .strategies import Strategy, strategy_for
from .validation import (
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = ["Registry", "WatchEvent", "WriteResult"]

THREAD_DECODE_BYTES = 16 * 1024
"""Apply bodies from this size on are read on a worker thread."""

GENERATE_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"
GENERATE_NAME_LENGTH = 5
MAX_GENERATE_NAME_ATTEMPTS = 8
"""kube 1.32+ retries a generated name that is taken (RetryGenerateName) this many times."""
_RV_SET_ON_CREATE = "resourceVersion should not be set on objects to be created"
_EXPIRED_LIST = "The resourceVersion for the provided list is too old."
_INCONSISTENT_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this response "
    "to retrieve the remainder of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted between the time the "
    "first chunk was returned and now may show up in the list."
)
"""kube's `inconsistentContinue` (storage/etcd3/errors.go), with a fresh continue token."""


class _Managed(NamedTuple):
    """How a write changes managedFields: an Update by `manager`, or (`applied`) nothing more:
    server-side apply already set them (managedfields.apply)."""

    manager: str
    applied: bool = False


_ITEMS_PER_TURN = 1_000
"""Items a list selects before it lets other tasks run (~5 ms with a selector to match)."""


class _Retry(Exception):
    """The object changed between read and write, and the write had no resourceVersion
    precondition: it is tried again on the new object (`_guaranteed`)."""


_T = TypeVar("_T")
_P = ParamSpec("_P")


def _one_at_a_time(
    write: Callable[Concatenate[Registry, ResourceType, _P], Awaitable[WriteResult]],
) -> Callable[Concatenate[Registry, ResourceType, _P], Awaitable[WriteResult]]:
    """Writes of a kind whose strategy allocates (`Strategy.allocates`: Services' cluster IPs
    and node ports) run one at a time, from reading what is allocated to the store's commit: a
    write shows in the store only once committed, and kube's allocators are atomic, so two
    concurrent writes must never both take one address."""

    @functools.wraps(write)
    async def in_turn(
        self: Registry, rt: ResourceType, /, *args: _P.args, **kwargs: _P.kwargs
    ) -> WriteResult:
        async with self._in_turn(rt):
            return await write(self, rt, *args, **kwargs)

    return in_turn


_PENDING: dict[str, Any] = {}
"""_graceful_delete's answer for a graceful deletion already under way."""


now_rfc3339 = gotime.now_rfc3339


def generate_name(prefix: str) -> str:
    """names.SimpleNameGenerator: the prefix (cut to leave room) plus 5 random characters."""
    max_prefix = 63 - GENERATE_NAME_LENGTH
    base = prefix[:max_prefix]
    # One call for the five characters (each drawn alike from the same alphabet).
    return base + "".join(random.choices(GENERATE_NAME_CHARS, k=GENERATE_NAME_LENGTH))


def _internal_package(group: str) -> str:
    return "core" if not group else group.split(".", 1)[0]


_MAX_UINT64 = 2**64 - 1


def _rv_int(rv: str, rt: ResourceType) -> int:
    """APIObjectVersioner.ParseResourceVersion: strconv.ParseUint(rv, 10, 64), its errors as an
    Invalid resourceVersion (syntax, or a number past uint64: `value out of range`)."""
    problem = ""
    if not rv.isascii() or not rv.isdigit():
        problem = "invalid syntax"
    elif int(rv) > _MAX_UINT64:
        problem = "value out of range"
    if problem:
        raise invalid(
            rt.plural,
            rt.group,
            "",
            [
                invalid_value(
                    "resourceVersion",
                    rv,
                    f"strconv.ParseUint: parsing {go_quote(rv)}: {problem}",
                )
            ],
        )
    return int(rv)


def _patch_scale(scale: dict[str, Any], media_type: str, body: bytes) -> Any:
    """A patch applied to a Scale: a Scale has no lists, so strategic merge and apply act as a
    JSON merge patch does."""
    if media_type == patches.JSON_PATCH:
        return patches.json_patch(scale, body)
    if media_type == patches.STRATEGIC_MERGE_PATCH:
        return patches.strategic_merge_patch(scale, body)
    if media_type == patches.APPLY_PATCH:
        return patches.merge(scale, patches.decode_apply(body))
    return patches.merge_patch(scale, body)


def _spec_part(obj: dict[str, Any], skip_status: bool) -> dict[str, Any]:
    skip = {"metadata", "apiVersion", "kind"} | ({"status"} if skip_status else set())
    return {k: v for k, v in obj.items() if k not in skip}


class Registry:
    """Kubernetes semantics over a Store (see the module docstring)."""

    too_large_wait: float = 3.0
    """How long a list/watch waits for a resourceVersion newer than the store's (kube: 3 s)."""
    bookmark_interval: float = 60.0

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self.access: Access = NO_ACCESS
        """The server's authenticators, authorizer and token settings (set by the server)."""
        self._allocation_locks: dict[str, asyncio.Lock] = {}
        """Per allocating kind, the lock its writes take in turn (`_one_at_a_time`)."""
        self._release: str | None = getattr(catalog, "release", None)
        """The emulated release whose schemas and Go types apply (None: the default)."""
        self.admission: list[AdmissionPlugin] = []
        """The admission chain, in order (fakekapi.admission.chain installs kube's): run on every
        create, update and delete, before validation."""
        self._strategies: dict[ResourceType, Strategy] = {}
        self._retry_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    # -- helpers ------------------------------------------------------------------------------

    async def _guaranteed(self, key: str, attempt: Callable[[], Awaitable[_T]]) -> _T:
        """Run `attempt` until it does not raise `_Retry`: etcd3 store.go `GuaranteedUpdate`,
        which re-reads the object and re-applies the update for as long as the write loses a
        race (it has no retry limit; a resourceVersion in the body is a 409 instead, raised by
        the attempt itself). kube's patcher and its unconditional updates and deletes rely on
        it: 100 concurrent patches without a precondition must all apply (TestPatchConflicts).

        Every retry means another write won, so the writers as a whole progress; so that no
        single one starves, the retries of one key queue behind a lock (first attempts don't
        take it: the common, uncontended write pays nothing), and each loser retries against
        only the writers that arrived since, never against all the other losers again."""
        try:
            return await attempt()
        except _Retry:
            pass
        lock = self._retry_locks.get(key)
        if lock is None:
            lock = self._retry_locks[key] = asyncio.Lock()
        async with lock:
            while True:
                try:
                    return await attempt()
                except _Retry:
                    await asyncio.sleep(0)  # let the writer that won finish its response

    def strategy(self, rt: ResourceType) -> Strategy:
        s = self._strategies.get(rt)
        if s is None:
            s = self._strategies[rt] = strategy_for(rt)
        return s

    async def _admit(self, attrs: Attributes) -> None:
        for plugin in self.admission:
            await plugin(attrs)

    def _known_kind(self, group: str, version: str, kind: str) -> bool:
        return self.catalog.by_kind(group, version, kind) is not None

    @staticmethod
    def _check_meta_types(rt: ResourceType, obj: dict[str, Any]) -> None:
        """What Go's typed decoding refuses in metadata (a 400, as kube's decoder answers)."""
        md = obj.get("metadata")
        problem = ""
        if md is not None and not isinstance(md, dict):
            problem = (
                f"cannot unmarshal {unmarshal_type(md)} into Go struct field {rt.kind}.metadata of "
                "type v1.ObjectMeta"
            )
        elif isinstance(md, dict):
            for k in ("name", "generateName", "namespace", "resourceVersion", "uid"):
                v = md.get(k)
                if v is not None and not isinstance(v, str):
                    problem = (
                        f"cannot unmarshal {unmarshal_type(v)} into Go struct field "
                        f"ObjectMeta.metadata.{k} of type string"
                    )
            for k in ("labels", "annotations"):
                v = md.get(k)
                if v is not None and (
                    not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values())
                ):
                    problem = (
                        f"cannot unmarshal {unmarshal_type(v)} into Go struct field "
                        f"ObjectMeta.metadata.{k} of type map[string]string"
                    )
            f = md.get("finalizers")
            if f is not None and (
                not isinstance(f, list) or not all(isinstance(x, str) for x in f)
            ):
                problem = (
                    f"cannot unmarshal {unmarshal_type(f)} into Go struct field "
                    "ObjectMeta.metadata.finalizers of type []string"
                )
        if problem:
            version = rt.version
            raise bad_request(
                f"{rt.kind} in version {go_quote(version)} cannot be handled as a {rt.kind}: "
                f"json: {problem}"
            )

    def _check_type(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        """Decoding checks: missing apiVersion/kind default to the URL's; others are refused."""
        if not isinstance(obj, dict):
            raise bad_request(
                f"the object provided is unrecognized (must be of type {rt.kind}): couldn't get "
                "version/kind; json parse error: json: cannot unmarshal "
                f"{unmarshal_type(obj)} into Go "
                'value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
                'Kind string "json:\\"kind,omitempty\\"" }'
            )
        api_version = obj.get("apiVersion") or rt.group_version
        kind = obj.get("kind") or rt.kind
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise bad_request("Object 'Kind' is missing in the request body")
        obj["apiVersion"], obj["kind"] = api_version, kind
        group, _, version = api_version.rpartition("/")
        if (group, kind) == (rt.group, rt.kind) and api_version == rt.group_version:
            if self._schema(rt) is None:
                self._check_meta_types(rt, obj)
            return
        if rt.is_crd:
            errs: list[FieldError] = []
            if kind != rt.kind:
                errs.append(invalid_value("kind", kind, f"must be {rt.kind}"))
            if api_version != rt.group_version:
                errs.append(invalid_value("apiVersion", api_version, f"must be {rt.group_version}"))
            raise invalid(rt.kind, rt.group, str(meta(obj).get("name") or ""), errs)
        if (group, kind) == (rt.group, rt.kind) and self._known_kind(group, version, kind):
            raise bad_request(
                f"the API version in the data ({api_version}) does not match the expected API "
                f"version ({rt.group_version})"
            )
        prefix = f"{kind} in version {go_quote(version)} cannot be handled as a {rt.kind}: "
        if self._known_kind(group, version, kind) or (group, kind) == (rt.group, rt.kind):
            if (group, kind) == (rt.group, rt.kind):
                raise bad_request(
                    f"the API version in the data ({api_version}) does not match the expected "
                    f"API version ({rt.group_version})"
                )
            raise bad_request(
                prefix + f"converting ({version}.{kind}) to "
                f"({_internal_package(rt.group)}.{rt.kind}): unknown conversion"
            )
        raise bad_request(
            prefix + f"no kind {go_quote(kind)} is registered for version {go_quote(api_version)} "
            'in scheme "pkg/api/legacyscheme/scheme.go:30"'
        )

    def _prepare(self, rt: ResourceType, strategy: Strategy, obj: dict[str, Any]) -> None:
        """Defaulting/canonicalisation shared by create and update (decode-time in kube)."""
        strategy.on_decode(obj)
        defaults.set_defaults(rt, obj)

    def _validate(
        self,
        rt: ResourceType,
        strategy: Strategy,
        name: str,
        obj: dict[str, Any],
        old: dict[str, Any] | None,
    ) -> None:
        """ValidateObjectMeta (and ValidateObjectMetaUpdate for an update: `old`), then the
        kind's own validation; kube's 422 Invalid naming `name` when anything fails."""
        md = meta(obj)
        errs = validate_object_meta(md, rt.namespaced, strategy.name_fn)
        if old is not None:
            errs += validate_object_meta_update(md, meta(old))
        errs += self._custom_validate(rt, strategy, obj, old)
        if errs:
            raise invalid(rt.kind, rt.group, name, errs)

    def _managed(
        self,
        rt: ResourceType,
        strategy: Strategy,
        new: dict[str, Any],
        old: dict[str, Any] | None,
        how: _Managed,
        subresource: str,
    ) -> None:
        """FieldManager.UpdateNoErrors: record the write as an Update by its manager."""
        if how.applied:
            md = meta(new)
            if not md.get("managedFields"):
                md.pop("managedFields", None)
            return
        if not how.manager:
            return
        mf.record_update(
            old,
            new,
            node=self._smd_node(rt),
            manager=how.manager,
            api_version=rt.group_version,
            subresource=subresource,
            now=now_rfc3339(),
            ignored=self._reset_fields(strategy, subresource),
            release=self._release,
        )

    def _managed_stored_form(
        self, rt: ResourceType, strategy: Strategy, obj: dict[str, Any], how: _Managed
    ) -> dict[str, Any]:
        """A new object's managedFields, then the object as stored (one step for `cpu.run`)."""
        self._managed(rt, strategy, obj, None, how, "")
        return stored_form(obj, self._release)

    def _smd_node(self, rt: ResourceType) -> smd.Node:
        """The kind's structured-merge-diff schema (built-in types, or the CRD's schema)."""
        if rt.is_crd:
            return smd.custom_root(self._custom_schema(rt))
        return smd.builtin_root(rt.group, rt.version, rt.kind, self._release)

    @staticmethod
    def _reset_fields(strategy: Strategy, subresource: str) -> tuple[str, ...]:
        """GetResetFields: what a write through this endpoint never owns (status through the
        main resource of a kind with a status subresource; spec through status)."""
        if not strategy.status_subresource:
            return ()
        return ("f:spec",) if subresource == "status" else ("f:status",)

    def _deleted_response(
        self, rt: ResourceType, strategy: Strategy, obj: dict[str, Any]
    ) -> dict[str, Any]:
        if strategy.return_deleted_object:
            return obj
        md = obj.get("metadata") or {}
        details: dict[str, Any] = {"name": md.get("name") or ""}
        if rt.group:
            details["group"] = rt.group
        details["kind"] = rt.plural
        if md.get("uid"):
            details["uid"] = md["uid"]
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }

    # -- field validation (fieldValidation=Strict|Warn|Ignore) ----------------------------------

    def _schema(self, rt: ResourceType) -> Type | None:
        """The kind's type tree in the catalog's release; None for custom resources (their
        fields are left alone)."""
        if rt.is_crd:
            return None
        return kind_type(rt.group, rt.version, rt.kind, self._release)

    def _decode_fields(
        self,
        rt: ResourceType,
        obj: dict[str, Any],
        opts: WriteOptions,
        raw: bytes | None,
        sub: Subresource | None = None,
    ) -> tuple[dict[str, Any], list[str]]:
        """A create/update body as the typed decoder sees it (handlers/create.go, update.go):
        a type mismatch is a 400; unknown/duplicate fields are a 400 (Strict), warnings (Warn)
        or nothing (Ignore); they are dropped from what is stored either way. `sub`: the body
        of a POST subresource, decoded as its own kind (Eviction, TokenRequest, ...)."""
        if sub is None:
            schema, kind, version = self._schema(rt), rt.kind, rt.version
        else:
            schema = kind_type(sub.group, sub.version, sub.kind, self._release)
            kind, version = sub.kind, sub.version
        if schema is None:
            return obj, []
        tree: Any = obj
        if raw is not None and raw.lstrip()[:1] == b"{" and fv.may_repeat_keys(raw):
            try:
                tree = fv.parse_pairs(raw)
            except ValueError:
                tree = obj
        decoded = fv.decode(schema, tree)
        prefix = f"{kind} in version {go_quote(version)} cannot be handled as a {kind}: "
        if decoded.error:
            raise bad_request(prefix + decoded.error)
        value: dict[str, Any] = decoded.value
        for k in ("apiVersion", "kind"):
            if k in obj:
                value[k] = obj[k]
        error = go_decode_error(value, self._release)
        if error:
            raise bad_request(prefix + error)
        if not decoded.strict or opts.field_validation == "Ignore":
            return value, []
        if opts.field_validation == "Strict":
            raise bad_request(prefix + "strict decoding error: " + ", ".join(decoded.strict))
        return value, decoded.strict

    @staticmethod
    def _patch_invalid(shown: str, detail: str) -> StatusError:
        """The 422 the patch handler answers when the patched object does not decode: an
        Invalid error with no kind and no name about the field `patch`."""
        err = invalid_value("patch", shown, detail)
        return StatusError(
            422,
            "Invalid",
            f"{qualified('', '')} {go_quote('')} is invalid: {err}",
            {"causes": [{"reason": err.type[1], "message": err.body(), "field": err.field}]},
        )

    def _patched_fields(
        self,
        decoded: fv.Decoded,
        applied_strict: list[str],
        opts: WriteOptions,
        shown: Any,
    ) -> tuple[dict[str, Any], list[str]]:
        if decoded.error:
            raise self._patch_invalid(shown(), decoded.error)
        error = go_decode_error(decoded.value, self._release)
        if error:
            raise self._patch_invalid(shown(), error)
        if opts.field_validation == "Ignore":
            return decoded.value, []
        strict = applied_strict + decoded.strict
        if strict and opts.field_validation == "Strict":
            raise self._patch_invalid(shown(), "strict decoding error: " + ", ".join(strict))
        return decoded.value, strict

    def _json_patched(
        self,
        rt: ResourceType,
        patched: dict[str, Any],
        body: bytes,
        opts: WriteOptions,
        *,
        json_patch: bool,
    ) -> tuple[dict[str, Any], list[str]]:
        """JSON and merge patches (jsonPatcher): the patch body's own strict errors, then the
        patched document's, which Go re-marshals from maps (keys sorted)."""
        schema = self._schema(rt)
        if schema is None:
            return patched, []
        applied: list[str] = []
        if opts.field_validation != "Ignore":
            tree = fv.parse_pairs(body)
            applied = fv.json_patch_strict(tree) if json_patch else fv.duplicates(tree)
        decoded = fv.decode(schema, patched, sort_keys=True)
        value, warnings = self._patched_fields(
            decoded, applied, opts, lambda: patches.go_json(patched)
        )
        return value, warnings

    def _strategic_patched(
        self, rt: ResourceType, doc: dict[str, Any], body: bytes, opts: WriteOptions
    ) -> tuple[dict[str, Any], list[str]]:
        """Strategic merge patch (strategicPatchObject + applyPatchToObject): duplicate keys of
        the patch, then the unknown fields the unstructured converter finds in the result."""
        patch = patches.decode_strategic_patch(body)
        schema = self._schema(rt)
        merged = patches.strategic_merge(doc, patch, schema)
        if schema is None:
            return merged, []
        applied: list[str] = []
        if opts.field_validation != "Ignore":
            applied = fv.duplicates(fv.parse_pairs(body))
        decoded = fv.convert(schema, merged)
        return self._patched_fields(decoded, applied, opts, lambda: fv.go_format(patch))

    # -- custom resources: structural schemas (apiextensions/schema.py) ----------------------

    def _custom_schema(self, rt: ResourceType) -> dict[str, Any] | None:
        cv = self.catalog.custom.get(rt.group, rt.version, rt.plural) if rt.is_crd else None
        return cv.schema if cv is not None else None

    def _refuse_if_terminating(self, rt: ResourceType, verb: str) -> None:
        """crdHandler: while its CRD is being deleted, a custom resource type takes no creates
        (`create not allowed while custom resource definition is terminating`, 405)."""
        cv = self.catalog.custom.get(rt.group, rt.version, rt.plural)
        if cv is None:
            return
        crd_rt = self.catalog.lookup("apiextensions.k8s.io", "v1", crd_definition.PLURAL)
        stored = self.store.get(object_key(crd_rt, "", cv.crd_name)) if crd_rt else None
        if stored is None:
            return
        crd = stored[0]
        terminating = bool((crd.get("metadata") or {}).get("deletionTimestamp")) or any(
            isinstance(c, dict) and c.get("type") == "Terminating" and c.get("status") == "True"
            for c in (crd.get("status") or {}).get("conditions") or []
        )
        if terminating:
            err = method_not_supported(rt.plural, rt.group, verb)
            err.message = f"{verb} not allowed while custom resource definition is terminating"
            raise err

    def _custom_decode(
        self, rt: ResourceType, obj: dict[str, Any], opts: WriteOptions, *, patch: bool
    ) -> list[str]:
        """The CRD handler's decoder: prune undeclared fields and apply defaults (in place).
        Pruned fields are a 400 (422 for patches) with fieldValidation=Strict, warnings with
        Warn, nothing with Ignore."""
        schema = self._custom_schema(rt)
        if schema is None:
            return []
        from .apiextensions import schema as crd_schema  # custom resources only: see below

        shown = patches.go_json(obj) if patch else ""
        unknown = crd_schema.prune(schema, obj)
        crd_schema.default(schema, obj)
        if not unknown or opts.field_validation == "Ignore":
            return []
        errors = [f"unknown field {fv.go_q(p)}" for p in unknown]
        if opts.field_validation != "Strict":
            return errors
        detail = "strict decoding error: " + ", ".join(errors)
        if patch:
            raise self._patch_invalid(shown, detail)
        raise bad_request(
            f"{rt.kind} in version {go_quote(rt.version)} cannot be handled as a {rt.kind}: "
            + detail
        )

    def _custom_validate(
        self,
        rt: ResourceType,
        strategy: Strategy,
        obj: dict[str, Any],
        old: dict[str, Any] | None,
    ) -> list[FieldError]:
        """The strategy's own checks of built-in kinds; schema validation of custom resources."""
        if not rt.is_crd:
            return strategy.validate(obj, old)
        # Imported by the first custom resource written: a server without CRDs never needs the
        # structural schemas nor CEL (with decimal; -2 M instructions of a warm start).
        from .apiextensions import cel as crd_cel
        from .apiextensions import schema as crd_schema

        schema = self._custom_schema(rt)
        errs = crd_schema.validate(schema, obj)
        errs += crd_schema.validate_list_types(schema, obj)
        # customResourceStrategy.Validate: CEL rules only over an object free of blocking errors
        blocking = crd_schema.blocking_error(errs)
        if blocking is not None:
            return [*errs, blocking]
        return errs + crd_cel.validate(schema, obj, old)

    # -- reads --------------------------------------------------------------------------------

    async def get(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        """The object (a copy the caller may change), or 404."""
        return copy_obj(self._stored(rt, namespace, name))

    async def get_shared(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        """The stored object itself, or 404: read-only, for callers that only serialize it (a
        copy costs more than encoding the response)."""
        return self._stored(rt, namespace, name)

    def _stored(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        cur = self.store.get(object_key(rt, namespace, name))
        if cur is None:
            raise not_found(rt.plural, rt.group, name)
        return cur[0]

    # -- scale subresource (generic/scale.py) ----------------------------------------------------

    def _scale_paths(self, rt: ResourceType) -> scales.ScalePaths | None:
        """A built-in kind's from its strategy, a custom resource's from its CRD."""
        if not rt.is_crd:
            return self.strategy(rt).scale
        custom = getattr(self.catalog, "custom", None)
        cv = custom.get(rt.group, rt.version, rt.plural) if custom else None
        return scales.custom_scale_paths(cv.scale if cv is not None else None)

    async def get_subresource(
        self, rt: ResourceType, namespace: str, name: str, subresource: str
    ) -> dict[str, Any]:
        """GET of a subresource: `scale`, or one that shows the object itself (the strategy's
        `object_views`: pods/ephemeralcontainers, pods/resize, CSR approval)."""
        paths = self._scale_paths(rt) if subresource == "scale" else None
        if paths is not None:
            return scales.to_scale(await self.get(rt, namespace, name), paths)
        if subresource in self.strategy(rt).object_views:
            return await self.get(rt, namespace, name)
        raise method_not_allowed()

    async def _write_scale(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        change: Any,
        opts: WriteOptions,
        user: UserInfo | None,
    ) -> WriteResult:
        """PUT/PATCH of `scale`: `change(current Scale) -> new Scale`; the parent gets the new
        replica count (the Scale's resourceVersion, when set, is the parent's precondition)."""
        paths = self._scale_paths(rt)
        assert paths is not None
        namespace = namespace if rt.namespaced else ""
        key = object_key(rt, namespace, name)

        async def attempt() -> WriteResult:
            cur = self.store.get(key)
            if cur is None:
                raise not_found(rt.plural, rt.group, name)
            stored, rev = cur
            current = scales.to_scale(stored, paths)
            new_scale = change(copy_obj(current))
            if not isinstance(new_scale, dict):
                raise bad_request("the body of the request was not a Scale object")
            self._check_scale_types(new_scale)
            errs = scales.validate_scale(new_scale)
            if errs:
                raise invalid("Scale", "autoscaling", name, errs)
            parent = scales.with_replicas(copy_obj(stored), paths, scales.replicas_of(new_scale))
            rv = str((new_scale.get("metadata") or {}).get("resourceVersion") or "")
            if rv and rv == str(meta(current).get("resourceVersion") or ""):
                # The current Scale's own resourceVersion, carried through a patch that did not
                # set one, is no precondition: kube's patcher re-applies the patch to the fresh
                # object on every GuaranteedUpdate attempt. Only a client's resourceVersion is.
                unconditioned = copy_obj(current)
                meta(unconditioned).pop("resourceVersion", None)
                probe = change(unconditioned)
                if isinstance(probe, dict) and not (probe.get("metadata") or {}).get(
                    "resourceVersion"
                ):
                    rv = ""
            if rv:
                meta(parent)["resourceVersion"] = rv
            result = await self._update(
                rt, namespace, name, parent, opts, "scale", user,
                _Managed(opts.field_manager), expected=None if rv else rev,
            )  # fmt: skip
            result.object = scales.to_scale(result.object, paths)
            return result

        return await self._guaranteed(key, attempt)

    def _check_scale_types(self, scale: dict[str, Any]) -> None:
        """The typed decode of a Scale body or patched Scale: a field of the wrong type (a list
        for `spec`, a string for `spec.replicas`) is a 400, never read as something else."""
        schema = kind_type("autoscaling", "v1", "Scale", self._release)
        if schema is None:  # pragma: no cover - the built-in types always include Scale
            return
        decoded = fv.decode(schema, scale)
        if decoded.error:
            raise bad_request(
                f'Scale in version "v1" cannot be handled as a Scale: {decoded.error}'
            )

    def _selectors(
        self, rt: ResourceType, opts: ListOptions
    ) -> tuple[LabelSelector, FieldSelector]:
        labels = parse_label_selector(opts.label_selector)
        supported, aliases = supported_fields(rt)
        fields = parse_field_selector(opts.field_selector, supported, aliases)
        return labels, fields

    @staticmethod
    def _matcher(rt: ResourceType, labels: LabelSelector, fields: FieldSelector) -> Any:
        if labels.empty() and fields.empty():
            return MATCH_ALL

        def matches(obj: dict[str, Any]) -> bool:
            md = obj.get("metadata") or {}
            if not labels.matches(md.get("labels")):
                return False
            return fields.empty() or fields.matches(object_fields(rt, obj))

        return matches

    async def _wait_revision(self, revision: int) -> None:
        if not await wait_for_revision(self.store, revision, self.too_large_wait):
            raise too_large_error(revision, self.store.revision)

    async def list_shared(
        self, rt: ResourceType, namespace: str, opts: ListOptions
    ) -> dict[str, Any]:
        """`list` for callers that only read or serialize the result (kept for the server port;
        every list now hands out fresh objects decoded from the stored bytes)."""
        return await self.list(rt, namespace, opts)

    async def list(
        self,
        rt: ResourceType,
        namespace: str,
        opts: ListOptions,
        *,
        each: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """The `<Kind>List` of matching objects, paginated like kube's etcd3 list.

        `each` is called on every item as soon as it is decoded: an informer trims its items
        there, so a long list never holds every item's whole decoding at once (10,000 Pods: the
        peak stayed in the heap, ~90 MiB more after a restart)."""
        raw = await self.list_raw(rt, namespace, opts)
        items: list[dict[str, Any]] = []
        stored, strip = raw.stored, raw.strip_type_meta
        for start in range(0, len(stored), _ITEMS_PER_TURN):
            if start:
                await asyncio.sleep(0)  # a long list lets the loop answer others meanwhile
            turn = stored[start : start + _ITEMS_PER_TURN]
            decoded = [orjson.loads(list_item(data, strip)) for data in turn]
            if each is not None:
                for obj in decoded:
                    each(obj)
            items += decoded
        return raw.to_dict(items)

    async def list_raw(self, rt: ResourceType, namespace: str, opts: ListOptions) -> RawList:
        """The `<Kind>List` of matching objects with each item as its stored JSON bytes.

        As kube's etcd3 store (`storage/etcd3/store.go` GetList): a continue token reads the
        snapshot at the revision of the first page, as does resourceVersion=N with
        resourceVersionMatch=Exact (or with a limit and no match); objects created or changed
        since do not appear. A revision older than the history is kube's 410: Expired, and for a
        continue token `handleCompactedErrorForPaging`'s Status carrying a fresh token (revision
        -1) that goes on from the same key at the current state."""
        validate_list_options(opts._replace(watch=False))
        labels, fields = self._selectors(rt, opts)
        matches = self._matcher(rt, labels, fields)
        prefix = collection_prefix(rt, namespace)
        rv = opts.resource_version
        start_after = ""
        list_rev: int | None = None
        limit = opts.limit if opts.limit > 0 else 0
        if opts.continue_token:
            if rv and rv != "0":
                raise bad_request("specifying resource version is not allowed when using continue")
            start_key, token_rev = decode_continue(opts.continue_token, prefix)
            start_after = start_key.rstrip("\x00")
            if token_rev > 0:  # -1: go on at the latest revision (after a compacted snapshot)
                list_rev = token_rev
        elif rv:
            n = _rv_int(rv, rt)
            if n == 0:
                limit = 0  # served from the watch cache: limit ignored, no continue
            else:
                exact = opts.resource_version_match == "Exact" or (
                    not opts.resource_version_match and limit > 0
                )
                if n > self.store.revision:
                    await self._wait_revision(n)
                if exact:
                    list_rev = n
        try:
            items, rev = self.store.list_raw(prefix, start_after, list_rev)
        except TooOldError:
            if opts.continue_token:
                err = expired(_INCONSISTENT_CONTINUE)
                err.list_meta = {"continue": encode_continue(start_after, prefix, -1)}
                raise err from None
            raise expired(_EXPIRED_LIST) from None
        out: list[bytes] = []
        more = False
        remaining = 0
        last_key = ""
        match_all = matches is MATCH_ALL
        # A selector that names the object (the root-CA publisher's informer lists ConfigMaps by
        # metadata.name): other keys cannot match, and are passed over without decoding them.
        name = exact_field_match(opts.field_selector, "metadata.name")
        decoded = 0
        for i, (key, data, _) in enumerate(items):
            if limit and len(out) >= limit:
                more = True
                remaining = len(items) - i
                break
            last_key = key
            if match_all:
                out.append(data)
            elif name is None or key.rpartition("/")[2] == name:
                if matches(orjson.loads(data)):
                    out.append(data)
                decoded += 1
                if decoded % _ITEMS_PER_TURN == 0:
                    # A long selection lets the loop answer others meanwhile (what costs is
                    # decoding: passing over keys and bytes takes no turns).
                    await asyncio.sleep(0)
        list_meta: dict[str, Any] = {"resourceVersion": str(rev)}
        if more:
            list_meta["continue"] = encode_continue(last_key, prefix, rev)
            if labels.empty() and fields.empty():
                list_meta["remainingItemCount"] = remaining
        return RawList(rt.list_kind, rt.group_version, list_meta, out, not rt.is_crd)

    async def get_raw(self, rt: ResourceType, namespace: str, name: str) -> bytes:
        """The stored JSON bytes of an object, or 404 (for responses that need nothing else)."""
        cur = self.store.get_raw(object_key(rt, namespace, name))
        if cur is None:
            raise not_found(rt.plural, rt.group, name)
        return cur[0]

    def watch(
        self,
        rt: ResourceType,
        namespace: str,
        opts: ListOptions,
        *,
        timeout: float | None = None,
    ) -> AsyncIterator[WatchEvent]:
        """A watch stream. Bad options raise here (before streaming); a too old resourceVersion is
        one ERROR event. Iteration ends at timeoutSeconds, else after `timeout` (the deadline of
        the request it serves, kube's request context: its last bookmark comes just before),
        or when the caller closes it."""
        validate_list_options(opts._replace(watch=True))
        labels, fields = self._selectors(rt, opts)
        rv = opts.resource_version
        start = None if rv in ("", "0") else _rv_int(rv, rt)
        if opts.timeout_seconds:
            timeout = float(opts.timeout_seconds)
        spec = WatchSpec(
            rt=rt,
            prefix=collection_prefix(rt, namespace),
            matches=self._matcher(rt, labels, fields),
            start=start,
            timeout=timeout,
            bookmarks=opts.allow_watch_bookmarks,
            bookmark_interval=self.bookmark_interval,
            too_large_wait=self.too_large_wait,
            name=exact_field_match(opts.field_selector, "metadata.name"),
        )
        return stream(self.store, spec)

    # -- create -------------------------------------------------------------------------------

    async def create(
        self,
        rt: ResourceType,
        namespace: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        *,
        user: UserInfo | None = None,
        raw: bytes | None = None,
    ) -> WriteResult:
        """POST: a new object (201).

        `raw` is the JSON request body `obj` was decoded from (by orjson), if the caller has it:
        duplicate fields are only visible there.
        """
        if rt.is_crd:
            self._refuse_if_terminating(rt, "create")
        heavy = cpu.heavy(nesting.check(obj))
        if not isinstance(obj, dict):
            self._check_type(rt, obj)
        if raw is not None and self._schema(rt) is not None:
            # The typed decoding below builds a new tree (every map and list copied), and a
            # tree orjson decoded holds JSON values only, which the deep copy's JSON round trip
            # would give back unchanged: only the top level, which `_check_type` sets, is copied.
            obj = dict(obj)
        else:
            obj = await cpu.copy(heavy, obj)
        self._check_type(rt, obj)
        strategy = self.strategy(rt)
        obj, warnings = await cpu.run(heavy, self._decode_fields, rt, obj, opts, raw)
        if strategy.create_only:
            answer = await strategy.create(self, namespace, obj, opts, user)
            answer.warnings[:0] = warnings
            return answer
        how = _Managed(opts.field_manager)
        # `obj` is the typed decoding of a copy: this create's own.
        result = await self._create(rt, namespace, obj, opts, user, how, heavy=heavy, owned=True)
        result.warnings[:0] = warnings
        return result

    def _in_turn(self, rt: ResourceType) -> contextlib.AbstractAsyncContextManager[Any]:
        """The lock writes of `rt` hold, if its strategy allocates (see `_one_at_a_time`)."""
        if not self.strategy(rt).allocates:
            return contextlib.nullcontext()
        return self._allocation_locks.setdefault(rt.qualified, asyncio.Lock())

    @_one_at_a_time
    async def _create(
        self,
        rt: ResourceType,
        namespace: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        user: UserInfo | None,
        how: _Managed,
        *,
        heavy: bool = False,
        owned: bool = False,
    ) -> WriteResult:
        """`owned`: `obj` is the caller's own fresh copy, changed here in place; otherwise the
        create changes a copy (an update's retry or an apply reuses what it passes)."""
        if not owned:
            obj = await cpu.copy(heavy, obj)
        self._check_type(rt, obj)
        md = meta(obj)
        if rt.namespaced:
            body_ns = md.get("namespace") or ""
            if body_ns and body_ns != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on "
                    "the request"
                )
            md["namespace"] = namespace
        else:
            md.pop("namespace", None)
            namespace = ""
        for k in (
            "creationTimestamp",
            "uid",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ):
            md.pop(k, None)
        if md.get("resourceVersion"):
            raise StatusError(500, "", _RV_SET_ON_CREATE)
        md.pop("resourceVersion", None)
        requested_name = str(md.get("name") or "")
        md["uid"] = uuid4()  # before PrepareForCreate, as FillObjectMetaSystemFields
        strategy = self.strategy(rt)
        generated = not md.get("name") and bool(md.get("generateName"))
        if generated:
            md["name"] = generate_name(str(md["generateName"]))
        self._prepare(rt, strategy, obj)
        strategy.reset_status(obj)
        strategy.prepare_for_create(obj)
        if strategy.has_generation:
            md["generation"] = 1
        else:
            md.pop("generation", None)
        await self._admit(Attributes(CREATE, rt, namespace, requested_name, obj, None, user))
        # After admission: NamespaceLifecycle's 404/403 come before a strict decoding error.
        warnings = self._custom_decode(rt, obj, opts, patch=False)
        await strategy.before_write(self.store, CREATE, obj, None)
        md = meta(obj)
        await cpu.run(heavy, self._validate, rt, strategy, str(md.get("name") or ""), obj, None)
        strategy.canonicalize(obj)
        md["uid"] = md.get("uid") or uuid4()
        md["creationTimestamp"] = now_rfc3339()
        obj = await cpu.run(heavy, self._managed_stored_form, rt, strategy, obj, how)
        md = meta(obj)
        key = object_key(rt, namespace, md["name"])
        if opts.dry_run:
            existing = self.store.get(key)
            if existing is not None:
                raise self._exists(rt, md["name"], existing[0])
            return WriteResult(obj, warnings, True)
        obj = with_resource_version_slot(obj)
        md = meta(obj)
        for _ in range(MAX_GENERATE_NAME_ATTEMPTS):
            try:
                stored, _rev = await self.store.create_raw(key, obj)
            except KeyExistsError:
                existing = self.store.get(key)
                if not generated:
                    raise self._exists(rt, md["name"], existing[0] if existing else None) from None
                md["name"] = generate_name(str(md["generateName"]))
                strategy.canonicalize(obj)
                key = object_key(rt, namespace, md["name"])
                continue
            return WriteResult(warnings=warnings, created=True, stored=stored)
        raise generate_name_conflict(rt.plural, rt.group, md["name"])

    async def _create_or_retry(
        self,
        rt: ResourceType,
        namespace: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        user: UserInfo | None,
        how: _Managed,
    ) -> WriteResult:
        """The create of an update or apply that found no object: when another writer created it
        meanwhile, GuaranteedUpdate (ignoreNotFound) tries again as an update of that object."""
        try:
            return await self._create(rt, namespace, obj, opts, user, how)
        except StatusError as e:
            if e.reason == "AlreadyExists":
                raise _Retry() from None
            raise

    @staticmethod
    def _exists(rt: ResourceType, name: str, existing: dict[str, Any] | None) -> StatusError:
        err = already_exists(rt.plural, rt.group, name)
        if existing is not None and (existing.get("metadata") or {}).get("deletionTimestamp"):
            err.message = f"object is being deleted: {err.message}"
        return err

    # -- update -------------------------------------------------------------------------------

    async def update(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        *,
        subresource: str = "",
        user: UserInfo | None = None,
        raw: bytes | None = None,
    ) -> WriteResult:
        """PUT of the object, its `status`, or a namespace's `finalize` subresource (`raw`: as
        for create)."""
        heavy = cpu.heavy(nesting.check(obj))
        if subresource == "scale" and self._scale_paths(rt) is not None:
            body = await cpu.copy(heavy, obj)
            return await self._write_scale(rt, namespace, name, lambda _cur: body, opts, user)
        if not isinstance(obj, dict):
            self._check_type(rt, obj)
        obj = await cpu.copy(heavy, obj)
        self._check_subresource(rt, subresource)
        self._check_type(rt, obj)
        self._check_url_names(rt, namespace, name, meta(obj))
        obj, warnings = await cpu.run(heavy, self._decode_fields, rt, obj, opts, raw)
        how = _Managed(opts.field_manager)

        async def attempt() -> WriteResult:
            # Each try starts from the body as sent (a try changes the object it is given).
            body = await cpu.copy(heavy, obj)
            return await self._update(
                rt, namespace, name, body, opts, subresource, user, how, heavy=heavy
            )

        key = object_key(rt, namespace if rt.namespaced else "", name)
        result = await self._guaranteed(key, attempt)
        result.warnings[:0] = warnings
        return result

    @staticmethod
    def _check_url_names(rt: ResourceType, namespace: str, name: str, md: dict[str, Any]) -> None:
        """The body's name must be the URL's, and its namespace, when set, the URL's (kube's
        update and apply handlers: the 400s they answer before anything is read)."""
        body_name = str(md.get("name") or "")
        if body_name != name:
            raise bad_request(
                f"the name of the object ({body_name}) does not match the name on the URL ({name})"
            )
        if rt.namespaced:
            body_ns = str(md.get("namespace") or "")
            if body_ns and body_ns != namespace:
                raise bad_request(
                    f"the namespace of the object ({body_ns}) does not match the namespace on the "
                    f"URL ({namespace})"
                )

    def _check_subresource(self, rt: ResourceType, subresource: str) -> None:
        """Subresources written through the object's own update path (`status`, and the
        strategy's `update_subresources` such as namespaces/finalize); a route that does not
        exist is go-restful's 404 (it never names the subresource as an object)."""
        if subresource in ("", "status"):
            return
        if subresource in self.strategy(rt).update_subresources:
            return
        raise generic_not_found()

    # -- subresources the strategies declare -------------------------------------------------

    async def create_subresource(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        subresource: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        *,
        user: UserInfo | None = None,
    ) -> WriteResult:
        """POST to a subresource the strategy declares (pods/eviction, pods/binding,
        serviceaccounts/token), its body decoded as the subresource's kind."""
        nesting.check(obj)
        handler = self.strategy(rt).create_subresources.get(subresource)
        sub = rt.subresource(subresource)
        if handler is None or sub is None:
            raise generic_not_found()
        obj, warnings = self._decode_fields(rt, obj, opts, None, sub)
        answer = await handler(self, namespace, name, obj, opts, user)
        answer.warnings[:0] = warnings
        return answer

    async def stream_subresource(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        subresource: str,
        query: Mapping[str, str],
    ) -> Streamed | None:
        """GET of a subresource the strategy streams as bytes (pods/log); None for the others."""
        handler = self.strategy(rt).stream_subresources.get(subresource)
        return None if handler is None else await handler(self, namespace, name, query)

    @_one_at_a_time
    async def _update(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        subresource: str,
        user: UserInfo | None,
        how: _Managed,
        *,
        expected: int | None = None,
        heavy: bool = False,
    ) -> WriteResult:
        namespace = namespace if rt.namespaced else ""
        strategy = self.strategy(rt)
        key = object_key(rt, namespace, name)
        cur = self.store.get(key)
        md = meta(obj)
        if cur is None:
            if strategy.allow_create_on_update and not subresource:
                md.pop("resourceVersion", None)
                return await self._create_or_retry(rt, namespace, obj, opts, user, how)
            raise not_found(rt.plural, rt.group, name)
        stored, stored_rev = cur
        if expected is not None and expected != stored_rev:
            raise _Retry()
        old = copy_obj(stored)
        omd = meta(old)
        rv = str(md.get("resourceVersion") or "")
        if rv:
            if rv != str(omd.get("resourceVersion") or ""):
                raise conflict(rt.plural, rt.group, name)
        elif not strategy.allow_unconditional_update:
            raise invalid(
                rt.plural,
                rt.group,
                name,
                [invalid_value("metadata.resourceVersion", 0, "must be specified for an update")],
            )
        warnings = self._custom_decode(rt, obj, opts, patch=expected is not None)
        new = self._merge_subresource(rt, strategy, obj, old, subresource)
        nmd = meta(new)
        if rt.namespaced:
            nmd["namespace"] = namespace
        else:
            nmd.pop("namespace", None)
        for k in ("generation", "creationTimestamp", "deletionTimestamp"):
            if k in omd:
                nmd[k] = omd[k]
            else:
                nmd.pop(k, None)
        if "deletionGracePeriodSeconds" in omd and "deletionGracePeriodSeconds" not in nmd:
            nmd["deletionGracePeriodSeconds"] = omd["deletionGracePeriodSeconds"]
        if not nmd.get("uid"):
            nmd["uid"] = omd.get("uid")
        if "managedFields" not in nmd and "managedFields" in omd:
            nmd["managedFields"] = omd["managedFields"]
        nmd["resourceVersion"] = omd.get("resourceVersion")
        self._prepare(rt, strategy, new)
        strategy.prepare_for_update(new, old, subresource)
        skip_status = strategy.status_subresource
        if (
            strategy.has_generation
            and subresource in ("", "scale")
            and (
                _spec_part(new, skip_status) != _spec_part(old, skip_status)
                or (
                    strategy.generation_tracks_annotations
                    and nmd.get("annotations") != omd.get("annotations")
                )
            )
        ):
            nmd["generation"] = int(omd.get("generation") or 0) + 1
        await self._admit(
            Attributes(UPDATE, rt, namespace, name, new, old, user, subresource=subresource)
        )
        if not subresource:
            await strategy.before_write(self.store, UPDATE, new, old)
        await cpu.run(heavy, self._validate, rt, strategy, name, new, old)
        if how.applied:
            mf.keep_timestamps(new, old)
        new = await cpu.run(heavy, stored_form, new, self._release)
        if new == old:
            return WriteResult(old, warnings, False)
        await cpu.run(heavy, self._managed, rt, strategy, new, old, how, subresource)
        if self._should_delete(strategy, new, old):
            if opts.dry_run:
                return WriteResult(new, warnings, False)
            try:
                last, _ = await self.store.delete(key, expected_revision=stored_rev)
            except RevisionConflict:
                raise _Retry() from None
            except KeyNotFoundError:
                raise not_found(rt.plural, rt.group, name) from None
            return WriteResult(last, warnings, False)
        if opts.dry_run:
            return WriteResult(new, warnings, False)
        try:
            written, _ = await self.store.update(key, new, expected_revision=stored_rev)
        except RevisionConflict:
            # A PUT's own resourceVersion is a precondition: 409. A patch carries the version it
            # was applied to (`expected`): it is applied again to the new object, where a
            # resourceVersion the patch itself set then fails the check above.
            if rv and expected is None:
                raise conflict(rt.plural, rt.group, name) from None
            raise _Retry() from None
        except KeyNotFoundError:
            raise not_found(rt.plural, rt.group, name) from None
        return WriteResult(written, warnings, False)

    def _merge_subresource(
        self,
        rt: ResourceType,
        strategy: Strategy,
        obj: dict[str, Any],
        old: dict[str, Any],
        subresource: str,
    ) -> dict[str, Any]:
        """Which parts a write may change: the main resource keeps the stored status (kinds with
        a status subresource), `status` changes only status, `finalize` only spec.finalizers."""
        if subresource in ("", "scale"):
            if strategy.status_subresource:
                if "status" in old:
                    obj["status"] = old["status"]
                else:
                    obj.pop("status", None)
            return obj
        new = copy_obj(old)
        nmd = meta(new)
        md = meta(obj)
        if "managedFields" in md:
            nmd["managedFields"] = md["managedFields"]
        if subresource == "status":
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
            if strategy.generation_tracks_annotations:
                # deploymentStatusStrategy resets only spec and labels: the deployment
                # controller records `deployment.kubernetes.io/revision` through status
                # writes, so that it does not bump the generation as a main write would.
                if md.get("annotations"):
                    nmd["annotations"] = md["annotations"]
                else:
                    nmd.pop("annotations", None)
        else:
            new.setdefault("spec", {})["finalizers"] = (obj.get("spec") or {}).get(
                "finalizers"
            ) or []
        return new

    @staticmethod
    def _should_delete(strategy: Strategy, new: dict[str, Any], old: dict[str, Any]) -> bool:
        """ShouldDeleteDuringUpdate: the last finalizer of an object being deleted is gone."""
        omd = old.get("metadata") or {}
        if not omd.get("deletionTimestamp"):
            return False
        if (new.get("metadata") or {}).get("finalizers"):
            return False
        if omd.get("deletionGracePeriodSeconds") not in (None, 0):
            return False
        return not strategy.keeps_during_update(new)

    # -- patch --------------------------------------------------------------------------------

    async def patch(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        body: bytes,
        opts: WriteOptions,
        *,
        subresource: str = "",
        user: UserInfo | None = None,
    ) -> WriteResult:
        """PATCH with any of kube's patch types; apply creates a missing object (201)."""
        mt = patches.media_type(content_type)
        if rt.is_crd:
            if mt not in patches.CRD_PATCH_TYPES:
                raise unsupported_media_type(patches.CRD_PATCH_TYPES)
        elif mt not in patches.PATCH_TYPES:
            raise unsupported_patch_type()
        apply = mt == patches.APPLY_PATCH
        validate_patch_options(opts, apply)
        if subresource == "scale" and self._scale_paths(rt) is not None:
            return await self._write_scale(
                rt, namespace, name, lambda cur: _patch_scale(cur, mt, body), opts, user
            )
        self._check_subresource(rt, subresource)
        namespace = namespace if rt.namespaced else ""
        key = object_key(rt, namespace, name)
        decoded: dict[str, Any] | None = None
        if apply and len(body) >= THREAD_DECODE_BYTES:
            # Reading a big YAML document takes long enough to stall every other request if
            # the event loop did it (an apiserver reads each request on its own goroutine).
            decoded = await asyncio.to_thread(patches.decode_apply, body)

        async def attempt() -> WriteResult:
            cur = self.store.get(key)
            if cur is None:
                if apply and not subresource:
                    applied = self._applied(rt, namespace, name, body, decoded)
                    merged = self._server_side_apply(rt, {}, applied, opts, subresource)
                    how = _Managed(opts.field_manager, applied=True)
                    return await self._create_or_retry(rt, namespace, merged, opts, user, how)
                raise not_found(rt.plural, rt.group, name)
            stored, rev = cur
            doc = copy_obj(stored)
            how = _Managed(opts.field_manager)
            warnings: list[str] = []
            if mt == patches.MERGE_PATCH:
                patched = patches.merge_patch(doc, body)
                patched, warnings = self._json_patched(rt, patched, body, opts, json_patch=False)
            elif mt == patches.JSON_PATCH:
                patched = patches.json_patch(doc, body)
                patched, warnings = self._json_patched(rt, patched, body, opts, json_patch=True)
            elif mt == patches.STRATEGIC_MERGE_PATCH:
                patched, warnings = self._strategic_patched(rt, doc, body, opts)
            else:
                patched, how = self._apply_to(
                    rt, doc, namespace, name, body, opts, subresource, decoded
                )
            nesting.check(patched)  # a JSON patch can add a deep value at a deep path
            self._check_type(rt, patched)
            result = await self._update(
                rt, namespace, name, patched, opts, subresource, user, how, expected=rev
            )
            result.warnings[:0] = warnings
            return result

        return await self._guaranteed(key, attempt)

    def _applied(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        body: bytes,
        decoded: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The applied configuration of `body` (`decoded`: read already), checked and typed."""
        applied = patches.decode_apply(body) if decoded is None else copy_obj(decoded)
        self._check_type(rt, applied)
        schema = self._schema(rt)
        if schema is not None:
            errs = fv.undeclared(schema, applied)
            if errs:
                detail = errs[0] if len(errs) == 1 else "\n  ".join(["errors:", *errs])
                gvk = f"{rt.group}/{rt.version}, Kind={rt.kind}"
                raise StatusError(
                    500,
                    "",
                    f"failed to create typed patch object ({namespace}/{name}; {gvk}): {detail}",
                )
            applied = fv.convert(schema, applied).value
        md = meta(applied)
        if md.get("managedFields") is not None:
            raise bad_request("metadata.managedFields must be nil")
        self._check_url_names(rt, namespace, name, md)
        return applied

    def _apply_to(
        self,
        rt: ResourceType,
        live: dict[str, Any],
        namespace: str,
        name: str,
        body: bytes,
        opts: WriteOptions,
        subresource: str,
        decoded: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], _Managed]:
        """Server-side apply on an existing object (managedfields.apply: merge, conflicts,
        ownership, removal of fields this manager stopped applying)."""
        applied = self._applied(rt, namespace, name, body, decoded)
        meta(applied).pop("resourceVersion", None)
        merged = self._server_side_apply(rt, live, applied, opts, subresource)
        return merged, _Managed(opts.field_manager, applied=True)

    def _server_side_apply(
        self,
        rt: ResourceType,
        live: dict[str, Any],
        applied: dict[str, Any],
        opts: WriteOptions,
        subresource: str,
    ) -> dict[str, Any]:
        merged = mf.apply(
            live,
            applied,
            node=self._smd_node(rt),
            manager=opts.field_manager,
            api_version=rt.group_version,
            subresource=subresource,
            now=now_rfc3339(),
            force=opts.force,
            ignored=self._reset_fields(self.strategy(rt), subresource),
        )
        for k in ("apiVersion", "kind"):
            merged.setdefault(k, applied.get(k))
        return merged

    # -- delete -------------------------------------------------------------------------------

    def _check_preconditions(
        self, rt: ResourceType, namespace: str, name: str, obj: dict[str, Any], opts: DeleteOptions
    ) -> None:
        md = obj.get("metadata") or {}
        msg = ""
        if opts.preconditions_uid is not None and opts.preconditions_uid != md.get("uid"):
            msg = (
                f"Precondition failed: UID in precondition: {opts.preconditions_uid}, "
                f"UID in object meta: {md.get('uid') or ''}"
            )
        elif (
            opts.preconditions_resource_version is not None
            and opts.preconditions_resource_version != md.get("resourceVersion")
        ):
            msg = (
                "Precondition failed: ResourceVersion in precondition: "
                f"{opts.preconditions_resource_version}, ResourceVersion in object meta: "
                f"{md.get('resourceVersion') or ''}"
            )
        if msg:
            if self.strategy(rt).plain_precondition_conflicts:
                raise conflict(rt.plural, rt.group, name, msg)
            raise conflict(
                rt.plural,
                rt.group,
                name,
                f"StorageError: invalid object, Code: 4, Key: {etcd_key(rt, namespace, name)}, "
                f"ResourceVersion: 0, AdditionalErrorMsg: {msg}",
            )

    async def delete(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        opts: DeleteOptions,
        *,
        user: UserInfo | None = None,
    ) -> tuple[dict[str, Any], int]:
        """DELETE: (response body, HTTP code)."""
        namespace = namespace if rt.namespaced else ""
        strategy = self.strategy(rt)
        key = object_key(rt, namespace, name)

        async def attempt() -> tuple[dict[str, Any], int]:
            cur = self.store.get(key)
            if cur is None:
                raise not_found(rt.plural, rt.group, name)
            stored, rev = cur
            old = copy_obj(stored)
            self._check_preconditions(rt, namespace, name, old, opts)
            await self._admit(Attributes(DELETE, rt, namespace, name, None, old, user))
            omd = meta(old)
            strategy.before_delete(old)
            finalizers = gcfinalizers.deletion_finalizers(
                rt, list(omd.get("finalizers") or []), opts
            )
            remaining = omd.get("finalizers") if finalizers is None else finalizers
            pending = bool(remaining) or strategy.deletion_pending(old)
            try:
                graceful = self._graceful_delete(strategy, old, opts)
                if graceful is not None:
                    if graceful is _PENDING:
                        return old, 200
                    graceful = stored_form(
                        graceful, self._release
                    )  # deletionTimestamp at its place
                    if opts.dry_run:
                        return graceful, 200
                    if not pending and not meta(graceful).get("deletionGracePeriodSeconds"):
                        last, _ = await self.store.delete(key, expected_revision=rev)
                        return self._deleted_response(rt, strategy, last), 200
                    written, _ = await self.store.update(key, graceful, expected_revision=rev)
                    code = 202 if opts.orphan_dependents is False else 200
                    return copy_obj(written), code
                if pending:
                    return await self._mark_deleting(strategy, key, old, rev, opts, finalizers)
                if opts.dry_run:
                    return self._deleted_response(rt, strategy, old), 200
                last, _ = await self.store.delete(key, expected_revision=rev)
            except RevisionConflict:
                raise _Retry() from None
            except KeyNotFoundError:
                raise not_found(rt.plural, rt.group, name) from None
            return self._deleted_response(rt, strategy, last), 200

        return await self._guaranteed(key, attempt)

    @staticmethod
    def _graceful_delete(
        strategy: Strategy, old: dict[str, Any], opts: DeleteOptions
    ) -> dict[str, Any] | None:
        """rest.BeforeDelete for kinds with graceful deletion (pods).

        None: not graceful, delete as usual. `_PENDING`: a graceful deletion is already under
        way and this request does not shorten it (the object is answered unchanged). Otherwise
        the object with deletionTimestamp = now + grace and deletionGracePeriodSeconds set (a
        grace period of 0 means: delete now, unless finalizers hold it)."""
        if not strategy.graceful_delete:
            return None
        md = meta(old)
        current = md.get("deletionGracePeriodSeconds")
        if md.get("deletionTimestamp"):
            if not current:
                return None  # graceful deletion finished (or never graceful): delete now
            period = opts.grace_period_seconds
            if period is None or period >= current:
                return _PENDING
            new = copy_obj(old)
            started, _ = gotime.parse(str(md["deletionTimestamp"]))
            meta(new)["deletionTimestamp"] = gotime.format_utc(started - (current - period))
            meta(new)["deletionGracePeriodSeconds"] = period
            return new
        period = strategy.grace_period(old, opts.grace_period_seconds)
        new = copy_obj(old)
        nmd = meta(new)
        nmd["deletionTimestamp"] = gotime.format_utc(int(time.time()) + period)
        nmd["deletionGracePeriodSeconds"] = period
        if nmd.get("generation"):
            nmd["generation"] = int(nmd["generation"]) + 1
        return new

    async def _mark_deleting(
        self,
        strategy: Strategy,
        key: str,
        old: dict[str, Any],
        rev: int,
        opts: DeleteOptions,
        finalizers: builtins.list[str] | None = None,
    ) -> tuple[dict[str, Any], int]:
        """Deletion pending (finalizers): set deletionTimestamp, keep the object, return it.
        `finalizers`: the object's new finalizers (the garbage collector's ones changed)."""
        code = 202 if opts.orphan_dependents is False else 200
        new = copy_obj(old)
        md = meta(new)
        if finalizers is not None:
            md["finalizers"] = finalizers
        first = not md.get("deletionTimestamp")
        if first:
            md["deletionTimestamp"] = now_rfc3339()
        strategy.mark_deleting(new, first)
        new = stored_form(new, self._release)
        if new == old or opts.dry_run:
            return new, code
        written, _ = await self.store.update(key, new, expected_revision=rev)
        return copy_obj(written), code

    async def delete_collection(
        self,
        rt: ResourceType,
        namespace: str,
        list_opts: ListOptions,
        delete_opts: DeleteOptions,
        *,
        user: UserInfo | None = None,
    ) -> dict[str, Any]:
        """deletecollection: delete every listed object; answer the list as it was read."""
        listed = await self.list(rt, namespace, list_opts)

        async def delete_one(item: dict[str, Any]) -> None:
            md = item.get("metadata") or {}
            try:
                await self.delete(
                    rt,
                    str(md.get("namespace") or ""),
                    str(md.get("name") or ""),
                    delete_opts,
                    user=user,
                )
            except StatusError as e:
                if e.code != 404:
                    raise

        # Deletes in flight together share the store's transactions (group commit): one fsync per
        # chunk instead of one per object. The first error is raised, as the loop did.
        items = listed["items"]
        for i in range(0, len(items), BULK_CHUNK):
            await gather_all(delete_one(item) for item in items[i : i + BULK_CHUNK])
        return listed
