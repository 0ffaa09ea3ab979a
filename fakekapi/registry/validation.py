"""Object validation with apimachinery's exact messages.

String checks are ports of `k8s.io/apimachinery/pkg/util/validation` (IsDNS1123Label,
IsQualifiedName, ...), metadata checks of `api/validation/objectmeta.go`, and the spec checks a
small table of the kinds people create by hand (the required fields whose absence kubectl users
actually hit). Kinds outside the table get the generic metadata rules only, as custom resources
without a schema do.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from fakekapi.core.errors import (
    INVALID,
    TOO_LONG,
    FieldError,
    GoLiteral,
    duplicate,
    forbidden_field,
    go_quote,
    invalid_value,
    not_supported,
    required,
)
from fakekapi.core.lazyre import LazyPattern
from fakekapi.core.objects import as_dict as _dict

# --- string checks (util/validation/validation.go) -----------------------------------------------

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
CONFIG_MAP_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"

_DNS1123_LABEL = re.compile(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = LazyPattern(DNS1035_LABEL_FMT)
_QUALIFIED_NAME = re.compile(QUALIFIED_NAME_FMT)
_LABEL_VALUE = re.compile(LABEL_VALUE_FMT)
_CONFIG_MAP_KEY = LazyPattern(CONFIG_MAP_KEY_FMT)


def _remembered(check: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """`check` answered from a small cache: the same label keys, ConfigMap keys and namespaces
    come back with every object (10,000 fixtures with 15 keys each ran the same regular
    expressions 150,000 times). Small, because names differ from object to object: 8,192
    entries kept ~1.1 MiB of names alive after loading 10,000 ConfigMaps, for no hits. Each
    call gets its own list."""
    cached = functools.lru_cache(maxsize=1024)(lambda value: tuple(check(value)))

    @functools.wraps(check)
    def remembered(value: str) -> list[str]:
        return list(cached(value))

    return remembered


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.RegexError (note Go's double space between examples)."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    msg += " (e.g. "
    for i, ex in enumerate(examples):
        if i > 0:
            msg += " or "
        msg += f"'{ex}', "
    return msg + f"regex used for validation is '{fmt}')"


def max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


@_remembered
def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _DNS1123_LABEL.fullmatch(value):
        if _DNS1123_SUBDOMAIN.fullmatch(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


@_remembered
def is_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _DNS1035_LABEL.fullmatch(value):
        errs.append(regex_error(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


@_remembered
def is_qualified_name(value: str) -> list[str]:
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs += ["prefix part " + m for m in is_dns1123_subdomain(prefix)]
    else:
        return [
            "a qualified name "
            + regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not _QUALIFIED_NAME.fullmatch(name):
        errs.append(
            "name part "
            + regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


@_remembered
def is_valid_label_value(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _LABEL_VALUE.fullmatch(value):
        errs.append(regex_error(LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


@_remembered
def is_config_map_key(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _CONFIG_MAP_KEY.fullmatch(value):
        errs.append(
            regex_error(CONFIG_MAP_KEY_MSG, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name")
        )
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def is_valid_path_segment_name(name: str) -> list[str]:
    """path.IsValidPathSegmentName."""
    for bad in (".", ".."):
        if name == bad:
            return [f"may not be '{bad}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def is_valid_path_segment_prefix(name: str) -> list[str]:
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


# --- name validators (ValidateNameFunc: name, prefix -> messages) --------------------------------

NameFunc = Callable[[str, bool], list[str]]


def _mask_trailing_dash(name: str) -> str:
    """maskTrailingDash: a generateName prefix may end with '-' (Go's slice, quirks included)."""
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def path_segment_name(name: str, prefix: bool) -> list[str]:
    return is_valid_path_segment_prefix(name) if prefix else is_valid_path_segment_name(name)


# (group, plural) -> the name rule of that kind's strategy; the default is a DNS-1123 subdomain.
NAME_RULES: dict[tuple[str, str], NameFunc] = {
    ("", "namespaces"): name_is_dns_label,
    ("", "services"): name_is_dns1035_label,
    ("rbac.authorization.k8s.io", "roles"): path_segment_name,
    ("rbac.authorization.k8s.io", "clusterroles"): path_segment_name,
    ("rbac.authorization.k8s.io", "rolebindings"): path_segment_name,
    ("rbac.authorization.k8s.io", "clusterrolebindings"): path_segment_name,
}


def name_rule(group: str, plural: str) -> NameFunc:
    return NAME_RULES.get((group, plural), name_is_dns_subdomain)


# --- metadata (objectmeta.go) ---------------------------------------------------------------------


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    # Each check's messages are looked at before a list is built for them: there are
    # usually none, and every object's labels, annotations and keys pass here.
    for k, v in _dict(labels).items():
        msgs = is_qualified_name(k)
        if msgs:
            errs += [invalid_value(path, k, m) for m in msgs]
        if isinstance(v, str):
            msgs = is_valid_label_value(v)
            if msgs:
                errs += [invalid_value(path, v, m) for m in msgs]
    return errs


TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def validate_annotations(annotations: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    total = 0
    for k, v in _dict(annotations).items():
        msgs = is_qualified_name(k.lower())
        if msgs:
            errs += [invalid_value(path, k, m) for m in msgs]
        total += len(k) + len(v if isinstance(v, str) else "")
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(
            FieldError(
                TOO_LONG, path, detail=f"may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT} bytes"
            )
        )
    return errs


def validate_finalizers(finalizers: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if not isinstance(finalizers, list):
        return errs
    for i, f in enumerate(finalizers):
        if isinstance(f, str):
            errs += [invalid_value(f"{path}[{i}]", f, m) for m in is_qualified_name(f)]
    return errs


def validate_object_meta(
    md: dict[str, Any], namespaced: bool, name_fn: NameFunc, *, check_namespace: bool = True
) -> list[FieldError]:
    """ValidateObjectMetaAccessor."""
    errs: list[FieldError] = []
    gen_name = md.get("generateName") or ""
    if gen_name:
        errs += [
            invalid_value("metadata.generateName", gen_name, m) for m in name_fn(gen_name, True)
        ]
    name = md.get("name") or ""
    if not name:
        errs.append(required("metadata.name", "name or generateName is required"))
    else:
        errs += [invalid_value("metadata.name", name, m) for m in name_fn(name, False)]
    if check_namespace:
        ns = md.get("namespace") or ""
        if namespaced:
            if not ns:
                errs.append(required("metadata.namespace"))
            else:
                errs += [invalid_value("metadata.namespace", ns, m) for m in is_dns1123_label(ns)]
        elif ns:
            errs.append(forbidden_field("metadata.namespace", "not allowed on this type"))
    gen = md.get("generation")
    if isinstance(gen, int) and gen < 0:
        errs.append(invalid_value("metadata.generation", gen, "must be greater than or equal to 0"))
    errs += validate_labels(md.get("labels"), "metadata.labels")
    errs += validate_annotations(md.get("annotations"), "metadata.annotations")
    errs += validate_finalizers(md.get("finalizers"), "metadata.finalizers")
    errs += validate_owner_references(md.get("ownerReferences"))
    return errs


def validate_owner_references(refs: Any) -> list[FieldError]:
    """validateOwnerReference (apimachinery pkg/api/validation/objectmeta.go): apiVersion,
    kind, name and uid are required; apiVersion is `<group>/<version>` or `<version>`."""
    errs: list[FieldError] = []
    if not isinstance(refs, list):
        return errs
    for i, ref in enumerate(refs):
        if not isinstance(ref, dict):
            continue
        path = f"metadata.ownerReferences[{i}]"
        api_version = str(ref.get("apiVersion") or "")
        if not api_version:
            errs.append(required(f"{path}.apiVersion", "must not be empty"))
        elif api_version.count("/") > 1 or api_version.endswith("/"):
            errs.append(
                invalid_value(
                    f"{path}.apiVersion", api_version, "must be <group>/<version> or <version>"
                )
            )
        for key in ("kind", "name", "uid"):
            if not ref.get(key):
                errs.append(required(f"{path}.{key}", "must not be empty"))
    return errs


def go_string_list(values: list[str]) -> str:
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


def validate_object_meta_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """ValidateObjectMetaAccessorUpdate (after BeforeUpdate restored the system fields)."""
    errs: list[FieldError] = []
    if old.get("deletionTimestamp"):
        old_f = set(old.get("finalizers") or [])
        extra = sorted({f for f in new.get("finalizers") or [] if f not in old_f})
        if extra:
            errs.append(
                forbidden_field(
                    "metadata.finalizers",
                    "no new finalizers can be added if the object is being deleted, found new "
                    f"finalizers {go_string_list(extra)}",
                )
            )
    if (new.get("generation") or 0) < (old.get("generation") or 0):
        errs.append(
            invalid_value("metadata.generation", new.get("generation"), "must not be decremented")
        )
    for key in ("name", "namespace", "uid"):
        if (new.get(key) or "") != (old.get(key) or ""):
            errs.append(invalid_value(f"metadata.{key}", new.get(key) or "", "field is immutable"))
    return errs


# --- spec checks of the common kinds --------------------------------------------------------------


def go_string_map(m: Any) -> str:
    """Go's %#v of a map[string]string (keys sorted)."""
    if not isinstance(m, dict) or m is None:
        return "map[string]string(nil)"
    inner = ", ".join(f"{go_quote(k)}:{go_quote(str(v))}" for k, v in sorted(m.items()))
    return "map[string]string{" + inner + "}"


def _containers(spec: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        return [required(f"{path}.containers")]
    seen: set[str] = set()
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        if not isinstance(items, list):
            continue
        for i, c in enumerate(items):
            p = f"{path}.{key}[{i}]"
            c = _dict(c)
            name = c.get("name") or ""
            if not name:
                errs.append(required(f"{p}.name"))
            else:
                msgs = is_dns1123_label(name)
                errs += [invalid_value(f"{p}.name", name, m) for m in msgs]
                if name in seen:
                    errs.append(duplicate(f"{p}.name", name))
                seen.add(name)
            if not c.get("image"):
                errs.append(required(f"{p}.image"))
    return errs


def validate_pod(obj: dict[str, Any]) -> list[FieldError]:
    return _containers(_dict(obj.get("spec")), "spec")


def structured_selector_matches(selector: Any, labels: Any) -> bool:
    """metav1.LabelSelectorAsSelector(selector).Matches(labels); nil matches nothing."""
    if not isinstance(selector, dict):
        return False
    labels = _dict(labels)
    for k, v in _dict(selector.get("matchLabels")).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        expr = _dict(expr)
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        has = key in labels
        if op == "In" and not (has and labels[key] in values):
            return False
        if op == "NotIn" and has and labels[key] in values:
            return False
        if op == "Exists" and not has:
            return False
        if op == "DoesNotExist" and has:
            return False
    return True


_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: Any, path: str) -> list[FieldError]:
    """ValidateLabelSelector (apimachinery pkg/apis/meta/v1/validation): matchLabels as labels,
    each requirement's operator, values and key."""
    if not isinstance(selector, dict):
        return []
    errs = validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        expr = _dict(expr)
        p = f"{path}.matchExpressions[{i}]"
        op = expr.get("operator") or ""
        values = expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(
                    required(f"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'")
                )
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(
                    forbidden_field(
                        f"{p}.values",
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
                )
        else:
            errs.append(invalid_value(f"{p}.operator", op, "not a valid selector operator"))
        key = str(expr.get("key") or "")
        errs += [invalid_value(f"{p}.key", key, m) for m in is_qualified_name(key)]
        for j, v in enumerate(values):
            if isinstance(v, str):
                errs += [invalid_value(f"{p}.values[{j}]", v, m) for m in is_valid_label_value(v)]
    return errs


def go_label_selector(selector: dict[str, Any]) -> GoLiteral:
    """`%#v` of a metav1.LabelSelector, as field.Invalid prints a struct value."""
    labels = selector.get("matchLabels")
    ml = (
        "map[string]string{"
        + ", ".join(f"{go_quote(k)}:{go_quote(str(v))}" for k, v in sorted(labels.items()))
        + "}"
        if isinstance(labels, dict)
        else "map[string]string(nil)"
    )
    exprs = selector.get("matchExpressions")
    if isinstance(exprs, list):
        items = []
        for e in exprs:
            e = _dict(e)
            vals = e.get("values")
            vs = (
                "[]string{" + ", ".join(go_quote(str(x)) for x in vals) + "}"
                if isinstance(vals, list)
                else "[]string(nil)"
            )
            items.append(
                f"v1.LabelSelectorRequirement{{Key:{go_quote(str(e.get('key') or ''))}, "
                f"Operator:{go_quote(str(e.get('operator') or ''))}, Values:{vs}}}"
            )
        me = "[]v1.LabelSelectorRequirement{" + ", ".join(items) + "}"
    else:
        me = "[]v1.LabelSelectorRequirement(nil)"
    return GoLiteral(f"v1.LabelSelector{{MatchLabels:{ml}, MatchExpressions:{me}}}")


def _selector_parses(selector: Any) -> bool:
    """Whether LabelSelectorAsSelector accepts the selector (known operators, values present
    for In/NotIn and absent for Exists/DoesNotExist)."""
    if not isinstance(selector, dict):
        return True
    for expr in selector.get("matchExpressions") or []:
        expr = _dict(expr)
        op, values = expr.get("operator") or "", expr.get("values") or []
        if op not in _SELECTOR_OPERATORS or (op in ("In", "NotIn")) != bool(values):
            return False
    return True


def validate_workload(kind: str) -> Callable[[dict[str, Any]], list[FieldError]]:
    def check(obj: dict[str, Any]) -> list[FieldError]:
        spec = _dict(obj.get("spec"))
        errs: list[FieldError] = []
        selector = spec.get("selector")
        if selector is None:
            errs.append(required("spec.selector"))
        else:
            errs += validate_label_selector(selector, "spec.selector")
            if not _dict(selector).get("matchLabels") and not _dict(selector).get(
                "matchExpressions"
            ):
                errs.append(
                    invalid_value(
                        "spec.selector", selector, f"empty selector is invalid for {kind.lower()}"
                    )
                )
        if not _selector_parses(selector):
            errs.append(
                invalid_value(
                    "spec.selector", go_label_selector(_dict(selector)), "invalid label selector"
                )
            )
            return errs
        template = spec.get("template")
        if not isinstance(template, dict):
            errs.append(required("spec.template"))
            return errs
        labels = _dict(template.get("metadata")).get("labels")
        if not (isinstance(selector, dict) and not selector) and not structured_selector_matches(
            selector, labels
        ):
            # The bad value is printed with Go's %#v, so it goes into the detail verbatim.
            errs.append(
                FieldError(
                    INVALID,
                    "spec.template.metadata.labels",
                    detail=f"{go_string_map(labels)}: `selector` does not match template `labels`",
                )
            )
        errs += _containers(_dict(template.get("spec")), "spec.template.spec")
        return errs

    return check


def validate_job(obj: dict[str, Any]) -> list[FieldError]:
    template = _dict(_dict(obj.get("spec")).get("template"))
    return _containers(_dict(template.get("spec")), "spec.template.spec")


def validate_cronjob(obj: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    name = _dict(obj.get("metadata")).get("name") or ""
    if len(name) > 52:
        errs.append(invalid_value("metadata.name", name, "must be no more than 52 characters"))
    spec = _dict(obj.get("spec"))
    if not spec.get("schedule"):
        errs.append(required("spec.schedule"))
    tmpl = _dict(_dict(_dict(spec.get("jobTemplate")).get("spec")).get("template"))
    errs += _containers(_dict(tmpl.get("spec")), "spec.jobTemplate.spec.template.spec")
    return errs


def validate_service(obj: dict[str, Any]) -> list[FieldError]:
    spec = _dict(obj.get("spec"))
    if spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
        return []
    if not spec.get("ports"):
        return [required("spec.ports")]
    errs: list[FieldError] = []
    for i, p in enumerate(spec["ports"]):
        port = _dict(p).get("port")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            errs.append(
                invalid_value(
                    f"spec.ports[{i}].port", port or 0, "must be between 1 and 65535, inclusive"
                )
            )
    return errs


def validate_data_keys(obj: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    data = _dict(obj.get("data"))
    binary = _dict(obj.get("binaryData"))
    for field_name, items in (("data", data), ("binaryData", binary)):
        for k in items:
            msgs = is_config_map_key(k)
            if msgs:
                errs += [invalid_value(f"{field_name}[{k}]", k, m) for m in msgs]
    for k in binary:
        if k in data:
            errs.append(invalid_value(f"data[{k}]", k, "duplicate of key present in binaryData"))
    return errs


def validate_secret(obj: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    for k in _dict(obj.get("data")):
        msgs = is_config_map_key(k)
        if msgs:
            errs += [invalid_value(f"data[{k}]", k, m) for m in msgs]
    return errs


RBAC_GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def _role_binding_subject(subject: Any, namespaced: bool, path: str) -> list[FieldError]:
    """rbac validation.ValidateRoleBindingSubject."""
    s = _dict(subject)
    errs: list[FieldError] = []
    name = str(s.get("name") or "")
    api_group = str(s.get("apiGroup") or "")
    if not name:
        errs.append(required(f"{path}.name"))
    kind = str(s.get("kind") or "")
    if kind == "ServiceAccount":
        if name:
            errs += [
                invalid_value(f"{path}.name", name, m) for m in name_is_dns_subdomain(name, False)
            ]
        if api_group:
            errs.append(not_supported(f"{path}.apiGroup", api_group, [""]))
        if not namespaced and not s.get("namespace"):
            errs.append(required(f"{path}.namespace"))
    elif kind in ("User", "Group"):
        if api_group != RBAC_GROUP:
            errs.append(not_supported(f"{path}.apiGroup", api_group, [RBAC_GROUP]))
    else:
        errs.append(not_supported(f"{path}.kind", kind, SUBJECT_KINDS))
    return errs


def validate_role_binding(
    role_kinds: tuple[str, ...], namespaced: bool
) -> Callable[[dict[str, Any]], list[FieldError]]:
    """rbac validation.ValidateRoleBinding / ValidateClusterRoleBinding.

    The roleRef must name this API group and a kind the binding may reference: authorization
    resolves roles by kind and name alone, so a binding to `evil.example.com/ClusterRole
    cluster-admin` would otherwise grant cluster-admin (kube refuses it here with a 422)."""

    def check(obj: dict[str, Any]) -> list[FieldError]:
        ref = _dict(obj.get("roleRef"))
        errs: list[FieldError] = []
        api_group = str(ref.get("apiGroup") or "")
        if api_group != RBAC_GROUP:
            errs.append(not_supported("roleRef.apiGroup", api_group, [RBAC_GROUP]))
        kind = str(ref.get("kind") or "")
        if kind not in role_kinds:
            errs.append(not_supported("roleRef.kind", kind, role_kinds))
        name = str(ref.get("name") or "")
        if not name:
            errs.append(required("roleRef.name"))
        else:
            errs += [invalid_value("roleRef.name", name, m) for m in path_segment_name(name, False)]
        for i, subject in enumerate(obj.get("subjects") or []):
            errs += _role_binding_subject(subject, namespaced, f"subjects[{i}]")
        return errs

    return check


def go_role_ref(ref: Any) -> str:
    """`%#v` of the internal rbac.RoleRef, as field.Invalid prints a struct value."""
    r = _dict(ref)
    return (
        f"rbac.RoleRef{{APIGroup:{go_quote(str(r.get('apiGroup') or ''))}, "
        f"Kind:{go_quote(str(r.get('kind') or ''))}, Name:{go_quote(str(r.get('name') or ''))}}}"
    )


def role_ref_immutable(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """ValidateRoleBindingUpdate: `roleRef: Invalid value: rbac.RoleRef{...}: cannot change ..`."""
    if _dict(new.get("roleRef")) == _dict(old.get("roleRef")):
        return []
    return [
        FieldError(
            INVALID, "roleRef", GoLiteral(go_role_ref(new.get("roleRef"))), "cannot change roleRef"
        )
    ]


def immutable_when_set(
    new: dict[str, Any], old: dict[str, Any], fields: tuple[str, ...]
) -> list[FieldError]:
    errs: list[FieldError] = []
    if old.get("immutable") is True:
        msg = "field is immutable when `immutable` is set"
        if new.get("immutable") is not True:
            errs.append(forbidden_field("immutable", msg))
        for f in fields:
            if (new.get(f) or {}) != (old.get(f) or {}):
                errs.append(forbidden_field(f, msg))
    return errs
