"""The recommendation rule: which scheme to recommend, and the reasons in plain words.

Among the schemes within budget (all of them when none is), the one whose payouts follow
performance most closely wins (rank correlation of attainment and payout), then the one
with fewer results just below a threshold, then the cheaper one per unit of revenue. Every
number in the reasons is formatted as in the scheme comparison table, so a reader finds
the same figures in both.
"""

from __future__ import annotations

import math

import pandas as pd

from .._util.format import MISSING
from ..engine import format_metric
from .blocks import esc, money, pct

__all__ = ["recommend"]


def _rival(pool: pd.DataFrame, scheme: str) -> str:
    """A competing scheme and its pay-performance correlation."""
    value = pool.loc[scheme, "pay_performance_corr"]
    if not math.isnan(value):
        return f"{esc(scheme)} {value:.2f}"
    if "pct_at_target" in pool and math.isnan(pool.loc[scheme, "pct_at_target"]):
        return f"{esc(scheme)} {MISSING}, as it sets no targets"
    return f"{esc(scheme)} {MISSING}"


def _pay_for_performance(pool: pd.DataFrame, chosen: str, some_over: bool) -> str:
    """Why it ties pay to performance best, compared only with the schemes it competed with."""
    corr = pool.loc[chosen, "pay_performance_corr"]
    rivals = [_rival(pool, s) for s in pool.index if s != chosen]
    among = "Of the schemes within budget, it" if some_over else "It"
    label = "other schemes within budget" if some_over else "others"
    return (
        f"{among} ties pay to performance most closely: the rank correlation between "
        f"attainment and payout is {corr:.2f}"
        + (f" ({label}: {'; '.join(rivals)})." if rivals else ".")
    )


def _spread(row: pd.Series) -> str:
    """How many reach target and how far the top earners are from the typical one."""
    reach = ""
    if not math.isnan(row["pct_at_target"]):
        reach = f"{format_metric('pct_at_target', row['pct_at_target'])} of employee-periods "
        reach += "reach target; "
    spread = (
        f"{reach}the top earners (p90) get {row['payout_p90']:.2f}× on-target pay, leverage "
        f"(p90/p50) {row['leverage']:.2f}."
    )
    return spread[0].upper() + spread[1:]


def recommend(
    metrics: pd.DataFrame, cost_per_period: pd.Series, currency: str
) -> tuple[str | None, list[str]]:
    """Pick the scheme that pays for performance best among those within budget.

    Parameters
    ----------
    metrics : DataFrame
        The schemes' metrics, one row per scheme (``SimulationResult.metrics``).
    cost_per_period : Series
        Each scheme's average cost per evaluated period.
    currency : str
        The currency of the amounts.

    Returns
    -------
    chosen : str or None
        The recommended scheme; None without schemes.
    reasons : list of str
        Why, in plain words (HTML-escaped).
    """
    m = metrics.copy()
    if m.empty:
        return None, []
    within = m["budget_variance"].isna() | (m["budget_variance"] <= 0)
    pool = m[within] if within.any() else m
    ranked = pool.sort_values(
        ["pay_performance_corr", "near_threshold_share", "cost_of_sales"],
        ascending=[False, True, True],
        na_position="last",
    )
    chosen = str(ranked.index[0])
    row = m.loc[chosen]
    over = [s for s in m.index if not within[s]]
    some_over = bool(over) and bool(within.any())
    reasons = []
    if some_over:
        left_out = ", ".join(
            f"{esc(s)} ({format_metric('budget_variance', m.loc[s, 'budget_variance'])})"
            for s in over
        )
        reasons.append(f"Left out for going over the budget: {left_out}.")
    if not math.isnan(row["pay_performance_corr"]):
        reasons.append(_pay_for_performance(pool, chosen, some_over))
    reasons.append(
        f"It costs {money(cost_per_period.get(chosen, float('nan')), currency)} per period on "
        f"average, {format_metric('cost_of_sales', row['cost_of_sales'])} of revenue."
    )
    if not math.isnan(row["budget_variance"]):
        side = "under" if row["budget_variance"] <= 0 else "over"
        reasons.append(f"It stays {pct(abs(row['budget_variance']), 1)} {side} the budget.")
    elif not within.all():
        reasons.append("It is one of the schemes within budget.")
    reasons.append(_spread(row))
    if row["near_threshold_share"] > 0:
        reasons.append(
            f"Watch gaming: {pct(row['near_threshold_share'], 1)} of results sit just below a "
            "payout threshold, where holding back or pulling forward a deal pays."
        )
    return chosen, reasons
