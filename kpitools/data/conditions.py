"""Conditions on a column, in measures (``where``) and filters (``--where``) alike.

::

    condition  := column ("==" | "!=" | "<" | ">" | "<=" | ">=") value
                | column ["not"] "in" ("(" | "[") value ("," value)* (")" | "]")
                | column "between" value "and" value
    column     := identifier | `any name in backticks`
    value      := 'quoted' | "quoted" | number | bare word (Won, Closed-Won, 2025-03-10)

Conditions joined by ``and`` must all hold. A comparison is made on numbers when the column
holds numbers and the value is one; on dates when the column holds dates and the value is
one (``close_date >= 2025-03-10``); on periods for period labels (``period >= 2025-03``);
else on text, exactly (case matters, values are stripped). ``!=`` and ``not in`` also match
an empty cell. An equality with a value that never occurs in its column is an error that
names the closest values present (``deal_stage == won``: did you mean ``Won``?): never a
silent zero. Nothing is ever evaluated as Python.

Examples
--------
>>> parse_conditions("region == 'East' and close_date between 2025-03-10 and 2025-04-20")
(Condition(column='region', op='==', values=('East',)), Condition(column='close_date', op='between', values=('2025-03-10', '2025-04-20')))
"""  # noqa: E501

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DefinitionError, did_you_mean
from .cells import _as_text, _parse_one_date, _parse_one_period, parse_dates
from .columns import normalise_column
from .numbers import _read_numbers

__all__ = ["Condition", "parse_conditions", "FrameColumns", "condition_mask", "apply_filter"]

_OPS = ("==", "!=", "<=", ">=", "<", ">")
_ORDER_OPS = ("<", ">", "<=", ">=", "between")

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<col>`[^`]+`)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
  | (?P<word>[^\s'"`()\[\]<>=!,]+)
    """,
    re.VERBOSE,
)
_IDENT = re.compile(r"^[^\W\d]\w*$")
_CLOSE = {"(": ")", "[": "]"}


@dataclass(frozen=True)
class Condition:
    """``column op value`` (``in``/``not in`` take several values, ``between`` two)."""

    column: str
    op: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        shown = [repr(v) if not re.fullmatch(r"[\w.:/+-]+", v) else v for v in self.values]
        if self.op in ("in", "not in"):
            return f"{self.column} {self.op} ({', '.join(shown)})"
        if self.op == "between":
            return f"{self.column} between {shown[0]} and {shown[1]}"
        return f"{self.column} {self.op} {shown[0]}"


class ConditionParser:
    """A tokenizer and recursive-descent parser of conditions (measures extend it)."""

    def __init__(self, text: str, body: str, offset: int, fail: Callable[..., Exception]):
        self.text = text
        self.fail = fail
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(body):
            m = _TOKEN.match(body, pos)
            if m is None:  # only a lone '=' or '!' can fall through
                raise fail(text, offset + pos, f"unexpected {body[pos]!r}")
            if m.lastgroup != "ws":
                self.tokens.append((m.lastgroup or "", m.group(), offset + pos))
            pos = m.end()
        self.tokens.append(("end", "", offset + len(body)))
        self.i = 0

    @property
    def tok(self) -> tuple[str, str, int]:
        """The next token: ``(kind, text, position)``."""
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        """The next token, consumed."""
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        """Consume ``text`` or fail naming what was found instead."""
        kind, got, pos = self.tok
        if got.lower() != text or kind not in ("op", "word"):
            found = "the end" if kind == "end" else repr(got)
            raise self.fail(self.text, pos, f"expected {text!r}, found {found}")
        self.take()

    def is_word(self, word: str) -> bool:
        """Whether the next token is the keyword ``word`` (any case)."""
        return self.tok[0] == "word" and self.tok[1].lower() == word

    def column(self) -> str:
        """A column name, normalised (case and spaces do not matter)."""
        kind, text, pos = self.take()
        if kind == "col":
            name = text[1:-1].strip()
        elif kind == "word" and _IDENT.match(text) and not text.startswith("__"):
            name = text
        elif kind == "word" and "." in text:
            raise self.fail(self.text, pos, f"{text!r} is not a column name (no attribute access)")
        elif kind == "end":
            raise self.fail(self.text, pos, "a column name is missing")
        else:
            raise self.fail(
                self.text, pos, f"{text!r} is not a column name (write `odd names` in backticks)"
            )
        return normalise_column(name)

    def value(self) -> str:
        """A quoted or bare value."""
        kind, text, pos = self.take()
        if kind == "str":
            return text[1:-1]
        if kind == "word":
            return text
        found = "the end" if kind == "end" else repr(text)
        raise self.fail(self.text, pos, f"a value is missing (found {found})")

    def condition(self) -> Condition:
        """One condition."""
        column = self.column()
        kind, text, pos = self.take()
        if kind == "op" and text in _OPS:
            return Condition(column, text, (self.value(),))
        if kind == "word" and text.lower() == "between":
            low = self.value()
            self.expect("and")
            return Condition(column, "between", (low, self.value()))
        negate = kind == "word" and text.lower() == "not"
        if negate:
            kind, text, pos = self.take()
        if kind == "word" and text.lower() == "in":
            return Condition(column, "not in" if negate else "in", self.listed())
        found = "the end" if kind == "end" else repr(text)
        raise self.fail(
            self.text, pos, f"expected a comparison (== != < > <= >= in between), found {found}"
        )

    def listed(self) -> tuple[str, ...]:
        """``(a, b)`` or ``[a, b]``."""
        kind, opening, pos = self.take()
        if opening not in _CLOSE:
            raise self.fail(self.text, pos, "expected '(' or '[' after 'in'")
        values = [self.value()]
        while self.tok[1] == ",":
            self.take()
            values.append(self.value())
        self.expect(_CLOSE[opening])
        return tuple(values)

    def conditions(self) -> tuple[Condition, ...]:
        """Conditions joined by ``and``, up to the end."""
        out = [self.condition()]
        while self.is_word("and"):
            self.take()
            out.append(self.condition())
        kind, text, pos = self.tok
        if kind != "end":
            what = (
                "only 'and' can join conditions" if text.lower() == "or" else f"unexpected {text!r}"
            )
            raise self.fail(self.text, pos, what)
        return tuple(out)


_FILTER_GRAMMAR = (
    "write conditions such as region == East, team in [A, B], close_date >= 2025-03-10 or "
    "close_date between 2025-03-10 and 2025-04-20, joined by 'and'."
)


def _filter_fail(text: str, pos: int, what: str) -> DefinitionError:
    return DefinitionError(
        f"Filter {text!r}, column {pos + 1}: {what}.\n    {text}\n    {' ' * pos}^\n"
        f"Suggestion: {_FILTER_GRAMMAR}"
    )


def parse_conditions(text: str) -> tuple[Condition, ...]:
    """Parse a filter: conditions joined by ``and``."""
    if not isinstance(text, str) or not text.strip():
        raise DefinitionError(f"A filter must be text such as region == East, got {text!r}.")
    return ConditionParser(text, text, 0, _filter_fail).conditions()


# --------------------------------------------------------------------------- evaluating
def _as_number(value: str) -> float | None:
    try:
        out = float(value.replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return out if np.isfinite(out) else None


class FrameColumns:
    """The columns of a table as conditions read them: text, numbers, dates (each once).

    ``label(col)`` is the column's name as the user wrote it; ``rows`` their row numbers.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        labels: dict[str, str] | None = None,
        decimal_comma: bool = False,
        rows: Any = None,
    ) -> None:
        self.frame = frame
        self.rows = rows  # each row's number as the user sees it, when known
        self.labels = labels or {c: str(c) for c in frame.columns}
        self.decimal_comma = decimal_comma
        self._text: dict[str, pd.Series] = {}
        self._read: dict[str, Any] = {}
        self._numbers: dict[str, Any] = {}
        self._dates: dict[str, Any] = {}

    @property
    def columns(self) -> list[str]:
        """The columns' normalised names."""
        return list(self.frame.columns)

    def label(self, col: str) -> str:
        """The name of ``col`` as written in the file."""
        return self.labels.get(col, col)

    def text(self, col: str) -> pd.Series:
        """The column as text (missing cells stay missing)."""
        if col not in self._text:
            self._text[col] = _as_text(self.frame[col])
        return self._text[col]

    def read(self, col: str) -> Any:
        """The column as number cells are read (what was converted, Excel errors, …)."""
        if col not in self._read:
            self._read[col] = _read_numbers(self.frame[col], decimal_comma=self.decimal_comma)
        return self._read[col]

    def numbers(self, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(floats, missing, unusable)``; unusable includes Excel error values."""
        if col not in self._numbers:
            read = self.read(col)
            bad = read.bad if read.excel is None else read.bad | read.excel
            self._numbers[col] = (read.values, read.missing, bad)
        return self._numbers[col]

    def dates(self, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(datetime64[D], missing, unreadable)``."""
        if col not in self._dates:
            self._dates[col] = parse_dates(self.frame[col])
        return self._dates[col]

    def kind(self, col: str) -> str:
        """``number``, ``date`` or ``text``: what every non-empty cell of the column is."""
        _, missing, bad = self.numbers(col)
        if not bad.any() and not missing.all():
            return "number"
        _, missing, bad = self.dates(col)
        if not bad.any() and not missing.all():
            return "date"
        return "text"


def _present(view: FrameColumns, col: str, kind: str) -> list[str]:
    """The distinct values of a column, as text, in order of frequency."""
    text = view.text(col).dropna().str.strip()
    return text[text != ""].value_counts(sort=True).index.astype(str).tolist()


def _closest(value: str, present: list[str], n: int = 3) -> list[str]:
    lower = {p.lower(): p for p in present}
    same_case = [lower[value.lower()]] if value.lower() in lower else []
    close = difflib.get_close_matches(value, present, n=n, cutoff=0.6)
    return list(dict.fromkeys(same_case + close))[:n]


def _never_occurs(
    cond: Condition, view: FrameColumns, missing_values: list[str], context: str
) -> DefinitionError:
    present = _present(view, cond.column, "text")
    value = missing_values[0]
    near = _closest(value, present)
    hint = f" Did you mean {' or '.join(repr(v) for v in near)}?" if near else ""
    shown = ", ".join(repr(v) for v in present[:8]) + (
        f" … ({len(present):,} in all)" if len(present) > 8 else ""
    )
    which = (
        f"the value {value!r} never occurs"
        if len(missing_values) == 1
        else f"the values {', '.join(repr(v) for v in missing_values)} never occur"
    )
    return DefinitionError(
        f"{context}: '{cond}': {which} in column {view.label(cond.column)!r}.{hint}\n"
        f"Values present: {shown or '(none: the column is empty)'}.\n"
        "Suggestion: write the value exactly as the data has it (case matters); a value that "
        "never occurs would silently match nothing."
    )


def _ordered(cond: Condition, view: FrameColumns, context: str) -> tuple[np.ndarray, np.ndarray]:
    """Column and values as comparable arrays for an ordering comparison."""
    col, kind = cond.column, view.kind(cond.column)
    if kind == "number" and all(_as_number(v) is not None for v in cond.values):
        return view.numbers(col)[0], np.array([_as_number(v) for v in cond.values])
    dates = [_parse_one_date(v) for v in cond.values]
    if kind == "date" and all(dates):
        return view.dates(col)[0], np.array(dates, dtype="datetime64[D]")
    periods = [_parse_one_period(v) for v in cond.values]
    if col == "period" and all(periods):
        labels = view.text(col).fillna("").to_numpy(dtype=object)
        return labels, np.array([v.strip() for v in cond.values], dtype=object)
    label = view.label(col)
    if kind == "number":
        what = f"{_shown(cond.values)} is not a number (column {label!r} holds numbers)"
    elif kind == "date":
        what = f"{_shown(cond.values)} is not a date (column {label!r} holds dates)"
    else:
        what = f"column {label!r} holds text, not numbers or dates{_first_text(view, col)}"
    raise DefinitionError(
        f"{context}: '{cond}' compares in order, but {what}.\n"
        "Suggestion: compare numbers with numbers and dates with dates (2025-03-10); use == "
        "or in for text."
    )


def _shown(values: tuple[str, ...]) -> str:
    return " or ".join(repr(v) for v in values)


def _first_text(view: FrameColumns, col: str) -> str:
    """`` (row 12: 'Won')``: the first cell that is neither a number nor a date."""
    _, _, bad_number = view.numbers(col)
    _, _, bad_date = view.dates(col)
    both = np.flatnonzero(bad_number & bad_date)
    if not both.size:
        return ""
    where = f"row {int(view.rows[both[0]])}" if view.rows is not None else "e.g."
    return f" ({where}: {view.text(col).iloc[both[0]]!r})"


def _equal(cond: Condition, view: FrameColumns, context: str) -> np.ndarray:
    """Rows equal to one of the values (==, in), each value checked to occur in the column."""
    col, kind = cond.column, view.kind(cond.column)
    numbers = [_as_number(v) for v in cond.values]
    dates = [_parse_one_date(v) for v in cond.values]
    if kind == "number" and all(n is not None for n in numbers):
        values = view.numbers(col)[0]
        found = [np.any(values == n) for n in numbers]
        mask = np.isin(values, np.array(numbers, dtype=float))
    elif kind == "date" and all(dates):
        values = view.dates(col)[0]
        targets = np.array(dates, dtype="datetime64[D]")
        found = [np.any(values == t) for t in targets]
        mask = np.isin(values, targets)
    else:
        text = view.text(col).str.strip()
        wanted = [v.strip() for v in cond.values]
        present = set(text.dropna().unique().tolist())
        found = [w in present for w in wanted]
        mask = text.isin(wanted).to_numpy(dtype=bool)
    missing_values = [v for v, ok in zip(cond.values, found, strict=True) if not ok]
    if missing_values:
        raise _never_occurs(cond, view, missing_values, context)
    return mask


def condition_mask(cond: Condition, view: FrameColumns, *, context: str) -> np.ndarray:
    """The rows where ``cond`` holds.

    ``context`` names where the condition comes from in messages (``Measure 'won'``,
    ``deals.csv: --where``).
    """
    if cond.column not in view.columns:
        found = ", ".join(repr(view.label(c)) for c in view.columns)
        raise DefinitionError(
            f"{context}: '{cond}': no column {cond.column!r}."
            f"{did_you_mean(cond.column, view.columns)}\nColumns: {found}.\n"
            "Suggestion: use a column of the data (case and spaces do not matter)."
        )
    if cond.op in _ORDER_OPS:
        values, targets = _ordered(cond, view, context)
        with np.errstate(invalid="ignore"):
            if cond.op == "between":
                return (values >= targets[0]) & (values <= targets[1])
            return {
                "<": np.less,
                ">": np.greater,
                "<=": np.less_equal,
                ">=": np.greater_equal,
            }[cond.op](values, targets[0])
    mask = _equal(cond, view, context)
    return mask if cond.op in ("==", "in") else ~mask


def apply_filter(frame: pd.DataFrame, where: str, *, source: str = "the data") -> pd.DataFrame:
    """The rows of ``frame`` where every condition of ``where`` holds.

    Raises
    ------
    DefinitionError
        An unknown column, a value that never occurs, an ordering on text, or a filter
        that keeps no rows.

    Examples
    --------
    >>> df = pd.DataFrame({"region": ["East", "West"], "actual": [1.0, 2.0]})
    >>> apply_filter(df, "region == East")["actual"].tolist()
    [1.0]
    """
    view = FrameColumns(frame)
    keep = np.ones(len(frame), dtype=bool)
    for cond in parse_conditions(where):
        keep &= condition_mask(cond, view, context=f"{source}: --where")
    if not keep.any():
        raise DefinitionError(
            f"{source}: --where '{where}' keeps no rows of {len(frame):,}.\n"
            "Suggestion: check the values, or combine fewer conditions."
        )
    return frame.loc[keep].reset_index(drop=True)
