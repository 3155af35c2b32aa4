"""The report's executive summary: who, what was analysed, the recommendation, the risks."""

from __future__ import annotations

from typing import Any

from .blocks import esc, pct
from .context import ReportContext
from .history import CHRONIC_MISS, hit_rates, timing_sentence
from .recommendation import (
    change_sentences,
    decision_sentences,
    summary_parts,
)
from .summary_page import summary_page

__all__ = ["executive_summary"]


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


def _findings(ctx: ReportContext) -> list[str]:
    """What the history and the checks show: chronic misses, deal timing, the KPI set, data."""
    bullets = _chronic_misses(ctx)
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
    return bullets


def executive_summary(ctx: ReportContext) -> list[Any]:
    """Who, what was analysed, the recommendation and the main risks: one page.

    With schemes, :func:`~kpitools.report.summary_page.summary_page` lays out the decision
    rule's sentences (every one from ``recommendation.json``): the recommendation, what
    changes for whom, the cost and its risk, why, the decisions to take, and what the
    history shows. Without schemes, a few lines on the history and the data.
    """
    rec = ctx.recommendation or {}
    parts = summary_parts(rec)
    if parts["headline"]:
        return summary_page(
            ctx,
            recommendation=f"**{esc(parts['headline'][0])}**",
            changes=[esc(s) for s in change_sentences(rec)],
            cost=[esc(s) for s in parts["cost"]],
            why=[esc(s) for s in parts["why"] if s],
            decisions=[esc(s) for s in decision_sentences(rec)],
            findings=_findings(ctx),
        )
    n_emp = ctx.data["employee"].nunique()
    lines = [
        "## Executive summary",
        f"This report for **{esc(ctx.client)}** reviews {n_emp:,} employees' results from "
        f"{esc(ctx.period_range)} ({len(ctx.quality.kpis)} KPIs)"
        + (f" and compares {len(ctx.schemes)} bonus schemes." if ctx.schemes else "."),
    ]
    bullets = _findings(ctx)
    lines.append("\n".join(f"- {b}" for b in bullets))
    return ["\n\n".join(lines)]
