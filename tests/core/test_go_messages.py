"""Values in error messages print as Go prints them (`%+#v`, `%v` of float64), not as Python
reprs (`None`, `'a'`, `{'b': 1}`)."""

from __future__ import annotations

import pytest

from fakekapi.core import yamljson


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("~: a", 'unsupported map key of type: <nil>, key: <nil>, value: "a"'),
        (
            "~: {b: 1, a: [x, 2.5, ~]}",
            "unsupported map key of type: <nil>, key: <nil>, value: "
            'map[interface {}]interface {}{"a":[]interface {}{"x", 2.5, <nil>}, "b":1}',
        ),
        (
            "? [a, 1]\n: true",
            'unsupported map key of type: []interface {}, key: []interface {}{"a", 1}, value: true',
        ),
    ],
)
def test_unsupported_key_messages_print_go_values(doc: str, message: str) -> None:
    with pytest.raises(yamljson.ConversionError) as e:
        yamljson.load(doc)
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (2.5, "2.5"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-0.0, "-0"),
        (1e21, "1e+21"),
    ],
)
def test_float64_as_fmt_v(value: float, text: str) -> None:
    assert yamljson.go_sharp(value) == text
