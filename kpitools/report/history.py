"""The report's history sections: targets reached, chronic misses and deal timing.

How often each KPI and team reached the targets in force, which ones chronically miss, and
who books an unusual share of each quarter in its last month.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._util.format import count, percent
from ..data import load_library
from .blocks import Figure, esc, new_figure, pct
from .context import ReportContext

__all__ = ["CHRONIC_MISS", "deal_timing", "hit_rates", "history_and_weak_spots", "timing_sentence"]

#: Hit rate under which a KPI or team "chronically misses" its targets.
CHRONIC_MISS = 0.5


def hit_rates(ctx: ReportContext, by: str) -> pd.DataFrame | None:
    """Share of rows at or above target per ``by`` (rows with a target only), lowest first.

    Returns
    -------
    DataFrame or None
        ``by, rows, hit_rate, median_attainment``; None without targets or ``by``.
    """
    data = ctx.data
    if "target" not in data or by not in data:
        return None
    rows = data[data["target"].notna() & (data["target"] > 0)]
    if rows.empty:
        return None
    library = load_library()
    kpis = rows["kpi"].unique()
    lower = {k for k in kpis if (kpi := library.get(k)) is not None and kpi.direction == "lower"}
    is_lower = rows["kpi"].isin(lower).to_numpy()
    actual, target = rows["actual"].to_numpy(float), rows["target"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        att = np.where(is_lower, np.where(actual > 0, target / actual, np.inf), actual / target)
    frame = pd.DataFrame({by: rows[by].to_numpy(), "hit": att >= 1, "att": att})
    out = frame.groupby(by, sort=False).agg(
        rows=("hit", "size"), hit_rate=("hit", "mean"), median_attainment=("att", "median")
    )
    return out.reset_index().sort_values("hit_rate", kind="stable")


def _hit_table(frame: pd.DataFrame, name: str, labels: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: labels.to_numpy(),
            "Employee-periods with a target": frame["rows"].map(count).to_numpy(),
            "On target": frame["hit_rate"].map(pct).to_numpy(),
            "Median attainment": frame["median_attainment"].map(pct).to_numpy(),
            "Status": np.where(frame["hit_rate"] < CHRONIC_MISS, "Chronic miss", "OK"),
        }
    )


def _hit_figure(by_kpi: pd.DataFrame, kpi_labels: pd.Series) -> Figure:
    fig, ax = new_figure(7.5, 0.35 * len(by_kpi) + 1.2)
    colors = np.where(by_kpi["hit_rate"] < CHRONIC_MISS, "#c0392b", "#1f4e79")
    ax.barh(kpi_labels.to_numpy(), by_kpi["hit_rate"], color=colors)
    ax.axvline(CHRONIC_MISS, color="#5f6368", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda x, _: percent(x))
    ax.set_xlabel("Share of employee-periods on target (dashed: the chronic-miss line)")
    return Figure(
        fig,
        alt="Bar chart: share of employee-periods on target per KPI: "
        + ", ".join(f"{k} {pct(v)}" for k, v in zip(kpi_labels, by_kpi["hit_rate"], strict=True))
        + ".",
    )


def history_and_weak_spots(ctx: ReportContext) -> list[Any]:
    """How often each KPI and team reached its historical targets; the chronic misses."""
    by_kpi = hit_rates(ctx, "kpi")
    if by_kpi is None:
        # no targets to count hits against: the section stays for what can be said
        return [
            "## History and weak spots\n\n"
            "The data has no targets, so how often they were reached cannot be shown.",
            *deal_timing(ctx),
        ]
    blocks: list[Any] = [
        "## History and weak spots\n\n"
        f"How often each KPI reached the target in force, {esc(ctx.period_range)}, counted "
        "over employee-periods (one person in one period). Under "
        f"{pct(CHRONIC_MISS)} on target counts as a chronic miss."
    ]
    kpi_labels = by_kpi["kpi"].astype(str).map(ctx.kpi_name)
    blocks.append(_hit_table(by_kpi, "KPI", kpi_labels))
    blocks.append(_hit_figure(by_kpi, kpi_labels))
    by_team = hit_rates(ctx, "team")
    if by_team is not None and len(by_team) > 1:
        blocks.append("By team:")
        blocks.append(_hit_table(by_team, "Team", by_team["team"].astype(str)))
    blocks.extend(deal_timing(ctx))
    return blocks


def timing_sentence(ctx: ReportContext) -> str:
    """The timing finding in a client's words (the KPI by its name)."""
    return ctx.timing.sentence(ctx.kpi_name(ctx.timing.kpi).lower())


def deal_timing(ctx: ReportContext) -> list[Any]:
    """Who books an unusual share of each quarter in its last month (kpitools.engine.timing)."""
    result = ctx.timing
    if result is None:
        return [f"**Deal timing.** Not looked at: {esc(ctx.timing_limit)}"]
    text = timing_sentence(ctx)
    blocks: list[Any] = [
        "**Deal timing.** "
        f"For every whole quarter each person worked, the share of the quarter's "
        f"{esc(ctx.kpi_name(result.kpi).lower())} booked in its last month, compared with the "
        "median share of colleagues in the same role that quarter. A person is named when "
        f"the excess is at least {result.min_excess * 100:g} points on average and steady "
        f"(one-sided t-test, p < {result.alpha:g}) over at least {result.min_periods} "
        f"quarters.\n\n{esc(text)}"
    ]
    flagged = result.table[result.table["flagged"]]
    if len(flagged):
        blocks.append(
            pd.DataFrame(
                {
                    "Employee": flagged["employee"].astype(str).to_numpy(),
                    "Whole quarters": flagged["periods"].map(count).to_numpy(),
                    "Booked in the last month": flagged["last_month_share"].map(pct).to_numpy(),
                    "Colleagues (median)": flagged["peer_share"].map(pct).to_numpy(),
                    "Excess, points": flagged["excess"]
                    .map("{:+.0%}".format)
                    .str.rstrip("%")
                    .to_numpy(),
                }
            )
        )
    return blocks
