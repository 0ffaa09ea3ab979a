"""The CustomResourceDefinition object itself: kube's CRD strategy, and the types a CRD defines.

* `set_defaults`: v1 defaulting (names.singular, names.listKind, conversion strategy None);
* `prepare_create` / `prepare_update`: the strategy's PrepareForCreate/Update (a fresh status
  whose storedVersions holds the storage version; storedVersions only ever grows);
* `validate`: the common cases of ValidateCustomResourceDefinition, with kube's messages;
* `mark_for_deletion`: what the CRD REST storage does on the first DELETE: add the
  `customresourcecleanup.apiextensions.k8s.io` finalizer and a Terminating condition, so the
  object stays until the CRD controller has deleted every custom resource;
* `resource_types` / `custom_versions`: the catalog entries for the served versions.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from fakekapi.catalog.crd_openapi import CustomVersion
from fakekapi.catalog.types import ResourceType, Subresource
from fakekapi.core import gotime
from fakekapi.core.errors import (
    FieldError,
    forbidden_field,
    invalid_value,
    not_supported,
    required,
)
from fakekapi.core.lazyre import LazyPattern
from fakekapi.core.objects import as_dict as _dict
from fakekapi.core.objects import as_list as _list

GROUP = "apiextensions.k8s.io"
PLURAL = "customresourcedefinitions"
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
CR_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUB_VERBS = ("get", "patch", "update")

_DNS_LABEL = LazyPattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = LazyPattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_VERSION = LazyPattern(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


now_rfc3339 = gotime.now_rfc3339


# -- strategy ---------------------------------------------------------------------------------


def set_defaults(crd: dict[str, Any]) -> None:
    """SetDefaults_CustomResourceDefinition (v1)."""
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return
    names = spec.get("names")
    if isinstance(names, dict):
        kind = names.get("kind")
        if isinstance(kind, str) and kind:
            if not names.get("singular"):
                names["singular"] = kind.lower()
            if not names.get("listKind"):
                names["listKind"] = kind + "List"
    conversion = spec.get("conversion")
    if conversion is None:
        spec["conversion"] = {"strategy": "None"}


def storage_versions(crd: dict[str, Any]) -> list[str]:
    spec = _dict(crd.get("spec"))
    return [
        str(v.get("name"))
        for v in _list(spec.get("versions"))
        if isinstance(v, dict) and v.get("storage") is True
    ]


def prepare_create(crd: dict[str, Any]) -> None:
    """PrepareForCreate: a fresh status, storedVersions = the storage version."""
    crd["status"] = {
        "acceptedNames": {"plural": "", "kind": ""},
        "storedVersions": storage_versions(crd)[:1],
    }


def prepare_update(crd: dict[str, Any], old: dict[str, Any]) -> None:
    """PrepareForUpdate: a new storage version is added to storedVersions."""
    status = crd.get("status")
    if not isinstance(status, dict):
        return
    stored = [s for s in _list(status.get("storedVersions")) if isinstance(s, str)]
    for v in storage_versions(crd):
        if v not in stored:
            stored.append(v)
    status["storedVersions"] = stored


def mark_for_deletion(crd: dict[str, Any]) -> None:
    """The first DELETE of a CRD: cleanup finalizer and the InstanceDeletionPending condition."""
    md = crd.setdefault("metadata", {})
    finalizers = list(md.get("finalizers") or [])
    if CLEANUP_FINALIZER not in finalizers:
        finalizers.append(CLEANUP_FINALIZER)
    md["finalizers"] = finalizers
    set_condition(
        crd,
        "Terminating",
        "True",
        "InstanceDeletionPending",
        "CustomResourceDefinition marked for deletion; instance deletion pending",
    )


def set_condition(crd: dict[str, Any], type_: str, status: str, reason: str, message: str) -> None:
    """SetCRDCondition: replace the condition, keeping lastTransitionTime if status is the same."""
    st = crd.setdefault("status", {})
    if not isinstance(st, dict):
        st = crd["status"] = {}
    conditions = [c for c in _list(st.get("conditions")) if isinstance(c, dict)]
    for i, c in enumerate(conditions):
        if c.get("type") == type_:
            ltt = c.get("lastTransitionTime") if c.get("status") == status else now_rfc3339()
            conditions[i] = _condition(type_, status, ltt or now_rfc3339(), reason, message)
            break
    else:
        conditions.append(_condition(type_, status, now_rfc3339(), reason, message))
    new_status: dict[str, Any] = {"conditions": conditions}
    new_status.update({k: v for k, v in st.items() if k != "conditions"})
    crd["status"] = new_status


def _condition(type_: str, status: str, ltt: str, reason: str, message: str) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "lastTransitionTime": ltt,
        "reason": reason,
        "message": message,
    }


def condition_true(crd: dict[str, Any], type_: str) -> bool:
    for c in _list(_dict(crd.get("status")).get("conditions")):
        if isinstance(c, dict) and c.get("type") == type_:
            return c.get("status") == "True"
    return False


# -- validation -------------------------------------------------------------------------------


def validate(crd: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
    """The common checks of ValidateCustomResourceDefinition (and its update rules)."""
    errs: list[FieldError] = []
    md = _dict(crd.get("metadata"))
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    group = spec.get("group")
    names = _dict(spec.get("names"))
    plural = names.get("plural")
    name = str(md.get("name") or "")
    if isinstance(group, str) and isinstance(plural, str) and name != f"{plural}.{group}":
        errs.append(
            invalid_value("metadata.name", name, 'must be spec.names.plural+"."+spec.group')
        )
    if not group:
        errs.append(required("spec.group"))
    elif not isinstance(group, str) or not _DNS_SUBDOMAIN.match(group):
        errs.append(invalid_value("spec.group", group, "a lowercase RFC 1123 subdomain"))
    elif "." not in group:
        errs.append(invalid_value("spec.group", group, "should be a domain with at least one dot"))
    scope = spec.get("scope")
    if not scope:
        errs.append(required("spec.scope"))
    elif scope not in ("Cluster", "Namespaced"):
        errs.append(not_supported("spec.scope", scope, ["Cluster", "Namespaced"]))
    errs += _validate_names(names)
    errs += _validate_versions(spec)
    if old is not None:
        ospec = _dict(old.get("spec"))
        if ospec.get("scope") != spec.get("scope") and ospec.get("scope"):
            errs.append(invalid_value("spec.scope", spec.get("scope"), "field is immutable"))
        if ospec.get("group") != spec.get("group"):
            errs.append(invalid_value("spec.group", spec.get("group"), "field is immutable"))
    return errs


def _validate_names(names: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    for key in ("plural", "singular"):
        value = names.get(key)
        if key == "plural" and not value:
            errs.append(required(f"spec.names.{key}"))
        elif value and (not isinstance(value, str) or not _DNS_LABEL.match(value)):
            errs.append(
                invalid_value(
                    f"spec.names.{key}",
                    value,
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                    "characters or '-', and must start and end with an alphanumeric character "
                    "(e.g. 'my-name',  or '123-abc', regex used for validation is "
                    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                )
            )
    if not names.get("kind"):
        errs.append(required("spec.names.kind"))
    for i, short in enumerate(_list(names.get("shortNames"))):
        if not isinstance(short, str) or not _DNS_LABEL.match(short):
            errs.append(
                invalid_value(f"spec.names.shortNames[{i}]", short, "must be a DNS-1123 label")
            )
    kind, list_kind = names.get("kind"), names.get("listKind")
    if kind and kind == list_kind:
        errs.append(
            invalid_value("spec.names.listKind", list_kind, "kind and listKind may not be the same")
        )
    return errs


def _validate_versions(spec: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    versions = spec.get("versions")
    if not isinstance(versions, list) or not versions:
        return [
            required("spec.versions", "must have exactly one version marked as storage version")
        ]
    storage = 0
    seen: set[str] = set()
    for i, v in enumerate(versions):
        path = f"spec.versions[{i}]"
        if not isinstance(v, dict):
            errs.append(invalid_value(path, v, "must be an object"))
            continue
        name = v.get("name")
        if not isinstance(name, str) or not _DNS_LABEL.match(name):
            errs.append(invalid_value(f"{path}.name", name, "must be a DNS-1123 label"))
        elif name in seen:
            errs.append(
                invalid_value("spec.versions", versions, "must contain unique version names")
            )
        else:
            seen.add(name)
        if v.get("storage") is True:
            storage += 1
        schema = _dict(v.get("schema")).get("openAPIV3Schema")
        if not isinstance(schema, dict):
            errs.append(required(f"{path}.schema.openAPIV3Schema", "schemas are required"))
        elif schema.get("type") != "object":
            if not schema.get("type"):
                errs.append(
                    required(f"{path}.schema.openAPIV3Schema.type", "must not be empty at the root")
                )
            else:
                errs.append(
                    invalid_value(
                        f"{path}.schema.openAPIV3Schema.type",
                        schema.get("type"),
                        "must be object at the root",
                    )
                )
        sub = _dict(v.get("subresources"))
        scale = sub.get("scale")
        if isinstance(scale, dict):
            for key in ("specReplicasPath", "statusReplicasPath"):
                p = scale.get(key)
                if not p:
                    errs.append(required(f"{path}.subresources.scale.{key}"))
    if storage != 1:
        errs.append(
            invalid_value(
                "spec.versions", versions, "must have exactly one version marked as storage version"
            )
        )
    if not any(isinstance(v, dict) and v.get("served") for v in versions):
        errs.append(
            forbidden_field("spec.versions", "must have at least one version marked as served")
        )
    return errs


# -- the types a CRD defines ------------------------------------------------------------------


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key of kube-aware version ordering: GA > beta > alpha, higher numbers first,
    then anything else alphabetically."""
    m = _VERSION.match(version)
    if m is None:
        return (3, 0, 0, version)
    major = int(m.group(1))
    level = {"": 0, "beta": 1, "alpha": 2}[m.group(2) or ""]
    minor = int(m.group(3) or 0)
    return (level, -major, -minor, "")


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """discovery.StorageVersionHash: base64 of the first 8 bytes of SHA-256 of G/V/K."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def served_versions(crd: dict[str, Any]) -> list[dict[str, Any]]:
    """The served versions, in kube-aware priority order."""
    spec = _dict(crd.get("spec"))
    out = [v for v in _list(spec.get("versions")) if isinstance(v, dict) and v.get("served")]
    return sorted(out, key=lambda v: version_priority(str(v.get("name"))))


def resource_types(crd: dict[str, Any], names: dict[str, Any]) -> list[ResourceType]:
    """One ResourceType per served version, named after the accepted names."""
    spec = _dict(crd.get("spec"))
    group = str(spec.get("group") or "")
    kind = str(names.get("kind") or "")
    storage = (storage_versions(crd) or [""])[0]
    vhash = storage_version_hash(group, storage, kind)
    out: list[ResourceType] = []
    for v in served_versions(crd):
        version = str(v.get("name"))
        subs: list[Subresource] = []
        sub = _dict(v.get("subresources"))
        if "status" in sub:
            subs.append(Subresource("status", kind, group, version, SUB_VERBS))
        if isinstance(sub.get("scale"), dict):
            subs.append(Subresource("scale", "Scale", "autoscaling", "v1", SUB_VERBS))
        out.append(
            ResourceType(
                group=group,
                version=version,
                plural=str(names.get("plural") or ""),
                kind=kind,
                singular=str(names.get("singular") or kind.lower()),
                namespaced=spec.get("scope") == "Namespaced",
                verbs=CR_VERBS,
                short_names=tuple(str(s) for s in _list(names.get("shortNames"))),
                categories=tuple(str(s) for s in _list(names.get("categories"))),
                subresources=tuple(subs),
                storage_version_hash=vhash,
                is_crd=True,
            )
        )
    return out


def custom_versions(crd: dict[str, Any], names: dict[str, Any]) -> list[CustomVersion]:
    """The CustomVersion (schema, columns, subresources) of every served version."""
    spec = _dict(crd.get("spec"))
    md = _dict(crd.get("metadata"))
    out: list[CustomVersion] = []
    for v in served_versions(crd):
        sub = _dict(v.get("subresources"))
        schema = _dict(v.get("schema")).get("openAPIV3Schema")
        columns = [c for c in _list(v.get("additionalPrinterColumns")) if isinstance(c, dict)]
        out.append(
            CustomVersion(
                crd_name=str(md.get("name") or ""),
                group=str(spec.get("group") or ""),
                version=str(v.get("name")),
                plural=str(names.get("plural") or ""),
                singular=str(names.get("singular") or ""),
                kind=str(names.get("kind") or ""),
                list_kind=str(names.get("listKind") or f"{names.get('kind')}List"),
                namespaced=spec.get("scope") == "Namespaced",
                schema=schema if isinstance(schema, dict) else None,
                printer_columns=columns,
                status="status" in sub,
                scale=sub.get("scale") if isinstance(sub.get("scale"), dict) else None,
                generation=str(md.get("resourceVersion") or ""),
            )
        )
    return out
