"""Long ↔ wide, and saving the long table as CSV, XLSX or Parquet."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._util.files import FORMULA_START, atomic_path, write_csv
from ..errors import DefinitionError, KpitoolsError
from .columns import _LONG_REQUIRED, ATTRIBUTES
from .load import _run

__all__ = ["check_output_path", "from_wide", "save", "to_wide"]


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
    report, issues = _run(wide, layout="wide", duplicates="error", library=False, sheet=None)
    if not report.ok:
        raise issues.error(f"{report.file}: the wide table has problems; nothing was converted.")
    assert report.data is not None
    return report.data


# --------------------------------------------------------------------------- save


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


def save(df: pd.DataFrame, path: str | os.PathLike, *, raw_csv: bool = False) -> Path:
    """Write a table atomically; the format follows the extension.

    ``.csv`` (UTF-8, no index), ``.xlsx`` or ``.parquet``. In CSV, text cells that
    begin with ``= + - @``, a tab or a carriage return get a leading ``'`` so that a
    spreadsheet shows them as typed (``raw_csv=True`` keeps every cell as it is, for
    scripts); numbers are written in the
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
            write_csv(df, tmp, raw=raw_csv, plain=True)
        elif ext == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            _write_xlsx(df, tmp)
    return path


def _write_xlsx(df: pd.DataFrame, tmp: Path) -> None:
    import openpyxl  # only for XLSX files: loads when one is written
    from openpyxl.cell import WriteOnlyCell  # only for XLSX files

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("data")

    def cell(value: Any) -> Any:
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, str):
            c = WriteOnlyCell(ws, value=value)
            if value.startswith(FORMULA_START):
                c.data_type = "s"
                c.quotePrefix = True
            return c
        return value

    ws.append([cell(str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        ws.append([cell(v) for v in row])
    wb.save(tmp)
