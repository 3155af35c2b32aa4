"""The history a target is judged against: actuals rolled up to the design's period."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..data import compute_formula_kpis, load_library
from ..errors import DefinitionError
from .rule import Context

__all__ = []


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period_kind(period: str | None) -> str | None:
    if period is None:
        return None
    if "Q" in period:
        return "quarter"
    return "month" if "-" in period else "year"


_KINDS = ("month", "quarter", "year")


_QUARTER = re.compile(r"^\d{4}-Q[1-4]$")


_YEAR = re.compile(r"^\d{4}$")


def _history_kind(data: pd.DataFrame) -> str | None:
    """``month``, ``quarter`` or ``year`` when every period of the history is one; else None."""
    if "period" not in data:
        return None
    periods = data["period"].astype(str)
    for kind, pattern in zip(_KINDS, (_MONTH, _QUARTER, _YEAR), strict=True):
        if len(periods) and periods.str.match(pattern).all():
            return kind
    return None


def _history(ctx: Context) -> tuple[pd.DataFrame, dict[str, str]]:
    """Past actuals per employee × period × KPI at the design's period length.

    Monthly history of a quarterly or yearly design is rolled up. A summed KPI counts only
    whole periods (a quarter with a month missing would read as a miss), unless it has no
    whole period at all (10 months of an annual goal): then its partial periods are used,
    each scaled up pro rata to the whole period, and the second value names the KPI with
    what was found (``10 of the 12 months of a year, 2026-01 to 2026-10``).
    """
    data = ctx.data
    need = {"employee", "period", "kpi", "actual"}
    missing = need - set(data.columns)
    if missing:
        raise DefinitionError(
            "History for 'not-achievable': the data has no column "
            f"{', '.join(repr(c) for c in sorted(missing))} (found: {', '.join(data.columns)}).\n"
            "Suggestion: give the long table (employee, period, kpi, actual)."
        )
    cols = ["employee", "period", "kpi", "actual"] + (["role"] if "role" in data else [])
    hist = data[cols]
    kind = _period_kind(ctx.design.period)
    periods = hist["period"].astype(str)
    partial: dict[str, str] = {}
    if kind in ("quarter", "year") and periods.str.match(_MONTH).all():
        month = periods.str.slice(5, 7).astype(int)
        year = periods.str.slice(0, 4)
        key = year + "-Q" + ((month - 1) // 3 + 1).astype(str) if kind == "quarter" else year
        hist = hist.assign(period=key, month=periods)
        by = ["employee", "period", "kpi"] + (["role"] if "role" in hist else [])
        # sums add up over the months; rates and scores are averaged
        agg = {k.kpi: (k.definition.aggregation or "sum") for r in ctx.design.roles for k in r.kpis}
        summed = hist["kpi"].map(agg).fillna("sum").eq("sum")
        parts = []
        if summed.any():
            rolled, partial = _summed_periods(hist[summed], by, kind)
            parts.append(rolled)
        if (~summed).any():
            parts.append(hist[~summed].groupby(by, sort=False, dropna=False)["actual"].mean())
        hist = pd.concat(parts).rename("actual").reset_index()
    return _with_formula_kpis(ctx, hist), partial


def _summed_periods(
    hist: pd.DataFrame, by: list[str], kind: str
) -> tuple[pd.Series, dict[str, str]]:
    """Monthly sums rolled up to whole periods, or scaled partial ones where none is whole."""
    span = 3 if kind == "quarter" else 12
    g = hist.groupby(by, sort=False, dropna=False)
    total, months = g["actual"].sum(), g["month"].nunique()
    kpi = total.index.get_level_values("kpi").to_numpy()
    whole = (months == span).to_numpy()
    has_whole = pd.Series(whole).groupby(kpi).transform("any").to_numpy()
    # no whole period for a KPI: use what there is, scaled to the period, and say so
    scaled = np.where(whole, total.to_numpy(float), total.to_numpy(float) * span / months)
    partial = {}
    for k in pd.unique(kpi[~has_whole]):
        found = months.to_numpy()[kpi == k]
        rows = hist["month"][hist["kpi"].to_numpy() == k]
        low, high = int(found.min()), int(found.max())
        partial[str(k)] = (
            f"{low if low == high else f'{low}–{high}'} of the {span} months of a {kind}, "
            f"{rows.min()} to {rows.max()}"
        )
    return pd.Series(scaled, index=total.index)[whole | ~has_whole], partial


def _with_formula_kpis(ctx: Context, hist: pd.DataFrame) -> pd.DataFrame:
    """Add formula KPIs of the design (``gross_margin_pct``) that the history lacks.

    They are computed from their inputs after any roll-up, so ratios are ratios of sums.
    """
    present = set(hist["kpi"].unique())
    wanted = {
        k.kpi
        for r in ctx.design.roles
        for k in r.kpis
        if k.definition.formula and k.kpi not in present and k.definition.source != "inline"
    }
    if not wanted:
        return hist
    library = load_library()
    ids = [i for i in sorted(wanted) if i in library]
    if not ids:
        return hist
    extra = compute_formula_kpis(hist, library, ids=ids)
    if extra.empty:
        return hist
    return pd.concat([hist, extra[hist.columns]], ignore_index=True)
