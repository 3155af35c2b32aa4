"""Event tables (deals, orders, shifts) turned into the long table by named measures.

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
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DefinitionError, did_you_mean
from .cells import _periods
from .columns import normalise_column
from .conditions import FrameColumns, condition_mask, parse_conditions
from .credit import credit_shares, parse_credit
from .measures import Aggregate, Ratio, parse_measures
from .numbers import _formula_mask
from .quality import _fatal
from .read import _read

__all__ = ["aggregate_events", "run_aggregation"]


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


class _Columns(FrameColumns):
    """The event table's columns, each parsed once, with what was reported about them."""

    def __init__(self, raw: Any):
        super().__init__(
            raw.frame, labels=raw.original, decimal_comma=raw.decimal_comma, rows=raw.rows
        )
        self.raw = raw
        self.reported: set[str] = set()  # columns whose converted cells were reported
        self.flagged: dict[tuple[str, str], np.ndarray] = {}  # rows reported per problem

    def report(
        self, issues: Any, key: str, col: str, mask: np.ndarray, text: Any, note: str
    ) -> None:
        """Add the rows of ``mask`` not yet reported for ``key`` and ``col``.

        Several measures may read one column: each row is counted once.
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


def _resolve_columns(
    raw: Any,
    employee: str,
    date: str,
    specs: Sequence[Aggregate | Ratio],
    attrs: list,
    credit: tuple[str, str] | None = None,
) -> tuple[str, str]:
    wanted: list[tuple[str, str]] = [
        (normalise_column(employee), "the employee"),
        (normalise_column(date), "the date"),
    ]
    for spec in specs:
        if isinstance(spec, Aggregate):
            if spec.column:
                wanted.append((spec.column, f"measure {spec.name!r}"))
            wanted += [(c.column, f"measure {spec.name!r}") for c in spec.where]
    wanted += [(col, "an attribute") for _, col in attrs]
    if credit is not None:
        wanted += [(credit[0], "the credit's event id"), (credit[1], "the credit's share")]
    cols = list(raw.frame.columns)
    missing = [(c, who) for c, who in wanted if c not in cols]
    if missing:
        found = ", ".join(repr(v) for v in raw.original.values())
        parts = [f"- {c!r} (for {who}).{did_you_mean(c, cols)}" for c, who in missing]
        raise _fatal(
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
        name, col = normalise_column(name), normalise_column(col)
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
    where: str | None = None,
    credit: str | tuple[str, str] | None = None,
) -> tuple[pd.DataFrame, Any]:
    """Aggregate events; return the long table and the collected issues (warnings).

    ``where`` keeps only the events where a filter holds (before any measure counts them);
    ``credit`` (``"deal_id:share"``) splits events between employees
    (:mod:`kpitools.data.credit`).
    """
    if freq not in ("month", "quarter"):
        raise DefinitionError(
            f"Unknown period {freq!r}; use 'month' or 'quarter'."
            f"{did_you_mean(freq, ['month', 'quarter'])}"
        )
    specs = parse_measures(measures)
    attrs = _parse_attrs(attributes)
    split = parse_credit(credit)
    raw = _read(events, sheet=sheet)
    emp_col, date_col = _resolve_columns(raw, employee, date, specs, attrs, split)
    cols = _Columns(raw)
    keys = _EventKeys(raw, cols, emp_col, date_col, freq, where)
    if split is not None:
        summed = [s.column for s in specs if isinstance(s, Aggregate) and s.func in ("sum", "mean")]
        keys.share = credit_shares(raw, cols, keys.valid, split, list(dict.fromkeys(summed)))
    values = {
        spec.name: _aggregate(spec, cols, raw, keys)
        for spec in specs
        if isinstance(spec, Aggregate)
    }
    if raw.issues.n_errors:
        raise raw.issues.error(raw.issues.headline("aggregated"))
    for spec in specs:
        if isinstance(spec, Ratio):
            values[spec.name] = _ratio(spec, values, keys.grid)
    out = _long_rows(specs, values, keys.grid, freq, raw.issues)
    for name, col in attrs:
        out[name] = _attribute(
            cols.text(col), keys.emp, keys.pidx, keys.valid, out, raw.issues, name, col
        )
    out = out.drop(columns=["_p", "_k"]).reset_index(drop=True)
    for c in ("employee", "period", "kpi", *(n for n, _ in attrs)):
        out[c] = out[c].astype("str")
    return out, raw.issues


class _EventKeys:
    """Each event's employee and period, which events count, and the employee × period grid.

    The grid holds every period from each employee's first to last event, so that a
    period without events is a 0 (or absent, for means and ratios), not a gap.
    """

    def __init__(
        self, raw: Any, cols: _Columns, emp_col: str, date_col: str, freq: str, where: Any = None
    ):
        issues, rows = raw.issues, raw.rows
        self.emp = emp = cols.text(emp_col)
        period, d_missing = _periods(raw.frame[date_col], freq)
        e_missing = emp.isna().to_numpy()
        d_bad = period.isna().to_numpy() & ~d_missing
        if e_missing.any():
            issues.add("missing_employee", raw.original[emp_col], rows[e_missing])
        if d_missing.any():
            issues.add("missing_date", raw.original[date_col], rows[d_missing], severity="warning")
        if d_bad.any():
            issues.add("bad_date", raw.original[date_col], rows[d_bad], raw.frame[date_col][d_bad])
        self.valid = valid = ~(e_missing | d_missing | d_bad)
        self.share: np.ndarray | None = None  # each event's credit share (split credit)
        if where:
            _filter_events(self, cols, raw, where)
        self.pidx = np.full(len(rows), -1, dtype=np.int64)
        if valid.any():
            self.pidx[valid] = _period_index(period[valid], freq)
        keys = pd.DataFrame({"employee": emp[valid].to_numpy(), "_p": self.pidx[valid]})
        span = keys.groupby("employee", sort=True)["_p"].agg(["min", "max"])
        lengths = (span["max"] - span["min"] + 1).to_numpy()
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        grid_p = np.repeat(span["min"].to_numpy(), lengths) + (np.arange(lengths.sum()) - starts)
        self.grid = pd.MultiIndex.from_arrays(
            [np.repeat(span.index.to_numpy(), lengths), grid_p], names=["employee", "_p"]
        )


def _filter_events(keys: _EventKeys, cols: _Columns, raw: Any, where: str) -> None:
    """Only the events where ``where`` holds count; none left is an error."""
    for cond in parse_conditions(where):
        keys.valid &= condition_mask(cond, cols, context=f"{raw.name}: --where")
    if not keys.valid.any():
        raise DefinitionError(
            f"{raw.name}: --where '{where}' keeps no event of {len(raw.rows):,}.\n"
            "Suggestion: check the values, or combine fewer conditions."
        )


def _numbers_of(spec: Aggregate, cols: _Columns, raw: Any, mask: np.ndarray) -> np.ndarray:
    """The numbers a sum or mean adds up, each problem cell reported once with its row."""
    assert spec.column is not None
    issues, rows = raw.issues, raw.rows
    numbers, missing, bad = cols.numbers(spec.column)
    read = cols.read(spec.column)
    excel = read.excel if read.excel is not None else np.zeros(len(rows), dtype=bool)
    text = cols.text(spec.column)
    note = f"(in measure {spec.name!r})"
    formula = _formula_mask(raw, spec.column)  # XLSX formulas never calculated
    if formula is not None:
        cols.report(issues, "formula", spec.column, formula & mask, text, note)
        bad = bad & ~formula
    cols.report(issues, "bad_number", spec.column, bad & ~excel & mask, text, note)
    cols.report(issues, "excel_error", spec.column, excel & mask, text, note)
    cols.report(issues, "missing_number", spec.column, missing & mask, None, note)
    if read.converted is not None and spec.column not in cols.reported:
        cols.reported.add(spec.column)  # once per column, whichever measures use it
        issues.add(
            "converted",
            raw.original[spec.column],
            rows[read.converted],
            read.shown,
            severity="warning",
        )
    return numbers[mask]


def _aggregate(spec: Aggregate, cols: _Columns, raw: Any, keys: _EventKeys) -> pd.Series:
    """One aggregate measure over the employee × period grid."""
    mask = keys.valid.copy()
    for cond in spec.where:
        mask &= condition_mask(cond, cols, context=f"Measure {spec.name!r}")
    weight = None if keys.share is None else keys.share[mask]
    if spec.func in ("sum", "mean"):
        series = pd.Series(_numbers_of(spec, cols, raw, mask))
    elif spec.func == "nunique":
        assert spec.column is not None
        series = pd.Series(cols.text(spec.column)[mask].to_numpy())
    else:
        present = (
            np.ones(len(raw.rows), dtype=bool)
            if spec.column is None
            else cols.text(spec.column).notna().to_numpy()
        )
        series = pd.Series(present[mask].astype(float))
    by = [keys.emp[mask].to_numpy(), keys.pidx[mask]]
    if weight is not None and spec.func != "nunique":
        result = _weighted(spec.func, series, pd.Series(weight), by)
    else:
        result = _plain(spec.func, series.groupby(by, sort=False))
    result.index.names = ["employee", "_p"]
    fill = np.nan if spec.func == "mean" else 0.0
    return result.reindex(keys.grid, fill_value=fill).astype(float)


def _plain(func: str, grouped: Any) -> pd.Series:
    if func == "count":
        return grouped.sum()
    if func == "sum":
        # summing binary floats leaves noise (474112.16000000003): money and counts
        # never need more than 10 decimals
        return grouped.sum(min_count=0).round(10)
    if func == "mean":
        return grouped.mean().round(10)
    return grouped.nunique().astype(float)


def _weighted(func: str, series: pd.Series, weight: pd.Series, by: list) -> pd.Series:
    """Split credit: each value (or event, for ``count``) counted by its share."""
    present = series.notna()
    amount = (series.fillna(0.0) * weight).groupby(by, sort=False).sum()
    if func != "mean":
        return amount.round(10)
    shares = weight.where(present, 0.0).groupby(by, sort=False).sum()
    return (amount / shares.where(shares > 0)).round(10)


def _ratio(spec: Ratio, values: Mapping[str, pd.Series], grid: pd.MultiIndex) -> pd.Series:
    """A ratio of measures; a 0/0 (or x/0) is no value, never an infinity."""
    env = {name: values[name] for name in spec.expr.names}
    result = spec.expr.evaluate(env, on_zero_division="nan")
    if np.ndim(result) == 0:
        result = pd.Series(float(result), index=grid)
    result = pd.Series(result, index=grid, dtype=float)
    result[~np.isfinite(result.to_numpy())] = np.nan
    return result


def _long_rows(
    specs: Sequence[Aggregate | Ratio],
    values: Mapping[str, pd.Series],
    grid: pd.MultiIndex,
    freq: str,
    issues: Any,
) -> pd.DataFrame:
    """The measures as long rows, ordered by employee, period and measure."""
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
    return pd.concat(parts, ignore_index=True).sort_values(["employee", "_p", "_k"], kind="stable")


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


def aggregate_events(
    events: Any,
    *,
    employee: str,
    date: str,
    measures: Mapping[str, str] | Sequence[str],
    freq: str = "month",
    attributes: Sequence[str] = (),
    sheet: str | int | None = None,
    where: str | None = None,
    credit: str | tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Build per-employee monthly (or quarterly) KPIs from an event table.

    See :mod:`kpitools.data.measures` for the measure grammar and
    :mod:`kpitools.data.credit` for ``credit`` (split deals). Rows are warned about
    (empty dates: skipped; empty summed values; undefined ratios) with
    :func:`warnings.warn`; bad rows (no employee, unreadable dates or numbers) raise
    :class:`DataValidationError`.

    Examples
    --------
    >>> kpis = aggregate_events(  # doctest: +SKIP
    ...     "deals.csv", employee="sales_agent", date="close_date",
    ...     measures=["won_revenue=sum(close_value) where deal_stage == Won", "deals=count"])
    """
    table, issues = run_aggregation(
        events,
        employee=employee,
        date=date,
        measures=measures,
        freq=freq,
        attributes=attributes,
        sheet=sheet,
        where=where,
        credit=credit,
    )
    lines = issues.lines(severity="warning")
    if lines:
        warnings.warn("\n".join([f"{issues.file}: warnings:", *lines]), UserWarning, stacklevel=2)
    return table
