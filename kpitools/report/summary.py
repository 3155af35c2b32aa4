"""The report's executive summary: who, what was analysed, the recommendation, the risks."""

from __future__ import annotations

from typing import Any

from .blocks import esc, pct
from .context import ReportContext
from .history import CHRONIC_MISS, hit_rates, timing_sentence
from .recommendation import summary_sentences

__all__ = ["executive_summary"]


def _recommended(ctx: ReportContext) -> list[str]:
    """The recommendation's sentences, every one made from ``recommendation.json``.

    The first (the recommendation, or that none is eligible) is bold; the figures are
    those of the scheme comparison and forecast tables, so they reconcile.
    """
    sentences = [esc(s) for s in summary_sentences(ctx.recommendation)]
    if sentences:
        sentences[0] = f"**{sentences[0]}**"
    return sentences


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
    bullets = _recommended(ctx)
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
