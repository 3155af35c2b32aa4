"""What the demo company looks like in figures: its KPIs per role, teams and sales by year.

The tables here feed :attr:`DemoCompany.summary <kpitools.demo.DemoCompany.summary>`, its
HTML view in notebooks and the summary that ``kpitools demo`` prints.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import MISSING, percent
from ..data import load_library
from .model import KPI_NAMES, ROLES, SALES_ROLES

__all__ = ["fixed", "format_value", "kpi_summary", "sales_by_year", "signed_percent", "team_table"]


def fixed(value: Any, digits: int, currency: str = "") -> str:
    """A number with exactly ``digits`` decimals and thousands separators, then the currency.

    Examples
    --------
    >>> fixed(1234567.891, 2, "RUB"), fixed(29.26, 1), fixed(None, 0)
    ('1,234,567.89 RUB', '29.3', 'n/a')
    """
    if value is None or not math.isfinite(float(value)):
        return MISSING
    text = f"{float(value):,.{digits}f}"
    return f"{text} {currency}" if currency else text


def signed_percent(value: Any, digits: int = 0) -> str:
    """A change as a percentage with its sign: ``signed_percent(0.081, 1)`` is ``'+8.1%'``."""
    if value is None or not math.isfinite(float(value)):
        return MISSING
    return f"{float(value):+.{digits}%}"


def format_value(value: float, unit: str, currency: str) -> str:
    """A KPI total for the summary: money to the cent, counts whole, others to one decimal.

    Examples
    --------
    >>> format_value(1500.5, "currency", "RUB"), format_value(12.0, "count", "RUB")
    ('1,500.50 RUB', '12')
    """
    if unit == "currency":
        return fixed(value, 2, currency)
    if unit == "count":
        return fixed(value, 0)
    return fixed(value, 1)


def kpi_summary(data: pd.DataFrame) -> pd.DataFrame:
    """One row per role and KPI: unit, rows, total (mean for NPS), share at target.

    Units and aggregations come from the KPI library. ``value`` is the sum of the
    monthly actuals, or their mean for KPIs aggregated by mean (NPS).
    ``share_at_target`` is the share of rows with a target whose actual reaches
    it (actual >= target); NaN where the KPI has no targets.
    """
    library = load_library()
    df = data.assign(
        has_target=data["target"].notna(),
        hit=data["target"].notna() & (data["actual"] >= data["target"]),
    )
    grouped = df.groupby(["role", "kpi"], sort=False)
    out = grouped.agg(
        rows=("actual", "size"),
        total=("actual", "sum"),
        mean=("actual", "mean"),
        with_target=("has_target", "sum"),
        at_target=("hit", "sum"),
    ).reset_index()
    out["aggregation"] = out["kpi"].map(lambda kpi: library[kpi].aggregation)
    out["unit"] = out["kpi"].map(lambda kpi: library[kpi].unit)
    out["value"] = np.where(out["aggregation"] == "mean", out["mean"], out["total"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_at_target"] = np.where(
            out["with_target"] > 0, out["at_target"] / out["with_target"], np.nan
        )
    out["_r"] = out["role"].map({r: i for i, r in enumerate(ROLES)})
    out["_k"] = out["kpi"].map({kpi: i for i, kpi in enumerate(KPI_NAMES)})
    out = out.sort_values(["_r", "_k"], kind="stable").reset_index(drop=True)
    return out[
        ["role", "kpi", "unit", "aggregation", "rows", "value", "with_target", "share_at_target"]
    ]


def team_table(employees: pd.DataFrame) -> pd.DataFrame:
    """One row per role, team, region and manager: people, hired and left."""
    return (
        employees.groupby(["role", "team", "region", "manager"], sort=False)
        .agg(people=("employee", "size"), hired=("hired", "sum"), left=("left", "sum"))
        .reset_index()
    )


def sales_by_year(data: pd.DataFrame, currency: str) -> list[tuple[str, ...]]:
    """The sales roles' year, months, revenue, growth, won deals and win rate, as text.

    Growth is shown only between two whole years.
    """
    sales = data[data["role"].isin(SALES_ROLES)]
    sales = sales.assign(year=sales["period"].str[:4])
    totals = sales.pivot_table(index="year", columns="kpi", values="actual", aggfunc="sum")
    months = sales.groupby("year")["period"].nunique()
    rows = []
    previous = None
    for year in totals.index:
        revenue = totals.loc[year, "revenue"]
        full = months[year] == 12 and previous is not None and previous[1] == 12
        growth = signed_percent(revenue / previous[0] - 1, 1) if full and previous[0] > 0 else ""
        won, closed = totals.loc[year, "won_deals"], totals.loc[year, "closed_deals"]
        rows.append(
            (
                year,
                str(months[year]),
                format_value(revenue, "currency", currency),
                growth,
                fixed(won, 0),
                percent(won / closed, 1) if closed > 0 else "",
            )
        )
        previous = (revenue, months[year])
    return rows
