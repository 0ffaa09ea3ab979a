"""core/quantity against apimachinery's own tables (k8s.io/apimachinery pkg/api/resource
quantity_test.go: TestQuantityParse, TestQuantityString, TestQuantityParseEmit,
TestJSONWhitespace and the invalid inputs)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from fakekapi.core import quantity as q

B, D, E = q.BINARY_SI, q.DECIMAL_SI, q.DECIMAL_EXPONENT
MAX = 2**63 - 1


def _value(x: q.Quantity) -> Fraction:
    return Fraction(x.unscaled) * Fraction(10) ** x.exp


# TestQuantityParse: input → decQuantity(value, scale, format)
PARSE = [
    ("0", 0, 0, D),
    ("0n", 0, 0, D),
    ("0u", 0, 0, D),
    ("0m", 0, 0, D),
    ("0Ki", 0, 0, B),
    ("0k", 0, 0, D),
    ("0Mi", 0, 0, B),
    ("0M", 0, 0, D),
    ("0Gi", 0, 0, B),
    ("0G", 0, 0, D),
    ("0Ti", 0, 0, B),
    ("0T", 0, 0, D),
    ("1", 1, 0, D),
    ("1Ki", 1024, 0, B),
    ("8Ki", 8 * 1024, 0, B),
    ("7Mi", 7 * 1024**2, 0, B),
    ("6Gi", 6 * 1024**3, 0, B),
    ("5Ti", 5 * 1024**4, 0, B),
    ("4Pi", 4 * 1024**5, 0, B),
    ("3Ei", 3 * 1024**6, 0, B),
    ("10Ti", 10 * 1024**4, 0, B),
    ("100Ti", 100 * 1024**4, 0, B),
    ("5n", 5, -9, D),
    ("4u", 4, -6, D),
    ("3m", 3, -3, D),
    ("9", 9, 0, D),
    ("8k", 8, 3, D),
    ("50k", 5, 4, D),
    ("7M", 7, 6, D),
    ("6G", 6, 9, D),
    ("5T", 5, 12, D),
    ("40T", 4, 13, D),
    ("300T", 3, 14, D),
    ("2P", 2, 15, D),
    ("1E", 1, 18, D),
    ("1E-3", 1, -3, E),
    ("1e3", 1, 3, E),
    ("1E6", 1, 6, E),
    ("1e9", 1, 9, E),
    ("1E12", 1, 12, E),
    ("1e15", 1, 15, E),
    ("1E18", 1, 18, E),
    ("1e14", 1, 14, E),
    ("1e13", 1, 13, E),
    ("100.035k", 100035, 0, D),
    ("0.001", 1, -3, D),
    ("0.0005k", 5, -1, D),
    ("0.005", 5, -3, D),
    ("0.05", 5, -2, D),
    ("0.5", 5, -1, D),
    ("0.00050k", 5, -1, D),
    ("0.00500", 5, -3, D),
    ("0.05000", 5, -2, D),
    ("0.50000", 5, -1, D),
    ("0.5e0", 5, -1, E),
    ("0.5e-1", 5, -2, E),
    ("0.5e-2", 5, -3, E),
    ("10.035M", 10035, 3, D),
    ("1.2e3", 12, 2, E),
    ("1.3E+6", 13, 5, E),
    ("1.40e9", 14, 8, E),
    ("1.53E12", 153, 10, E),
    ("1.6e15", 16, 14, E),
    ("1.7E18", 17, 17, E),
    ("9.01", 901, -2, D),
    ("8.1k", 81, 2, D),
    ("7.123456M", 7123456, 0, D),
    ("6.987654321G", 6987654321, 0, D),
    ("5.444T", 5444, 9, D),
    ("40.1T", 401, 11, D),
    ("300.2T", 3002, 11, D),
    ("2.5P", 25, 14, D),
    ("1.01E", 101, 16, D),
    ("3.001n", 4, -9, D),
    ("1.1E-9", 2, -9, E),
    ("0.0000000001", 1, -9, D),
    ("0.0000000005", 1, -9, D),
    ("0.00000000050", 1, -9, D),
    ("0.5e-9", 1, -9, E),
    ("0.9n", 1, -9, D),
    ("0.00000012345", 124, -9, D),
    ("0.00000012354", 124, -9, D),
    ("9Ei", MAX, 0, B),
    ("9223372036854775807Ki", MAX, 0, B),
    ("12E", 12, 18, D),
    ("100.035Ki", 10243584, -2, B),
    ("0.5Mi", 524288, 0, B),
    ("0.05Gi", 536870912, -1, B),
    ("0.025Ti", 274877906944, -1, B),
    ("0.000000000001Ki", 2, -9, D),
    (".001", 1, -3, D),
    (".0001k", 100, -3, D),
    ("1.", 1, 0, D),
    ("1.G", 1, 9, D),
]


@pytest.mark.parametrize(("text", "value", "scale", "fmt"), PARSE)
def test_parse(text: str, value: int, scale: int, fmt: str) -> None:
    want = Fraction(value) * Fraction(10) ** scale
    for sign, prefix in ((1, ""), (-1, "-"), (1, "+")):
        got = q.parse(prefix + text)
        assert _value(got) == sign * want, prefix + text
        assert got.format == fmt, prefix + text


# TestQuantityString: (canonical, alternate spelling)
STRING = [
    ("1Gi", "1024Mi"),
    ("300Mi", "307200Ki"),
    ("6Ki", ""),
    ("1001Gi", "1025024Mi"),
    ("1Ti", "1024Gi"),
    ("5", "5000m"),
    ("500m", "0.5"),
    ("1G", "1000M"),
    ("1G", "0.001T"),
    ("1m", "1000u"),
    ("80m", ""),
    ("1080m", "1.08"),
    ("1080m", "1080000000n"),
    ("300M", ""),
    ("1T", ""),
    ("1234567M", ""),
    ("1234567m", ""),
    ("3k", ""),
    ("1025", ""),
    ("0", ""),
    ("1e9", ".001e12"),
    ("1e-3", "0.001e0"),
    ("1e-9", "1000e-12"),
    ("80e-3", ""),
    ("300e6", ""),
    ("1e12", ""),
    ("1e3", ""),
    ("3e3", ""),
    ("0", "00"),
    ("1n", ""),
    ("80n", ""),
    ("1080n", ""),
    ("1u", ""),
    ("80u", ""),
    ("1080u", ""),
]


@pytest.mark.parametrize(("canonical", "alternate"), STRING)
def test_string(canonical: str, alternate: str) -> None:
    parsed = q.parse(canonical)
    assert parsed.s == canonical  # ParseQuantity keeps canonical text
    assert q.canonical(parsed) == canonical
    assert q.canonicalize("-" + canonical) == ("0" if canonical == "0" else "-" + canonical)
    if alternate:
        assert q.parse(alternate).s == ""
        assert q.canonicalize(alternate) == canonical


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1Ki", "1Ki"),
        ("1Mi", "1Mi"),
        ("1Gi", "1Gi"),
        ("1024Mi", "1Gi"),
        ("1000M", "1G"),
        (".001Ki", "1024m"),
        (".000001Ki", "1024u"),
        (".000000001Ki", "1024n"),
        (".000000000001Ki", "2n"),
        # the examples
        ("1.5Gi", "1536Mi"),
        ("0.5", "500m"),
        ("2048Mi", "2Gi"),
    ],
)
def test_parse_emit(text: str, expected: str) -> None:
    assert q.canonicalize(text) == expected
    assert q.canonicalize("-" + text) == "-" + expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", q.ERR_FORMAT),
        ("1.1.M", q.ERR_FORMAT),
        ("1+1.0M", q.ERR_FORMAT),
        ("0.1mi", q.ERR_SUFFIX),
        ("0.1am", q.ERR_FORMAT),
        ("aoeu", q.ERR_FORMAT),
        (".5i", q.ERR_SUFFIX),
        ("1i", q.ERR_SUFFIX),
        ("-3.01i", q.ERR_SUFFIX),
        ("-3.01e-", q.ERR_SUFFIX),
        (" 1", q.ERR_FORMAT),
        ("1 ", q.ERR_FORMAT),
        ("lots", q.ERR_FORMAT),
    ],
)
def test_invalid(text: str, message: str) -> None:
    with pytest.raises(q.QuantityError) as e:
        q.parse(text)
    assert str(e.value) == message


def test_format_error_names_the_regular_expression() -> None:
    assert q.ERR_FORMAT == (
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" 1", "1"), ("1 ", "1"), (1, "1"), (10, "10"), (-1, "-1"), (0.5, "500m"), (None, "0")],
)
def test_from_json(value: object, expected: str) -> None:
    """TestJSONWhitespace: UnmarshalJSON trims spaces and takes bare numbers."""
    assert q.from_json(value) == expected


def test_from_json_refuses_other_types() -> None:
    for value in ({"a": 1}, [1], True):
        with pytest.raises(q.QuantityError):
            q.from_json(value)
