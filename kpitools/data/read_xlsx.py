"""Reading XLSX workbooks: cell values as Excel shows them, and formulas Excel never calculated."""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import did_you_mean
from .cells import _cell_text
from .columns import _TEXT_COLUMNS
from .quality import _fatal, _Issues
from .raw import _check_names, _finish, _Raw

__all__ = []


# What a damaged workbook raises, from opening it to its last cell: a broken zip, a
# compressed part that does not inflate, a part cut short, XML that does not parse.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, ValueError, SyntaxError)


def _damaged(name: str, err: BaseException) -> Exception:
    return _fatal(
        name,
        f"{name}: not a readable XLSX workbook ({type(err).__name__}: {err}).\n"
        "Suggestion: open it in Excel and save it again as .xlsx, or export CSV.",
    )


def _sheet_values(path: Path, name: str, sheet: str | int | None) -> tuple[list[tuple], int]:
    """Every row of the sheet as Excel shows it (calculated values), and the sheet's index."""
    try:
        return _sheet_values_of(path, name, sheet)
    except _DAMAGED as err:
        raise _damaged(name, err) from err


def _sheet_values_of(path: Path, name: str, sheet: str | int | None) -> tuple[list[tuple], int]:
    import openpyxl  # only for XLSX files: loads when one is read

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
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
        return list(ws.iter_rows(values_only=True)), wb.worksheets.index(ws)
    finally:
        wb.close()


def _columns(original: dict[str, str], body: list) -> dict[str, pd.Series]:
    """Number columns as floats, everything else (and every id column) as text."""
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
    return columns


def _warnings(
    issues: _Issues, values: list, start: int, width: int, original: dict, body: list, rows: Any
) -> None:
    """Cells right of the header, and numeric ids beside zero-padded ones (Excel drops 0s)."""
    extra = [
        (start + 2 + i, next(v for v in r[width:] if v is not None))
        for i, r in enumerate(values[start + 1 :])
        if any(v is not None and str(v).strip() for v in r[width:])
    ]
    if extra:
        issues.add(
            "extra_cell", None, [r for r, _ in extra], [v for _, v in extra], severity="warning"
        )
    if "employee" not in original:
        return
    j = list(original).index("employee")
    cells = [r[j] for r in body]
    if any(isinstance(v, str) and re.fullmatch(r"\s*0\d+\s*", v) for v in cells):
        numeric = [
            (int(rows[i]), v)
            for i, v in enumerate(cells)
            if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        issues.add(
            "numeric_id",
            "employee",
            [r for r, _ in numeric],
            [_cell_text(v) for _, v in numeric],
            severity="warning",
        )


def _read_xlsx(
    path: Path, name: str, sheet: str | int | None, numeric: Callable | None = None
) -> _Raw:
    """A sheet as a raw table; its header is the first row with a value."""
    values, sheet_index = _sheet_values(path, name, sheet)
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
    try:
        formulas = _uncalculated_formulas(path, sheet_index, body, start, original, numeric)
    except _DAMAGED as err:
        raise _damaged(name, err) from err
    if formulas:  # the formula text stands in the cell: the row is not blank, nor the cell
        body = [list(r) for r in body]
        for (i, j), text in formulas.items():
            body[i][j] = text
    columns = _columns(original, body)
    frame = pd.DataFrame(columns) if body else pd.DataFrame(columns=list(original))
    issues = _Issues(name)
    _warnings(issues, values, start, width, original, body, rows)
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
    import openpyxl  # only for XLSX files: loads when one is read

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
