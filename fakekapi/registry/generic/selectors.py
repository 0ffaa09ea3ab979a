"""Label and field selectors, parsed and matched exactly as apimachinery does.

Label selectors are a port of `pkg/labels/selector.go` (lexer, parser and its error texts), because
clients show the parser's messages to people. Field selectors follow `pkg/fields/selector.go`; the
fields a kind supports come from `fieldsets.py` (kube's per-kind GetAttrs and conversion funcs).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, auto
from typing import NamedTuple

from fakekapi.core.errors import FieldError, bad_request, invalid_value
from fakekapi.core.lazyre import LazyPattern

from ..validation import is_qualified_name, is_valid_label_value

# --- label selectors ------------------------------------------------------------------------------


class _Tok(Enum):
    ERROR = auto()
    EOS = auto()
    CLOSED_PAR = auto()
    COMMA = auto()
    DOES_NOT_EXIST = auto()
    DOUBLE_EQUALS = auto()
    EQUALS = auto()
    GREATER_THAN = auto()
    IDENTIFIER = auto()
    IN = auto()
    LESS_THAN = auto()
    NOT_EQUALS = auto()
    NOT_IN = auto()
    OPEN_PAR = auto()


_STRING_TO_TOKEN = {
    ")": _Tok.CLOSED_PAR,
    ",": _Tok.COMMA,
    "!": _Tok.DOES_NOT_EXIST,
    "==": _Tok.DOUBLE_EQUALS,
    "=": _Tok.EQUALS,
    ">": _Tok.GREATER_THAN,
    "in": _Tok.IN,
    "<": _Tok.LESS_THAN,
    "!=": _Tok.NOT_EQUALS,
    "notin": _Tok.NOT_IN,
    "(": _Tok.OPEN_PAR,
}
_SPECIAL = set("=!(),><")
_WHITESPACE = set(" \t\r\n")
_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"


def _lex(s: str) -> list[tuple[_Tok, str]]:
    """All tokens of `s`, ending with EOS (labels.Lexer)."""
    out: list[tuple[_Tok, str]] = []
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in _WHITESPACE:
            i += 1
        if i >= n or s[i] == "\0":
            out.append((_Tok.EOS, ""))
            return out
        if s[i] in _SPECIAL:
            buf = ""
            last: tuple[_Tok, str] | None = None
            while i < n and s[i] in _SPECIAL:
                buf += s[i]
                tok = _STRING_TO_TOKEN.get(buf)
                if tok is not None:
                    last = (tok, buf)
                    i += 1
                elif last is not None:
                    break
                else:
                    i += 1
            if last is None:
                out.append((_Tok.ERROR, f"error expected: keyword found '{buf}'"))
            else:
                out.append(last)
            continue
        j = i
        while j < n and s[j] not in _WHITESPACE and s[j] not in _SPECIAL and s[j] != "\0":
            j += 1
        word = s[i:j]
        i = j
        out.append((_STRING_TO_TOKEN.get(word, _Tok.IDENTIFIER), word))


class Op(Enum):
    IN = "in"
    NOT_IN = "notin"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


class Requirement(NamedTuple):
    """One label requirement (labels.Requirement)."""

    key: str
    op: Op
    values: tuple[str, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        value = labels.get(self.key, "")
        if self.op in (Op.IN, Op.EQUALS, Op.DOUBLE_EQUALS):
            return has and value in self.values
        if self.op in (Op.NOT_IN, Op.NOT_EQUALS):
            return not has or value not in self.values
        if self.op is Op.EXISTS:
            return has
        if self.op is Op.DOES_NOT_EXIST:
            return not has
        if not has:
            return False
        try:
            left = _go_parse_int(value)
            right = _go_parse_int(self.values[0])
        except ValueError:
            return False
        return left > right if self.op is Op.GREATER_THAN else left < right


_INT = LazyPattern(r"[+-]?[0-9]+")


def _go_parse_int(s: str) -> int:
    if not _INT.fullmatch(s):
        raise ValueError(s)
    n = int(s)
    if not -(2**63) <= n < 2**63:
        raise ValueError(s)
    return n


class LabelSelector(NamedTuple):
    """A parsed label selector: all requirements must match (comma = AND)."""

    requirements: tuple[Requirement, ...] = ()

    def empty(self) -> bool:
        return not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)


class _SelectorSyntaxError(Exception):
    pass


def _aggregate(errs: list[FieldError]) -> str:
    if len(errs) == 1:
        return str(errs[0])
    return "[" + ", ".join(str(e) for e in errs) + "]"


class _Parser:
    def __init__(self, selector: str) -> None:
        self.items = _lex(selector)
        self.pos = 0

    def lookahead(self, values: bool) -> tuple[_Tok, str]:
        tok, lit = self.items[self.pos]
        if values and tok in (_Tok.IN, _Tok.NOT_IN):
            tok = _Tok.IDENTIFIER
        return tok, lit

    def consume(self, values: bool) -> tuple[_Tok, str]:
        tok, lit = self.lookahead(values)
        self.pos += 1
        return tok, lit

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self.lookahead(True)
            if tok in (_Tok.IDENTIFIER, _Tok.DOES_NOT_EXIST):
                try:
                    reqs.append(self.parse_requirement())
                except _SelectorSyntaxError as e:
                    raise _SelectorSyntaxError(f"unable to parse requirement: {e}") from None
                t, lit2 = self.consume(True)
                if t is _Tok.EOS:
                    return reqs
                if t is _Tok.COMMA:
                    t2, l2 = self.lookahead(True)
                    if t2 not in (_Tok.IDENTIFIER, _Tok.DOES_NOT_EXIST):
                        raise _SelectorSyntaxError(f"found '{l2}', expected: identifier after ','")
                else:
                    raise _SelectorSyntaxError(f"found '{lit2}', expected: ',' or 'end of string'")
            elif tok is _Tok.EOS:
                return reqs
            else:
                raise _SelectorSyntaxError(
                    f"found '{lit}', expected: !, identifier, or 'end of string'"
                )

    def parse_requirement(self) -> Requirement:
        op: Op | None = None
        tok, lit = self.consume(True)
        if tok is _Tok.DOES_NOT_EXIST:
            op = Op.DOES_NOT_EXIST
            tok, lit = self.consume(True)
        if tok is not _Tok.IDENTIFIER:
            raise _SelectorSyntaxError(f"found '{lit}', expected: identifier")
        key = lit
        msgs = is_qualified_name(key)
        if msgs:
            raise _SelectorSyntaxError(str(invalid_value("<nil>", key, "; ".join(msgs))))
        t, _ = self.lookahead(True)
        if t in (_Tok.EOS, _Tok.COMMA) and op is None:
            op = Op.EXISTS
        if op in (Op.EXISTS, Op.DOES_NOT_EXIST):
            return Requirement(key, op, ())
        op = self.parse_operator()
        values = self.parse_values() if op in (Op.IN, Op.NOT_IN) else self.parse_exact_value()
        return _new_requirement(key, op, sorted(values))

    def parse_operator(self) -> Op:
        tok, lit = self.consume(False)
        ops = {
            _Tok.IN: Op.IN,
            _Tok.NOT_IN: Op.NOT_IN,
            _Tok.EQUALS: Op.EQUALS,
            _Tok.DOUBLE_EQUALS: Op.DOUBLE_EQUALS,
            _Tok.NOT_EQUALS: Op.NOT_EQUALS,
            _Tok.GREATER_THAN: Op.GREATER_THAN,
            _Tok.LESS_THAN: Op.LESS_THAN,
        }
        if tok not in ops:
            raise _SelectorSyntaxError(f"found '{lit}', expected: {_BINARY_OPERATORS}")
        return ops[tok]

    def parse_values(self) -> set[str]:
        tok, lit = self.consume(True)
        if tok is not _Tok.OPEN_PAR:
            raise _SelectorSyntaxError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(True)
        if tok in (_Tok.IDENTIFIER, _Tok.COMMA):
            s = self.parse_identifiers_list()
            if self.consume(True)[0] is not _Tok.CLOSED_PAR:
                raise _SelectorSyntaxError(f"found '{lit}', expected: ')'")
            return s
        if tok is _Tok.CLOSED_PAR:
            self.consume(True)
            return {""}
        raise _SelectorSyntaxError(f"found '{lit}', expected: ',', ')' or identifier")

    def parse_identifiers_list(self) -> set[str]:
        s: set[str] = set()
        while True:
            tok, lit = self.consume(True)
            if tok is _Tok.IDENTIFIER:
                s.add(lit)
                tok2, lit2 = self.lookahead(True)
                if tok2 is _Tok.COMMA:
                    continue
                if tok2 is _Tok.CLOSED_PAR:
                    return s
                raise _SelectorSyntaxError(f"found '{lit2}', expected: ',' or ')'")
            if tok is _Tok.COMMA:
                if not s:
                    s.add("")
                tok2, _ = self.lookahead(True)
                if tok2 is _Tok.CLOSED_PAR:
                    s.add("")
                    return s
                if tok2 is _Tok.COMMA:
                    self.consume(True)
                    s.add("")
            else:
                raise _SelectorSyntaxError(f"found '{lit}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        tok, _ = self.lookahead(True)
        if tok in (_Tok.EOS, _Tok.COMMA):
            return {""}
        tok, lit = self.consume(True)
        if tok is _Tok.IDENTIFIER:
            return {lit}
        raise _SelectorSyntaxError(f"found '{lit}', expected: identifier")


def _new_requirement(key: str, op: Op, values: list[str]) -> Requirement:
    """labels.NewRequirement's checks (key already validated by the parser)."""
    errs: list[FieldError] = []
    if op in (Op.IN, Op.NOT_IN) and not values:
        errs.append(
            invalid_value(
                "values", values, "for 'in', 'notin' operators, values set can't be empty"
            )
        )
    if op in (Op.EQUALS, Op.DOUBLE_EQUALS, Op.NOT_EQUALS) and len(values) != 1:
        errs.append(
            invalid_value("values", values, "exact-match compatibility requires one single value")
        )
    if op in (Op.GREATER_THAN, Op.LESS_THAN):
        if len(values) != 1:
            errs.append(
                invalid_value(
                    "values", values, "for 'Gt', 'Lt' operators, exactly one value is required"
                )
            )
        for i, v in enumerate(values):
            try:
                _go_parse_int(v)
            except ValueError:
                errs.append(
                    invalid_value(
                        f"values[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer"
                    )
                )
    for i, v in enumerate(values):
        msgs = is_valid_label_value(v)
        if msgs:
            errs.append(invalid_value(f"values[{i}][{key}]", v, "; ".join(msgs)))
    if errs:
        raise _SelectorSyntaxError(_aggregate(errs))
    return Requirement(key, op, tuple(values))


def parse_label_selector(selector: str) -> LabelSelector:
    """labels.Parse; a syntax error is kube's 400 BadRequest with the parser's message."""
    if not selector.strip():
        return LabelSelector()
    try:
        reqs = _Parser(selector).parse()
    except _SelectorSyntaxError as e:
        raise bad_request(str(e)) from None
    return LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))


# --- field selectors ------------------------------------------------------------------------------


class FieldTerm(NamedTuple):
    field: str
    value: str
    negated: bool

    def matches(self, fields: Mapping[str, str]) -> bool:
        has = fields.get(self.field, "") == self.value
        return not has if self.negated else has


class FieldSelector(NamedTuple):
    """A parsed field selector: all terms must match."""

    terms: tuple[FieldTerm, ...] = ()

    def empty(self) -> bool:
        return not self.terms

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(t.matches(fields) for t in self.terms)

    def exact(self, field_name: str) -> str | None:
        """The value a `field=value` term requires, if any."""
        for t in self.terms:
            if t.field == field_name and not t.negated:
                return t.value
        return None


def _split_terms(selector: str) -> list[str]:
    """fields.splitTerms: split on unescaped commas."""
    terms: list[str] = []
    cur = ""
    escaped = False
    for ch in selector:
        if escaped:
            cur += ch
            escaped = False
        elif ch == "\\":
            cur += ch
            escaped = True
        elif ch == ",":
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    terms.append(cur)
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        rest = term[i:]
        for op in ("!=", "==", "="):
            if rest.startswith(op):
                return term[:i], op, term[i + len(op) :]
    return None


def _unescape(value: str) -> str:
    if not any(c in value for c in "\\,="):
        return value
    out = ""
    in_slash = False
    for ch in value:
        if in_slash:
            if ch in "\\,=":
                out += ch
            else:
                raise bad_request(f"invalid field selector: invalid escape sequence: \\{ch}")
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in ",=":
            raise bad_request(f"invalid field selector: unescaped character: {ch}")
        else:
            out += ch
    if in_slash:
        raise bad_request("invalid field selector: invalid escape sequence: \\")
    return out


def parse_field_selector(
    selector: str,
    supported: frozenset[str] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> FieldSelector:
    """fields.ParseSelector plus the kind's field label conversion (400 for unsupported labels).

    `supported` is the set of field labels the kind accepts (None: any); `aliases` maps legacy
    labels to their current name (pods' `spec.host` → `spec.nodeName`).
    """
    terms: list[FieldTerm] = []
    for part in sorted(_split_terms(selector)):
        if part == "":
            continue
        split = _split_term(part)
        if split is None:
            raise bad_request(f"invalid selector: '{selector}'; can't understand '{part}'")
        lhs, op, rhs = split
        terms.append(FieldTerm(lhs, _unescape(rhs), op == "!="))
    out: list[FieldTerm] = []
    for t in terms:
        if supported is not None and t.field not in supported:
            raise bad_request(f"field label not supported: {t.field}")
        if aliases and t.field in aliases:
            t = FieldTerm(aliases[t.field], t.value, t.negated)
        out.append(t)
    return FieldSelector(tuple(out))
