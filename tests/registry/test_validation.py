"""Name and metadata validation: apimachinery's messages, word for word (table-driven)."""

from __future__ import annotations

import pytest

from fakekapi.registry.validation import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    name_is_dns1035_label,
    name_is_dns_label,
    name_is_dns_subdomain,
    name_rule,
    path_segment_name,
    validate_object_meta,
)

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)


@pytest.mark.parametrize(
    ("fn", "name", "prefix", "errors"),
    [
        (name_is_dns_subdomain, "web", False, []),
        (name_is_dns_subdomain, "web.example.com", False, []),
        (name_is_dns_subdomain, "Web", False, [SUBDOMAIN_MSG]),
        (name_is_dns_subdomain, "a" * 254, False, ["must be no more than 253 characters"]),
        (name_is_dns_subdomain, "web-", True, []),
        (name_is_dns_subdomain, "web-", False, [SUBDOMAIN_MSG]),
        (name_is_dns_label, "kube-system", False, []),
        (name_is_dns_label, "a.b", False, ["must not contain dots"]),
        (name_is_dns_label, "A", False, [LABEL_MSG]),
        (name_is_dns_label, "a" * 64, False, ["must be no more than 63 characters"]),
        (name_is_dns1035_label, "my-svc", False, []),
        (name_is_dns1035_label, "1svc", False, [DNS1035_MSG]),
        (path_segment_name, "system:controller:x", False, []),
        (path_segment_name, "..", False, ["may not be '..'"]),
        (path_segment_name, ".", False, ["may not be '.'"]),
        (path_segment_name, "a/b%c", False, ["may not contain '/'", "may not contain '%'"]),
    ],
)
def test_name_rules(fn: object, name: str, prefix: bool, errors: list[str]) -> None:
    assert callable(fn)
    assert fn(name, prefix) == errors


@pytest.mark.parametrize(
    ("group", "plural", "rule"),
    [
        ("", "namespaces", name_is_dns_label),
        ("", "services", name_is_dns1035_label),
        ("", "pods", name_is_dns_subdomain),
        ("rbac.authorization.k8s.io", "clusterroles", path_segment_name),
        ("example.com", "widgets", name_is_dns_subdomain),
    ],
)
def test_name_rule_per_kind(group: str, plural: str, rule: object) -> None:
    assert name_rule(group, plural) is rule


def test_dns_helpers() -> None:
    assert is_dns1123_label("abc") == []
    assert is_dns1123_subdomain("a..b") == [SUBDOMAIN_MSG]
    assert is_qualified_name("example.com/x") == []
    assert is_qualified_name("/x") == ["prefix part must be non-empty"]
    assert is_qualified_name("a/b/c")[0].startswith("a qualified name must consist of")


def test_object_meta_messages() -> None:
    errs = validate_object_meta({"namespace": "default"}, True, name_is_dns_subdomain)
    assert [str(e) for e in errs] == [
        "metadata.name: Required value: name or generateName is required"
    ]
    errs = validate_object_meta({"name": "x", "namespace": "ns"}, False, name_is_dns_subdomain)
    assert [str(e) for e in errs] == ["metadata.namespace: Forbidden: not allowed on this type"]
    errs = validate_object_meta(
        {"name": "x", "namespace": "ns", "labels": {"a": "b c"}}, True, name_is_dns_subdomain
    )
    assert str(errs[0]).startswith('metadata.labels: Invalid value: "b c": a valid label must')
