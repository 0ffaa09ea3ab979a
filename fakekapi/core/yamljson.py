"""YAML → JSON values as kube-apiserver converts them: sigs.k8s.io/yaml `YAMLToJSON` (v1.4, over
its goyaml.v2 fork), then JSON. The one conversion used for request bodies, apply patches and
fixtures.

Where PyYAML's SafeLoader and goyaml.v2 read a plain scalar differently, goyaml.v2 wins
(goyaml.v2 resolve.go): `y`/`Y`/`n`/`N` are booleans, `1e3` and `08` are floats, `0o17` is an
int, `1:30` is a string (no base 60), timestamps stay strings (v2 decodes them into interface{}
as strings). Map keys become strings while the mapping is built (convertToJSONableObject:
ints with Itoa, floats with FormatFloat 'g' at 32 bits, bools as true/false, a null key is an
error), so `1` and `true` stay two keys where PyYAML's dict merged them (1 == True in Python).
`!!binary` decodes to a string of its bytes, as goyaml.v2 gives interface{} targets;
json.Marshal writes invalid UTF-8 as U+FFFD and refuses NaN and infinities. Integers beyond
64 bits are floats (v2 tries ParseInt, ParseUint, then ParseFloat).

Whatever cannot become JSON is a `ConversionError` (a `yaml.YAMLError`), which the callers turn
into a 400 or a fixture error, never an object the rest of the server cannot serialize.
"""

from __future__ import annotations

import datetime
import math
import re
import struct
from typing import Any

import yaml

from fakekapi.core.errors import go_quote

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_ALIAS_ALLOWANCE = 400_000
"""Values beyond one per input byte that aliases may add (go-yaml refuses documents whose
aliases expand far beyond their size: `document contains excessive aliasing`)."""

_GO_NUMBER = "tag:fakekapi.dev,2026:go-number"
"""The tag our resolver gives plain scalars goyaml.v2 reads as numbers if they parse."""

_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT_BODY = {16: "0123456789abcdefABCDEF", 8: "01234567", 2: "01", 10: "0123456789"}
_BOOLS = {
    **dict.fromkeys(
        ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True
    ),
    **dict.fromkeys(
        ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False
    ),
}


class ConversionError(yaml.YAMLError):
    """A YAML document that has no JSON form."""


def _go_parse_int(s: str) -> int | None:
    """strconv.ParseInt(s, 0, 64) then ParseUint(s, 0, 64): the value, or None."""
    sign = 1
    body = s
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    base = 10
    low = body[:2].lower()
    if low in ("0x", "0o", "0b"):
        base = {"0x": 16, "0o": 8, "0b": 2}[low]
        body = body[2:]
    elif len(body) > 1 and body[0] == "0":
        base = 8
        body = body[1:]
    if not body or any(c not in _INT_BODY[base] for c in body):
        return None
    v = sign * int(body, base)
    if -(2**63) <= v < 2**63:
        return v
    if sign > 0 and s[:1] != "+" and v < 2**64:  # ParseUint takes no sign
        return v
    return None


def go_number(text: str) -> Any:
    """goyaml.v2's resolve() of a plain scalar starting with a digit, a sign or a dot."""
    plain = text.replace("_", "") if text[:1] != "." else text
    if text[:1] != ".":
        v = _go_parse_int(plain)
        if v is not None:
            return v
        if _YAML_STYLE_FLOAT.match(plain):
            return float(plain)
        return text
    try:  # case '.': strconv.ParseFloat on the text as written
        return float(text) if re.fullmatch(r"\.[0-9]+([eE][-+]?[0-9]+)?", text) else text
    except ValueError:
        return text


class Loader(_BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader (the C one where present) resolving scalars and keys as goyaml.v2
    and sigs.k8s.io/yaml do. Fixture loading walks its nodes for line numbers."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[str, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping node, but found {node.id}", node.start_mark
            )
        self.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            value = self.construct_object(value_node, deep=deep)
            if key is None or isinstance(key, list | dict):
                # an error follows: Go prints the whole key and value, so build them now (not
                # the empty shells a non-deep construction leaves to be filled later)
                for n in (key_node, value_node):
                    self.constructed_objects.pop(n, None)
                key = self.construct_object(key_node, deep=True)
                value = self.construct_object(value_node, deep=True)
            out[json_key(key, value)] = value
        return out

    def construct_go_bool(self, node: Any) -> bool:
        return _BOOLS[self.construct_scalar(node)]

    def construct_go_number(self, node: Any) -> Any:
        return go_number(self.construct_scalar(node))


def _add(tag: str, regexp: str, first: str) -> None:
    Loader.add_implicit_resolver(tag, re.compile(regexp), list(first))


_add("tag:yaml.org,2002:bool", "^(?:" + "|".join(_BOOLS) + ")$", "yYnNtTfFoO")
_add("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN")
Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
_add(
    "tag:yaml.org,2002:float",
    r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    "-+.",
)
_add(_GO_NUMBER, r"^[-+0-9.]", "-+0123456789.")
_add("tag:yaml.org,2002:merge", r"^(?:<<)$", "<")
Loader.add_constructor("tag:yaml.org,2002:bool", Loader.construct_go_bool)
Loader.add_constructor(_GO_NUMBER, Loader.construct_go_number)
Loader.add_constructor("tag:yaml.org,2002:merge", Loader.construct_scalar)  # `<<` as a value


def json_key(k: Any, v: Any) -> str:
    """convertToJSONableObject's map keys: strings as they are, the other scalars formatted."""
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, int):
        return str(k)
    if isinstance(k, float):
        return _format_float32_key(k)
    if isinstance(k, datetime.date):  # an explicit !!timestamp key: goyaml.v2 keeps a string
        return k.isoformat()
    raise ConversionError(
        f"unsupported map key of type: {_go_type_name(k)}, key: {go_sharp(k)}, value: {go_sharp(v)}"
    )


def _go_type_name(v: Any) -> str:
    """`%s` of reflect.TypeOf(v) for what goyaml.v2 decodes into an interface{}."""
    if v is None:
        return "<nil>"
    if isinstance(v, dict):
        return "map[interface {}]interface {}"
    if isinstance(v, list):
        return "[]interface {}"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    return "string" if isinstance(v, str | bytes) else type(v).__name__


def go_sharp(v: Any) -> str:
    """Go's `%+#v` of a value goyaml.v2 decoded into an interface{} (in Go's messages, where
    Python's repr would print `None`, `'a'` or `{'a': 1}`)."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _go_float64(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, bytes):
        return go_quote(v.decode("utf-8", "replace"))
    if isinstance(v, list):
        return "[]interface {}{" + ", ".join(go_sharp(x) for x in v) + "}"
    if isinstance(v, dict):
        items = list(v.items())
        if all(isinstance(k, str) for k, _ in items):
            items.sort()  # fmt prints maps sorted by key
        inner = ", ".join(f"{go_sharp(k)}:{go_sharp(x)}" for k, x in items)
        return "map[interface {}]interface {}{" + inner + "}"
    return go_quote(str(v))


def _go_float64(f: float) -> str:
    """fmt's %v of a float64: strconv 'g' with the shortest digits (exponent from 1e+06)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1, f) < 0 else "0"
    return _g_shortest(repr(abs(f)), f < 0)


def _g_shortest(shortest: str, neg: bool) -> str:
    """strconv.FormatFloat(f, 'g', -1, _) from the shortest decimal text of |f| ('1.5e-07')."""
    mant, _, exp_text = shortest.partition("e")
    whole, _, frac = mant.partition(".")
    digits = (whole + frac).lstrip("0")
    exp = (int(exp_text) if exp_text else 0) + len(whole.lstrip("0")) - 1
    if not whole.lstrip("0"):  # 0.000123: the exponent comes from the leading zeros
        exp = (int(exp_text) if exp_text else 0) - (len(frac) - len(frac.lstrip("0"))) - 1
    digits = digits.rstrip("0") or "0"
    sign = "-" if neg else ""
    if exp < -4 or exp >= 6:  # shortest precision decides at 6
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{m}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return sign + "0." + "0" * (-exp - 1) + digits
    if len(digits) > exp + 1:
        return sign + digits[: exp + 1] + "." + digits[exp + 1 :]
    return sign + digits + "0" * (exp + 1 - len(digits))


def _format_float32_key(f: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 32), with go-yaml's names for the non-finite ones."""
    if math.isnan(f):
        return ".nan"
    if math.isinf(f):
        return ".inf" if f > 0 else "-.inf"
    f32 = _to_float32(f)
    if f32 == 0:
        return "-0" if math.copysign(1, f32) < 0 else "0"
    for prec in range(9):  # the shortest %e text that reads back as the same float32
        text = f"{f32:.{prec}e}"
        if _to_float32(float(text)) == f32:
            break
    mant, exp_text = text.split("e")
    exp = int(exp_text)
    neg = mant.startswith("-")
    digits = mant.lstrip("-").replace(".", "")
    if exp < -4 or exp >= 6:  # 'g' with the shortest precision decides at 6
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{'-' if neg else ''}{m}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        body = "0." + "0" * (-exp - 1) + digits
    elif len(digits) > exp + 1:
        body = digits[: exp + 1] + "." + digits[exp + 1 :]
    else:
        body = digits + "0" * (exp + 1 - len(digits))
    return ("-" if neg else "") + body


def _to_float32(f: float) -> float:
    try:
        return float(struct.unpack("f", struct.pack("f", f))[0])
    except OverflowError:
        return math.copysign(math.inf, f)


SLICED_BYTES = 64 * 1024
"""Documents from this size on are composed by `_SlicedLoader`."""


class _SlicedLoader(Loader):
    """The same loader, composing the document's node tree in Python from the C parser's events.

    The C loader composes a whole document in one call that keeps the GIL: a 2 MiB body held it
    for ~150 ms, and the event loop (which reads bodies on a worker thread so as to keep
    answering) could not run meanwhile. Each event here is a short C call, so the loop gets the
    GIL back every switch interval. Slower in all (~2x for composing), hence only for big
    documents; the node tree, and so the value, is the same (pyyaml's own composer).
    """

    def __init__(self, stream: bytes | str) -> None:
        super().__init__(stream)
        self.anchors: dict[str, Any] = {}

    def get_single_node(self) -> Any:
        try:
            return yaml.composer.Composer.get_single_node(self)
        except yaml.composer.ComposerError as e:
            if (e.problem or "").startswith("found undefined alias"):
                e.problem = "found undefined alias"  # as the C composer words it
            raise

    check_node = yaml.composer.Composer.check_node
    get_node = yaml.composer.Composer.get_node
    compose_document = yaml.composer.Composer.compose_document
    compose_node = yaml.composer.Composer.compose_node
    compose_scalar_node = yaml.composer.Composer.compose_scalar_node
    compose_sequence_node = yaml.composer.Composer.compose_sequence_node
    compose_mapping_node = yaml.composer.Composer.compose_mapping_node


def load(data: bytes | str) -> Any:
    """The JSON value of a YAML document; raises yaml.YAMLError (ConversionError included)."""
    loader = _SlicedLoader(data) if len(data) >= SLICED_BYTES else Loader(data)
    try:
        try:
            value = loader.get_single_data()
        except RecursionError:
            raise ConversionError(
                "yaml: exceeded max depth: the document nests too deeply"
            ) from None
    finally:
        loader.dispose()
    return jsonable(value, len(data))


def jsonable(value: Any, size: int) -> Any:
    """A constructed document as JSON values (`size`: the input's length, for the alias budget)."""
    budget = [size + _ALIAS_ALLOWANCE]
    try:
        return _jsonable(value, budget)
    except RecursionError:
        raise ConversionError("yaml: exceeded max depth: the document nests too deeply") from None


def _jsonable(v: Any, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise ConversionError("yaml: document contains excessive aliasing")
    if isinstance(v, dict):
        return {json_key(k, x): _jsonable(x, budget) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x, budget) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if -(2**63) <= v < 2**64 else float(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise ConversionError(f"json: unsupported value: {_go_float(v)}")
        return v
    if isinstance(v, bytes):  # !!binary: go-yaml decodes it into a string of those bytes
        return v.decode("utf-8", errors="replace")
    if isinstance(v, set):  # !!set: a map of null values
        return {json_key(k, None): None for k in v}
    if isinstance(v, datetime.date):  # an explicit !!timestamp
        return v.isoformat()
    raise ConversionError(f"unsupported value of type {type(v).__name__}")


def _go_float(f: float) -> str:
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    return repr(f)
