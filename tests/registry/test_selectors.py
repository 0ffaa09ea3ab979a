"""Label and field selectors: grammar, matching and the parser's error texts (table-driven)."""

from __future__ import annotations

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.selectors import parse_field_selector, parse_label_selector

LABELS = {"app": "web", "tier": "fe", "n": "5", "empty": ""}


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app=db", False),
        ("app!=db", True),
        ("missing!=x", True),
        ("app in (web,db)", True),
        ("app in (db)", False),
        ("app notin (db)", True),
        ("missing notin (db)", True),
        ("app notin (web)", False),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("!app", False),
        ("n>4", True),
        ("n>5", False),
        ("n<6", True),
        ("app>1", False),
        ("missing<1", False),
        ("app=web,tier=fe", True),
        ("app=web,tier=be", False),
        (" app = web , tier in ( fe ) ", True),
        ("empty=", True),
        ("empty in ()", True),
        ("app in (web,)", True),
        ("example.com/x notin (a)", True),
    ],
)
def test_label_selector_matches(selector: str, matches: bool) -> None:
    assert parse_label_selector(selector).matches(LABELS) is matches


QUALIFIED = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("a=b,", "found '', expected: identifier after ','"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        (
            "a in b",
            "unable to parse requirement: found 'b' expected: '('",
        ),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        (
            "a>b",
            "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' "
            "operators, the value must be an integer",
        ),
        ("-a=b", f'unable to parse requirement: <nil>: Invalid value: "-a": {QUALIFIED}'),
        (
            "a=b$",
            'unable to parse requirement: values[0][a]: Invalid value: "b$": a valid label '
            "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
            "must start and end with an alphanumeric character (e.g. 'MyValue',  or "
            "'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
        ("a!b", "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"),
    ],
)
def test_label_selector_errors(selector: str, message: str) -> None:
    with pytest.raises(StatusError) as e:
        parse_label_selector(selector)
    assert (e.value.code, e.value.reason, e.value.message) == (400, "BadRequest", message)


FIELDS = frozenset({"metadata.name", "metadata.namespace", "status.phase", "spec.host"})


@pytest.mark.parametrize(
    ("selector", "values", "matches"),
    [
        ("metadata.name=web", {"metadata.name": "web"}, True),
        ("metadata.name==web", {"metadata.name": "web"}, True),
        ("metadata.name!=web", {"metadata.name": "web"}, False),
        (
            "metadata.name=web,status.phase=Running",
            {"metadata.name": "web", "status.phase": "x"},
            False,
        ),
        ("status.phase=", {"metadata.name": "web"}, True),
        (r"metadata.name=a\,b", {"metadata.name": "a,b"}, True),
        ("spec.host=n1", {"spec.nodeName": "n1"}, True),
    ],
)
def test_field_selector(selector: str, values: dict[str, str], matches: bool) -> None:
    sel = parse_field_selector(selector, FIELDS, {"spec.host": "spec.nodeName"})
    assert sel.matches(values) is matches


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("spec.foo=x", "field label not supported: spec.foo"),
        ("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
        (r"metadata.name=a\x", r"invalid field selector: invalid escape sequence: \x"),
    ],
)
def test_field_selector_errors(selector: str, message: str) -> None:
    with pytest.raises(StatusError) as e:
        parse_field_selector(selector, FIELDS)
    assert (e.value.code, e.value.message) == (400, message)
