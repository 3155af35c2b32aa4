"""The report's gaming stress test: what each scheme pays for shifting results in time.

The section shows the cost of gaming per scheme (a labelled bar chart, with the
recommendation's limit) and the moves that pay most (a table), from the simulation's
stress test (:func:`kpitools.engine.stress_test`, docs/gaming-stress-test.md). The report
runs the test when its ``stress`` parameter is set (0.10 by default).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._util.format import number
from ..data import load_library
from ..engine import RecommendationRule, format_metric
from .blocks import Figure, esc, money, new_figure, pct
from .context import ReportContext

__all__ = ["TOP_MOVES", "gaming_stress", "stress_figure", "top_moves"]

#: How many employees the table of the moves that pay most shows.
TOP_MOVES = 10


def _limit(ctx: ReportContext) -> float:
    """The decision rule's gaming limit as it applied (recommendation.json), else its default."""
    thresholds = ((ctx.recommendation or {}).get("rule") or {}).get("thresholds") or {}
    limit = thresholds.get("max_gaming_cost_pct")
    return float(limit) if limit is not None else RecommendationRule().max_gaming_cost_pct


def gaming_stress(ctx: ReportContext) -> list[Any]:
    """The gaming stress test: its cost per scheme and the moves that pay most."""
    sim = ctx.simulation
    if sim is None:
        return []
    if not getattr(sim, "stress", None):
        return [
            "**Gaming stress test.** Not run for this report (its `stress` parameter is empty): "
            "how much the schemes pay for moving results between periods is not known."
        ]
    shift = next(iter(sim.stress.values())).shift
    limit = _limit(ctx)
    blocks: list[Any] = [
        "## Gaming stress test\n\n"
        f"How much more each scheme would pay if people moved up to {pct(shift)} of a "
        "period's results (deals, units, margin) into the period before or after, within the "
        "same year, in the way that pays them most: a deal signed a few days early to reach a "
        "step, or held back when the step is already reached. The test tries every such "
        "move for every person and scheme exactly, on the same history. "
        f"{esc(_summary(ctx, limit))}",
        stress_figure(ctx, limit),
    ]
    table = top_moves(ctx)
    if len(table):
        blocks += ["The moves that pay most:", table]
    return blocks


def _summary(ctx: ReportContext, limit: float) -> str:
    """One sentence: the scheme that costs most to game and those within the limit."""
    m = ctx.simulation.metrics
    pct_cost = m["gaming_cost_pct"].astype(float)
    if not (pct_cost.fillna(0) > 0).any():
        return "No scheme pays anything more for shifting results."
    worst = pct_cost.idxmax()
    cost = format_metric("gaming_cost", m.loc[worst, "gaming_cost"], ctx.currency)
    text = (
        f"{worst} is the easiest to game: {cost} more, "
        f"{format_metric('gaming_cost_pct', pct_cost[worst])} of its cost."
    )
    within = [str(s) for s in pct_cost.index if pct_cost[s] <= limit + 1e-12]
    if within:
        text += f" Within the limit of {pct(limit)}: {', '.join(within)}."
    else:
        text += f" No scheme stays within the limit of {pct(limit)}."
    return text


def stress_figure(ctx: ReportContext, limit: float) -> Figure:
    """A horizontal bar per scheme: the cost of gaming as a share of its cost, labelled."""
    m = ctx.simulation.metrics
    names = [str(s) for s in m.index]
    share = m["gaming_cost_pct"].astype(float).fillna(0.0).to_numpy()
    cost = m["gaming_cost"].astype(float).to_numpy()
    fig, ax = new_figure(7.5, 0.6 + 0.45 * len(names))
    y = np.arange(len(names))[::-1]
    colors = [ctx.palette.get(n, "#4c72b0") for n in names]
    ax.barh(y, share * 100, color=colors, height=0.6)
    top = max(float(share.max(initial=0.0)), limit) * 100
    for yi, s, c in zip(y, share, cost, strict=True):
        label = f"{format_metric('gaming_cost_pct', s)} · {money(c, ctx.currency)}"
        ax.text(s * 100 + top * 0.01, yi, label, va="center", fontsize=8)
    ax.axvline(limit * 100, color="#c44e52", linestyle="--", linewidth=1)
    ax.text(limit * 100, y.max() + 0.55, f" limit {pct(limit)}", color="#c44e52", fontsize=8)
    ax.set_yticks(y, names)
    ax.set_xlim(0, top * 1.45 if top > 0 else 1)
    ax.set_xlabel("Extra pay from moving results, % of the scheme's cost")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}%")
    return Figure(
        fig,
        caption="Cost of gaming per scheme (extra pay, as a share of the honest cost):",
        alt="Bar chart: for each scheme the extra pay people could get by moving results "
        "between adjacent periods, as a share of its cost, against the recommendation's "
        f"limit of {pct(limit)}: "
        + "; ".join(
            f"{n} {format_metric('gaming_cost_pct', s)}" for n, s in zip(names, share, strict=True)
        )
        + ".",
    )


def top_moves(ctx: ReportContext, n: int = TOP_MOVES) -> pd.DataFrame:
    """The employees and schemes whose moves pay most, with the moves in words."""
    stress = ctx.simulation.stress
    table = pd.concat([r.by_employee for r in stress.values()], ignore_index=True)
    if table.empty:
        return table
    table = table.sort_values("extra_pay", ascending=False, kind="stable").head(n)
    return pd.DataFrame(
        {
            "Scheme": table["scheme"].astype(str).to_numpy(),
            "Employee": table["employee"].astype(str).to_numpy(),
            "Moves": [
                _moves_cell(ctx, stress[s].moves, e)
                for s, e in zip(table["scheme"], table["employee"], strict=True)
            ],
            "Extra pay": [money(v, ctx.currency) for v in table["extra_pay"]],
        }
    )


def _moves_cell(ctx: ReportContext, moves: pd.DataFrame, employee: Any, shown: int = 3) -> str:
    """An employee's first moves, with KPI names a client reads; how many more there are."""
    mine = moves[moves["employee"] == employee]
    library = load_library()
    out = []
    for m in mine.head(shown).itertuples():
        unit = getattr(library.get(m.kpi), "unit", None)  # money KPIs carry the currency
        amount = number(m.amount, unit, ctx.currency)
        out.append(f"{amount} of {ctx.kpi_name(m.kpi).lower()} from {m.source} to {m.destination}")
    more = len(mine) - shown
    return "; ".join(out) + (f"; and {more} more" if more > 0 else "")
