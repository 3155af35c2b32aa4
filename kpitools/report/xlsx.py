"""``payouts.xlsx``: the report's tables as formatted sheets of one workbook (contract §10).

:func:`write_xlsx` writes any DataFrames (styled header, number formats with thousands
separators, money with the currency, ratios as percentages, counts and whole numbers without
decimals, widths to fit, formulas never run, document properties);
:func:`workbook_tables` picks the report's sheets from its context: ``Summary`` (a row per
scheme with the decision rule's outcome), ``Assumptions``, ``Payouts`` (components named by
their name or KPI, never by index), ``By employee``, ``Winners and losers`` and ``By
<group>`` for each group column. Column headers are the ids of ``payouts.csv`` and
``metrics.csv``, so a consultant's lookups work on both.
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
from .workbook_sheets import (
    assumptions_table,
    employee_table,
    kpitools_version,
    named_components,
    summary_table,
)

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
        "cost_per_period",
        "earned",
        "earned_to_date",
        "paid_to_date",
        "draw_balance",
        "adjustment",
        "payment",
        "baseline_total",
        "scheme_total",
        "difference",
        "draw_cost",
        "gaming_cost",
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
        "p_over_budget",
        "gaming_cost_pct",
        "difference_pct",
        "proration",
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


#: Columns holding values of several KPIs at once: a count among them shows as a count.
_MIXED_COLUMNS = frozenset({"actual", "target"})

#: Multiples and coefficients: two decimals even when every value is whole (a p10 of 0).
_DECIMAL_COLUMNS = frozenset(
    {"payout_p10", "payout_p50", "payout_p90", "leverage", "pay_performance_corr", "gini",
     "factor", "modifier", "mean_factor"}
)  # fmt: skip


def _whole(value: Any) -> bool:
    return isinstance(value, int | float) and float(value).is_integer()


def _number_column(cells: Any, col: pd.Series, fmt: str, extra: int) -> int:
    """Give the cells their number format; return the width of the biggest number.

    Plain numbers that are all whole (counts) show no decimals; so does each whole value of
    a column mixing KPIs (``actual``: 3 deals beside 1,250.50 of revenue).
    """
    plain = fmt == _NUMBER_FORMATS["number"]
    decimal = str(col.name) in _DECIMAL_COLUMNS
    if plain and not decimal and pd.to_numeric(col, errors="coerce").dropna().map(_whole).all():
        fmt, plain = _NUMBER_FORMATS["integer"], False
    per_cell = plain and str(col.name) in _MIXED_COLUMNS
    for (cell,) in cells:
        whole = per_cell and _whole(cell.value)
        cell.number_format = _NUMBER_FORMATS["integer"] if whole else fmt
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
    properties: Mapping[str, str] | None = None,
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
    properties : mapping, optional
        Document properties: ``creator``, ``title``, ``subject``, ``description``,
        ``keywords`` (the creator is ``kpitools`` unless given; never ``openpyxl``).

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
    props = {"creator": "kpitools", **dict(properties or {})}
    props.setdefault("lastModifiedBy", props["creator"])
    for key, value in props.items():
        setattr(wb.properties, key, str(value))
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def workbook_tables(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The sheets of ``payouts.xlsx`` (contract §10), from the report's context.

    ``Summary``, ``Assumptions``, ``Payouts``, ``By employee``, ``Winners and losers``, and
    ``By <column>`` for each group column (``by``, or a roster's team and region).

    Parameters
    ----------
    ctx : ReportContext
        The report's context; without schemes the workbook holds the assumptions and data.

    Examples
    --------
    >>> list(workbook_tables(ctx))  # doctest: +SKIP
    ['Summary', 'Assumptions', 'Payouts', 'By employee', 'Winners and losers', 'By team']
    """
    if ctx.simulation is None:
        return {"Assumptions": assumptions_table(ctx), "Data": ctx.data}
    sim = ctx.simulation
    return {
        "Summary": summary_table(ctx),
        "Assumptions": assumptions_table(ctx),
        "Payouts": named_components(ctx, sim.payouts),
        "By employee": employee_table(ctx),
        "Winners and losers": sim.winners_losers,
        # a sheet per group column (``By team``): the metrics per group value and scheme
        **{f"By {column}": sim.by[column] for column in ctx.groups if column in sim.by},
    }


def write_workbook(
    ctx: ReportContext,
    path: str | os.PathLike,
    *,
    branding: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Path:
    """Write ``payouts.xlsx`` for the report (see :func:`write_xlsx`).

    The document names the client in its title and the consultancy (``branding``'s
    ``consultant``, else kpitools) as its author.

    Examples
    --------
    >>> write_workbook(ctx, "payouts.xlsx", branding={"consultant": "Acme Advisory"})
    ... # doctest: +SKIP
    """
    consultant = str((branding or {}).get("consultant") or "").strip()
    properties = {
        "creator": consultant or "kpitools",
        "title": f"{ctx.client}: bonus scheme payouts",
        "subject": str((branding or {}).get("title") or BRANDING_DEFAULTS["title"]),
        "description": f"Made with kpitools {kpitools_version()} for {ctx.client}.",
        "keywords": "KPI, bonus, payouts",
    }
    if branding and branding.get("primary_color"):
        kwargs.setdefault("header_color", str(branding["primary_color"]))
    return write_xlsx(
        workbook_tables(ctx), path, currency=ctx.currency, properties=properties, **kwargs
    )
