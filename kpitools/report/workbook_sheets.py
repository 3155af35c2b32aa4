"""The sheets of ``payouts.xlsx`` that are made for it: summary, assumptions, per employee.

Each function returns a DataFrame whose columns are ids as in ``metrics.csv`` and
``payouts.csv`` (``total_cost``, ``periods``), so :func:`kpitools.report.write_xlsx` formats
them by name: money with the run's currency, shares as percentages, counts as integers.
"""

from __future__ import annotations

import datetime as dt
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import money, number
from .context import ReportContext

__all__ = [
    "assumptions_table",
    "employee_table",
    "kpitools_version",
    "named_components",
    "summary_table",
]


def kpitools_version() -> str:
    """The installed kpitools version (``unknown`` in a bare source tree)."""
    try:
        return version("kpitools")
    except PackageNotFoundError:  # pragma: no cover - source tree
        return "unknown"


def _yes(flag: Any) -> str:
    return "yes" if flag else "no"


def summary_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per scheme: the decision rule's outcome, cost, budget, risk and the metrics.

    The figures of ``recommendation.json`` (eligibility, failed tests, the forecast chance
    of going over the budget) beside the metrics of ``metrics.csv``.
    """
    sim = ctx.simulation
    rec = ctx.recommendation.get("schemes", {})
    rows = []
    for scheme in sim.metrics.index:
        entry = rec.get(str(scheme), {})
        failed = [r["text"] for r in entry.get("reasons", ()) if r.get("passed") is False]
        rows.append(
            {
                "scheme": str(scheme),
                "recommended": _yes(ctx.recommendation.get("recommended") == str(scheme)),
                "eligible": _yes(entry.get("eligible")),
                "periods": int(entry.get("periods") or 0),
                "cost_per_period": entry.get("cost_per_period"),
                "budget": entry.get("budget"),
                "p_over_budget": entry.get("p_over_budget"),
                **sim.metrics.loc[scheme].to_dict(),
                "failed_tests": " ".join(failed),
            }
        )
    table = pd.DataFrame(rows)
    table["periods"] = table["periods"].astype("int64")
    return table.astype({c: float for c in ("cost_per_period", "budget", "p_over_budget")})


def _rule_rows(ctx: ReportContext) -> list[tuple[str, str]]:
    rule = ctx.recommendation.get("rule") or {}
    rows = [("Decision rule", str(rule.get("text", "")))]
    rows += [(f"Rule: {k}", number(v)) for k, v in (rule.get("thresholds") or {}).items()]
    chosen = ctx.recommendation.get("recommended")
    closest = ctx.recommendation.get("closest")
    outcome = chosen or ("none" + (f" (the closest is {closest})" if closest else ""))
    rows.append(("Recommended scheme", outcome))
    return rows


def assumptions_table(ctx: ReportContext) -> pd.DataFrame:
    """What the figures rest on: data, scope, schemes, currency, budget, forecast, rule."""
    sim = ctx.simulation
    rows: list[tuple[str, str]] = [
        ("Client", ctx.client),
        ("Data", ctx.data_source),
        ("Periods in the data", ctx.period_range),
        ("Periods evaluated", ctx.periods or "all in the data"),
        ("Roster", Path(ctx.roster.file).name if ctx.roster is not None else "none"),
        ("Filter", ctx.where or "none"),
        ("Groups", ", ".join(ctx.groups) or "none"),
        ("Schemes", ", ".join(ctx.schemes) or "none"),
    ]
    if sim is not None:
        rows.append(("Baseline scheme", str(sim.baseline)))
    if ctx.overrides:
        rows.append(("Scheme parameters changed", str(ctx.overrides)))
    rows += [
        ("Currency", ctx.currency or "none given: amounts carry no currency code"),
        ("Currency note", ctx.money.describe()),
        *(("Currency note", note.split("\nSuggestion:")[0]) for note in ctx.currency_notes),
        (
            "Budget per period",
            money(ctx.budget, ctx.currency) if ctx.budget is not None else "the schemes' own",
        ),
        ("Forecast", f"{ctx.forecast_draws:,} draws, seed {ctx.seed}"),
        *_rule_rows(ctx),
        ("Made with", f"kpitools {kpitools_version()} on {dt.date.today().isoformat()}"),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def named_components(ctx: ReportContext, payouts: pd.DataFrame) -> pd.DataFrame:
    """The payout table with each component named by its ``name``, else its KPI's name.

    A component without a name is ``0``, ``1``, … in the engine's table; a reader sees the
    KPI it pays on (``Gross margin``) instead, never the index.
    """
    out = payouts.copy()
    component = out["component"].astype(str)
    unnamed = component.str.fullmatch(r"\d+") & out["kpi"].notna()
    names = out.loc[unnamed, "kpi"].astype(str).map(ctx.kpi_name)
    out["component"] = component.where(~unnamed, names)
    return out


def employee_table(ctx: ReportContext) -> pd.DataFrame:
    """Per scheme and employee: role and groups, periods, pay and attainment, as counts."""
    totals = ctx.simulation.totals
    keys = ["scheme", "employee"] + (["role"] if "role" in totals else [])
    at_target = totals["attainment"].to_numpy(float) >= 1 - 1e-9
    frame = totals.assign(
        _at_target=at_target.astype(np.int64),
        _zero=(totals["payout"].to_numpy(float) == 0).astype(np.int64),
    )
    table = (
        frame.groupby(keys, sort=False, dropna=False)
        .agg(
            periods=("period", "nunique"),
            total_payout=("payout", "sum"),
            mean_payout=("payout", "mean"),
            mean_attainment=("attainment", "mean"),
            periods_at_target=("_at_target", "sum"),
            periods_paid_nothing=("_zero", "sum"),
        )
        .reset_index()
    )
    groups = [g for g in ctx.groups if g in ctx.data and g not in table]
    if groups:
        who = ctx.data[["employee", *groups]].drop_duplicates("employee")
        who = who.assign(employee=who["employee"].astype(str))
        table = table.assign(employee=table["employee"].astype(str))
        table = table.merge(who, on="employee", how="left")
        order = [*keys, *groups]
        table = table[order + [c for c in table.columns if c not in order]]
    counts = ["periods", "periods_at_target", "periods_paid_nothing"]
    return table.astype(dict.fromkeys(counts, "int64"))
