"""Measures: named KPIs built from event rows (deals, orders, shifts), and their language.

Grammar (parsed by a small tokenizer and recursive-descent parser; nothing is ever
evaluated as Python)::

    measure    := NAME "=" aggregate | NAME "=" ratio
    aggregate  := "count" ["(" [column] ")"]
                | ("sum" | "mean" | "nunique") "(" column ")"
                  ["where" condition ("and" condition)*]
    condition  := column ("==" | "!=" | "<" | ">" | "<=" | ">=") value
                | column ["not"] "in" "(" value ("," value)* ")"
    column     := identifier | `any name in backticks`
    value      := 'quoted' | "quoted" | number | bare word (Won, Closed-Won, 2025-01-01)
    ratio      := a formula over other measure names (+ - * / ( ) numbers),
                  parsed by :mod:`kpitools._util.formula`, e.g. ``won / closed``

Examples
--------
>>> parse_measure("won_revenue=sum(close_value) where deal_stage == Won")
Aggregate(name='won_revenue', func='sum', column='close_value', where=(Condition(column='deal_stage', op='==', values=('Won',)),))
>>> parse_measure("win_rate = won / closed").expr.names
('won', 'closed')
"""  # noqa: E501

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .._util.formula import Expr
from .._util.graph import find_cycle
from .._util.formula import parse as parse_formula
from ..errors import DefinitionError, FormulaError, did_you_mean
from .columns import normalise_column

__all__ = ["Aggregate", "Condition", "FUNCTIONS", "Ratio", "parse_measure", "parse_measures"]


FUNCTIONS = ("count", "sum", "mean", "nunique")


_OPS = ("==", "!=", "<=", ">=", "<", ">")


_GRAMMAR = (
    "a measure is NAME=count, NAME=sum(col), NAME=mean(col) or NAME=nunique(col), "
    "optionally followed by 'where col == value' (also != < > <= >= and 'in (a, b)'), "
    "or a ratio of other measures by name such as win_rate=won/closed."
)


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<col>`[^`]+`)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|,)
  | (?P<word>[^\s'"`()<>=!,]+)
    """,
    re.VERBOSE,
)


_IDENT = re.compile(r"^[^\W\d]\w*$")


_NAME = re.compile(r"^\s*([^\W\d]\w*)\s*=(?!=)\s*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Condition:
    """``column op value`` (``in``/``not in`` take several values)."""

    column: str
    op: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Aggregate:
    """``func(column) where ...`` over the events of one employee and period."""

    name: str
    func: str
    column: str | None
    where: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Ratio:
    """A formula over other measures, e.g. ``won / closed`` (0/0 gives no row)."""

    name: str
    expr: Expr


def _fail(text: str, pos: int, what: str) -> DefinitionError:
    return DefinitionError(
        f"Measure {text!r}, column {pos + 1}: {what}.\n    {text}\n    {' ' * pos}^\n"
        f"Suggestion: {_GRAMMAR}"
    )


class _Parser:
    def __init__(self, text: str, body: str, offset: int):
        self.text = text
        self.offset = offset
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(body):
            m = _TOKEN.match(body, pos)
            if m is None:  # only a lone '=' or '!' can fall through
                raise _fail(text, offset + pos, f"unexpected {body[pos]!r}")
            if m.lastgroup != "ws":
                self.tokens.append((m.lastgroup or "", m.group(), offset + pos))
            pos = m.end()
        self.tokens.append(("end", "", offset + len(body)))
        self.i = 0

    @property
    def tok(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        kind, got, pos = self.tok
        if got != text or kind not in ("op", "word"):
            found = "the end" if kind == "end" else repr(got)
            raise _fail(self.text, pos, f"expected {text!r}, found {found}")
        self.take()

    def column(self) -> str:
        kind, text, pos = self.take()
        if kind == "col":
            name = text[1:-1].strip()
        elif kind == "word" and _IDENT.match(text) and not text.startswith("__"):
            name = text
        elif kind == "word" and "." in text:
            raise _fail(self.text, pos, f"{text!r} is not a column name (no attribute access)")
        elif kind == "end":
            raise _fail(self.text, pos, "a column name is missing")
        else:
            raise _fail(
                self.text, pos, f"{text!r} is not a column name (write `odd names` in backticks)"
            )
        return normalise_column(name)

    def value(self) -> str:
        kind, text, pos = self.take()
        if kind == "str":
            return text[1:-1]
        if kind == "word":
            return text
        found = "the end" if kind == "end" else repr(text)
        raise _fail(self.text, pos, f"a value is missing (found {found})")

    def aggregate(self, name: str) -> Aggregate:
        _, func, _ = self.take()
        column = None
        if self.tok[1] == "(":
            self.take()
            if not (func == "count" and self.tok[1] == ")"):
                column = self.column()
            self.expect(")")
        elif func != "count":
            raise _fail(self.text, self.tok[2], f"{func} needs a column: {func}(column)")
        where: list[Condition] = []
        if self.tok[0] == "word" and self.tok[1].lower() == "where":
            self.take()
            where.append(self.condition())
            while self.tok[0] == "word" and self.tok[1].lower() == "and":
                self.take()
                where.append(self.condition())
        kind, text, pos = self.tok
        if kind != "end":
            what = (
                "only 'and' can join conditions" if text.lower() == "or" else f"unexpected {text!r}"
            )
            raise _fail(self.text, pos, what)
        return Aggregate(name=name, func=func, column=column, where=tuple(where))

    def condition(self) -> Condition:
        column = self.column()
        kind, text, pos = self.take()
        if kind == "op" and text in _OPS:
            return Condition(column, text, (self.value(),))
        negate = False
        if kind == "word" and text.lower() == "not":
            negate = True
            kind, text, pos = self.take()
        if kind == "word" and text.lower() == "in":
            self.expect("(")
            values = [self.value()]
            while self.tok[1] == ",":
                self.take()
                values.append(self.value())
            self.expect(")")
            return Condition(column, "not in" if negate else "in", tuple(values))
        found = "the end" if kind == "end" else repr(text)
        raise _fail(self.text, pos, f"expected a comparison (== != < > <= >= in), found {found}")


def parse_measure(text: str) -> Aggregate | Ratio:
    """Parse one ``NAME=EXPR`` measure.

    Raises
    ------
    DefinitionError
        With the column of the problem and the grammar; calls other than the four
        functions, attribute access, ``__names__`` and quotes in ratios are rejected.

    Examples
    --------
    >>> parse_measure("deals=count")
    Aggregate(name='deals', func='count', column=None, where=())
    """
    if not isinstance(text, str):
        raise DefinitionError(f"A measure must be text 'NAME=EXPR', got {text!r}.")
    m = _NAME.match(text)
    if m is None:
        raise DefinitionError(
            f"Measure {text!r}: write it as NAME=EXPR with a plain name, e.g. deals=count.\n"
            f"Suggestion: {_GRAMMAR}"
        )
    name, body = m.group(1), m.group(2)
    if name.startswith("__"):
        raise DefinitionError(f"Measure {text!r}: the name {name!r} is not allowed.")
    if not body.strip():
        raise _fail(text, len(text), "the expression is missing")
    parser = _Parser(text, body, m.start(2))
    kind, first, _ = parser.tok
    follows = parser.tokens[1]
    if (
        kind == "word"
        and first in FUNCTIONS
        and (
            follows[1] == "("
            or (first == "count" and (follows[0] == "end" or follows[1].lower() == "where"))
        )
    ):
        return parser.aggregate(name)
    if kind == "word" and first.lower() in FUNCTIONS and follows[1] == "(":
        raise _fail(text, parser.tok[2], f"unknown function {first!r} (write it in lower case)")
    if follows[1] == "(" and kind == "word" and _IDENT.match(first):
        raise _fail(
            text,
            parser.tok[2],
            f"unknown function {first!r}; only {', '.join(FUNCTIONS)} exist",
        )
    if kind == "word" and first in FUNCTIONS[1:] and follows[0] == "end":
        raise _fail(text, parser.tok[2], f"{first} needs a column: {first}(column)")
    try:
        expr = parse_formula(body)
    except FormulaError as err:
        detail = "\n".join(
            line for line in str(err).splitlines() if not line.startswith("Suggestion:")
        )
        raise DefinitionError(
            f"Measure {text!r}: the ratio is not valid: {detail}\nSuggestion: {_GRAMMAR}"
        ) from err
    return Ratio(name=name, expr=expr)


def parse_measures(measures: Mapping[str, str] | Sequence[str]) -> tuple[Aggregate | Ratio, ...]:
    """Parse several measures and check names and ratio references.

    Examples
    --------
    >>> [m.name for m in parse_measures({"won": "count where stage == Won", "n": "count",
    ...                                  "rate": "won / n"})]
    ['won', 'n', 'rate']
    """
    if isinstance(measures, str):
        measures = [measures]
    if isinstance(measures, Mapping):
        texts = [f"{k}={v}" for k, v in measures.items()]
    else:
        texts = list(measures)
    if not texts:
        raise DefinitionError(f"No measures given.\nSuggestion: {_GRAMMAR}")
    parsed: list[Aggregate | Ratio] = []
    names: dict[str, Aggregate | Ratio] = {}
    for text in texts:
        measure = parse_measure(text)
        if measure.name in names:
            raise DefinitionError(
                f"Measure name {measure.name!r} is used twice.\nSuggestion: give each measure "
                "its own name."
            )
        names[measure.name] = measure
        parsed.append(measure)
    for measure in parsed:
        if not isinstance(measure, Ratio):
            continue
        defined = [m.name for m in parsed if m.name != measure.name]
        for ref in measure.expr.names:
            if ref == measure.name:
                raise DefinitionError(f"Measure {measure.name!r} refers to itself.")
            if ref not in names:
                raise DefinitionError(
                    f"Measure {measure.name!r}: {ref!r} is not a measure; the measures are "
                    f"{', '.join(defined)}.{did_you_mean(ref, defined)}\n"
                    "Suggestion: a ratio divides measures by name; define the parts first, "
                    "e.g. won=count where stage == Won."
                )
    _check_cycles(names)
    return tuple(parsed)


def _check_cycles(names: Mapping[str, Aggregate | Ratio]) -> None:
    graph = {n: m.expr.names if isinstance(m, Ratio) else () for n, m in names.items()}
    cycle = find_cycle(graph)
    if cycle:
        raise DefinitionError(f"Measures refer to each other in a circle: {' -> '.join(cycle)}.")
