"""Query parameters and DELETE bodies → options, with kube's 400/422 texts."""

from __future__ import annotations

from typing import Any

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import (
    ListOptions,
    WriteOptions,
    manager_from_user_agent,
    parse_bool,
    parse_delete_options,
    parse_list_options,
    parse_write_options,
    validate_patch_options,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("True", True),
        ("1", True),
        ("yes", True),
        ("", True),
        ("false", False),
        ("FALSE", False),
        ("0", False),
    ],
)
def test_bool(value: str, expected: bool) -> None:
    assert parse_bool(value) is expected


def test_list_options_parsed() -> None:
    opts = parse_list_options(
        {
            "labelSelector": "a=b",
            "fieldSelector": "metadata.name=x",
            "limit": "500",
            "resourceVersion": "7",
            "watch": "1",
            "allowWatchBookmarks": "True",
            "timeoutSeconds": "30",
        }
    )
    assert opts == ListOptions(
        label_selector="a=b",
        field_selector="metadata.name=x",
        limit=500,
        resource_version="7",
        watch=True,
        allow_watch_bookmarks=True,
        timeout_seconds=30,
    )


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ({"limit": "abc"}, 400, 'strconv.ParseInt: parsing "abc": invalid syntax'),
        ({"limit": ""}, 400, 'strconv.ParseInt: parsing "": invalid syntax'),
        ({"timeoutSeconds": "1.5"}, 400, 'strconv.ParseInt: parsing "1.5": invalid syntax'),
        (
            {"limit": "99999999999999999999"},
            400,
            'strconv.ParseInt: parsing "99999999999999999999": value out of range',
        ),
        (
            {"resourceVersionMatch": "Exact"},
            422,
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        ),
        (
            {"resourceVersionMatch": "Exact", "resourceVersion": "0"},
            422,
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
            'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        ),
        (
            {"resourceVersionMatch": "x", "resourceVersion": "1"},
            422,
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: '
            '"x": supported values: "Exact", "NotOlderThan", ""',
        ),
        (
            {"sendInitialEvents": "true"},
            422,
            'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: '
            "sendInitialEvents is forbidden for list",
        ),
        (
            {"watch": "true", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan"},
            422,
            'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: '
            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        ),
        (
            {"watch": "true", "resourceVersionMatch": "NotOlderThan", "resourceVersion": "1"},
            422,
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        ),
    ],
)
def test_list_options_errors(query: dict[str, str], code: int, message: str) -> None:
    with pytest.raises(StatusError) as e:
        parse_list_options(query)
    assert (e.value.code, e.value.message) == (code, message)


def test_write_options_defaults_manager_from_user_agent() -> None:
    opts = parse_write_options(
        {}, "CreateOptions", "kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0"
    )
    assert opts == WriteOptions(field_manager="kubectl", field_validation="Warn")
    assert manager_from_user_agent("a\x00b/c") == "ab"
    assert manager_from_user_agent("x" * 300) == "x" * 128


def test_write_options_parsed() -> None:
    opts = parse_write_options(
        {"dryRun": "All", "fieldManager": "m", "fieldValidation": "Strict", "force": "true"},
        "PatchOptions",
        "",
    )
    assert opts.dry_run and opts.force and opts.force_given and opts.field_manager_given
    assert (opts.field_manager, opts.field_validation) == ("m", "Strict")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"dryRun": "x"},
            'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"x"}: '
            'supported values: "All"',
        ),
        (
            {"fieldValidation": "Loud"},
            'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: '
            '"Loud": supported values: "", "Ignore", "Strict", "Warn"',
        ),
        (
            {"fieldManager": "m" * 129},
            'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more '
            "than 128 bytes",
        ),
    ],
)
def test_write_options_errors(query: dict[str, str], message: str) -> None:
    with pytest.raises(StatusError) as e:
        parse_write_options(query, "CreateOptions", "kubectl/1")
    assert (e.value.code, e.value.reason, e.value.message) == (422, "Invalid", message)


def test_patch_options_rules() -> None:
    with pytest.raises(StatusError) as e:
        validate_patch_options(
            parse_write_options({"force": "false"}, "PatchOptions", "k/1"), False
        )
    assert e.value.message == (
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for '
        "non-apply patch"
    )
    with pytest.raises(StatusError) as e:
        validate_patch_options(parse_write_options({}, "PatchOptions", "kubectl/1"), True)
    assert e.value.message == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for '
        "apply patch"
    )
    validate_patch_options(parse_write_options({"fieldManager": "m"}, "PatchOptions", ""), True)


def test_delete_options_body_and_query() -> None:
    body: dict[str, Any] = {
        "gracePeriodSeconds": 5,
        "preconditions": {"uid": "u", "resourceVersion": "3"},
        "propagationPolicy": "Foreground",
        "dryRun": ["All"],
    }
    opts = parse_delete_options({"gracePeriodSeconds": "9"}, body)
    assert opts.grace_period_seconds == 5 and opts.dry_run
    assert (opts.preconditions_uid, opts.preconditions_resource_version) == ("u", "3")
    opts = parse_delete_options({"gracePeriodSeconds": "9", "propagationPolicy": "Orphan"}, None)
    assert (opts.grace_period_seconds, opts.propagation_policy) == (9, "Orphan")


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"propagationPolicy": "Foo"},
            422,
            'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Foo": '
            'supported values: "Foreground", "Background", "Orphan", "nil"',
        ),
        (
            {"dryRun": ["Some"]},
            422,
            'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: '
            'supported values: "All"',
        ),
        (
            {"gracePeriodSeconds": "5"},
            400,
            "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds "
            "of type int64",
        ),
    ],
)
def test_delete_options_errors(body: dict[str, Any], code: int, message: str) -> None:
    with pytest.raises(StatusError) as e:
        parse_delete_options({}, body)
    assert (e.value.code, e.value.message) == (code, message)
