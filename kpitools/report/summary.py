"""The report's executive summary: who, what was analysed, the recommendation, the risks."""

from __future__ import annotations

import math
from typing import Any

from .blocks import esc, money, pct
from .context import ReportContext
from .history import CHRONIC_MISS, hit_rates, timing_sentence

__all__ = ["executive_summary"]


def _recommended(ctx: ReportContext) -> list[str]:
    """The recommended scheme's cost, and next period's, with the figures of the tables."""
    # The same figures as the scheme comparison and forecast tables, so they reconcile:
    # total cost ÷ periods evaluated = cost per period.
    cost = ctx.cost_per_period()
    row = ctx.simulation.metrics.loc[ctx.chosen]
    totals = ctx.simulation.totals
    n_periods = totals.loc[totals["scheme"] == ctx.chosen, "period"].nunique()
    variance = row.get("budget_variance", float("nan"))
    against = (
        f", {pct(abs(variance), 1)} {'under' if variance <= 0 else 'over'} its budget"
        if variance is not None and not math.isnan(variance)
        else ""
    )
    bullets = [
        f"**Recommended scheme: {esc(ctx.chosen)}**, about "
        f"{money(cost[ctx.chosen], ctx.currency)} per period "
        f"({money(row['total_cost'], ctx.currency)} over the {n_periods:,} periods "
        f"evaluated){against}."
    ]
    fc = ctx.simulation.forecasts.get(ctx.chosen)
    if fc is not None:
        risk = fc.prob_over_budget
        risk_text = (
            f"a {pct(risk, 1)} chance of exceeding the budget"
            if risk is not None and not math.isnan(risk)
            else "no budget to compare with"
        )
        bullets.append(
            f"Next period's cost under it: {money(fc.total_cost_p50, ctx.currency)} in a "
            f"typical case (median), {money(fc.total_cost_p95, ctx.currency)} in a bad case "
            f"(1 in 20 is higher), {risk_text}."
        )
    return bullets


def _chronic_misses(ctx: ReportContext) -> list[str]:
    """The KPIs and the teams under the chronic-miss line, by name."""
    bullets = []
    kpis = hit_rates(ctx, "kpi")
    if kpis is not None:
        missing = kpis[kpis["hit_rate"] < CHRONIC_MISS]
        if len(missing):
            names = ", ".join(esc(ctx.kpi_name(k)) for k in missing["kpi"].head(4))
            bullets.append(f"KPIs that chronically miss their targets: {names}.")
    teams = hit_rates(ctx, "team")
    if teams is not None and len(teams) > 1:
        missing = teams[teams["hit_rate"] < CHRONIC_MISS]
        if len(missing):
            names = ", ".join(
                f"{esc(t)} ({pct(r)} on target)"
                for t, r in zip(missing["team"].head(4), missing["hit_rate"].head(4), strict=True)
            )
            bullets.append(f"Teams that chronically miss their targets: {names}.")
    return bullets


def executive_summary(ctx: ReportContext) -> list[Any]:
    """Who, what was analysed, the recommendation and the main risks in a few lines."""
    n_emp = ctx.data["employee"].nunique()
    lines = [
        "## Executive summary",
        f"This report for **{esc(ctx.client)}** reviews {n_emp:,} employees' results from "
        f"{esc(ctx.period_range)} ({len(ctx.quality.kpis)} KPIs)"
        + (f" and compares {len(ctx.schemes)} bonus schemes." if ctx.schemes else "."),
    ]
    bullets = _recommended(ctx) if ctx.chosen else []
    bullets += _chronic_misses(ctx)
    if ctx.timing is not None and ctx.timing.flagged:
        bullets.append(f"Deal timing: {esc(timing_sentence(ctx))}")
    if ctx.checks is not None:
        counts = f"{len(ctx.checks.errors)} errors, {len(ctx.checks.warnings)} warnings"
        bullets.append(f"KPI set check: {counts}.")
    issues = len(ctx.quality.issues)
    bullets.append(
        f"Data quality: {ctx.quality.rows_kept:,} of {ctx.quality.rows_read:,} rows used, "
        + (f"{issues} issue(s) noted." if issues else "no issues.")
    )
    lines.append("\n".join(f"- {b}" for b in bullets))
    return ["\n\n".join(lines)]
