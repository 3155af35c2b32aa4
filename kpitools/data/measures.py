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
from .._util.formula import parse as parse_formula
from .._util.graph import find_cycle
from ..errors import DefinitionError, FormulaError, did_you_mean
from .conditions import Condition, ConditionParser

__all__ = ["Aggregate", "Condition", "FUNCTIONS", "Ratio", "parse_measure", "parse_measures"]


FUNCTIONS = ("count", "sum", "mean", "nunique")


_GRAMMAR = (
    "a measure is NAME=count, NAME=sum(col), NAME=mean(col) or NAME=nunique(col), "
    "optionally followed by 'where col == value' (also != < > <= >= 'in (a, b)' and "
    "'between a and b'), "
    "or a ratio of other measures by name such as win_rate=won/closed."
)


_IDENT = re.compile(r"^[^\W\d]\w*$")


_NAME = re.compile(r"^\s*([^\W\d]\w*)\s*=(?!=)\s*(.*)$", re.DOTALL)


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


class _Parser(ConditionParser):
    def __init__(self, text: str, body: str, offset: int):
        super().__init__(text, body, offset, _fail)

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
        where: tuple[Condition, ...] = ()
        if self.is_word("where"):
            self.take()
            where = self.conditions()
        elif self.tok[0] != "end":
            raise _fail(self.text, self.tok[2], f"unexpected {self.tok[1]!r}")
        return Aggregate(name=name, func=func, column=column, where=where)


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
