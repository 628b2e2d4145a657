"""Untyped WAVE values and their parser: the arguments of an init call such as
``pkg:x/api.add-string("hello")`` (:func:`~.wave.parse_init` splits the call; :mod:`.wave_types`
converts the values against the function's parameter types). Kept apart so that a run whose init
takes no arguments never imports them.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import InitError


@dataclass(frozen=True)
class Label:
    """A bare identifier: an enum case, a variant case without payload, a bool, none, nan, inf."""

    name: str


@dataclass(frozen=True)
class Call:
    """``case(payload)``: a variant case, ``some(x)``, ``ok(x)``, ``err(x)``."""

    name: str
    payload: object


@dataclass(frozen=True)
class Braced:
    """``{...}``: a record (fields) or flags (labels)."""

    fields: tuple[tuple[str, object], ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Tuple_:
    """``(a, b, ...)``: a tuple's items."""

    items: tuple


@dataclass(frozen=True)
class Char:
    """``'c'``: one character (a string would be a plain ``str``)."""

    value: str


MAX_DEPTH = 100
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}


class _Parser:
    def __init__(self, text: str, whole: str) -> None:
        self.s, self.i, self.whole = text, 0, whole
        self.depth = 0

    def fail(self, what: str) -> InitError:
        shown = self.whole if len(self.whole) <= 80 else self.whole[:60] + "..." + self.whole[-10:]
        return InitError(f"parsing `{shown}` as wave function call: {what} at argument position "
                         f"{self.i}", hint="arguments use WAVE syntax: 42, -1.5, true, 'c', \"text\", "
                                          "[1, 2], some(x), none, {field: value}, (a, b), ok(x)")

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise self.fail(f"expected `{ch}`")
        self.i += 1

    def items(self, end: str | None) -> list:
        out = []
        while True:
            c = self.peek()
            if (end is None and c == "") or c == end:
                break
            out.append(self.value())
            c = self.peek()
            if c == ",":
                self.i += 1
                continue
            if (end is None and c == "") or c == end:
                break
            raise self.fail("expected `,`")
        if end is not None:
            self.expect(end)
        return out

    def value(self):
        """One value; nesting is bounded (our parser recurses, and no parameter type nests this
        deep: wasmtime limits a type's depth)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"values nested deeper than {MAX_DEPTH} levels")
        try:
            return self.one_value()
        finally:
            self.depth -= 1

    def one_value(self):
        c = self.peek()
        if c == '"':
            return self.string()
        if c == "'":
            self.i += 1
            ch = self.char_body("'")
            self.expect("'")
            return Char(ch)
        if c == "[":
            self.i += 1
            return self.items("]")
        if c == "(":
            self.i += 1
            return Tuple_(tuple(self.items(")")))
        if c == "{":
            self.i += 1
            return self.braced()
        if c and (c.isdigit() or c in "-+."):
            return self.number()
        if c and (c.isalpha() or c == "%"):
            name = self.ident()
            if name in ("inf", "nan"):
                return float(name)
            if self.peek() == "(":
                self.i += 1
                inner = self.items(")")
                if len(inner) != 1:
                    raise self.fail(f"`{name}(...)` takes exactly one payload")
                return Call(name, inner[0])
            return Label(name)
        raise self.fail("expected a value")

    def ident(self) -> str:
        self.ws()
        if self.s[self.i:self.i + 1] == "%":
            self.i += 1
        j = self.i
        while j < len(self.s) and (self.s[j].isalnum() or self.s[j] == "-"):
            j += 1
        name, self.i = self.s[self.i:j], j
        return name

    def number(self):
        j = self.i
        while j < len(self.s) and (self.s[j].isalnum() or self.s[j] in "-+._"):
            j += 1
        tok, self.i = self.s[self.i:j], j
        try:
            return int(tok, 0)
        except ValueError:
            pass
        if tok in ("-inf", "+inf"):
            return float(tok)
        try:
            return float(tok)
        except ValueError:
            raise self.fail(f"invalid number `{tok}`") from None

    def char_body(self, quote: str) -> str:
        if self.i >= len(self.s):
            raise self.fail("unterminated literal")
        ch = self.s[self.i]
        self.i += 1
        if ch != "\\":
            return ch
        esc = self.s[self.i] if self.i < len(self.s) else ""
        self.i += 1
        if esc in _ESCAPES:
            return _ESCAPES[esc]
        if esc == "u" and self.s[self.i:self.i + 1] == "{":
            return self.unicode_escape()
        raise self.fail(f"invalid escape `\\{esc}`")

    def unicode_escape(self) -> str:
        """``\\u{X}``: a Unicode scalar value (not above 10FFFF, not a surrogate: neither can
        be a `char` or be in a `string`)."""
        end = self.s.find("}", self.i)
        digits = self.s[self.i + 1:end] if end > 0 else ""
        if not digits or len(digits) > 6 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise self.fail("invalid unicode escape (expected `\\u{` hex digits `}`)")
        code = int(digits, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self.fail(f"invalid unicode escape `\\u{{{digits}}}`: not a Unicode scalar value "
                            "(above 10FFFF or a surrogate)")
        self.i = end + 1
        return chr(code)

    def string(self) -> str:
        self.i += 1
        out = []
        while True:
            if self.i >= len(self.s):
                raise self.fail("unterminated string")
            if self.s[self.i] == '"':
                self.i += 1
                return "".join(out)
            out.append(self.char_body('"'))

    def braced(self) -> Braced:
        fields, labels = [], []
        while self.peek() != "}":
            name = self.ident()
            if not name:
                raise self.fail("expected a field or flag name")
            if self.peek() == ":":
                self.i += 1
                fields.append((name, self.value()))
            else:
                labels.append(name)
            if self.peek() == ",":
                self.i += 1
        self.expect("}")
        return Braced(tuple(fields), tuple(labels))


def parse_values(text: str, whole: str) -> list:
    """The comma-separated untyped values of ``text`` (a call's argument list, the parentheses
    taken off); ``whole`` is the call as written, for the error messages."""
    return _Parser(text, whole).items(end=None)
