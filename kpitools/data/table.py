"""Historical performance data: load, validate, reshape and save the long table.

The canonical ("long") table has one row per employee × period × KPI::

    employee  period   kpi      actual   target  role  team  region  manager
    "007"     2025-01  revenue  120000.0  1e5    ...

``employee`` is text (``007`` stays ``007``), ``period`` is ``YYYY-MM`` (dates are
floored to their month) or ``YYYY-Qn`` for quarterly data, ``actual`` and ``target``
are floats (``target`` NaN where none). File order is kept.

Sources: CSV (``,``/``;``/tab delimited, decimal point or decimal comma, UTF-8 with or
without BOM, or cp1251), XLSX, Parquet, or a DataFrame; long or wide. Every problem is
collected (never only the first) and reported with the row number as the user sees it
in the file: the header of a CSV is line 1, so the first data row is row 2; in an XLSX
file it is the spreadsheet row; in Parquet the 1-based record number; for a DataFrame
the index label.

Choices written down here (a consultant's expectations):

- Blank lines are skipped; they are not data and keep row numbers exact.
- A *long* table with an empty ``actual`` is an error. In a *wide* table an empty
  cell means "no value for this KPI" (a role without that KPI): no row is made and the
  cells are reported as a warning.
- In a ``;`` or tab delimited CSV, and in XLSX text cells, a comma is the decimal
  separator (``1 234,5``); in a ``,`` delimited CSV a comma can only be a thousands
  separator inside quotes (``"1,234.5"``). Spaces inside numbers are thousands separators.
- Numbers as spreadsheets and CRMs export them are read, and each column that had such
  cells gets one warning listing them (``row 2 ('35%' → 0.35)``): a percentage becomes
  a fraction (``35%`` → 0.35, as percent KPIs are stored), a currency sign or code
  before or after the amount is dropped (``$ € £ ¥ ₽ ₸ ₴ руб. р. RUB USD EUR GBP CHF
  CNY JPY KZT UAH BYN``), accounting brackets make it negative (``(1,234)`` →
  -1234), as does SAP's trailing minus (``1.234,50-``); a currency with a dash alone
  is Excel's accounting zero (``$ -`` → 0). A Unicode minus (``−12``) and exponents
  (``1.2E+03``) are plain numbers; ``1,234.50`` and ``1.234,50`` (both separators)
  are read in any file. A number above 1 in a KPI whose other cells are written with
  % is kept as written and named in a warning (``12`` next to ``35%``: 12% or
  1,200%?); with a library, so is a percent KPI whose plain values are mostly above
  2 (``35`` typed for 35%).
- Excel error values (``#N/A``, ``#DIV/0!``, ``#VALUE!``, ``#REF!`` …) are errors of
  their own, not "not a number". In XLSX, a formula without a calculated value (a
  workbook written by a script) is an error, never an empty cell: the workbook is
  read a second time, with its formulas, only when a number column has empty cells.
- With ``duplicates="sum"`` duplicate employee × period × KPI rows are summed (the
  target is the first one given) and reported as a warning.
- Periods: ``2025-01``, ``2025-1``, ``2025/01``, ``202501``, ``01.2025``, ``Jan 2025``,
  dates and datetimes (``2025-01-15``, ``2025-01-15 00:00:00.000``, ``15.01.2025``,
  US ``1/15/2025``) become ``YYYY-MM``; ``2025Q1``, ``2025-Q1``, ``2025-q1``, ``Q1 2025``
  become ``YYYY-Qn``. Monthly and quarterly rows in one table are allowed (a KPI measured
  quarterly) but reported as a warning.
- Columns other than the canonical ones are ignored with a warning; in a wide table a
  column without any number is not a KPI (warning).
- A CSV record must fit on one line (no line breaks inside quoted values), which keeps
  line numbers and row numbers the same.
- Excel's first line ``sep=;`` (or ``sep=,``, ``sep=<tab>``) names the delimiter; it is
  skipped, so the header is line 2 and the first data row is row 3.
- A title above the header (``KPI for January``, then blank rows) is not skipped: the
  error names the row that holds the column names and asks to delete the rows above.
- XLSX employee ids typed as numbers become text (``7`` → ``"7"``, never ``"7.0"``);
  when other ids of the column keep leading zeros (``"007"``) the numeric cells are a
  warning, as Excel drops the zeros of ids typed as numbers.
- Two CSV readers, one result. A fast one (pandas' C parser, about 1.5× a bare
  ``pandas.read_csv``) takes the files it reads exactly as the careful one (arrow,
  which knows every line number) does; anything unusual goes to the careful one: a
  field too many or too few, blank lines, number cells that are not plain numbers
  (thousands separators, units, text, True/False, infinities), a line break inside
  quotes, bytes that are not UTF-8 after the first 64 KB. pandas pads a short row
  with empty cells, so empty cells in the *last* column are only accepted when the
  line ends in the file prove each of those rows complete. Ids such as ``007`` that
  look numeric stay with the fast reader, read as text. Tests compare both readers
  on the same files.

Examples
--------
>>> df = load("history.csv")  # doctest: +SKIP
>>> print(check("history.xlsx", sheet="2025"))  # doctest: +SKIP
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import difflib
import html
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._util.files import atomic_path
from ..errors import DataValidationError, DefinitionError, KpitoolsError, did_you_mean

__all__ = [
    "ATTRIBUTES",
    "CANONICAL_COLUMNS",
    "DataQualityReport",
    "aggregate_events",
    "check",
    "check_output_path",
    "from_wide",
    "load",
    "parse_periods",
    "save",
    "to_wide",
]

ATTRIBUTES: tuple[str, ...] = ("role", "team", "region", "manager")
CANONICAL_COLUMNS: tuple[str, ...] = ("employee", "period", "kpi", "actual", "target", *ATTRIBUTES)
_LONG_REQUIRED = ("employee", "period", "kpi", "actual")
_WIDE_REQUIRED = ("employee", "period")
_FAILURE_COLUMNS = ["file", "row", "column", "value", "problem", "severity"]
_EXAMPLES = 10
_LAYOUTS = ("auto", "long", "wide")
_DUPLICATES = ("error", "sum")

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
        "amounts in another currency than the KPI's other amounts: not converted",
        "convert the amounts to one currency before loading (kpitools never converts "
        "currencies); nothing to do if each employee is paid in the currency of the amounts.",
    ),
    "whole_percent": (
        "percent KPI written as whole percentages (its values are mostly above 2, that is "
        "200%): read as written",
        "percent KPIs are stored as fractions: write 0.35 or 35% for 35%; nothing to do if "
        "the values really are that high.",
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
        "monthly and quarterly periods in one table",
        "fine for KPIs measured quarterly; otherwise write every period the same way "
        "(schemes roll months up to quarters, never quarters down to months).",
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


# --------------------------------------------------------------------------- reading
@dataclass
class _Raw:
    """A table as read: normalised column names, text or numeric columns, user row numbers."""

    frame: pd.DataFrame
    row_numbers: np.ndarray | int  # an int: rows are numbered on from it (made when needed)
    name: str
    kind: str
    decimal_comma: bool
    original: dict[str, str]
    issues: _Issues
    # text columns whose values a long-table validation must check for line breaks
    # (the fast CSV reader leaves that to the unique values; see _CarefulNeeded)
    break_check: tuple[str, ...] = ()
    # XLSX: per number column, the row numbers of formulas Excel never calculated (the
    # cells hold the formula text)
    formulas: dict[str, np.ndarray] = field(default_factory=dict)
    # XLSX: the first rows under the header, every cell as text (a header further down
    # can be wider than the title row read as the header)
    head: tuple[tuple[int, tuple[str, ...]], ...] = ()

    @property
    def rows(self) -> np.ndarray:
        """The user's row number of every row of ``frame``."""
        if isinstance(self.row_numbers, int):  # a million-row arange only if asked for
            start = self.row_numbers
            self.row_numbers = np.arange(start, start + len(self.frame), dtype=np.int64)
        return self.row_numbers


class _LazyRows:
    """Row numbers indexed like an array, built only when a problem needs them."""

    def __init__(self, raw: _Raw):
        self._raw = raw

    def __len__(self) -> int:
        return len(self._raw.frame)

    def __getitem__(self, index: Any) -> np.ndarray:
        return self._raw.rows[index]


class _CarefulNeeded(Exception):  # noqa: N818 - a signal, not an error
    """The fast CSV reader accepted a file the careful reader must read (a line break)."""


_WS = re.compile(r"\s+")


def normalise_column(name: Any) -> str:
    """Column name as matched: stripped, lower case, inner spaces as ``_``.

    Examples
    --------
    >>> normalise_column("  Team Lead ")
    'team_lead'
    """
    return _WS.sub("_", str(name).replace("\ufeff", "").strip().lower())


_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one: rename it to .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (save it as .xlsx or CSV)"),
    (b"PAR1", "a Parquet file (rename it to .parquet)"),
    (b"\xff\xfe", "UTF-16 text (save it as UTF-8)"),
    (b"\xfe\xff", "UTF-16 text (save it as UTF-8)"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CSV_EXT = {".csv", ".txt", ".tsv"}
_XLSX_EXT = {".xlsx", ".xlsm"}
_PARQUET_EXT = {".parquet", ".pq"}


def _read(
    source: Any,
    *,
    sheet: str | int | None = None,
    numeric: Callable[[list[str]], Iterable[str]] | None = None,
    careful: bool = False,
) -> _Raw:
    """Read any supported source into a :class:`_Raw` (text columns stay text)."""
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, "<DataFrame>")
    if not isinstance(source, str | os.PathLike):
        raise DefinitionError(
            f"Data source must be a file path or a pandas DataFrame, got {type(source).__name__}."
        )
    path = Path(source)
    name = str(path)  # as the user typed it
    if not path.exists():
        raise _fatal(name, f"{name}: file not found.\nSuggestion: check the path and its spelling.")
    if path.is_dir():
        raise _fatal(name, f"{name}: is a folder, not a data file.\nSuggestion: name the file.")
    ext = path.suffix.lower()
    if path.stat().st_size == 0:
        raise _fatal(name, f"{name}: the file is empty.\nSuggestion: export the data again.")
    if ext in _CSV_EXT:
        return _read_csv(path, name, numeric, careful=careful)
    if ext in _XLSX_EXT:
        return _read_xlsx(path, name, sheet, numeric)
    if ext in _PARQUET_EXT:
        return _read_parquet(path, name)
    if ext == ".xls":
        raise _fatal(
            name,
            f"{name}: old Excel .xls files are not supported.\n"
            "Suggestion: open it in Excel and save it as .xlsx or CSV.",
        )
    raise _fatal(
        name,
        f"{name}: unknown file type {ext or '(no extension)'!r}.\n"
        "Suggestion: use a .csv, .xlsx or .parquet file.",
    )


def _sniff_head(path: Path, name: str) -> tuple[str, str]:
    """Refuse binary files; guess the encoding from the first 64 KB; return (encoding, text)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise _fatal(
                name,
                f"{name}: this is not a CSV text file: it looks like {what}.\n"
                "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.",
            )
    if b"\x00" in head:
        raise _fatal(
            name,
            f"{name}: this is not a CSV text file: it contains binary data (NUL bytes).\n"
            "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.",
        )
    try:  # a multi-byte character may be cut at the end of the head: not final
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1251"
    return encoding, _decode_head(head, encoding, name)


def _decode_head(head: bytes, encoding: str, name: str) -> str:
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    if _CONTROL.search(text):
        raise _fatal(
            name,
            f"{name}: this is not a CSV text file: it contains control characters "
            f"(read as {encoding}, it is neither valid UTF-8 text nor cp1251 text).\n"
            "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.",
        )
    return text


def _neither(path: Path, name: str, err: Exception) -> DataValidationError:
    """The file is not UTF-8 and not cp1251: name the first byte that fits neither."""
    # 0x98 is the one byte cp1251 leaves undefined
    where = " (byte 0x98 is not valid in either)" if b"\x98" in path.read_bytes() else ""
    return _fatal(
        name,
        f"{name}: cannot read the text: it is neither UTF-8 nor cp1251{where}.\n"
        "Suggestion: save the file as CSV UTF-8.",
    )


_SEP_LINE = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)
_DELIMITERS = {",": "','", ";": "';'", "\t": "tab"}


def _sniff_header(text: str, name: str) -> tuple[str, list[str], int]:
    """``(delimiter, header names, lines to skip before the header)``.

    Excel writes a first line ``sep=;`` (or ``sep=,``) naming the delimiter: it is
    obeyed and skipped, so the header is line 2 and the first data row is row 3.
    """
    first = text.splitlines()[0] if text else ""
    sep = _SEP_LINE.match(first)
    skip = 1 if sep else 0
    if sep and sep.group(1) not in _DELIMITERS:
        raise _fatal(
            name,
            f"{name}: line 1 ({first.strip()!r}) asks for the delimiter {sep.group(1)!r}, "
            "which is not supported.\n"
            "Suggestion: save the file with ',', ';' or tab as the delimiter.",
        )
    lines = [ln for ln in text.splitlines()[skip:] if ln.strip()]
    if not lines:
        raise _fatal(name, f"{name}: the file is empty.\nSuggestion: export the data again.")
    header = lines[0]
    if sep:
        delimiter = sep.group(1)
    else:
        counts = {d: header.count(d) for d in _DELIMITERS}
        delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    names = next(csv.reader([header], delimiter=delimiter))
    return delimiter, names, skip


_FAST_CSV = True  # the tests switch it off to compare both readers on the same files
# what pandas would read as a number or a bool (a superset: a few more columns are read
# as text explicitly, which costs a little time, never a wrong value)
_NUMBER_LIKE = re.compile(
    r"^\s*[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*(true|false|[-+]?inf\w*)\s*$",
    re.IGNORECASE,
)


def _read_csv(path: Path, name: str, numeric: Callable | None, *, careful: bool = False) -> _Raw:
    encoding, head = _sniff_head(path, name)
    if _FAST_CSV and numeric is not None and not careful:
        raw = _read_csv_fast(path, name, numeric, encoding, head)
        if raw is not None:
            return raw
    return _read_csv_careful(path, name, numeric, encoding, head)


def _read_csv_fast(
    path: Path, name: str, numeric: Callable, encoding: str, head: str
) -> _Raw | None:
    """The happy path: pandas' C parser, about twice as fast as the careful reader.

    It only accepts a file it reads exactly as :func:`_read_csv_careful` would; None
    sends anything unusual (a field too many or too few, blank lines, a cell that is
    not a number, a line break inside quotes, an encoding surprise) to the careful
    reader, which finds and reports each problem with its line number.
    """
    delimiter, header, skip = _sniff_header(head, name)
    if not head.splitlines()[skip].strip():
        return None  # blank lines before the header
    original = _check_names(header, name)
    columns = list(original)
    wanted = set(numeric(columns))
    # pandas would read ids such as 007 as numbers: such columns are read as text (slower)
    sample = list(csv.reader(head.splitlines()[skip + 1 : skip + 200], delimiter=delimiter))
    # numbers are inferred, not forced to float64: forcing turns a block of True/False
    # into 1/0, inferring makes it a bool or mixed column, which is refused below
    dtype: dict[str, str] = {}
    for j, c in enumerate(columns):
        if c in _TEXT_COLUMNS:
            cells = [r[j] for r in sample if len(r) > j and r[j].strip()]
            if not cells or any(_NUMBER_LIKE.match(v) for v in cells):
                dtype[c] = "str"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                path,
                sep=delimiter,
                header=0,
                names=columns,
                index_col=False,
                skiprows=skip,
                dtype=dtype,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                decimal="," if delimiter != "," else ".",
                encoding=encoding,
                on_bad_lines="error",
                engine="c",
            )
    except Exception:  # noqa: BLE001 - whatever went wrong, the careful reader says it well
        return None
    if caught:  # e.g. a first row with a field too many (pandas drops it with a warning)
        return None
    break_check: list[str] = []
    if len(frame) == 0:
        return None
    if frame[columns[-1]].isna().any() and not _empty_last_cells(path, frame, skip, delimiter):
        return None  # a short row is padded with NaN: only the careful reader tells it apart
    for c in columns:
        values = frame[c]
        if c in wanted:
            if values.dtype.kind in "iu":  # whole numbers: exact, as the careful reader
                frame[c] = values = values.astype(np.float64)
            if values.dtype != np.float64 or np.isinf(values.to_numpy()).any():
                return None  # text, True/False, infinities
        elif _is_arrow_text(values):
            if c in _TEXT_COLUMNS:
                break_check.append(c)  # checked on its few unique values, if long
            elif _has_line_break(values):
                return None  # a quoted line break: one record over two lines
        elif c in _TEXT_COLUMNS or values.dtype == object:
            return None  # an id read as a number, or mixed types
    raw = _finish(
        frame, 2 + skip, name, "csv", decimal_comma=delimiter != ",", original=original, blank=False
    )
    raw.break_check = tuple(break_check)
    return raw


def _empty_last_cells(path: Path, frame: pd.DataFrame, skip: int, delimiter: str) -> bool:
    """Whether every missing value of the last column is an empty last cell.

    pandas pads a short row with NaN, as if its last cells were empty. A row whose
    last value is missing but whose second-to-last is not was read with that value as
    its next-to-last field: if the line then ends with the delimiter, the row has
    exactly one field per column. Any other case (or lines that do not match the rows
    one to one) goes to the careful reader.
    """
    if frame.shape[1] < 2:
        return False
    rows = np.flatnonzero(frame.iloc[:, -1].isna().to_numpy())
    if frame.iloc[:, -2].isna().to_numpy()[rows].any():
        return False
    import mmap

    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return False
        # mapped, not read: the page cache is scanned in place (2-3x faster than a copy)
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    data = None
    try:
        data = np.frombuffer(mapped, dtype=np.uint8)
        step = 1 << 22  # newline positions chunk by chunk: no file-sized temporaries
        ends = [np.flatnonzero(data[i : i + step] == 10) + i for i in range(0, len(data), step)]
        ends.append(np.array([len(data)] if data[-1] != 10 else [], dtype=np.intp))
        line_end = np.concatenate(ends)
        first = skip + 1  # lines before the first data row
        if len(line_end) != first + len(frame):
            return False  # blank lines or line breaks inside quotes
        before = line_end[first + rows] - 1
        before -= (before > 0) & (data[np.maximum(before, 0)] == 13)  # \r\n
        last = data[np.maximum(before, 0)]  # a copy: the map can be closed
        return bool(((before >= 0) & (last == ord(delimiter))).all())
    finally:
        del data
        mapped.close()


def _has_line_break(values: pd.Series) -> bool:
    """Whether any text of an arrow-backed column holds a CR or LF (scans the bytes)."""
    return _scan_bytes(values, (b"\n", b"\r"))


def _needs_strip(values: pd.Series) -> bool:
    """False when no text of an arrow-backed column can change under ``str.strip()``.

    Every byte ``str.strip()`` may remove is at most 0x20 (space, tab, line breaks,
    other ASCII separators) or part of a non-ASCII character (0x80 and up): bytes
    strictly between them are plain printable ASCII. Two reductions over the bytes,
    no copy, instead of hashing every row.
    """
    for chunk in _arrow_chunks(values):
        data = chunk.buffers()[2]
        if data is None or data.size == 0:
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        if raw.min() <= 0x20 or raw.max() >= 0x80:
            return True
    return False


def _scan_bytes(values: pd.Series, needles: tuple[bytes, ...]) -> bool:
    for chunk in _arrow_chunks(values):
        data = chunk.buffers()[2]
        if data is None:
            continue
        text = data.to_pybytes()  # `in` on bytes is a memchr: far faster than numpy here
        if any(n in text for n in needles):
            return True
    return False


def _read_csv_careful(
    path: Path, name: str, numeric: Callable | None, encoding: str, head: str
) -> _Raw:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    def attempt(encoding: str, head: str, as_float: bool, use_threads: bool):
        delimiter, header, skip = _sniff_header(head, name)
        original = _check_names(header, name)
        wanted = set(numeric(list(original))) if numeric is not None else set()
        # id columns as dictionaries: codes and unique values come free from the parser
        as_dict = pa.dictionary(pa.int32(), pa.large_string())
        types = {
            raw: pa.float64()
            if as_float and norm in wanted
            else as_dict
            if numeric is not None and norm in _TEXT_COLUMNS
            else pa.large_string()
            for norm, raw in zip(original, header, strict=False)
        }
        bad: list = []

        def handler(row) -> str:
            bad.append(row)
            return "skip"

        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(
                encoding="utf8" if encoding == "utf-8" else encoding,
                use_threads=use_threads,
                skip_rows=skip,
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter, ignore_empty_lines=False, invalid_row_handler=handler
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=types,
                strings_can_be_null=True,
                null_values=[""],
                decimal_point="," if delimiter != "," else ".",
            ),
        )
        return table, bad, delimiter, header, original, wanted, skip

    def read(encoding: str, head: str):
        as_float = True
        try:  # numbers parsed by arrow; any bad cell sends us to the careful path
            out = attempt(encoding, head, as_float, True)
        except pa.ArrowInvalid as err:
            if "conversion error" not in str(err):
                raise
            as_float = False
            out = attempt(encoding, head, as_float, True)
        if out[1] and any(b.number is None for b in out[1]):  # only serial reads know lines
            out = attempt(encoding, head, as_float, False)
        return out

    try:
        try:
            table, bad, delimiter, header, original, wanted, skip = read(encoding, head)
        except (pa.ArrowInvalid, UnicodeDecodeError) as err:
            if encoding != "utf-8" or not ("UTF8" in str(err) or isinstance(err, UnicodeError)):
                raise
            encoding = "cp1251"  # invalid UTF-8 after the first 64 KB
            with open(path, "rb") as fh:
                head = _decode_head(fh.read(65536), encoding, name)
            table, bad, delimiter, header, original, wanted, skip = read(encoding, head)
    except UnicodeDecodeError as err:
        raise _neither(path, name, err) from err
    except pa.ArrowInvalid as err:
        if encoding == "cp1251" and "decode" in str(err).lower():
            raise _neither(path, name, err) from err
        raise _fatal(
            name,
            f"{name}: cannot parse the CSV: {err}.\n"
            "Suggestion: check quoting and that every line has the same number of fields.",
        ) from err
    issues = _Issues(name)
    n_total = table.num_rows + len(bad)
    rows = np.arange(2 + skip, n_total + 2 + skip, dtype=np.int64)
    if bad:
        bad_lines = np.array(sorted(b.number for b in bad), dtype=np.int64)
        rows = np.setdiff1d(rows, bad_lines, assume_unique=True)
        n_cols = len(header)
        issues.add(
            "bad_row",
            None,
            [b.number for b in bad],
            [f"{b.actual_columns} of {n_cols} fields: {b.text[:60]}" for b in bad],
        )
    table = table.rename_columns(list(original)).unify_dictionaries()
    for col in wanted & set(table.column_names):
        if pa.types.is_floating(table.schema.field(col).type):
            continue
        try:
            cast = pc.cast(table[col], pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue  # the careful path reports the bad cells with their text
        table = table.set_column(table.column_names.index(col), col, cast)
    # split blocks + self-destruct: no consolidation copy, arrow memory freed as we go
    frame = table.to_pandas(types_mapper=_str_mapper(pa), split_blocks=True, self_destruct=True)
    del table
    return _finish(
        frame, rows, name, "csv", decimal_comma=delimiter != ",", original=original, issues=issues
    )


def _str_mapper(pa):
    dtype = pd.StringDtype(na_value=np.nan)
    mapping = {pa.string(): dtype, pa.large_string(): dtype}
    return mapping.get


def _check_names(header: Sequence[Any], name: str) -> dict[str, str]:
    """Normalised name -> name as written; duplicates after normalising are fatal."""
    original: dict[str, str] = {}
    for raw in header:
        norm = normalise_column(raw)
        if norm == "" or norm.startswith("unnamed:"):
            norm = f"column_{len(original) + 1}"
        if norm in original:
            raise _fatal(
                name,
                f"{name}: columns {original[norm]!r} and {str(raw).strip()!r} both mean "
                f"{norm!r} (names are matched ignoring case and spaces).\n"
                "Suggestion: rename or delete one of them.",
                norm,
            )
        original[norm] = str(raw).replace("\ufeff", "").strip()
    return original


def _finish(
    frame: pd.DataFrame,
    rows: np.ndarray | int,
    name: str,
    kind: str,
    *,
    decimal_comma: bool,
    original: dict[str, str],
    issues: _Issues | None = None,
    blank: bool = True,
) -> _Raw:
    """Name the columns, drop blank lines (``blank=False``: the reader knows there are none)."""
    frame.columns = list(original)
    empty = frame.isna().all(axis=1).to_numpy() if blank else None
    if empty is not None and empty.any():
        frame = frame.loc[~empty].reset_index(drop=True)
        rows = np.asarray(rows)[~empty]
    if len(frame) == 0 and issues is not None and issues.n_errors:
        raise issues.error(issues.headline("read"))  # every row was bad: say why, not "no rows"
    if len(frame) == 0:
        raise _fatal(
            name,
            f"{name}: no data rows: only a header ({', '.join(original.values())}).\n"
            "Suggestion: export the data again with its rows.",
        )
    return _Raw(frame, rows, name, kind, decimal_comma, original, issues or _Issues(name))


def _cell_text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return str(value)


def _read_xlsx(
    path: Path, name: str, sheet: str | int | None, numeric: Callable | None = None
) -> _Raw:
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise _fatal(
            name,
            f"{name}: not a readable XLSX workbook ({type(err).__name__}: {err}).\n"
            "Suggestion: open it in Excel and save it again as .xlsx, or export CSV.",
        ) from err
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            ws = wb.worksheets[sheet]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise _fatal(
                name,
                f"{name}: no sheet {sheet!r}; the sheets are "
                f"{', '.join(repr(s) for s in wb.sheetnames)}.{did_you_mean(sheet, wb.sheetnames)}"
                "\nSuggestion: pass one of these names as sheet=.",
            )
        values = list(ws.iter_rows(values_only=True))
        sheet_index = wb.worksheets.index(ws)
    finally:
        wb.close()
    start = next(
        (i for i, r in enumerate(values) if any(v is not None and str(v).strip() for v in r)), None
    )
    if start is None:
        raise _fatal(name, f"{name}: the sheet is empty.\nSuggestion: export the data again.")
    header = list(values[start])
    while header and (header[-1] is None or not str(header[-1]).strip()):
        header.pop()
    original = _check_names(["" if h is None else h for h in header], name)
    width = len(header)
    body = [tuple(r[:width]) + (None,) * (width - len(r[:width])) for r in values[start + 1 :]]
    rows = np.arange(start + 2, start + 2 + len(body), dtype=np.int64)
    formulas = _uncalculated_formulas(path, sheet_index, body, start, original, numeric)
    if formulas:  # the formula text stands in the cell: the row is not blank, nor the cell
        body = [list(r) for r in body]
        for (i, j), text in formulas.items():
            body[i][j] = text
    columns = {}
    for j, col in enumerate(original):
        cells = [r[j] for r in body]
        is_num = all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in cells
        )
        if is_num and any(v is not None for v in cells) and col not in _TEXT_COLUMNS:
            columns[col] = pd.Series(cells, dtype="float64")
        else:
            columns[col] = pd.Series([_cell_text(v) for v in cells], dtype="str")
    frame = pd.DataFrame(columns) if body else pd.DataFrame(columns=list(original))
    issues = _Issues(name)
    extra = [
        (start + 2 + i, next(v for v in r[width:] if v is not None))
        for i, r in enumerate(values[start + 1 :])
        if any(v is not None and str(v).strip() for v in r[width:])
    ]
    if extra:
        issues.add(
            "extra_cell", None, [r for r, _ in extra], [v for _, v in extra], severity="warning"
        )
    if "employee" in original:  # numeric id cells next to zero-padded text ids: warn
        ids = "employee"
        j = list(original).index(ids)
        cells = [r[j] for r in body]
        if any(isinstance(v, str) and re.fullmatch(r"\s*0\d+\s*", v) for v in cells):
            numeric = [
                (int(rows[i]), v)
                for i, v in enumerate(cells)
                if isinstance(v, int | float) and not isinstance(v, bool)
            ]
            issues.add(
                "numeric_id",
                ids,
                [r for r, _ in numeric],
                [_cell_text(v) for _, v in numeric],
                severity="warning",
            )
    raw = _finish(frame, rows, name, "xlsx", decimal_comma=True, original=original, issues=issues)
    names = list(original)
    for i, j in formulas:
        raw.formulas.setdefault(names[j], []).append(start + 2 + i)  # type: ignore[union-attr]
    raw.formulas = {c: np.array(r, dtype=np.int64) for c, r in raw.formulas.items()}
    raw.head = tuple(
        (start + 2 + i, tuple(v for v in r if isinstance(v, str)))
        for i, r in enumerate(values[start + 1 : start + 21])
    )
    return raw


_TEXT_COLUMNS = {"employee", "period", "kpi", *ATTRIBUTES}


def _uncalculated_formulas(
    path: Path,
    sheet_index: int,
    body: list[tuple],
    start: int,
    original: dict[str, str],
    numeric: Callable | None,
) -> dict[tuple[int, int], str]:
    """``{(body row, column): formula}`` for empty number cells that hold a formula.

    A workbook written by a script (openpyxl, pandas) stores formulas without the
    values Excel would calculate: read with ``data_only=True`` they look empty. The
    workbook is read a second time, with the formulas, only when a number column
    has empty cells.
    """
    names = list(original)
    if numeric is not None:
        wanted = set(numeric(names))
    else:  # events: the columns whose cells are all numbers or empty
        wanted = {
            c
            for j, c in enumerate(names)
            if c not in _TEXT_COLUMNS
            and all(
                v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                for v in (r[j] for r in body)
            )
        }
    cols = [j for j, c in enumerate(names) if c in wanted]
    filled = [i for i, r in enumerate(body) if any(v is not None for v in r)] if cols else []
    empty = [(i, j) for j in cols for i in filled if body[i][j] is None]
    if not empty:
        return {}
    import openpyxl

    first, last = min(i for i, _ in empty), max(i for i, _ in empty)
    left, right = min(cols), max(cols)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = wb.worksheets[sheet_index]
        cells = list(
            ws.iter_rows(
                min_row=start + 2 + first,
                max_row=start + 2 + last,
                min_col=left + 1,
                max_col=right + 1,
                values_only=True,
            )
        )
    finally:
        wb.close()
    found: dict[tuple[int, int], str] = {}
    for i, j in empty:
        i, j = i - first, j - left
        value = cells[i][j] if i < len(cells) and j < len(cells[i]) else None
        text = getattr(value, "text", value)  # an array formula keeps its text in .text
        if isinstance(text, str) and text.startswith("="):
            found[(i + first, j + left)] = text
    return found


def _read_parquet(path: Path, name: str) -> _Raw:
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 - pyarrow raises many types for bad files
        raise _fatal(
            name,
            f"{name}: not a readable Parquet file ({type(err).__name__}: {err}).\n"
            "Suggestion: write it again with pandas.DataFrame.to_parquet, or export CSV.",
        ) from err
    original = _check_names(list(frame.columns), name)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    frame = frame.reset_index(drop=True)
    return _finish(frame, rows, name, "parquet", decimal_comma=False, original=original)


def _from_frame(df: pd.DataFrame, name: str) -> _Raw:
    original = _check_names(list(df.columns), name)
    index = df.index
    if pd.api.types.is_integer_dtype(index.dtype):
        rows = index.to_numpy(dtype=np.int64)
    else:
        rows = np.arange(len(df), dtype=np.int64)
    frame = df.reset_index(drop=True).copy()
    return _finish(frame, rows, name, "frame", decimal_comma=True, original=original)


# --------------------------------------------------------------------------- values
def _as_text(values: pd.Series) -> pd.Series:
    """Text column: stripped, empty -> NaN; whole-number floats without ``.0``."""
    if pd.api.types.is_bool_dtype(values.dtype):
        out = values.astype("str")
    elif pd.api.types.is_integer_dtype(values.dtype):
        out = values.astype("str")
    elif pd.api.types.is_float_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(arr) & (np.mod(np.nan_to_num(arr, posinf=0.5, neginf=0.5), 1) == 0)
        text = np.where(whole, np.char.mod("%d", np.where(whole, arr, 0)), arr.astype(str))
        out = pd.Series(text, dtype="str").where(~np.isnan(arr))
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values.dt.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(values.dtype, pd.PeriodDtype):
        out = values.astype("str")
    else:
        if not pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
            values = values.map(_cell_text, na_action="ignore")
        out = values.astype("str")
    out = out.str.strip()
    return out.where(out != "")


def _arrow_chunks(values: pd.Series) -> list:
    """The arrow chunks behind an arrow-backed text column (no copy)."""
    import pyarrow as pa

    arr = values.array.__arrow_array__()
    return list(arr.chunks) if isinstance(arr, pa.ChunkedArray) else [arr]


def _is_arrow_text(values: pd.Series) -> bool:
    dtype = values.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def _arrow_factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of an arrow-backed text column: int32 codes (-1 = missing), no
    int64 copies; unique values in order of first appearance.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(pa.chunked_array(_arrow_chunks(values), type=pa.large_string()))
    # the chunks share one growing dictionary; joined in arrow's pool, which reuses memory
    indices = pa.concat_arrays(
        [chunk.indices for chunk in encoded.chunks] or [pa.array([], pa.int32())]
    )
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    codes = indices.to_numpy(zero_copy_only=False)
    last = encoded.chunk(encoded.num_chunks - 1).dictionary if encoded.num_chunks else []
    return codes.astype(np.int32, copy=False), np.asarray(last.to_pylist(), dtype=object)


def _arrow_unique(values: pd.Series) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    uniques = pc.unique(pa.chunked_array(_arrow_chunks(values), type=pa.large_string()))
    return np.asarray(uniques.drop_null().to_pylist(), dtype=object)


class _Text:
    """A text column as codes into cleaned unique values (stripped; empty = missing).

    Cleaning, period parsing and duplicate keys work on the few unique values; the
    column itself is only rebuilt when cleaning changed something. With ``lazy=True``
    (grouping attributes) the codes are only computed if something asks for them.
    """

    uniques: np.ndarray  # None only while a lazy column has not been encoded

    def __init__(self, values: pd.Series, *, lazy: bool = False):
        is_str = pd.api.types.is_string_dtype(values.dtype) and values.dtype != object
        codes: np.ndarray | None
        self._all_present = True  # every unique value occurs in the column
        if isinstance(values.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(
            values.cat.categories.dtype
        ):
            source = None
            codes = values.cat.codes.to_numpy()
            uniques = values.cat.categories
            self._all_present = False  # a DataFrame's categories may be unused
        else:
            source = values if is_str else _as_text(values)
            if not _is_arrow_text(source):
                codes, uniques = pd.factorize(source)
            elif lazy and not _needs_strip(source):  # nothing to clean: no work at all
                self._codes, self.uniques, self._source = None, None, source
                self.line_break = False
                return
            elif lazy:
                codes, uniques = None, _arrow_unique(source)
            else:
                codes, uniques = _arrow_factorize(source)
        raw = np.asarray(uniques, dtype=object)
        self.line_break = any("\n" in u or "\r" in u for u in map(str, raw))
        stripped = np.array([str(u).strip() for u in raw], dtype=object)
        changed = bool((stripped != raw).any())
        if changed:
            if codes is None:
                codes, raw = _arrow_factorize(source)
                stripped = np.array([str(u).strip() for u in raw], dtype=object)
            empty = stripped == ""
            new_codes, new_uniques = pd.factorize(pd.Series(np.where(empty, None, stripped)))
            remap = np.append(np.where(empty, -1, new_codes), -1)
            codes = remap[codes]
            raw = np.asarray(new_uniques, dtype=object)
        if codes is not None:
            codes = np.asarray(codes)
            if codes.dtype.kind != "i" or codes.dtype.itemsize < 4:
                codes = codes.astype(np.int32 if len(raw) < 2**31 - 1 else np.int64)
        self._codes = codes
        self.uniques = raw
        self._source = None if changed else source

    @property
    def codes(self) -> np.ndarray:
        if self._codes is None:  # lazy: the source is clean arrow text
            self._codes, self.uniques = _arrow_factorize(self._source)
        return self._codes

    @property
    def missing(self) -> np.ndarray:
        return self.codes < 0

    def missing_rows(self) -> np.ndarray | None:
        """The rows without a value, or None when every row has one."""
        codes = self.codes
        return codes < 0 if len(codes) and codes.min() < 0 else None

    def values(self, mask: np.ndarray) -> np.ndarray:
        """The cleaned text of the rows in ``mask`` (for messages)."""
        return np.append(self.uniques, None)[self.codes[mask]]

    def series(self, keep: np.ndarray | None = None) -> pd.Series:
        """The cleaned column (``str`` dtype), optionally only the rows in ``keep``."""
        if self._source is not None and keep is None:
            return self._source.reset_index(drop=True)
        if self._source is not None and self._codes is None:
            return self._source[keep].reset_index(drop=True)
        codes = self.codes if keep is None else self.codes[keep]
        return pd.Series(pd.array(self.uniques, dtype="str").take(codes, allow_fill=True))

    def present(self, keep: np.ndarray | None) -> list[str]:
        """Unique values among the kept rows (None: all), in the order of the unique values.

        Unique values come from factorize or the CSV reader's dictionary, so they are in
        order of first appearance.
        """
        if self._all_present and keep is None:
            return [str(u) for u in self.uniques]
        codes = self.codes if keep is None else self.codes[keep]
        seen = np.bincount(codes[codes >= 0], minlength=len(self.uniques)) > 0
        return [str(u) for u in self.uniques[seen]]

    def mapped(self, values: np.ndarray) -> _Text:
        """A new column whose unique value ``i`` becomes ``values[i]`` (None = missing)."""
        same = len(values) == len(self.uniques) and all(
            v == u for v, u in zip(values, self.uniques, strict=True)
        )
        if same:
            return self
        out = object.__new__(_Text)
        codes, uniques = pd.factorize(pd.Series(values, dtype=object))
        remap = np.append(codes, -1)
        out._codes = remap[self.codes]
        out.uniques = np.asarray(uniques, dtype=object)
        out._source = None
        out._all_present = self._all_present
        out.line_break = self.line_break
        return out


# Number patterns are text run by arrow's regex engine (RE2) over whole columns: no
# \s or \d (pandas would fall back to Python's re, one cell at a time).
# Spaces (no-break, figure, thin ones too) and apostrophes group thousands.
_NUM_CLEAN = "[ \t\n\r\f\v\u00a0\u2007\u2009\u202f']"
_THOUSANDS_DOT = r"^[-+]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]*)?$"
_THOUSANDS_COMMA = r"^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$"
# both separators, grouped: unambiguous in any file (1.234,50 and 1,234.50)
_GROUPED_DOT_DECIMAL_COMMA = r"^[-+]?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+$"
_GROUPED_COMMA_DECIMAL_DOT = r"^[-+]?[0-9]{1,3}(,[0-9]{3})+\.[0-9]+$"
# Excel's error values as a sheet shows them and CSV exports write them: English, and
# the Russian and German names a localised Excel writes
_EXCEL_ERROR = (
    r"(?i)^#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA|FIELD!|"
    r"BLOCKED!|CONNECT!|BUSY!|UNKNOWN!|"
    r"Н/Д|ДЕЛ/0!|ЗНАЧ!|ССЫЛКА!|ИМЯ\?|ЧИСЛО!|ПУСТО!|"
    r"NV|WERT!|BEZUG!|ZAHL!)$"
)
# currency signs and codes written before or after an amount (a short, explicit list)
_CURRENCY = r"US\$|\$|€|£|¥|₽|₸|₴|руб\.?|р\.?|RUB|RUR|USD|EUR|GBP|CHF|CNY|JPY|KZT|UAH|BYN"
# the currency each sign or code stands for (¥ is yen or yuan: left as written)
_CURRENCY_CODES = {
    **dict.fromkeys(["$", "us$", "usd"], "USD"),
    **dict.fromkeys(["€", "eur"], "EUR"),
    **dict.fromkeys(["£", "gbp"], "GBP"),
    **dict.fromkeys(["₽", "руб", "руб.", "р", "р.", "rub", "rur"], "RUB"),
    **dict.fromkeys(["₸", "kzt"], "KZT"),
    **dict.fromkeys(["₴", "uah"], "UAH"),
    "¥": "¥",
    "jpy": "JPY",
    "cny": "CNY",
    "byn": "BYN",
    "chf": "CHF",
}
# a number dressed as a sheet shows it (spaces already removed): accounting brackets,
# a sign, a currency before or after, a percent sign, SAP's trailing minus (1.234,50-);
# a currency with a dash alone is Excel's accounting zero ($ -, - ₽)
_DRESSED = re.compile(
    rf"^(?P<open>\()?(?P<s1>[-+])?(?P<pre>{_CURRENCY})?(?P<s2>[-+])?"
    r"(?:(?P<num>(?:\d[\d.,]*|[.,]\d+)(?:[eE][-+]?\d+)?)(?P<s3>-)?|(?P<zero>-+))"
    rf"(?P<pct>%)?(?P<post>{_CURRENCY})?(?P<close>\))?$",
    re.IGNORECASE,
)


@dataclass
class _Numbers:
    """A number column as read: floats and masks (None: no row has it)."""

    values: np.ndarray
    missing: np.ndarray | None
    bad: np.ndarray | None  # not a number (Excel errors not included)
    excel: np.ndarray | None = None  # an Excel error value (#N/A, #DIV/0! …)
    converted: np.ndarray | None = None  # read from %, a currency or accounting brackets
    percent: np.ndarray | None = None  # written with %
    shown: np.ndarray | None = None  # "'35%' → 0.35" for each converted row, in row order
    currency: np.ndarray | None = None  # per row: the currency written (USD, EUR …) or None


def _normalise_number_text(cleaned: pd.Series, decimal_comma: bool) -> pd.Series:
    """Number text (no spaces) with the decimal separator as ``.`` and no grouping."""
    both = cleaned.str.match(
        _GROUPED_COMMA_DECIMAL_DOT if decimal_comma else _GROUPED_DOT_DECIMAL_COMMA
    )
    both = both.fillna(False).to_numpy(dtype=bool)
    if decimal_comma:
        dotted = cleaned.str.match(_THOUSANDS_DOT).fillna(False).to_numpy(dtype=bool)
        out = cleaned.mask(dotted, cleaned.str.replace(".", "", regex=False))
        out = out.mask(both, cleaned.str.replace(",", "", regex=False))
        return out.mask(~both, out.str.replace(",", ".", regex=False))
    grouped = cleaned.str.match(_THOUSANDS_COMMA).fillna(False).to_numpy(dtype=bool)
    out = cleaned.mask(grouped, cleaned.str.replace(",", "", regex=False))
    dotted = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return out.mask(both, dotted)


def _extract(text: pd.Series, pattern: re.Pattern) -> dict[str, pd.Series]:
    """The named groups of ``pattern`` in every cell ("" where a group or the match is
    absent); arrow's RE2 engine, not a Python loop over the cells.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    flags = "(?i)" if pattern.flags & re.IGNORECASE else ""
    arr = pa.array(text, type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    found = pc.extract_regex(arr, flags + pattern.pattern)
    mapper = _str_mapper(pa)
    return {
        name: pc.fill_null(found.field(i), "").to_pandas(types_mapper=mapper)
        for i, name in enumerate(pattern.groupindex)
    }


def _show_floats(values: np.ndarray) -> pd.Series:
    """Floats as text for messages, vectorised: whole numbers without ``.0``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    whole = np.isfinite(values) & (np.abs(values) < 2**53) & (values == np.round(values))
    as_int = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), pa.string())
    as_float = pc.cast(pa.array(values), pa.string())
    return pd.Series(
        pc.if_else(pa.array(whole), as_int, as_float).to_numpy(zero_copy_only=False), dtype="str"
    )


_PLAIN_NUMBER = r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"


def _to_float(text: pd.Series) -> np.ndarray:
    """Normalised number text -> floats; anything else -> NaN (arrow, whole column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text, type=pa.large_string(), from_pandas=True)
    plain = pc.match_substring_regex(arr, _PLAIN_NUMBER)
    arr = pc.if_else(plain, arr, pa.scalar(None, pa.large_string()))
    return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)


def _read_numbers(values: pd.Series, *, decimal_comma: bool) -> _Numbers:
    """Read a number column; vectorised, text is never evaluated.

    Plain numbers (thousands separators, a decimal comma where the file uses one, a
    Unicode minus ``−``, exponents) are read silently. Cells written with ``%``
    (``35%`` → 0.35), a currency sign or code (``$1,234.50``, ``1 234 руб.``) or
    accounting brackets (``(1,234)`` → -1234), a trailing minus (``1.234,50-``) or as
    an accounting zero (``$ -``) are read too and marked ``converted`` so the caller
    can say so; Excel error values (``#N/A``) are marked ``excel``.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        if values.dtype == np.float64:
            out = values.to_numpy()  # no copy
        else:
            out = values.to_numpy(dtype=float, na_value=np.nan)
        return _Numbers(out, np.isnan(out), np.isinf(out))
    is_text = pd.api.types.is_string_dtype(values.dtype) and values.dtype != object
    text = values if is_text else _as_text(values)
    missing = text.isna().to_numpy()
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        out = pc.cast(pa.array(text, from_pandas=True), pa.float64()).to_numpy(zero_copy_only=False)
        bad = (~np.isfinite(out)) & ~missing
        if not bad.any():
            return _Numbers(out, missing, bad)
    except Exception:  # noqa: BLE001 - any failure: take the careful path below
        pass
    cleaned = text.str.replace(_NUM_CLEAN, "", regex=True).str.replace("\u2212", "-", regex=False)
    missing = (cleaned.isna() | (cleaned == "")).to_numpy(dtype=bool)
    out = _to_float(_normalise_number_text(cleaned.where(~missing), decimal_comma))
    bad = (~np.isfinite(out)) & ~missing
    result = _Numbers(out, missing, bad)
    if not bad.any():
        return result
    # only the cells that are not plain numbers: usually few
    idx = np.flatnonzero(bad)
    odd = cleaned.iloc[idx].reset_index(drop=True)
    excel = odd.str.fullmatch(_EXCEL_ERROR).fillna(False).to_numpy(dtype=bool)
    parts = _extract(odd, _DRESSED)
    has = {k: (v != "").to_numpy() for k, v in parts.items()}
    sign = parts["s1"].where(has["s1"], parts["s2"])
    signed = has["s1"] | has["s2"]
    valid = (
        has["num"]
        & (has["open"] == has["close"])
        & ~(has["s1"] & has["s2"])
        & ~(has["open"] & (signed | has["s3"]))
        & ~(signed & has["s3"])
        & ~(has["pre"] & has["post"])
        & ~(has["pct"] & (has["pre"] | has["post"]))
        & (has["open"] | has["pct"] | has["pre"] | has["post"] | has["s3"])
    )
    zero = (
        has["zero"]
        & (has["pre"] != has["post"])
        & ~(has["open"] | has["close"] | signed | has["pct"])
    )
    num = _normalise_number_text(parts["num"].where(valid, None), decimal_comma)
    exact_pct = has["pct"] & ~num.str.contains("[eE]", regex=True).fillna(False).to_numpy(bool)
    number = _to_float(num.mask(exact_pct, num + "e-2"))  # 35.1% → 0.351 exactly as typed
    number = np.where(has["pct"] & ~exact_pct, number / 100, number)
    negative = has["open"] | has["s3"] | (sign == "-").to_numpy()
    number = np.where(negative, -number, number)
    number[zero] = 0.0
    ok = (valid | zero) & np.isfinite(number)
    if excel.any():
        result.excel = np.zeros(len(out), dtype=bool)
        result.excel[idx[excel]] = True
        bad[idx[excel]] = False
    if ok.any():
        rows = idx[ok]
        result.values = out = out.copy() if not out.flags.writeable else out
        out[rows] = number[ok]
        bad[rows] = False
        result.converted = np.zeros(len(out), dtype=bool)
        result.converted[rows] = True
        if has["pct"][ok].any():
            result.percent = np.zeros(len(out), dtype=bool)
            result.percent[idx[ok & has["pct"]]] = True
        typed = text.iloc[rows].str.strip().reset_index(drop=True)
        result.shown = ("'" + typed + "' → " + _show_floats(number[ok])).to_numpy(dtype=object)
        written = (parts["pre"] + parts["post"]).str.lower()[ok]
        if (written != "").any():
            codes = written.map(_CURRENCY_CODES).to_numpy(dtype=object)
            result.currency = np.full(len(out), None, dtype=object)
            result.currency[rows] = np.where(written != "", codes, None)
    return result


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
_PERIOD_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{4})\s*[-_ ]?\s*[Qq]([1-4])$"), "yq"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$"), "ymd"),
    (re.compile(r"^(\d{4})[/.](\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{4})(\d{2})$"), "ym"),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME + "$"), "dmy"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME + "$"), "mdy"),
    (re.compile(r"^(\d{1,2})[./-](\d{4})$"), "my"),
    (re.compile(r"^[Qq]([1-4])\s*[-_/ ]?\s*(\d{4})$"), "qy"),
    (re.compile(r"^([A-Za-z]{3,9})\.?[\s\-]+(\d{4})$"), "mony"),
    (re.compile(r"^(\d{4})[\s\-]+([A-Za-z]{3,9})$"), "ymon"),
]


def _parse_one_period(text: str) -> tuple[int, str, int] | None:
    """``(year, "M"|"Q", month_or_quarter)`` or None; validates calendar dates."""
    text = text.strip()
    for pattern, kind in _PERIOD_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        g = m.groups()
        if kind == "yq":
            year, freq, n = int(g[0]), "Q", int(g[1])
        elif kind == "qy":
            year, freq, n = int(g[1]), "Q", int(g[0])
        elif kind in ("mony", "ymon"):
            mon, yr = (g[0], g[1]) if kind == "mony" else (g[1], g[0])
            if mon.lower() not in _MONTHS:
                return None
            year, freq, n = int(yr), "M", _MONTHS[mon.lower()]
        else:
            if kind == "ym":
                year, month, day = int(g[0]), int(g[1]), 1
            elif kind == "my":
                year, month, day = int(g[1]), int(g[0]), 1
            elif kind == "ymd":
                year, month, day = int(g[0]), int(g[1]), int(g[2])
            elif kind == "dmy":
                year, month, day = int(g[2]), int(g[1]), int(g[0])
            else:  # mdy
                year, month, day = int(g[2]), int(g[0]), int(g[1])
            try:
                _dt.date(year, month, day)
            except ValueError:
                return None
            freq, n = "M", month
        if not 1900 <= year <= 2199:
            return None
        return year, freq, n
    return None


def _format_period(parsed: tuple[int, str, int] | None, freq: str | None) -> Any:
    if parsed is None:
        return None
    year, kind, n = parsed
    if freq == "quarter" and kind == "M":
        return f"{year}-Q{(n - 1) // 3 + 1}"
    if freq == "month" and kind == "Q":
        return None
    return f"{year}-Q{n}" if kind == "Q" else f"{year}-{n:02d}"


def parse_periods(values: Any, *, freq: str | None = None) -> pd.Series:
    """Normalise periods to ``YYYY-MM`` / ``YYYY-Qn``; unreadable values become NaN.

    Unique values are parsed once and mapped back, so a million rows with a few hundred
    distinct periods cost a few hundred parses.

    Parameters
    ----------
    values : array-like
        Text such as ``2025-01``, ``2025-1``, ``2025-01-15``, ``2025-01-15 00:00:00``,
        ``01.2025``, ``15.01.2025``, ``1/15/2025`` (US order), ``Jan 2025``,
        ``2025Q1``, ``2025-Q1``, ``2025-q1``, ``Q1 2025``; or datetimes / periods.
    freq : {None, "month", "quarter"}
        ``None`` keeps monthly data monthly and quarterly data quarterly;
        ``"quarter"`` turns months into their quarter; ``"month"`` rejects quarters.

    Examples
    --------
    >>> parse_periods(["2025-1", "2025-01-15 00:00:00", "2025q2", "13.2025"]).tolist()
    ['2025-01', '2025-01', '2025-Q2', nan]
    """
    return _periods(values, freq)[0]


def _periods(values: Any, freq: str | None) -> tuple[pd.Series, np.ndarray]:
    """Normalised periods and the mask of missing (empty) values."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        fmt = series.dt.to_period("M").astype("str")
        series = fmt.where(series.notna())
    elif isinstance(series.dtype, pd.PeriodDtype):
        series = series.astype("str").where(series.notna())
    text = _as_text(series)
    codes, uniques = pd.factorize(text)
    mapped = np.array(
        [_format_period(_parse_one_period(str(u)), freq) for u in uniques] + [None], dtype=object
    )
    out = mapped[codes]  # code -1 (missing) picks the trailing None
    return pd.Series(pd.array(out, dtype="str"), index=series.index), codes < 0


# --------------------------------------------------------------------------- validation
def _detect_layout(raw: _Raw, layout: str) -> str:
    if layout not in _LAYOUTS:
        raise DefinitionError(
            f"Unknown layout {layout!r}; use one of {', '.join(_LAYOUTS)}."
            f"{did_you_mean(layout, _LAYOUTS)}"
        )
    if layout != "auto":
        return layout
    cols = set(raw.frame.columns)
    return "long" if {"kpi", "actual"} <= cols else "wide"


def _require(raw: _Raw, required: Sequence[str], layout: str) -> None:
    missing = [c for c in required if c not in raw.frame.columns]
    if not missing:
        return
    found = ", ".join(repr(v) for v in raw.original.values())
    below = _header_below(raw, required)
    if below is not None:
        row, names = below
        raise _fatal(
            raw.name,
            f"{raw.name}: the header is not on the first line: row {row} holds the column "
            f"names ({', '.join(names)}); the first line read as the header was: {found}.\n"
            f"Suggestion: delete the rows above row {row} (titles, notes, blank lines) so that "
            "the column names are on the first line, then load the file again.",
            ", ".join(missing),
        )
    hints = "".join(
        f"\nFor {m!r}:{did_you_mean(m, list(raw.frame.columns))}"
        for m in missing
        if did_you_mean(m, list(raw.frame.columns))
    )
    need = (
        "employee, period, kpi, actual (+ optional target, role, team, region, manager)"
        if layout == "long"
        else "employee, period and one column per KPI"
    )
    raise _fatal(
        raw.name,
        f"{raw.name}: missing column{'s' if len(missing) > 1 else ''} "
        f"{', '.join(repr(m) for m in missing)} for a {layout} table.\n"
        f"Found columns: {found}.\n"
        f"A {layout} table needs {need}.{hints}\n"
        "Suggestion: rename the columns (case and spaces do not matter), or pass "
        "layout='long'/'wide' (CLI: --layout) if the layout was guessed wrongly."
        + (
            "\nA file with one row per event (deal, order, shift) is turned into KPIs with "
            "'kpitools data aggregate' (Python: kpitools.data.aggregate_events)."
            if layout == "wide"
            else ""
        ),
        ", ".join(missing),
    )


def _header_below(raw: _Raw, required: Sequence[str]) -> tuple[int, list[str]] | None:
    """A row among the first 20 whose cells name every required column (a title above the header).

    Returns the user's row number and the cells of that row, or None.
    """
    head = raw.head or tuple(
        (int(raw.rows[i]), tuple(cells))
        for i, cells in enumerate(raw.frame.head(20).itertuples(index=False))
    )
    for row, cells in head:  # at most 20 rows
        # a title line without delimiters makes the sniffer guess wrong: split whole lines too
        texts = [
            t.strip()
            for v in cells
            if isinstance(v, str)
            for t in re.split(r"[;,\t]", v)
            if t.strip()
        ]
        if set(required) <= {normalise_column(v) for v in texts}:
            return row, texts
    return None


def _wide_numeric(columns: list[str]) -> list[str]:
    return [c for c in columns if c not in _TEXT_COLUMNS]


def _long_numeric(columns: list[str]) -> list[str]:
    return [c for c in columns if c in ("actual", "target")]


def _numeric_hint(layout: str) -> Callable[[list[str]], list[str]]:
    def hint(columns: list[str]) -> list[str]:
        mode = layout
        if mode == "auto":
            mode = "long" if {"kpi", "actual"} <= set(columns) else "wide"
        return _long_numeric(columns) if mode == "long" else _wide_numeric(columns)

    return hint


def _wide_to_long_raw(raw: _Raw) -> pd.DataFrame:
    """Melt a wide raw table: columns employee, period, kpi, actual, target, attrs, _row."""
    _require(raw, _WIDE_REQUIRED, "wide")
    frame, issues = raw.frame, raw.issues
    attrs = [a for a in ATTRIBUTES if a in frame.columns]
    targets = {c[len("target_") :]: c for c in frame.columns if c.startswith("target_")}
    kpis = [
        c
        for c in frame.columns
        if c not in ("employee", "period", *attrs)
        and not c.startswith("target_")
        and c not in ("kpi", "actual", "target")
    ]
    for c in ("kpi", "actual", "target"):
        if c in frame.columns:
            issues.add_general(
                "ignored_column",
                raw.original[c],
                severity="warning",
                note="(a wide table has one column per KPI; pass layout='long' for a long one)",
            )
    numbers: dict[str, _Numbers] = {}
    for c in kpis:
        num = _read_numbers(frame[c], decimal_comma=raw.decimal_comma)
        usable = ~num.missing & ~num.bad
        if num.bad.any() and not usable.any() and c not in raw.formulas:
            issues.add_general("not_numeric_column", raw.original[c], severity="warning")
            continue
        numbers[c] = num
    for kpi, tcol in targets.items():
        if kpi not in numbers:
            issues.add_general("orphan_target", raw.original[tcol], severity="warning")
    if not numbers:
        found = ", ".join(repr(v) for v in raw.original.values())
        raise _fatal(
            raw.name,
            f"{raw.name}: no KPI columns with numbers; found columns: {found}.\n"
            "A wide table needs employee, period and one column per KPI; a long table needs "
            "employee, period, kpi, actual.\n"
            "Suggestion: add the KPI columns, or rename the columns of a long table.",
        )
    n = len(frame)
    parts = []
    for k, (c, num) in enumerate(numbers.items()):
        values, missing = num.values, num.missing
        if missing.any():
            issues.add("empty_cell", raw.original[c], raw.rows[missing], severity="warning")
        keep = ~missing
        bad = _report_numbers(
            issues, num, _formula_mask(raw, c), raw.original[c], raw.rows, frame[c], "bad_actual"
        )
        bad = np.zeros(n, dtype=bool) if bad is None else bad
        entries = [(num, raw.original[c])]
        if c in targets:
            t_num = _read_numbers(frame[targets[c]], decimal_comma=raw.decimal_comma)
            t_col = raw.original[targets[c]]
            t_values = t_num.values
            t_bad = _report_numbers(
                issues,
                t_num,
                _formula_mask(raw, targets[c]),
                t_col,
                raw.rows,
                frame[targets[c]],
                "bad_target",
            )
            t_bad = np.zeros(n, dtype=bool) if t_bad is None else t_bad
            t_pct = _mask(t_num.percent, n)
            entries.append((t_num, t_col))
        else:
            t_values = np.full(n, np.nan)
            t_bad = t_pct = np.zeros(n, dtype=bool)
        _percent_mixed(issues, None, entries, raw.rows)
        _mixed_currencies(issues, None, entries, raw.rows)
        idx = np.flatnonzero(keep)
        part = pd.DataFrame(
            {
                "_pos": idx,
                "_k": k,
                "kpi": c,
                "_actual": values[idx],
                "_actual_bad": bad[idx],
                "_actual_pct": _mask(num.percent, n)[idx],
                "_target_pct": t_pct[idx],
                "_actual_text": frame[c].to_numpy(dtype=object)[idx],
                "_actual_col": raw.original[c],
                "_target": t_values[idx],
                "_target_bad": t_bad[idx],
                "_target_text": (
                    frame[targets[c]].to_numpy(dtype=object)[idx] if c in targets else None
                ),
                "_target_col": raw.original.get(targets.get(c, ""), "target"),
            }
        )
        parts.append(part)
    melted = pd.concat(parts, ignore_index=True).sort_values(["_pos", "_k"], kind="stable")
    pos = melted["_pos"].to_numpy()
    out = pd.DataFrame(
        {
            "employee": frame["employee"].to_numpy()[pos],
            "period": frame["period"].to_numpy()[pos],
        }
    )
    for col in melted.columns:
        if col not in ("_pos", "_k"):
            out[col] = melted[col].to_numpy()
    for a in attrs:
        out[a] = frame[a].to_numpy()[pos]
    out["_row"] = raw.rows[pos]
    return out


_PARALLEL_ROWS = 200_000


def _key_texts(frame: pd.DataFrame, kpi: pd.Series) -> tuple[_Text, _Text, _Text, dict[str, _Text]]:
    """Employee, KPI, period and attribute columns as :class:`_Text`.

    On big tables the columns are encoded side by side in threads: the arrow kernels
    doing the work release the GIL.
    """
    period = frame["period"]
    if pd.api.types.is_datetime64_any_dtype(period.dtype) or isinstance(
        period.dtype, pd.PeriodDtype
    ):
        period = parse_periods(period)
    attrs = [a for a in ATTRIBUTES if a in frame.columns]
    specs = [(frame["employee"], False), (kpi, False), (period, False)]
    specs += [(frame[a], True) for a in attrs]
    workers = min(len(specs), os.cpu_count() or 1, 4)
    if workers > 1 and len(frame) >= _PARALLEL_ROWS:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            texts = list(pool.map(lambda spec: _Text(spec[0], lazy=spec[1]), specs))
    else:
        texts = [_Text(values, lazy=lazy) for values, lazy in specs]
    return texts[0], texts[1], texts[2], dict(zip(attrs, texts[3:], strict=True))


def _validate(
    raw: _Raw, layout: str, duplicates: str, library: Any
) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """Return the clean long table, the layout used and the number of rows kept."""
    if duplicates not in _DUPLICATES:
        raise DefinitionError(
            f"Unknown duplicates option {duplicates!r}; use 'error' or 'sum'."
            f"{did_you_mean(duplicates, _DUPLICATES)}"
        )
    layout = _detect_layout(raw, layout)
    issues = raw.issues
    orig = raw.original
    if layout == "long":
        _require(raw, _LONG_REQUIRED, "long")
        frame = raw.frame
        for c in frame.columns:
            if c not in CANONICAL_COLUMNS:
                issues.add_general("ignored_column", orig[c], severity="warning")
        a_num = _numbers(frame["actual"], raw.decimal_comma)
        t_num = _numbers(frame["target"], raw.decimal_comma) if "target" in frame.columns else None
        actual, a_missing = a_num.values, a_num.missing
        target = t_num.values if t_num is not None else np.full(len(frame), np.nan)
        rows = _LazyRows(raw)
        employee, kpi, period_text, attrs = _key_texts(frame, frame["kpi"])
        if raw.break_check:
            texts = {"employee": employee, "kpi": kpi, "period": period_text, **attrs}
            for c in raw.break_check:
                if texts[c].line_break if c in texts else _has_line_break(frame[c]):
                    raise _CarefulNeeded(c)
        actual_col, target_col = orig["actual"], orig.get("target", "target")
        actual_text = frame["actual"]
        target_text = frame["target"] if "target" in frame.columns else None
        a_missing = _some(a_missing)
        if a_missing is not None:
            issues.add("missing_actual", actual_col, rows[a_missing])
        a_bad = _report_numbers(
            issues, a_num, _formula_mask(raw, "actual"), actual_col, rows, actual_text, "bad_actual"
        )
        t_bad = None
        if t_num is not None:
            t_bad = _report_numbers(
                issues,
                t_num,
                _formula_mask(raw, "target"),
                target_col,
                rows,
                target_text,
                "bad_target",
            )
        entries = [(a_num, actual_col)] + ([(t_num, target_col)] if t_num is not None else [])
        _percent_mixed(issues, kpi, entries, rows)
        _mixed_currencies(issues, kpi, entries, rows)
        bad_any = _union(a_missing, a_bad, t_bad)
        a_pct, t_pct = a_num.percent, t_num.percent if t_num is not None else None
        value_cols = (actual_col, target_col)
    else:
        if any(_has_line_break(raw.frame[c]) for c in raw.break_check):
            raise _CarefulNeeded()
        melted = _wide_to_long_raw(raw)
        rows = melted["_row"].to_numpy()
        employee, kpi, period_text, attrs = _key_texts(melted, melted["kpi"].astype("str"))
        actual = melted["_actual"].to_numpy(dtype=float)
        target = melted["_target"].to_numpy(dtype=float)
        a_bad = melted["_actual_bad"].to_numpy(dtype=bool)
        t_bad = melted["_target_bad"].to_numpy(dtype=bool)
        bad_any = _union(_some(a_bad), _some(t_bad))
        orig = {**orig, "kpi": "kpi"}
        a_pct = _some(melted["_actual_pct"].to_numpy(dtype=bool))
        t_pct = _some(melted["_target_pct"].to_numpy(dtype=bool))
        value_cols = (None, None)

    parsed = np.array(
        [_format_period(_parse_one_period(str(u)), None) for u in period_text.uniques],
        dtype=object,
    )
    period = period_text.mapped(parsed)
    # masks are None when no row has the problem: the clean path allocates nothing
    p_missing = period_text.missing_rows()
    p_bad = None
    if period is not period_text and (p_unread := period.missing_rows()) is not None:
        p_bad = _some(p_unread if p_missing is None else p_unread & ~p_missing)
    e_missing = employee.missing_rows()
    k_missing = kpi.missing_rows()
    if e_missing is not None:
        issues.add("missing_employee", orig["employee"], rows[e_missing])
    if k_missing is not None:
        issues.add("missing_kpi", orig.get("kpi", "kpi"), rows[k_missing])
    if p_missing is not None:
        issues.add("missing_period", orig["period"], rows[p_missing])
    if p_bad is not None:
        issues.add("bad_period", orig["period"], rows[p_bad], period_text.values(p_bad))
    key_bad = _union(e_missing, k_missing, p_missing, p_bad)
    bad_any = _union(bad_any, key_bad)
    quarterly = np.array(["-Q" in str(u) for u in period.uniques] + [False])
    if quarterly.any() and not quarterly[:-1].all():
        is_q = quarterly[period.codes]
        n_q = int(is_q.sum())
        n_m = int((~is_q & ~period.missing).sum())
        if n_q and n_m:  # point at the rarer kind: most likely the odd ones out
            odd = is_q if n_q <= n_m else ~is_q & ~period.missing
            issues.add(
                "mixed_periods",
                orig["period"],
                rows[odd],
                period.values(odd),
                severity="warning",
                note=f"({n_m:,} monthly and {n_q:,} quarterly rows)",
            )

    if library is not None:
        kpi_codes, kpi_uniques = kpi.codes, kpi.uniques
        known = np.array([library.get(str(k)) is not None for k in kpi_uniques] + [True])
        nonneg = np.array(
            [bool(getattr(library.get(str(k)), "nonnegative", False)) for k in kpi_uniques]
            + [False]
        )
        unknown = ~known[kpi_codes]
        if unknown.any():
            names = list(dict.fromkeys(kpi.values(unknown).tolist()))
            ids = [str(k.id) for k in library] if not hasattr(library, "ids") else library.ids
            close = {n: difflib.get_close_matches(n, list(ids), n=1) for n in names[:5]}
            pairs = [f"{n!r} → {c[0]!r}" for n, c in close.items() if c]
            hints = [f"\n  Did you mean {', '.join(pairs)}?"] if pairs else []
            issues.add(
                "unknown_kpi",
                orig.get("kpi", "kpi") if layout == "long" else None,
                rows[unknown],
                kpi.values(unknown),
                severity="warning",
                note=" ".join(hints),
            )
        percent_unit = np.array(
            [getattr(library.get(str(k)), "unit", None) == "percent" for k in kpi_uniques] + [False]
        )
        if percent_unit.any():
            for values, written, column, what in (
                (actual, a_pct, value_cols[0], ""),
                (target, t_pct, value_cols[1], "target "),
            ):
                _whole_percentages(
                    issues, kpi, percent_unit, (a_pct, t_pct), values, written, column, what, rows
                )
        negative = _some(nonneg[kpi_codes] & (actual < 0)) if nonneg.any() else None
        if negative is not None:
            col = orig["actual"] if layout == "long" else None
            issues.add(
                "negative",
                col,
                rows[negative],
                [
                    f"{k} = {float(a)!r}"
                    for k, a in zip(kpi.values(negative), actual[negative], strict=True)
                ],
            )
            bad_any = _union(bad_any, negative)

    # duplicates among rows whose key could be read
    ok_key = slice(None) if key_bad is None else ~key_bad
    space = int(np.prod([len(t.uniques) + 1 for t in (employee, period, kpi)], dtype=float))
    key = _combine_codes([employee, period, kpi], space)
    valid_keys = key[ok_key]
    dup = None
    if len(valid_keys) and space < 8 * len(valid_keys) + 1_000_000:
        seen = np.zeros(space, dtype=bool)  # O(n) and small: the key space is small
        seen[valid_keys] = True
        if np.count_nonzero(seen) < len(valid_keys):  # else every key is unique
            counts = np.bincount(valid_keys, minlength=space)
            dup = np.zeros(len(rows), dtype=bool)
            dup[ok_key] = counts[valid_keys] > 1
    elif len(valid_keys):
        dup = np.zeros(len(rows), dtype=bool)
        dup[ok_key] = pd.Series(valid_keys).duplicated(keep=False).to_numpy()
    dup = None if dup is None else _some(dup)
    if dup is not None:
        labels = [
            f"{e} × {p} × {k}"
            for e, p, k in zip(
                employee.values(dup), period.values(dup), kpi.values(dup), strict=True
            )
        ]
        if duplicates == "error":
            issues.add("duplicate", None, rows[dup], labels)
            bad_any = _union(bad_any, dup)
        else:
            issues.add("summed", None, rows[dup], labels, severity="warning")

    keep = None if bad_any is None else ~bad_any
    keep_all = keep is None
    columns: dict[str, Any] = {
        "employee": employee.series(keep),
        "period": period.series(keep),
        "kpi": kpi.series(keep),
        "actual": actual if keep_all else actual[keep],
    }
    has_target = "target" in raw.frame.columns if layout == "long" else np.isfinite(target).any()
    if has_target:
        columns["target"] = target if keep_all else target[keep]
    for a, values in attrs.items():
        columns[a] = values.series(keep)
    table = pd.DataFrame(columns, copy=False)  # no consolidation copy of the floats
    if duplicates == "sum" and dup is not None and (keep_all or dup[keep].any()):
        table = _sum_duplicates(table)
    stats = {
        "employees": len(employee.present(keep)),
        "periods": tuple(sorted(period.present(keep))),
        "kpis": tuple(kpi.present(keep)),
    }
    return table.reset_index(drop=True), layout, stats


def _numbers(values: pd.Series, decimal_comma: bool) -> _Numbers:
    """:func:`_read_numbers`, with no masks (None) for a column of finite floats."""
    if values.dtype == np.float64:
        out = values.to_numpy()
        if np.isfinite(out).all():
            return _Numbers(out, None, None)
    return _read_numbers(values, decimal_comma=decimal_comma)


def _mask(mask: np.ndarray | None, n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool) if mask is None else mask


def _whole_percentages(
    issues: _Issues,
    kpi: _Text,
    percent_unit: np.ndarray,
    written_pct: tuple[np.ndarray | None, np.ndarray | None],
    values: np.ndarray,
    written: np.ndarray | None,
    column: str | None,
    what: str,
    rows: Any,
) -> None:
    """Warn about a percent KPI (library unit ``percent``, stored as a fraction) whose
    plain values are mostly above 2 (200%): most likely typed as whole percentages
    (35 for 35%). KPIs with cells written with % are left to :func:`_percent_mixed`.
    """
    codes = kpi.codes
    with_pct = np.zeros(len(percent_unit), dtype=bool)
    for mask in written_pct:
        if mask is not None:
            with_pct[codes[mask]] = True
    with_pct[-1] = False
    plain = np.isfinite(values) & (percent_unit & ~with_pct)[codes]
    if written is not None:
        plain &= ~written
    if not plain.any():
        return
    median = pd.Series(np.abs(values[plain])).groupby(codes[plain]).median()
    looks = np.zeros(len(percent_unit), dtype=bool)
    looks[median.index[median.to_numpy() > 2]] = True
    flag = _some(plain & looks[codes] & (np.abs(values) > 1))
    if flag is None:
        return
    what = what if column is None else ""  # a wide table: one warning for both columns
    shown = pd.Series(kpi.values(flag), dtype="str") + f" {what}= " + _show_floats(values[flag])
    issues.add("whole_percent", column, rows[flag], shown.array, severity="warning")


def _formula_mask(raw: _Raw, column: str) -> np.ndarray | None:
    """XLSX: the rows whose cell in ``column`` is a formula Excel never calculated."""
    rows = raw.formulas.get(column)
    return None if rows is None else _some(np.isin(raw.rows, rows))


def _report_numbers(
    issues: _Issues,
    num: _Numbers,
    formula: np.ndarray | None,
    column: str,
    rows: Any,
    text: pd.Series,
    bad_key: str,
) -> np.ndarray | None:
    """Report a number column's bad cells, Excel errors, uncalculated formulas and the
    cells read from %, a currency or brackets; return the unusable rows (None: none).
    """
    bad = num.bad if formula is None or num.bad is None else num.bad & ~formula
    bad, excel = _some(bad), _some(num.excel)
    if bad is not None:
        issues.add(bad_key, column, rows[bad], text[bad])
    if excel is not None:
        issues.add("excel_error", column, rows[excel], text[excel])
    if formula is not None:
        issues.add("formula", column, rows[formula], text[formula])
    if num.converted is not None:
        issues.add("converted", column, rows[num.converted], num.shown, severity="warning")
    return _union(bad, excel, formula)


def _mixed_currencies(
    issues: _Issues, kpi: _Text | None, entries: Sequence[tuple[_Numbers, str]], rows: Any
) -> None:
    """Warn about amounts of one KPI written in several currencies (never converted).

    The cells in a currency other than the KPI's most frequent one are named. ``kpi``:
    the KPI of each row (long table), None for one wide column (with its target column).
    """
    if all(num.currency is None for num, _ in entries):
        return
    parts = []
    for e, (num, _) in enumerate(entries):
        if num.currency is None:
            continue
        pos = np.flatnonzero(pd.notna(num.currency))
        codes = kpi.codes[pos] if kpi is not None else np.zeros(len(pos), dtype=np.int32)
        parts.append(pd.DataFrame({"e": e, "pos": pos, "k": codes, "cur": num.currency[pos]}))
    cells = pd.concat(parts, ignore_index=True)
    cells = cells[cells["k"] >= 0]
    if cells.groupby("k")["cur"].nunique().max() < 2:
        return
    counts = cells.groupby(["k", "cur"]).size().rename("n").reset_index()
    main = counts.sort_values(["k", "n"], ascending=[True, False], kind="stable")
    main = main.drop_duplicates("k").set_index("k")["cur"]
    odd = cells[cells["cur"].to_numpy() != main.reindex(cells["k"]).to_numpy()]
    for e, grp in odd.groupby("e", sort=True):
        num, column = entries[int(e)]
        pos = np.sort(grp["pos"].to_numpy())
        text = (
            pd.Series(num.currency[pos], dtype="str")
            + " beside "
            + pd.Series(
                main.reindex(kpi.codes[pos] if kpi is not None else np.zeros(len(pos))).to_numpy(),
                dtype="str",
            )
        )
        if kpi is not None:
            text = pd.Series(kpi.values(pos), dtype="str") + ": " + text
        issues.add("mixed_currency", column, rows[pos], text.array, severity="warning")


def _percent_mixed(
    issues: _Issues, kpi: _Text | None, entries: Sequence[tuple[_Numbers, str]], rows: Any
) -> None:
    """Warn about plain numbers above 1 in a KPI that other cells write as percentages.

    ``35%`` is read as 0.35: a ``12`` beside it may mean 12% (0.12) or 12 (1,200%).
    Nothing is guessed: the number is kept as written and named. ``kpi``: the KPI of
    each row (long table), None for one wide column (with its target column).
    """
    if all(num.percent is None for num, _ in entries):
        return
    size = len(entries[0][0].values)
    codes = kpi.codes if kpi is not None else np.zeros(size, dtype=np.int32)
    n_groups = len(kpi.uniques) if kpi is not None else 1
    has_pct = np.zeros(n_groups + 1, dtype=bool)  # the last slot: rows without a KPI
    for num, _ in entries:
        if num.percent is not None:
            has_pct[codes[num.percent]] = True
    has_pct[-1] = False
    for num, column in entries:
        values = num.values
        plain = has_pct[codes] & np.isfinite(values) & (np.abs(values) > 1)
        if num.converted is not None:
            plain &= ~num.converted
        plain = _some(plain)
        if plain is None:
            continue
        shown = _show_many(pd.Series(values[plain]))
        if kpi is not None:
            shown = (pd.Series(kpi.values(plain), dtype="str") + " = " + pd.Series(shown)).array
        issues.add("percent_mixed", column, rows[plain], shown, severity="warning")


def _some(mask: np.ndarray | None) -> np.ndarray | None:
    """The mask, or None when it selects no row."""
    return mask if mask is not None and mask.any() else None


def _union(*masks: np.ndarray | None) -> np.ndarray | None:
    present = [m for m in masks if m is not None]
    if not present:
        return None
    out = present[0].copy()
    for m in present[1:]:
        out |= m
    return out


def _combine_codes(columns: Sequence[_Text], space: float = np.inf) -> np.ndarray:
    """One integer per row for the combination of the columns' codes (missing = 0)."""
    key = columns[0].codes.astype(np.int32 if space < 2**31 else np.int64)  # small: fast
    key += 1
    for col in columns[1:]:  # in place: no full-length temporaries
        key *= len(col.uniques) + 1
        key += col.codes
        key += 1
    return key


def _sum_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    agg: dict[str, Any] = {"actual": "sum"}
    if "target" in table.columns:
        agg["target"] = "first"
    for a in ATTRIBUTES:
        if a in table.columns:
            agg[a] = "first"
    out = table.groupby(["employee", "period", "kpi"], sort=False, dropna=False).agg(agg)
    return out.reset_index()[list(table.columns)]


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
    _lines: tuple[str, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings are allowed)."""
        return self.n_errors == 0

    @property
    def n_errors(self) -> int:
        return int(self.issues.loc[self.issues["severity"] == "error", "count"].clip(lower=1).sum())

    @property
    def n_warnings(self) -> int:
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


def _run(
    source: Any, *, layout: str, duplicates: str, library: Any, sheet: str | int | None
) -> tuple[DataQualityReport, _Issues]:
    if layout not in _LAYOUTS:
        _detect_layout(None, layout)  # type: ignore[arg-type]
    raw = _read(source, sheet=sheet, numeric=_numeric_hint(layout))
    try:
        table, used, stats = _validate(raw, layout, duplicates, library)
    except _CarefulNeeded:  # a quoted line break: only the careful reader counts lines right
        raw = _read(source, sheet=sheet, numeric=_numeric_hint(layout), careful=True)
        table, used, stats = _validate(raw, layout, duplicates, library)
    issues = raw.issues
    ok = issues.n_errors == 0
    summary = issues.summary()
    report = DataQualityReport(
        file=raw.name,
        layout=used,
        rows_read=len(raw.frame) + int((issues.frame()["_key"] == "bad_row").sum()),
        rows_kept=len(table),
        issues=summary.drop(columns=[c for c in ("_key", "_unit") if c in summary]),
        failure_cases=issues.frame().drop(columns="_key"),
        data=table if ok else None,
        employees=stats["employees"],
        periods=stats["periods"],
        kpis=stats["kpis"],
        _lines=tuple(issues.lines()),
    )
    return report, issues


def check(
    source: Any,
    *,
    layout: str = "auto",
    duplicates: str = "error",
    library: Any = None,
    sheet: str | int | None = None,
) -> DataQualityReport:
    """Read and validate a data file; report every problem instead of raising.

    A file that cannot be read at all (missing, empty, binary, unknown encoding,
    required columns missing) still raises :class:`DataValidationError`.

    Parameters
    ----------
    source : path or DataFrame
        CSV, XLSX or Parquet file, or a DataFrame; long or wide.
    layout : {"auto", "long", "wide"}
        ``"auto"``: long if there are ``kpi`` and ``actual`` columns, else wide.
    duplicates : {"error", "sum"}
        Duplicate employee × period × KPI rows are an error, or summed (a warning).
    library : object with ``get(kpi) -> KPI | None``, optional
        Unknown KPIs become warnings; negative values of ``nonnegative`` KPIs errors.
    sheet : str or int, optional
        XLSX sheet (default: the first).

    Examples
    --------
    >>> report = check("data.csv")  # doctest: +SKIP
    >>> print(report)  # doctest: +SKIP
    >>> report.ok, report.rows_kept  # doctest: +SKIP
    (True, 1200)
    """
    report, _ = _run(source, layout=layout, duplicates=duplicates, library=library, sheet=sheet)
    return report


def load(
    source: Any,
    *,
    layout: str = "auto",
    duplicates: str = "error",
    library: Any = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Load a long or wide table as the validated canonical long table.

    Parameters are those of :func:`check`. Warnings (unknown KPIs, summed duplicates,
    empty wide cells, ignored columns) are issued with :func:`warnings.warn`.

    Returns
    -------
    pandas.DataFrame
        Columns ``employee, period, kpi, actual`` (+ ``target``, ``role``, ``team``,
        ``region``, ``manager`` when present), in file order.

    Raises
    ------
    DataValidationError
        With every problem in the message (up to 10 example rows per problem plus the
        count) and all bad rows in ``.failure_cases``.

    Examples
    --------
    >>> df = load("data.csv")  # doctest: +SKIP
    >>> df.columns.tolist()  # doctest: +SKIP
    ['employee', 'period', 'kpi', 'actual', 'target', 'team']
    """
    report, issues = _run(
        source, layout=layout, duplicates=duplicates, library=library, sheet=sheet
    )
    if not report.ok:
        raise issues.error(issues.headline("loaded"))
    if report.n_warnings:
        text = "\n".join([f"{report.file}: warnings:", *issues.lines(severity="warning")])
        warnings.warn(text, UserWarning, stacklevel=2)
    assert report.data is not None
    return report.data


# --------------------------------------------------------------------------- reshape
def to_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Long table -> one row per employee × period, one column per KPI.

    Targets become ``target_<kpi>`` columns (only for KPIs with any target);
    attributes (role, team, region, manager) the first value per employee × period.
    Cells of KPIs an employee does not have are NaN.

    Examples
    --------
    >>> long = pd.DataFrame({"employee": ["1", "1"], "period": ["2025-01"] * 2,
    ...                      "kpi": ["deals", "calls"], "actual": [3.0, 40.0]})
    >>> to_wide(long).columns.tolist()
    ['employee', 'period', 'deals', 'calls']
    """
    missing = [c for c in _LONG_REQUIRED if c not in long.columns]
    if missing:
        raise DefinitionError(
            f"to_wide needs a long table; missing column(s) {', '.join(missing)}."
        )
    keys = ["employee", "period"]
    kpis = list(pd.unique(long["kpi"]))
    actual = long.pivot_table(
        index=keys, columns="kpi", values="actual", aggfunc="first", sort=False, dropna=False
    )
    wide = actual.reindex(columns=kpis)
    parts = [wide]
    if "target" in long.columns and long["target"].notna().any():
        tgt = long.pivot_table(
            index=keys, columns="kpi", values="target", aggfunc="first", sort=False
        )
        tgt = tgt.reindex(columns=[k for k in kpis if k in tgt.columns])
        tgt.columns = [f"target_{k}" for k in tgt.columns]
        parts.append(tgt)
    attrs = [a for a in ATTRIBUTES if a in long.columns]
    out = pd.concat(parts, axis=1)
    if attrs:
        first = long.groupby(keys, sort=False)[attrs].first()
        out = first.join(out)
    out = out.reset_index()
    out.columns.name = None
    order = pd.MultiIndex.from_frame(long[keys].drop_duplicates())
    out = out.set_index(keys).reindex(order).reset_index()
    return out


def from_wide(wide: pd.DataFrame) -> pd.DataFrame:
    """Wide table -> canonical long table (the inverse of :func:`to_wide`).

    Empty cells make no row. Column names are matched ignoring case and spaces. Bad
    values raise :class:`DataValidationError` as in :func:`load` (which also warns
    about the empty cells; this function does not, since a wide table written by
    :func:`to_wide` has them by design).

    Examples
    --------
    >>> wide = pd.DataFrame({"employee": ["007"], "period": ["2025-01"], "deals": [3]})
    >>> from_wide(wide)[["employee", "kpi", "actual"]].values.tolist()
    [['007', 'deals', 3.0]]
    """
    report, issues = _run(wide, layout="wide", duplicates="error", library=None, sheet=None)
    if not report.ok:
        raise issues.error(f"{report.file}: the wide table has problems; nothing was converted.")
    assert report.data is not None
    return report.data


# --------------------------------------------------------------------------- save
_FORMULA_START = ("=", "+", "-", "@")


_SAVE_EXT = (".csv", ".xlsx", ".parquet")


def check_output_path(path: str | os.PathLike) -> str:
    """Refuse a file name :func:`save` cannot write, before any work is done.

    Returns the lower-case extension (``".csv"``, ``".xlsx"`` or ``".parquet"``).

    Examples
    --------
    >>> check_output_path("kpis.CSV")
    '.csv'
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in _SAVE_EXT:
        raise KpitoolsError(
            f"{path}: cannot write {ext or 'files without an extension'!r}.\n"
            "Suggestion: end the file name with .csv, .xlsx or .parquet."
        )
    return ext


def save(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table atomically; the format follows the extension.

    ``.csv`` (UTF-8, no index), ``.xlsx`` or ``.parquet``. CSV keeps every cell
    as it is (it is for machines: no formula escaping); numbers are written in the
    shortest form that reads back to the same float, and whole numbers without a
    decimal point (``11``, not ``11.0``). In XLSX, text
    cells that start with ``= + - @`` are written as text with Excel's quote prefix
    (shown as typed, never run as a formula); numbers stay numbers.

    Examples
    --------
    >>> save(load("data.csv"), "clean.xlsx")  # doctest: +SKIP
    """
    path = Path(path)
    ext = check_output_path(path)
    with atomic_path(path) as tmp:
        if ext == ".csv":
            _plain_numbers(df).to_csv(tmp, index=False, lineterminator="\n")
        elif ext == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            _write_xlsx(df, tmp)
    return path


def _plain_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Float columns as text: whole numbers without ``.0``, others in shortest round-trip form."""
    out = df.copy()
    for name in df.columns:
        if not pd.api.types.is_float_dtype(df[name].dtype):
            continue
        values = df[name].to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(values)
        whole = finite & (np.abs(values) < 2**53) & (values == np.round(values))
        text = values.astype(str)  # numpy's shortest repr: reads back to the same float
        text[whole] = values[whole].astype(np.int64).astype(str)
        text[np.isnan(values)] = ""
        out[name] = text
    return out


def _write_xlsx(df: pd.DataFrame, tmp: Path) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("data")

    def cell(value: Any) -> Any:
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, str):
            c = WriteOnlyCell(ws, value=value)
            if value.startswith(_FORMULA_START):
                c.data_type = "s"
                c.quotePrefix = True
            return c
        return value

    ws.append([cell(str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        ws.append([cell(v) for v in row])
    wb.save(tmp)


# --------------------------------------------------------------------------- events
def aggregate_events(
    events: Any,
    *,
    employee: str,
    date: str,
    measures: Mapping[str, str] | Sequence[str],
    freq: str = "month",
    attributes: Sequence[str] = (),
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Build per-employee monthly (or quarterly) KPIs from an event table.

    See :mod:`kpitools.data.events` for the measure grammar. Rows are warned about
    (empty dates: skipped; empty summed values; undefined ratios) with
    :func:`warnings.warn`; bad rows (no employee, unreadable dates or numbers) raise
    :class:`DataValidationError`.

    Examples
    --------
    >>> kpis = aggregate_events(  # doctest: +SKIP
    ...     "deals.csv", employee="sales_agent", date="close_date",
    ...     measures=["won_revenue=sum(close_value) where deal_stage == Won", "deals=count"])
    """
    from .events import run_aggregation

    table, issues = run_aggregation(
        events,
        employee=employee,
        date=date,
        measures=measures,
        freq=freq,
        attributes=attributes,
        sheet=sheet,
    )
    lines = issues.lines(severity="warning")
    if lines:
        warnings.warn("\n".join([f"{issues.file}: warnings:", *lines]), UserWarning, stacklevel=2)
    return table
