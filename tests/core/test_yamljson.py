"""YAML → JSON as sigs.k8s.io/yaml YAMLToJSON (goyaml.v2) does it, for bodies and fixtures.

Expected values follow goyaml.v2's resolve.go (resolveMap, the 'D'/'S'/'.' hints: ParseInt base
0, ParseUint, yamlStyleFloat) and sigs.k8s.io/yaml's convertToJSONableObject (key formatting).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from fakekapi.core.yamljson import SLICED_BYTES, ConversionError, load

SCALARS: list[tuple[str, Any]] = [
    ("v: 1", 1),
    ("v: -0", 0),
    ("v: +1", 1),
    ("v: 1_000", 1000),
    ("v: 0777", 511),  # ParseInt base 0: octal
    ("v: 0o17", 15),
    ("v: 0x1F", 31),
    ("v: 0b101", 5),
    ("v: 08", 8.0),  # not octal, not an int: yamlStyleFloat
    ("v: 1e3", 1000.0),  # PyYAML: a string
    ("v: .5", 0.5),
    ("v: -.5", -0.5),
    ("v: 1.", 1.0),
    ("v: 18446744073709551615", 18446744073709551615),  # ParseUint
    ("v: 99999999999999999999", 1e20),
    ("v: 1:30", "1:30"),  # PyYAML: 90 (base 60)
    ("v: 1.2.3", "1.2.3"),
    ("v: 10.0.0.1", "10.0.0.1"),
    ("v: 2001-12-14", "2001-12-14"),  # timestamps stay strings
    ("v: 2001-12-14T21:59:43.10-05:00", "2001-12-14T21:59:43.10-05:00"),
    ("v: y", True),  # YAML 1.1 as goyaml.v2 reads it
    ("v: N", False),
    ("v: On", True),
    ("v: off", False),
    ("v: ~", None),
    ("v:", None),
    ("v: Null", None),
    ('v: "1"', "1"),
    ("v: '1e3'", "1e3"),
    ("v: !!binary aGVsbG8=", "hello"),
    ("v: !!binary /w==", "\ufffd"),  # json.Marshal writes invalid UTF-8 as U+FFFD
    ("v: <<", "<<"),
]


@pytest.mark.parametrize(("text", "expected"), SCALARS)
def test_scalars(text: str, expected: Any) -> None:
    got = load(text)["v"]
    assert got == expected
    assert type(got) is type(expected)


KEYS: list[tuple[str, Any]] = [
    ("1: a\ntrue: b", {"1": "a", "true": "b"}),  # PyYAML's dict merged these (1 == True)
    ("1.0: a\n1: b", {"1": "b"}),  # FormatFloat(1, 'g', -1, 32) is "1": one key
    ("1.5: a", {"1.5": "a"}),
    ("1e6: a", {"1e+06": "a"}),
    ("1234567.0: a", {"1.234567e+06": "a"}),
    ("0.1: a", {"0.1": "a"}),
    ("y: a\nn: b", {"true": "a", "false": "b"}),
    ("base: &b {x: 1}\nm:\n  <<: *b\n  z: 2", {"base": {"x": 1}, "m": {"x": 1, "z": 2}}),
]


@pytest.mark.parametrize(("text", "expected"), KEYS)
def test_keys(text: str, expected: Any) -> None:
    assert load(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("~: x", "unsupported map key of type: <nil>"),
        ("v: .inf", "json: unsupported value: +Inf"),
        ("v: .nan", "json: unsupported value: NaN"),
    ],
)
def test_no_json_form(text: str, message: str) -> None:
    with pytest.raises(ConversionError, match=message.replace("+", r"\+")):
        load(text)


def test_conversion_errors_are_yaml_errors() -> None:
    assert issubclass(ConversionError, yaml.YAMLError)


@pytest.mark.parametrize(
    "text",
    [text for text, _ in SCALARS + KEYS]
    + [
        "~: x",
        "v: .inf",
        "a: *undefined",
        "a: [1",
        "- a\n- b: c: d",
        "{a: 1}\n---\nb: 2",
        "a: &x [1, *x]",
        "a: &x {b: &y [1, 2]}\nc: [*x, *y]",
    ],
)
def test_big_documents_read_as_small_ones(text: str) -> None:
    """Documents from SLICED_BYTES on are composed from the parser's events a node at a time
    (so a big body does not hold the GIL in one call): the same value, or the same error."""
    padded = text + "\n#" + "x" * SLICED_BYTES

    def outcome(doc: str) -> tuple[str, Any]:
        try:
            return "value", load(doc)
        except yaml.YAMLError as e:
            return type(e).__name__, str(e)

    assert len(padded) >= SLICED_BYTES > len(text)
    assert outcome(padded) == outcome(text + "\n#")
