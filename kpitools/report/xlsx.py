"""``payouts.xlsx``: the report's tables as formatted sheets of one workbook.

:func:`write_xlsx` writes any DataFrames (styled header, number formats with thousands
separators, money with the currency, ratios as percentages, widths to fit, formulas
never run); :func:`workbook_tables` picks the report's tables from its context.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.files import FORMULA_START, atomic_path
from .._util.format import money_format
from .branding import BRANDING_DEFAULTS
from .context import ReportContext

__all__ = ["MONEY_COLUMNS", "PERCENT_COLUMNS", "workbook_tables", "write_workbook", "write_xlsx"]

MONEY_COLUMNS = frozenset(
    {
        "payout",
        "on_target_pay",
        "before_cap",
        "total_cost",
        "cost_per_employee",
        "revenue",
        "budget",
        "subtotal",
        "after_cap",
        "total_payout",
        "mean_payout",
    }
)
PERCENT_COLUMNS = frozenset(
    {
        "attainment",
        "pct_at_target",
        "pct_zero_payout",
        "near_threshold_share",
        "pool_factor",
        "cost_of_sales",
        "mean_attainment",
        "budget_variance",
    }
)

_NUMBER_FORMATS = {
    "integer": "#,##0",
    "number": "#,##0.00",
    "percent": "0.0%",
}


def _column_kind(name: str, series: pd.Series, overrides: Mapping[str, str]) -> str:
    if name in overrides:
        return overrides[name]
    if name in MONEY_COLUMNS:
        return "money"
    if name in PERCENT_COLUMNS:
        return "percent"
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "text"


def _style_header(ws: Any, color: str) -> None:
    # heavy, and only needed when a workbook is written
    from openpyxl.styles import Alignment, Font, PatternFill  # only when a workbook is written

    fill = PatternFill("solid", fgColor=color.lstrip("#").upper().rjust(6, "0")[:6])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _text_column(cells: Any, col: pd.Series) -> int:
    """Store text that looks like a formula as text (quote prefix); return the widest text."""
    text = col.astype(str)
    risky = col.notna() & text.str.startswith(FORMULA_START)
    for (cell,), flag in zip(cells, risky.to_numpy(), strict=True):
        if flag:
            cell.value = str(cell.value)
            cell.data_type = "s"
            cell.quotePrefix = True
    # An all-empty column (no roles, say) has no length: NaN, not 0.
    longest = text.str.len().max()
    return 0 if pd.isna(longest) else int(longest)


def _number_column(cells: Any, col: pd.Series, fmt: str, extra: int) -> int:
    """Give the cells their number format; return the width of the biggest number."""
    for (cell,) in cells:
        cell.number_format = fmt
    numbers = pd.to_numeric(col, errors="coerce").abs()
    biggest = numbers.max() if numbers.notna().any() else 0
    return len(f"{biggest:,.2f}") + extra


def _write_sheet(
    ws: Any, frame: pd.DataFrame, *, currency: str, overrides: Mapping[str, str], color: str
) -> None:
    frame = frame.reset_index(drop=True)
    columns = [str(c) for c in frame.columns]
    ws.append(columns)
    _style_header(ws, color)
    kinds = [_column_kind(c, frame[c], overrides) for c in frame.columns]
    # Cells as Python objects: NaN/NA become empty cells, numpy scalars plain numbers.
    values = frame.astype(object).where(frame.notna(), None)
    for row in values.itertuples(index=False, name=None):
        ws.append([v.item() if hasattr(v, "item") else v for v in row])
    money = money_format(currency)
    for j, kind in enumerate(kinds, start=1):
        col = frame.iloc[:, j - 1]
        cells = ws.iter_rows(min_row=2, min_col=j, max_col=j, values_only=False)
        fmt = money if kind == "money" else _NUMBER_FORMATS.get(kind)
        width = len(columns[j - 1])
        if kind == "text":
            width = max(width, _text_column(cells, col))
        elif fmt:
            extra = len(currency) + 1 if kind == "money" else 0
            width = max(width, _number_column(cells, col, fmt, extra))
        ws.column_dimensions[ws.cell(1, j).column_letter].width = min(width + 3, 60)
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{ws.cell(1, len(columns)).column_letter}{len(frame) + 1}"


def write_xlsx(
    tables: Mapping[str, pd.DataFrame],
    path: str | os.PathLike,
    *,
    currency: str | None = "",
    column_kinds: Mapping[str, str] | None = None,
    header_color: str = BRANDING_DEFAULTS["primary_color"],
) -> Path:
    """Write DataFrames as formatted sheets of one workbook (atomic write).

    Each sheet gets a styled, frozen header row with an auto filter, number formats
    with thousands separators (money columns carry the currency; ratios show as
    percentages), column widths to fit, and text that starts with ``= + - @`` stored
    as text with Excel's quote prefix, so it is never run as a formula.

    Parameters
    ----------
    tables : mapping of sheet name to DataFrame
        Sheet names longer than 31 characters are cut (Excel's limit).
    path : path
        The ``.xlsx`` file.
    currency : str, optional
        Shown after money amounts (``1,250.00 RUB``).
    column_kinds : mapping, optional
        Column name to ``money``, ``percent``, ``number``, ``integer`` or ``text``,
        overriding the defaults (by column name and dtype).
    header_color : str, optional
        ``#rrggbb`` fill of the header row.

    Examples
    --------
    >>> write_xlsx({"payouts": df}, "out/payouts.xlsx", currency="RUB")  # doctest: +SKIP
    """
    from openpyxl import Workbook  # heavy, and only needed when a workbook is written

    currency = re.sub(r'["\\]', "", str(currency or "")).strip()
    wb = Workbook()
    wb.remove(wb.active)
    for sheet_name, frame in tables.items():
        ws = wb.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "-", str(sheet_name))[:31])
        _write_sheet(
            ws, frame, currency=currency, overrides=dict(column_kinds or {}), color=header_color
        )
    if not wb.sheetnames:
        wb.create_sheet("empty")
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def workbook_tables(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The tables of ``payouts.xlsx``: payouts, metrics, a per-employee summary, groups.

    With group columns (``by``, or a roster's team and region) a sheet ``By <column>`` each.

    Parameters
    ----------
    ctx : ReportContext
        The report's context; without schemes the workbook holds the data.

    Examples
    --------
    >>> sorted(workbook_tables(ctx))  # doctest: +SKIP
    ['employees', 'metrics', 'payouts']
    """
    if ctx.simulation is None:
        return {"data": ctx.data}
    sim = ctx.simulation
    totals = sim.totals
    keys = ["scheme", "employee"] + (["role"] if "role" in totals else [])
    employees = (
        totals.groupby(keys, sort=False, dropna=False)
        .agg(
            periods=("period", "nunique"),
            total_payout=("payout", "sum"),
            mean_payout=("payout", "mean"),
            mean_attainment=("attainment", "mean"),
        )
        .reset_index()
    )
    return {
        "payouts": sim.payouts,
        "metrics": sim.metrics.reset_index(),
        "employees": employees,
        # a sheet per group column (``By team``): the metrics per group value and scheme
        **{f"By {column}": sim.by[column] for column in ctx.groups if column in sim.by},
    }


def write_workbook(ctx: ReportContext, path: str | os.PathLike, **kwargs: Any) -> Path:
    """Write ``payouts.xlsx`` for the report (see :func:`write_xlsx`).

    Examples
    --------
    >>> write_workbook(ctx, "payouts.xlsx")  # doctest: +SKIP
    """
    return write_xlsx(workbook_tables(ctx), path, currency=ctx.currency, **kwargs)
