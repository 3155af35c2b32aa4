"""The one safe expression parser: goal formulas, KPI formulas and measure ratios.

Only numbers, identifiers, ``+ - * /`` and parentheses are accepted. The text is
tokenised and parsed by a small recursive-descent parser into an immutable tree;
nothing is ever handed to ``eval``. Calls, attribute access, subscripts,
``**``, lambdas and string literals are rejected with the column where they start.

Examples
--------
>>> f = parse("units_sold * avg_price")
>>> f.names
('units_sold', 'avg_price')
>>> f.evaluate({"units_sold": 200, "avg_price": 10_000})
2000000.0
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FormulaError

__all__ = ["Expr", "Number", "Name", "BinOp", "Neg", "parse", "tokenize"]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|//|[-+*/()])
    """,
    re.VERBOSE,
)

_MAX_LENGTH = 2000
_MAX_DEPTH = 100


@dataclass(frozen=True)
class Token:
    kind: str  # "number" | "name" | "op" | "end"
    text: str
    pos: int  # 0-based offset in the source


def _fail(source: str, pos: int, what: str, hint: str = "") -> FormulaError:
    pointer = f"\n    {source}\n    {' ' * pos}^"
    message = f"Formula {source!r}: {what} at column {pos + 1}.{pointer}"
    if hint:
        message += f"\nSuggestion: {hint}"
    return FormulaError(message)


_ALLOWED = "numbers, KPI/goal ids, + - * / and parentheses."


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, rejecting every character outside the grammar."""
    if not isinstance(source, str):
        raise FormulaError(f"Formula must be text, got {type(source).__name__}: {source!r}.")
    if len(source) > _MAX_LENGTH:
        raise FormulaError(f"Formula is {len(source)} characters long; the limit is {_MAX_LENGTH}.")
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            char = source[pos]
            hint = f"a formula may only use {_ALLOWED}"
            if char == ".":
                raise _fail(source, pos, "attribute access '.' is not allowed", hint)
            if char in "'\"":
                raise _fail(source, pos, "text literals are not allowed", hint)
            if char in "[]{}":
                raise _fail(source, pos, f"'{char}' is not allowed", hint)
            raise _fail(source, pos, f"unexpected character {char!r}", hint)
        kind = m.lastgroup
        text = m.group()
        if kind == "op" and text in ("**", "//"):
            raise _fail(
                source,
                pos,
                f"operator '{text}' is not allowed",
                f"a formula may only use {_ALLOWED}",
            )
        if kind == "name" and keyword.iskeyword(text):
            raise _fail(source, pos, f"{text!r} is a reserved word, not an id")
        if kind == "name" and text.startswith("__"):
            raise _fail(source, pos, f"name {text!r} is not allowed (starts with '__')")
        if kind != "ws":
            tokens.append(Token(kind, text, pos))
        pos = m.end()
    tokens.append(Token("end", "", len(source)))
    return tokens


class Expr:
    """A parsed formula. Immutable; evaluate it with :meth:`evaluate`."""

    source: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Identifiers in order of first appearance, each once."""
        seen: dict[str, None] = {}
        self._collect(seen)
        return tuple(seen)

    def _collect(self, seen: dict[str, None]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def evaluate(self, env: Mapping[str, Any], *, on_zero_division: str = "raise") -> Any:
        """Evaluate with values from ``env`` (numbers, numpy arrays or pandas Series).

        Parameters
        ----------
        env : mapping
            Value of every name in :attr:`names`.
        on_zero_division : {"raise", "nan"}
            ``"raise"`` raises :class:`FormulaError` when a divisor is zero (for
            design formulas); ``"nan"`` yields NaN in those places (for KPI
            formulas computed over data, where ``0 / 0`` deals means "no rate").
        """
        missing = [n for n in self.names if n not in env]
        if missing:
            raise FormulaError(
                f"Formula {self.source!r}: no value for {', '.join(repr(m) for m in missing)}."
            )
        return self._eval(env, on_zero_division)

    def _eval(self, env: Mapping[str, Any], mode: str) -> Any:  # pragma: no cover
        raise NotImplementedError

    def __str__(self) -> str:
        return self._str(0)

    def _str(self, parent_prec: int) -> str:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Number(Expr):
    value: float

    def _collect(self, seen):
        pass

    def _eval(self, env, mode):
        return self.value

    def _str(self, parent_prec):
        v = self.value
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(v)


@dataclass(frozen=True)
class Name(Expr):
    id: str

    def _collect(self, seen):
        seen.setdefault(self.id, None)

    def _eval(self, env, mode):
        return env[self.id]

    def _str(self, parent_prec):
        return self.id


@dataclass(frozen=True)
class Neg(Expr):
    operand: Expr

    def _collect(self, seen):
        self.operand._collect(seen)

    def _eval(self, env, mode):
        return -self.operand._eval(env, mode)

    def _str(self, parent_prec):
        return "-" + self.operand._str(3)


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


@dataclass(frozen=True)
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr

    def _collect(self, seen):
        self.left._collect(seen)
        self.right._collect(seen)

    def _eval(self, env, mode):
        a = self.left._eval(env, mode)
        b = self.right._eval(env, mode)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        return _divide(a, b, mode, self)

    def _str(self, parent_prec):
        prec = _PREC[self.op]
        # the right operand of - and / needs brackets at equal precedence
        right_prec = prec + 1 if self.op in "-/" else prec
        text = f"{self.left._str(prec)} {self.op} {self.right._str(right_prec)}"
        return f"({text})" if prec < parent_prec else text


def _divide(a: Any, b: Any, mode: str, node: BinOp) -> Any:
    if np.ndim(b) == 0:
        if b == 0 or (isinstance(b, float) and math.isnan(b)):
            if mode == "raise":
                raise FormulaError(
                    f"Division by zero in {node._str(0)!r}: {node.right._str(0)!r} is 0."
                )
            return a * np.nan
        return a / b
    zero = np.asarray(b == 0)
    if zero.any() and mode == "raise":
        raise FormulaError(
            f"Division by zero in {node._str(0)!r}: {node.right._str(0)!r} is 0 "
            f"in {int(zero.sum())} place(s)."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a / b
    if zero.any():
        if hasattr(out, "mask"):
            out = out.mask(zero)
        else:
            out = np.where(zero, np.nan, out)
    return out


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise FormulaError("Formula is empty: write it with ids, numbers and + - * / ( ).")
        expr = self.expr()
        if self.tok.kind != "end":
            raise self.unexpected()
        return expr

    def unexpected(self) -> FormulaError:
        tok = self.tok
        hint = f"a formula may only use {_ALLOWED}"
        if tok.kind == "end":
            return _fail(self.source, tok.pos, "the formula ends too early", hint)
        if tok.text == "(" and self.i > 0 and self.tokens[self.i - 1].kind == "name":
            return _fail(self.source, tok.pos, "function calls are not allowed", hint)
        if tok.kind == "name" and self.i > 0 and self.tokens[self.i - 1].kind in ("name", "number"):
            return _fail(
                self.source, tok.pos, f"unexpected name {tok.text!r} (missing operator?)", hint
            )
        return _fail(self.source, tok.pos, f"unexpected {tok.text!r}", hint)

    def expr(self) -> Expr:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _fail(self.source, self.tok.pos, "the formula is nested too deeply")
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance().text
            node = BinOp(op, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Expr:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.advance().text
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Expr:
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance().text
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise _fail(self.source, self.tok.pos, "the formula is nested too deeply")
            operand = self.unary()
            self.depth -= 1
            return Neg(operand) if op == "-" else operand
        return self.atom()

    def atom(self) -> Expr:
        tok = self.tok
        if tok.kind == "number":
            self.advance()
            value = float(tok.text.replace("_", ""))
            if not math.isfinite(value):
                raise _fail(self.source, tok.pos, f"number {tok.text!r} is too large")
            return Number(value)
        if tok.kind == "name":
            self.advance()
            if self.tok.text == "(":
                raise self.unexpected()
            return Name(tok.text)
        if tok.text == "(":
            self.advance()
            node = self.expr()
            if self.tok.text != ")":
                if self.tok.kind == "end":
                    raise _fail(self.source, tok.pos, "'(' is never closed")
                raise self.unexpected()
            self.advance()
            return node
        raise self.unexpected()


def parse(source: str) -> Expr:
    """Parse a formula such as ``"(revenue - marketing_cost) / marketing_cost"``.

    Raises
    ------
    FormulaError
        With the column of the first problem and what is allowed instead.

    Examples
    --------
    >>> str(parse("a-(b-c)"))
    'a - (b - c)'
    """
    expr = _Parser(source).parse()
    object.__setattr__(expr, "source", source)
    return expr
