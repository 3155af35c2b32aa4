"""Problems found while reading data, each with its rows, and the data quality report."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from .values import values_table

__all__ = ["DataQualityReport"]


_FAILURE_COLUMNS = ["file", "row", "column", "value", "problem", "severity"]


_EXAMPLES = 10


# --------------------------------------------------------------------------- problems
# key -> (what is wrong, how to fix it). One place for every message the loader prints.
_PROBLEMS: dict[str, tuple[str, str]] = {
    "bad_row": (
        "wrong number of fields",
        "every line needs one value per header column; quote values that contain the delimiter.",
    ),
    "missing_employee": ("no employee id", "fill in the employee id or delete the row."),
    "missing_kpi": ("no KPI id", "fill in the KPI id or delete the row."),
    "missing_period": ("no period", "fill in the period, e.g. 2025-01 or 2025-Q1."),
    "bad_period": (
        "cannot read the period",
        "write periods as YYYY-MM (2025-01), YYYY-Qn (2025-Q1) or a date (2025-01-15).",
    ),
    "missing_actual": ("no actual value", "fill in the number or delete the row."),
    "bad_actual": (
        "not a number",
        "write plain numbers (1234.5, or 1234,5 in a ';' file) without units or text.",
    ),
    "bad_target": (
        "target is not a number",
        "write plain numbers, or leave the cell empty when there was no target.",
    ),
    "excel_error": (
        "the cell holds an Excel error value (#N/A, #DIV/0!, #VALUE! …), not a number",
        "fix the formula in the source sheet so that it gives a number (or clear the cell "
        "if there is no value), then save or export the file again.",
    ),
    "formula": (
        "formula without a calculated value (the workbook was saved by a program that "
        "does not calculate formulas): the value is unknown",
        "open the workbook in Excel (or LibreOffice) and save it, so that the formulas are "
        "calculated, or export the sheet to CSV; then load it again.",
    ),
    "converted": (
        "written with %, a currency or accounting brackets: read as numbers",
        "nothing to do if the readings are right (a percentage is kept as a fraction: "
        "35% → 0.35); otherwise write plain numbers.",
    ),
    "percent_mixed": (
        "number above 1 in a KPI written elsewhere with %: kept as written, "
        "not read as a percentage",
        "write every value of the KPI the same way, as 35% or as 0.35 (12 is read as 12, "
        "that is 1,200%; if it means 12%, write 12% or 0.12).",
    ),
    "mixed_currency": (
        "amounts in another currency than the KPI's other amounts: kept with their currency",
        "give the run a currency and rates (currency: USD, fx: {EUR: 1.08} in the scheme or "
        "design): simulate and report convert every amount before anything is summed.",
    ),
    "bad_currency": (
        "not a currency code",
        "write the three-letter ISO 4217 code, e.g. USD, EUR, RUB, or leave the cell empty.",
    ),
    "currency_conflict": (
        "two currencies for one row's amounts",
        "write the row's amounts in one currency (the currency column, the actual and the "
        "target must agree).",
    ),
    "currency_sum": (
        "duplicate rows in different currencies: they cannot be summed",
        "convert the amounts to one currency, or keep one row per employee, period and KPI.",
    ),
    "whole_percent": (
        "percent KPI written as whole percentages (its values are mostly above 2, that is "
        "200%): read as written",
        "percent KPIs are stored as fractions: write 0.35 or 35% for 35%; nothing to do if "
        "the values really are that high.",
    ),
    "bad_as_of": (
        "as_of is not a month",
        "write the month the value was known in as YYYY-MM (e.g. 2025-03).",
    ),
    "as_of_before_period": (
        "as_of before the period it restates: a value cannot be known before its period",
        "check the two dates: as_of is the month the value was known in (its period, or a "
        "later month for a restatement).",
    ),
    "restated": (
        "restated value (another row for the same employee × period × KPI known in a later "
        "as_of month)",
        "nothing to do: a scheme with clawback: pays the first-known value and pays or claws "
        "back the difference in the as_of month of the restatement; without clawback: the "
        "latest value is used.",
    ),
    "duplicate": (
        "duplicate employee × period × KPI",
        "keep one row per employee, period and KPI, or sum them with duplicates='sum' "
        "(CLI: --sum-duplicates).",
    ),
    "negative": (
        "negative value for a KPI that cannot be negative",
        "check the sign; a negative count or duration is a data entry error.",
    ),
    "implausible_size": (
        "value of 10^15 or more: beyond anything one person does in a period, and too big "
        "to compute pay from",
        "check the cell in the source (an export error, a unit mix-up, digits pasted twice) "
        "and correct it or delete the row.",
    ),
    "beyond_limits": (
        "value outside the KPI's stated limits (a share above 1, a rating off its scale)",
        "check the value and its unit (a share is 0.35 or 35%, not 35).",
    ),
    "off_scale": (
        "rating off its scale (the KPI is type: rating with a scale in the library)",
        "enter the rating on the KPI's scale (0 to 5 for scale: [0, 5]), or correct the "
        "scale in your library file.",
    ),
    "implausible_outlier": (
        "value far outside the KPI's other values for the same role (over 10 robust "
        "standard deviations from their median; amounts on a log scale)",
        "check the value in the source (extra zeros, another unit or currency); nothing to "
        "do if it is right.",
    ),
    "negative_reversible": (
        "net negative value of a reversible KPI (credit notes, returns or cancellations "
        "above the period's sales): kept",
        "nothing to do if credit notes exceed the period's sales; a commission on it is "
        "negative and is recovered from that period's payment.",
    ),
    "unknown_kpi": (
        "KPI not in the library",
        "check the spelling, or add the KPI to your own library file.",
    ),
    "summed": (
        "duplicate rows summed (duplicates='sum')",
        "nothing to do if the rows are parts of one total.",
    ),
    "empty_cell": (
        "empty cell: no row made for this KPI",
        "nothing to do if the employee has no such KPI; otherwise fill in the number.",
    ),
    "ignored_column": (
        "column ignored",
        "rename it to one of employee, period, kpi, actual, target, role, team, region, "
        "manager if it is meant to be used.",
    ),
    "not_numeric_column": (
        "column has no numbers: ignored, not a KPI",
        "rename it to role, team, region or manager to keep it, or delete it.",
    ),
    "orphan_target": (
        "target column without its KPI column: ignored",
        "add the KPI column, or rename the target column to target_<kpi>.",
    ),
    "mixed_periods": (
        "periods of different lengths in one table (months, quarters, years)",
        "fine for KPIs measured quarterly or yearly; otherwise write every period the same "
        "way (schemes roll months up to quarters and years, never the other way).",
    ),
    "extra_cell": (
        "value right of the last header column: ignored",
        "give the column a header, or delete the stray value.",
    ),
    "numeric_id": (
        "employee id stored as a number while other ids have leading zeros "
        "(Excel drops them: 7 may be the same employee as 007)",
        "format the employee column as Text in Excel and type the ids again with their zeros.",
    ),
    "missing_date": ("no date: event skipped", "fill in the date if the event counts."),
    "bad_date": (
        "cannot read the date",
        "write dates as YYYY-MM-DD (2025-01-15), DD.MM.YYYY or M/D/YYYY.",
    ),
    "bad_number": (
        "not a number",
        "write plain numbers without units or text, or filter the rows out with 'where'.",
    ),
    "missing_number": (
        "empty value: not counted in the sum/mean",
        "fill in the number if the event should count.",
    ),
    "undefined_ratio": (
        "ratio undefined (division by zero): no row made",
        "nothing to do if there was nothing to divide; the KPI is absent for that month.",
    ),
    "roster_duplicate": (
        "employee listed more than once",
        "keep one row per employee (a move between teams is a change of the row).",
    ),
    "roster_unknown_manager": (
        "manager is not an employee of the roster",
        "nothing to do unless that manager is paid on their reports (scope: reports): then "
        "add them to the roster; check that the column holds employee ids, not names.",
    ),
    "roster_manager_cycle": (
        "managers in a circle (someone manages themselves, directly or through others)",
        "give the person at the top of the chain an empty manager.",
    ),
    "roster_bad_date": (
        "cannot read the date",
        "write dates as YYYY-MM-DD (2025-01-15), DD.MM.YYYY or M/D/YYYY; leave a leave date "
        "empty for people still there.",
    ),
    "roster_leave_before_hire": (
        "leave date before the hire date",
        "check both dates.",
    ),
    "roster_fte": (
        "FTE out of range (it is a share of full time: above 0, at most 1)",
        "write 0.5 for half time and 1 for full time (not 50 or 100).",
    ),
    "roster_bad_number": (
        "not a number",
        "write plain numbers (1234.5) without units or text.",
    ),
    "roster_negative": (
        "negative amount",
        "check the sign: pay is never negative.",
    ),
    "roster_currency": (
        "not a currency code",
        "write the three-letter ISO 4217 code, e.g. USD, EUR, RUB.",
    ),
    "bad_share": (
        "credit share is not a number from 0 to 1",
        "write each employee's part of the event as 0.6 or 60%.",
    ),
    "missing_share": (
        "empty credit share on an event with several rows",
        "write each row's share; the shares of an event add up to 1.",
    ),
    "share_total": (
        "credit shares of an event do not add up to 1",
        "correct the shares so that each event's rows add up to 1 (100%).",
    ),
    "split_value": (
        "rows of one split event give different values",
        "write the whole event's value on each of its rows; the share says each one's part.",
    ),
    "mixed_attribute": (
        "several values in one employee × period: the most frequent one kept",
        "nothing to do if the employee moved during the period; otherwise check the column "
        "(is the employee id unique on its own?).",
    ),
}


class _Issues:
    """Collects every problem found, one DataFrame chunk per problem and column."""

    def __init__(self, file: str):
        self.file = file
        self.chunks: list[pd.DataFrame] = []
        self.notes: dict[tuple[str, str], str] = {}
        self._cache: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}

    def _cached(self, what: str, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """``frame``/``summary`` are asked for many times; issues are only ever added."""
        key = (len(self.chunks), len(self.notes))
        hit = self._cache.get(what)
        if hit is None or hit[0] != key:
            hit = (key, build())
            self._cache[what] = hit
        return hit[1].copy()

    def add(
        self,
        key: str,
        column: str | None,
        rows: Any,
        values: Any = None,
        *,
        severity: str = "error",
        note: str = "",
    ) -> None:
        rows = np.asarray(rows, dtype=object).ravel()
        n = len(rows)
        if n == 0:
            return
        values = np.full(n, pd.NA, dtype=object) if values is None else _show_many(values)
        self.chunks.append(
            pd.DataFrame(
                {
                    "file": self.file,
                    "row": pd.array(rows, dtype="Int64"),
                    "column": column if column is not None else pd.NA,
                    "value": pd.array(values, dtype="object"),
                    "problem": _PROBLEMS[key][0],
                    "severity": severity,
                    "_key": key,
                }
            )
        )
        if note:
            self.notes[(key, column or "")] = note

    def add_general(self, key: str, column: str | None, *, severity: str, note: str = "") -> None:
        """A problem that belongs to a column or the file, not to rows."""
        self.chunks.append(
            pd.DataFrame(
                {
                    "file": [self.file],
                    "row": pd.array([pd.NA], dtype="Int64"),
                    "column": [column if column is not None else pd.NA],
                    "value": pd.array([pd.NA], dtype="object"),
                    "problem": [_PROBLEMS[key][0]],
                    "severity": [severity],
                    "_key": [key],
                }
            )
        )
        if note:
            self.notes[(key, column or "")] = note

    def frame(self) -> pd.DataFrame:
        """Every issue, one row per bad row (or column), in file order."""
        return self._cached("frame", self._frame)

    def _frame(self) -> pd.DataFrame:
        if not self.chunks:
            out = pd.DataFrame({c: pd.Series(dtype="object") for c in [*_FAILURE_COLUMNS, "_key"]})
            out["row"] = out["row"].astype("Int64")
            return out
        out = pd.concat(self.chunks, ignore_index=True)
        return out

    @property
    def n_errors(self) -> int:
        """Number of distinct error problems (problem × column)."""
        full = self.frame()
        errors = full[full["severity"] == "error"]
        return len(errors.groupby(["_key", errors["column"].fillna("")], sort=False))

    def headline(self, what: str) -> str:
        full = self.frame()
        errors = full[full["severity"] == "error"]
        n = self.n_errors
        bad_rows = int(errors["row"].dropna().nunique())
        rows = f" in {bad_rows:,} row{'s' if bad_rows != 1 else ''}" if bad_rows else ""
        return f"{self.file}: {n:,} problem{'s' if n != 1 else ''}{rows}; nothing was {what}."

    def summary(self) -> pd.DataFrame:
        """One row per problem and column: severity, column, problem, count, examples."""
        return self._cached("summary", self._summary)

    def _summary(self) -> pd.DataFrame:
        full = self.frame()
        cols = ["severity", "column", "problem", "count", "rows", "note"]
        if full.empty:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
        records = []
        for (key, column, severity), grp in full.groupby(
            ["_key", full["column"].fillna(""), "severity"], sort=False
        ):
            rows = grp["row"]
            counted = int((rows.notna() | grp["value"].notna()).sum())
            records.append(
                {
                    "severity": severity,
                    "column": column or None,
                    "problem": _PROBLEMS[key][0],
                    "count": counted,
                    "_unit": "row" if rows.notna().any() else "case",
                    "rows": _examples(grp),
                    "note": self.notes.get((key, column), ""),
                    "_key": key,
                    "_first": rows.min() if counted else -1,
                }
            )
        out = pd.DataFrame.from_records(records)
        out["_order"] = (out["severity"] != "error").astype(int)
        out = out.sort_values(["_order", "_first"], kind="stable").drop(
            columns=["_order", "_first"]
        )
        return out.reset_index(drop=True)

    def lines(self, *, severity: str | None = None) -> list[str]:
        out = []
        summary = self.summary()
        if severity is not None:
            summary = summary[summary["severity"] == severity]
        for rec in summary.to_dict("records"):
            column = rec["column"]
            where = f"column {column!r}: " if isinstance(column, str) and column else ""
            line = f"- {where}{rec['problem']}"
            if rec["count"]:
                count = rec["count"]
                line += f" ({count:,} {rec['_unit']}{'s' if count != 1 else ''}): {rec['rows']}"
            if rec["note"]:
                line += rec["note"] if rec["note"].startswith("\n") else f" {rec['note']}"
            out.append(line)
            out.append(f"  Suggestion: {_PROBLEMS[rec['_key']][1]}")
        return out

    def error(self, head: str) -> DataValidationError:
        message = "\n".join([head, *self.lines(severity="error")])
        return DataValidationError(message, self.failure_cases())

    def failure_cases(self) -> pd.DataFrame:
        full = self.frame()
        return full[full["severity"] == "error"].drop(columns="_key").reset_index(drop=True)


def _show_many(values: Any) -> np.ndarray:
    """Cell values as text for messages (vectorised); whole floats without ``.0``."""
    if isinstance(values, pd.Series):
        series = values.reset_index(drop=True)
    else:
        series = pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)
    if pd.api.types.is_float_dtype(series.dtype):
        arr = series.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(arr) & (np.mod(np.nan_to_num(arr, posinf=0.5, neginf=0.5), 1) == 0)
        text = np.where(whole, np.char.mod("%d", np.where(whole, arr, 0)), arr.astype(str))
        out = text.astype(object)
    else:
        out = series.astype("str").to_numpy(dtype=object)
    out[series.isna().to_numpy()] = pd.NA
    return out


_SHOWN_AS_IS = {"converted"}  # values already written as "'35%' → 0.35"


def _examples(grp: pd.DataFrame) -> str:
    grp = grp[grp["row"].notna() | grp["value"].notna()].sort_values("row", kind="stable")
    parts = []
    for row, value in zip(grp["row"].head(_EXAMPLES), grp["value"].head(_EXAMPLES), strict=True):
        if row is pd.NA:
            parts.append(str(value))
        else:
            shown = value if grp["_key"].iloc[0] in _SHOWN_AS_IS else repr(value)
            parts.append(f"row {row}" if value is pd.NA else f"row {row} ({shown})")
    text = ", ".join(parts)
    more = len(grp) - _EXAMPLES
    if more > 0:
        text += f" … and {more:,} more"
    return text


def _fatal(file: str, message: str, column: str | None = None) -> DataValidationError:
    cases = pd.DataFrame(
        {
            "file": [file],
            "row": pd.array([pd.NA], dtype="Int64"),
            "column": [column if column is not None else pd.NA],
            "value": pd.array([pd.NA], dtype="object"),
            "problem": [message.splitlines()[0]],
            "severity": ["error"],
        }
    )
    return DataValidationError(message, cases)


class _CarefulNeeded(Exception):  # noqa: N818 - a signal, not an error
    """The fast CSV reader accepted a file the careful reader must read (a line break)."""


# --------------------------------------------------------------------------- report
@dataclass(frozen=True, kw_only=True)
class DataQualityReport:
    """What :func:`check` found in a data file.

    Attributes
    ----------
    file : str
        The file (or ``<DataFrame>``).
    layout : str
        ``"long"`` or ``"wide"`` (as detected or forced).
    rows_read : int
        Data rows in the file (blank lines not counted).
    rows_kept : int
        Rows of the clean long table (for a wide file: employee × period × KPI rows).
    issues : pandas.DataFrame
        One row per problem and column: ``severity, column, problem, count, rows, note``.
    failure_cases : pandas.DataFrame
        Every bad row: ``file, row, column, value, problem, severity``.
    data : pandas.DataFrame or None
        The clean long table, or None when there are errors.
    values : pandas.DataFrame
        Per KPI of the rows kept: ``kpi, unit, rows, employees, min, median, max`` (the unit
        from the KPI library, where it knows the KPI): what was read, to see at a glance a
        decimal comma misread as thousands or a column in the wrong unit.
    notes : tuple of str
        What the roster and the filter did (:func:`check` with ``roster`` or ``where``).
    """

    file: str
    layout: str
    rows_read: int
    rows_kept: int
    issues: pd.DataFrame
    failure_cases: pd.DataFrame
    data: pd.DataFrame | None
    employees: int = 0
    periods: tuple[str, ...] = ()
    kpis: tuple[str, ...] = ()
    values: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    notes: tuple[str, ...] = ()
    _lines: tuple[str, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings are allowed)."""
        return self.n_errors == 0

    @property
    def n_errors(self) -> int:
        """Errors found (each problem counts its rows, at least one)."""
        return int(self.issues.loc[self.issues["severity"] == "error", "count"].clip(lower=1).sum())

    @property
    def n_warnings(self) -> int:
        """Warnings found: one per kind of problem and column."""
        return int((self.issues["severity"] == "warning").sum())

    def _header(self) -> list[tuple[str, str]]:
        if self.periods:
            span = f"{self.periods[0]} .. {self.periods[-1]} ({len(self.periods)})"
        else:
            span = "-"
        kept = "long rows kept" if self.layout == "wide" else "rows kept"
        kpis = ", ".join(self.kpis[:20]) + (f" … ({len(self.kpis)})" if len(self.kpis) > 20 else "")
        return [
            ("file", self.file),
            ("layout", self.layout),
            ("rows read", f"{self.rows_read:,}"),
            (kept, f"{self.rows_kept:,}"),
            ("employees", f"{self.employees:,}"),
            ("periods", span),
            ("KPIs", kpis or "-"),
        ]

    def __str__(self) -> str:
        out = ["Data quality report"]
        out += [f"  {k + ':':<17}{v}" for k, v in self._header()]
        if self.notes:
            out += ["Roster and filter:", *(f"  - {note}" for note in self.notes)]
        if len(self.values):
            out += ["Values per KPI:", *("  " + line for line in values_table(self.values))]
        n_err = int((self.issues["severity"] == "error").sum())
        if self.issues.empty:
            out.append("Issues: none")
        else:
            out.append(f"Issues: {n_err} error(s), {self.n_warnings} warning(s)")
            out += ["  " + line.replace("\n", "\n  ") for line in self._lines]
        out.append(
            "Result: OK" + (" (with warnings)" if self.n_warnings else "")
            if self.ok
            else "Result: errors found: fix them and check again (nothing was loaded)."
        )
        return "\n".join(out)

    def __repr__(self) -> str:
        return (
            f"DataQualityReport(file={self.file!r}, layout={self.layout!r}, ok={self.ok}, "
            f"rows_read={self.rows_read}, rows_kept={self.rows_kept}, "
            f"issues={len(self.issues)})"
        )

    def _repr_html_(self) -> str:
        status = "OK" if self.ok else "errors found"
        colour = "#1a7f37" if self.ok else "#b42318"
        head = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._header()
        )
        issues = (
            self.issues.drop(columns=[c for c in self.issues.columns if c.startswith("_")]).to_html(
                index=False, escape=True, na_rep=""
            )
            if not self.issues.empty
            else "<p>No issues.</p>"
        )
        return (
            "<div class='kpitools-data-report'><h4>Data quality report: "
            f"<span style='color:{colour}'>{status}</span></h4>"
            f"<table>{head}</table>{issues}</div>"
        )
