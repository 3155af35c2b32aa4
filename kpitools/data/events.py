"""Measures: named KPIs built from event rows (deals, orders, shifts).

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

``count(col)`` counts rows where ``col`` is not empty. Comparisons are numeric when the
column is numeric (every non-empty value is a number) and the value is a number, else
exact text comparisons (case-sensitive, values stripped). ``!=`` and ``not in`` match rows
whose value is empty.

Employees × months without events: ``count``, ``sum`` and ``nunique`` measures yield
**0** for every month inside the employee's active range (first to last month with any
event of that employee), so "no deals in March" is a 0, not a gap; months outside the
range have no rows (the employee had not started or had left). ``mean`` of nothing is
absent (no row). A ratio whose denominator is 0 has no row either, and every such
employee × period is reported as a warning.

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
from typing import Any

import numpy as np
import pandas as pd

from .._util.formula import Expr
from .._util.formula import parse as parse_formula
from ..errors import DefinitionError, FormulaError, did_you_mean
from . import table as _data

__all__ = ["Aggregate", "Condition", "Ratio", "parse_measure", "parse_measures"]

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
        return _data.normalise_column(name)

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
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join([*path[path.index(name) :], name])
            raise DefinitionError(f"Measures refer to each other in a circle: {cycle}.")
        state[name] = 1
        measure = names[name]
        if isinstance(measure, Ratio):
            for ref in measure.expr.names:
                visit(ref, [*path, name])
        state[name] = 2

    for name in names:
        visit(name, [])


# --------------------------------------------------------------------------- running
def _period_index(period: pd.Series, freq: str) -> np.ndarray:
    """``YYYY-MM`` -> months since year 0; ``YYYY-Qn`` -> quarters since year 0."""
    text = period.astype("str")
    year = text.str.slice(0, 4).astype(int).to_numpy()
    n = text.str.slice(-1 if freq == "quarter" else 5).astype(int).to_numpy()
    per_year = 4 if freq == "quarter" else 12
    return year * per_year + n - 1


def _period_text(index: np.ndarray, freq: str) -> np.ndarray:
    per_year = 4 if freq == "quarter" else 12
    year, n = np.divmod(index, per_year)
    if freq == "quarter":
        return np.char.add(np.char.add(year.astype(str), "-Q"), (n + 1).astype(str))
    return np.char.add(np.char.add(year.astype(str), "-"), np.char.zfill((n + 1).astype(str), 2))


class _Columns:
    """Lazily parsed event columns: text and numbers, each computed once."""

    def __init__(self, raw: Any):
        self.raw = raw
        self._text: dict[str, pd.Series] = {}
        self._num: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._read: dict[str, Any] = {}
        self.reported: set[str] = set()  # columns whose converted cells were reported
        self.flagged: dict[tuple[str, str], np.ndarray] = {}  # rows reported per problem

    def text(self, col: str) -> pd.Series:
        if col not in self._text:
            self._text[col] = _data._as_text(self.raw.frame[col])
        return self._text[col]

    def numbers(self, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(floats, missing, unusable)``; unusable includes Excel error values."""
        if col not in self._num:
            read = self.read(col)
            bad = read.bad if read.excel is None else read.bad | read.excel
            self._num[col] = (read.values, read.missing, bad)
        return self._num[col]

    def report(
        self, issues: Any, key: str, col: str, mask: np.ndarray, text: Any, note: str
    ) -> None:
        """Add the rows of ``mask`` not yet reported for ``key`` and ``col`` (several
        measures may read one column: each row is counted once).
        """
        done = self.flagged.get((key, col))
        new = mask if done is None else mask & ~done
        if not new.any():
            return
        self.flagged[(key, col)] = new if done is None else done | new
        severity = "warning" if key == "missing_number" else "error"
        values = None if text is None else text[new]
        issues.add(
            key,
            self.raw.original[col],
            self.raw.rows[new],
            values,
            severity=severity,
            note=note if done is None else issues.notes.get((key, self.raw.original[col]), ""),
        )

    def read(self, col: str) -> Any:
        """The column as :func:`kpitools.data._read_numbers` reads it (with what it converted)."""
        if col not in self._read:
            self._read[col] = _data._read_numbers(
                self.raw.frame[col], decimal_comma=self.raw.decimal_comma
            )
        return self._read[col]

    def is_numeric(self, col: str) -> bool:
        _, missing, bad = self.numbers(col)
        return not bad.any() and not missing.all()


def _as_number(value: str) -> float | None:
    try:
        out = float(value.replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return out if np.isfinite(out) else None


def _condition_mask(cond: Condition, cols: _Columns, measure: Aggregate, raw: Any) -> np.ndarray:
    numbers = [_as_number(v) for v in cond.values]
    numeric = cols.is_numeric(cond.column) and all(n is not None for n in numbers)
    if cond.op in ("<", ">", "<=", ">="):
        if not numeric:
            col = raw.original[cond.column]
            if numbers[0] is None:
                what = f"{cond.values[0]!r} is not a number"
            else:
                _, _, bad = cols.numbers(cond.column)
                first = int(raw.rows[np.flatnonzero(bad)[0]]) if bad.any() else None
                shown = cols.text(cond.column)[bad].iloc[0] if bad.any() else ""
                what = f"column {col!r} is not numeric (row {first}: {shown!r})"
            raise DefinitionError(
                f"Measure {measure.name!r}: 'where {cond.column} {cond.op} {cond.values[0]}' "
                f"compares numbers, but {what}.\n"
                "Suggestion: compare numeric columns with numbers, or use == / in for text."
            )
    if numeric:
        values, missing, _ = cols.numbers(cond.column)
        targets = np.array(numbers, dtype=float)
        with np.errstate(invalid="ignore"):
            if cond.op == "==":
                return values == targets[0]
            if cond.op == "!=":
                return values != targets[0]
            if cond.op == "<":
                return values < targets[0]
            if cond.op == ">":
                return values > targets[0]
            if cond.op == "<=":
                return values <= targets[0]
            if cond.op == ">=":
                return values >= targets[0]
            inside = np.isin(values, targets)
            return inside if cond.op == "in" else ~inside
    text = cols.text(cond.column)
    if cond.op in ("==", "in"):
        return text.isin([v.strip() for v in cond.values]).to_numpy(dtype=bool)
    return ~text.isin([v.strip() for v in cond.values]).to_numpy(dtype=bool)


def _resolve_columns(
    raw: Any, employee: str, date: str, specs: Sequence[Aggregate | Ratio], attrs: list
) -> tuple[str, str]:
    wanted: list[tuple[str, str]] = [
        (_data.normalise_column(employee), "the employee"),
        (_data.normalise_column(date), "the date"),
    ]
    for spec in specs:
        if isinstance(spec, Aggregate):
            if spec.column:
                wanted.append((spec.column, f"measure {spec.name!r}"))
            wanted += [(c.column, f"measure {spec.name!r}") for c in spec.where]
    wanted += [(col, "an attribute") for _, col in attrs]
    cols = list(raw.frame.columns)
    missing = [(c, who) for c, who in wanted if c not in cols]
    if missing:
        found = ", ".join(repr(v) for v in raw.original.values())
        parts = [f"- {c!r} (for {who}).{did_you_mean(c, cols)}" for c, who in missing]
        raise _data._fatal(
            raw.name,
            f"{raw.name}: missing column{'s' if len(missing) > 1 else ''}:\n"
            + "\n".join(parts)
            + f"\nFound columns: {found}.\n"
            "Suggestion: use the column names of the file (case and spaces do not matter).",
            ", ".join(c for c, _ in missing),
        )
    return wanted[0][0], wanted[1][0]


def _parse_attrs(attributes: Sequence[str]) -> list[tuple[str, str]]:
    """``"team"`` or ``"region=regional_office"`` -> (output name, column)."""
    out = []
    for spec in attributes:
        if "=" in spec:
            name, col = spec.split("=", 1)
        else:
            name = col = spec
        name, col = _data.normalise_column(name), _data.normalise_column(col)
        if not name or not col:
            raise DefinitionError(
                f"Attribute {spec!r}: write COLUMN or NAME=COLUMN, e.g. team or region=office."
            )
        out.append((name, col))
    return out


def run_aggregation(
    events: Any,
    *,
    employee: str,
    date: str,
    measures: Mapping[str, str] | Sequence[str],
    freq: str = "month",
    attributes: Sequence[str] = (),
    sheet: str | int | None = None,
) -> tuple[pd.DataFrame, Any]:
    """Aggregate events; return the long table and the collected issues (warnings)."""
    if freq not in ("month", "quarter"):
        raise DefinitionError(
            f"Unknown period {freq!r}; use 'month' or 'quarter'."
            f"{did_you_mean(freq, ['month', 'quarter'])}"
        )
    specs = parse_measures(measures)
    attrs = _parse_attrs(attributes)
    raw = _data._read(events, sheet=sheet)
    issues = raw.issues
    emp_col, date_col = _resolve_columns(raw, employee, date, specs, attrs)
    cols = _Columns(raw)
    rows = raw.rows
    emp = cols.text(emp_col)
    period, d_missing = _data._periods(raw.frame[date_col], freq)
    e_missing = emp.isna().to_numpy()
    d_bad = period.isna().to_numpy() & ~d_missing
    if e_missing.any():
        issues.add("missing_employee", raw.original[emp_col], rows[e_missing])
    if d_missing.any():
        issues.add("missing_date", raw.original[date_col], rows[d_missing], severity="warning")
    if d_bad.any():
        issues.add("bad_date", raw.original[date_col], rows[d_bad], raw.frame[date_col][d_bad])
    valid = ~(e_missing | d_missing | d_bad)

    # the grid: every period from each employee's first to last event
    keys = pd.DataFrame({"employee": emp[valid].to_numpy(), "_p": None})
    pidx = np.full(len(rows), -1, dtype=np.int64)
    if valid.any():
        pidx[valid] = _period_index(period[valid], freq)
    keys["_p"] = pidx[valid]
    span = keys.groupby("employee", sort=True)["_p"].agg(["min", "max"])
    lengths = (span["max"] - span["min"] + 1).to_numpy()
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    grid_p = np.repeat(span["min"].to_numpy(), lengths) + (np.arange(lengths.sum()) - starts)
    grid = pd.MultiIndex.from_arrays(
        [np.repeat(span.index.to_numpy(), lengths), grid_p], names=["employee", "_p"]
    )

    values: dict[str, pd.Series] = {}
    for spec in specs:
        if not isinstance(spec, Aggregate):
            continue
        mask = valid.copy()
        for cond in spec.where:
            mask &= _condition_mask(cond, cols, spec, raw)
        if spec.func in ("sum", "mean"):
            assert spec.column is not None
            numbers, missing, bad = cols.numbers(spec.column)
            read = cols.read(spec.column)
            col_name = raw.original[spec.column]
            excel = read.excel if read.excel is not None else np.zeros(len(rows), dtype=bool)
            text = cols.text(spec.column)
            note = f"(in measure {spec.name!r})"
            formula = _data._formula_mask(raw, spec.column)  # XLSX formulas never calculated
            if formula is not None:
                cols.report(issues, "formula", spec.column, formula & mask, text, note)
                bad = bad & ~formula
            cols.report(issues, "bad_number", spec.column, bad & ~excel & mask, text, note)
            cols.report(issues, "excel_error", spec.column, excel & mask, text, note)
            cols.report(issues, "missing_number", spec.column, missing & mask, None, note)
            if read.converted is not None and spec.column not in cols.reported:
                cols.reported.add(spec.column)  # once per column, whichever measures use it
                issues.add(
                    "converted", col_name, rows[read.converted], read.shown, severity="warning"
                )
            series = pd.Series(numbers[mask])
        elif spec.func == "nunique":
            assert spec.column is not None
            series = pd.Series(cols.text(spec.column)[mask].to_numpy())
        else:
            present = (
                np.ones(len(rows), dtype=bool)
                if spec.column is None
                else cols.text(spec.column).notna().to_numpy()
            )
            series = pd.Series(present[mask].astype(float))
        group = [emp[mask].to_numpy(), pidx[mask]]
        grouped = series.groupby(group, sort=False)
        if spec.func == "count":
            result = grouped.sum()
        elif spec.func == "sum":
            # summing binary floats leaves noise (474112.16000000003): money and counts
            # never need more than 10 decimals
            result = grouped.sum(min_count=0).round(10)
        elif spec.func == "mean":
            result = grouped.mean().round(10)
        else:
            result = grouped.nunique().astype(float)
        result.index.names = ["employee", "_p"]
        fill = np.nan if spec.func == "mean" else 0.0
        values[spec.name] = result.reindex(grid, fill_value=fill).astype(float)

    if issues.n_errors:
        raise issues.error(issues.headline("aggregated"))
    for spec in specs:
        if isinstance(spec, Ratio):
            env = {name: values[name] for name in spec.expr.names}
            result = spec.expr.evaluate(env, on_zero_division="nan")
            if np.ndim(result) == 0:
                result = pd.Series(float(result), index=grid)
            result = pd.Series(result, index=grid, dtype=float)
            result[~np.isfinite(result.to_numpy())] = np.nan
            values[spec.name] = result

    parts = []
    grid_frame = grid.to_frame(index=False)
    period_text = _period_text(grid_frame["_p"].to_numpy(), freq)
    for k, spec in enumerate(specs):
        series = values[spec.name].to_numpy()
        defined = ~np.isnan(series)
        if isinstance(spec, Ratio) and (~defined).any():
            labels = grid_frame["employee"][~defined] + " × " + period_text[~defined]
            issues.add(
                "undefined_ratio",
                None,
                [None] * int((~defined).sum()),
                labels,
                severity="warning",
                note=f"(measure {spec.name!r} = {spec.expr})",
            )
        parts.append(
            pd.DataFrame(
                {
                    "employee": grid_frame["employee"].to_numpy()[defined],
                    "period": period_text[defined],
                    "kpi": spec.name,
                    "actual": series[defined],
                    "_p": grid_frame["_p"].to_numpy()[defined],
                    "_k": k,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True).sort_values(["employee", "_p", "_k"], kind="stable")
    for name, col in attrs:
        out[name] = _attribute(cols.text(col), emp, pidx, valid, out, issues, name, col)
    out = out.drop(columns=["_p", "_k"]).reset_index(drop=True)
    for c in ("employee", "period", "kpi", *(n for n, _ in attrs)):
        out[c] = out[c].astype("str")
    return out, issues


def _attribute(
    values: pd.Series,
    emp: pd.Series,
    pidx: np.ndarray,
    valid: np.ndarray,
    out: pd.DataFrame,
    issues: Any,
    name: str,
    col: str,
) -> np.ndarray:
    """Most frequent value per employee × period; gap months take the last one before.

    Employee × periods with several values are reported as a warning.
    """
    ok = valid & values.notna().to_numpy()
    frame = pd.DataFrame(
        {"employee": emp[ok].to_numpy(), "_p": pidx[ok], "value": values[ok].to_numpy()}
    )
    counts = frame.groupby(["employee", "_p", "value"], sort=False).size().rename("n").reset_index()
    n_values = counts.groupby(["employee", "_p"], sort=False).size()
    mixed = n_values[n_values > 1].index.to_frame(index=False)
    if len(mixed):
        labels = mixed.merge(
            out[["employee", "_p", "period"]].drop_duplicates(), on=["employee", "_p"]
        ).sort_values(["employee", "_p"], kind="stable")
        issues.add(
            "mixed_attribute",
            col,
            [None] * len(labels),
            (labels["employee"] + " × " + labels["period"]).to_numpy(),
            severity="warning",
            note=f"(attribute {name!r})",
        )
    mode = (
        counts.sort_values("n", ascending=False, kind="stable")
        .drop_duplicates(["employee", "_p"])
        .set_index(["employee", "_p"])["value"]
    )
    keys = out[["employee", "_p"]].drop_duplicates().sort_values(["employee", "_p"])
    index = pd.MultiIndex.from_frame(keys)
    filled = mode.reindex(index).groupby(level="employee", sort=False).ffill()
    filled = filled.groupby(level="employee", sort=False).bfill()
    lookup = filled.reindex(pd.MultiIndex.from_frame(out[["employee", "_p"]]))
    return lookup.to_numpy()
