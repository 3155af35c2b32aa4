"""The report's scheme sections: the comparison, the recommendation and the forecast risk.

The comparison shows the schemes' metrics side by side (in tables of at most
:data:`MAX_SCHEME_COLUMNS` schemes, so none runs off an A4 page), their payout curves,
how payouts spread and what each period costs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import count
from ..engine import format_metric
from ..plots import plot_cost_forecast, plot_payout_curve, plot_payout_distribution
from .blocks import Figure, esc, money, new_figure, pct
from .context import ReportContext
from .recommendation import recommendation_blocks

__all__ = [
    "MAX_SCHEME_COLUMNS",
    "METRIC_GLOSSARY",
    "METRIC_NAMES",
    "forecast_risk",
    "recommendation",
    "scheme_comparison",
]

#: Scheme columns per comparison table: more would run off an A4 page.
MAX_SCHEME_COLUMNS = 4

#: The metrics of the comparison table, by the names a client reads.
METRIC_NAMES = {
    "total_cost": "Total cost",
    "cost_per_employee": "Cost per employee",
    "cost_of_sales": "Bonus cost / revenue",
    "pct_at_target": "At or above target",
    "pct_zero_payout": "Paid nothing",
    "payout_p10": "Payout p10 (× on-target)",
    "payout_p50": "Payout p50 (× on-target)",
    "payout_p90": "Payout p90 (× on-target)",
    "leverage": "Leverage (p90 / p50)",
    "pay_performance_corr": "Pay-performance correlation",
    "gini": "Inequality (Gini)",
    "near_threshold_share": "Just below a threshold",
    "budget_variance": "Against budget",
}
_MONEY_METRICS = {"total_cost", "cost_per_employee"}

#: What the rows of the scheme comparison mean, in plain words.
METRIC_GLOSSARY = "\n".join(
    f"- **{name}**: {text}"
    for name, text in (
        (
            "Bonus cost / revenue",
            "total bonus paid divided by the revenue of the same people and periods.",
        ),
        (
            "At or above target",
            "share of employee-periods whose weighted attainment reached "
            "100%; n/a for a scheme without targets.",
        ),
        ("Paid nothing", "share of employee-periods with no bonus."),
        (
            "Payout p10 / p50 / p90",
            "the bonus that 10%, half and 90% of employee-periods stay "
            "under, as a multiple of on-target pay.",
        ),
        ("Leverage", "p90 ÷ p50: how much more the top earners get than a typical person."),
        (
            "Pay-performance correlation",
            "how closely the ranking by pay follows the ranking by "
            "attainment (Spearman): 1 is perfectly, 0 not at all; n/a without targets.",
        ),
        ("Inequality (Gini)", "0 when everyone is paid the same, near 1 when a few take all."),
        (
            "Just below a threshold",
            "share of results within 5% under a point where pay jumps, "
            "where holding back or pulling forward a deal pays.",
        ),
        ("Against budget", "average cost per period against the budget; negative is under."),
    )
)


def _column_chunks(table: pd.DataFrame) -> list[pd.DataFrame]:
    """The comparison as tables of at most :data:`MAX_SCHEME_COLUMNS` schemes each.

    Each table repeats the first (label) column; five schemes give 3 + 2, six 3 + 3.
    """
    label, schemes = table.columns[0], list(table.columns[1:])
    if len(schemes) <= MAX_SCHEME_COLUMNS:
        return [table]
    parts = math.ceil(len(schemes) / (MAX_SCHEME_COLUMNS - 1))
    size = math.ceil(len(schemes) / parts)
    return [table[[label, *schemes[i : i + size]]] for i in range(0, len(schemes), size)]


def _metrics_table(ctx: ReportContext) -> pd.DataFrame:
    """One column per scheme, one row per metric, formatted as the reader sees them."""
    sim = ctx.simulation
    # A scheme whose targets need history skips the first periods: its total covers fewer
    # periods than the others', which the reader must see next to the totals.
    evaluated = sim.totals.groupby("scheme", sort=False)["period"].nunique()
    table = pd.DataFrame({"Metric": ["Periods evaluated", *METRIC_NAMES.values()]})
    for scheme in sim.metrics.index:
        row = sim.metrics.loc[scheme]
        table[str(scheme)] = [count(evaluated.get(scheme, 0))] + [
            money(row[k], ctx.currency) if k in _MONEY_METRICS else format_metric(k, row[k])
            for k in METRIC_NAMES
        ]
    return table


def _curves_figure(ctx: ReportContext) -> Figure | None:
    """The first curve component of each scheme, two to a row so titles and legends fit."""
    first: dict[str, tuple[Any, int]] = {}
    for name, run in ctx.simulation.runs.items():
        for i, comp in enumerate(run.scheme.components):
            if comp.curve is not None:
                first.setdefault(name, (run.scheme, i))
    if not first:
        return None
    ncols = 1 if len(first) == 1 else 2
    nrows = math.ceil(len(first) / ncols)
    fig, axes = new_figure(ncols * 3.75, nrows * 2.9, nrows, ncols)
    axes = np.atleast_1d(axes).ravel()
    for ax, (name, (scheme, i)) in zip(axes, first.items(), strict=False):
        plot_payout_curve(scheme, i, ax=ax, color=ctx.palette.get(name))
        kpi = scheme.components[i].kpi
        for line in ax.get_lines():
            if line.get_label() in (kpi, scheme.components[i].name):
                line.set_label(ctx.kpi_name(kpi))
        ax.set_title(f"{name}: {ctx.kpi_name(kpi)}", fontsize=9)
        ax.set_ylabel("payout factor", fontsize=8)
        ax.set_xlabel("attainment", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
    for ax in axes[len(first) :]:
        ax.set_visible(False)
    return Figure(
        fig,
        caption="Payout curves (the first component with a curve in each scheme); "
        "the factor multiplies the component's weight × on-target pay:",
        alt="Line charts: the payout factor against attainment for "
        + ", ".join(f"{n} ({ctx.kpi_name(s.components[i].kpi)})" for n, (s, i) in first.items())
        + "; dotted and dashed lines mark the threshold, the target and the cap.",
    )


def _distribution_figure(ctx: ReportContext) -> Figure:
    fig, ax = new_figure(7.5, 3.4)
    plot_payout_distribution(ctx.simulation, ax=ax, palette=ctx.palette)
    return Figure(
        fig,
        caption="How payouts spread, as multiples of on-target pay:",
        alt="Histogram per scheme: the share of employee-periods at each payout, as a "
        "multiple of on-target pay.",
    )


def _budget_lines(ctx: ReportContext, ax: Any) -> None:
    """A dashed line at each scheme's budget per period; one black line when they agree."""
    budgets = {
        name: float(run.scheme.budget)
        for name, run in ctx.simulation.runs.items()
        if getattr(run.scheme, "budget", None) is not None
    }
    if len(set(budgets.values())) == 1:
        (value,) = set(budgets.values())
        ax.axhline(value, color="#222222", linestyle="--", linewidth=1.1, label="budget")
        return
    for name, value in budgets.items():
        ax.axhline(
            value,
            color=ctx.palette.get(name),
            linestyle="--",
            linewidth=1.0,
            label=f"budget: {name}",
        )


def _cost_figure(ctx: ReportContext) -> Figure:
    totals = ctx.simulation.totals
    per_period = totals.groupby(["scheme", "period"], sort=True)["payout"].sum().unstack("scheme")
    fig, ax = new_figure(7.5, 3.2)
    for name in ctx.schemes:
        if name in per_period:
            ax.plot(
                per_period.index.astype(str),
                per_period[name],
                label=name,
                color=ctx.palette.get(name),
            )
    _budget_lines(ctx, ax)
    ax.yaxis.set_major_formatter(lambda y, _: count(y))
    ax.set_ylabel("Cost per period" + (f", {ctx.currency}" if ctx.currency else ""))
    ax.set_xlabel("period")
    ticks = per_period.index.astype(str)
    step = max(1, len(ticks) // 8)
    ax.set_xticks(range(0, len(ticks), step), ticks[::step], rotation=45, ha="right")
    # Under the plot: at the side, long scheme names squeezed the plot to half the width.
    fig.legend(
        loc="outside lower center", ncols=min(3, len(ctx.schemes)), fontsize=8, frameon=False
    )
    return Figure(
        fig,
        caption="Cost per period against the budget (dashed):",
        alt="Line chart: the total bonus cost of each period under each scheme; dashed "
        "horizontal lines mark each scheme's budget per period.",
    )


def scheme_comparison(ctx: ReportContext) -> list[Any]:
    """Metrics side by side, payout curves, payout distributions and cost per period."""
    if ctx.simulation is None:
        return []
    blocks: list[Any] = [
        "## Scheme comparison\n\n"
        f"Every scheme paid on the same history ({esc(ctx.period_range)}); "
        f"the baseline is **{esc(ctx.simulation.baseline)}**. Costs per period are averages "
        "over the periods each scheme could evaluate.",
        *_column_chunks(_metrics_table(ctx)),
        METRIC_GLOSSARY,
    ]
    curves = _curves_figure(ctx)
    if curves is not None:
        blocks.append(curves)
    blocks.append(_distribution_figure(ctx))
    blocks.append(_cost_figure(ctx))
    return blocks


def recommendation(ctx: ReportContext) -> list[Any]:
    """The decision rule's outcome in plain words, every sentence from recommendation.json."""
    return list(recommendation_blocks(ctx.recommendation))


def forecast_risk(ctx: ReportContext) -> list[Any]:
    """Next period's cost under each scheme: p5, p50, p95 and the chance of overrunning."""
    if ctx.simulation is None or not ctx.simulation.forecasts:
        return []
    forecasts = ctx.simulation.forecasts
    table = pd.DataFrame(
        {
            "Scheme": list(forecasts),
            "Cost p5": [money(f.total_cost_p5, ctx.currency) for f in forecasts.values()],
            "Cost p50": [money(f.total_cost_p50, ctx.currency) for f in forecasts.values()],
            "Cost p95": [money(f.total_cost_p95, ctx.currency) for f in forecasts.values()],
            "Over budget": [pct(f.prob_over_budget, 1) for f in forecasts.values()],
        }
    )
    name = ctx.chosen or next(iter(forecasts))
    budget = ctx.budget if ctx.budget is not None else ctx.simulation.runs[name].scheme.budget
    fig, ax = new_figure(7.5, 3.2)
    plot_cost_forecast(
        forecasts[name], budget=budget, ax=ax, color=ctx.palette.get(name), currency=ctx.currency
    )
    notes = [f"- {esc(n)}: {esc(w)}" for n, f in forecasts.items() for w in f.warnings]
    limits = ["Notes on the forecast:\n\n" + "\n".join(notes)] if notes else []
    return [
        "## Forecast risk\n\n"
        f"{count(ctx.forecast_draws)} simulated next periods, each resampled from every "
        "employee's own history (whole periods, so KPIs keep their correlation); seed "
        f"{esc(ctx.seed)}. p5, p50 and p95: the cost that 5%, half and 95% of the simulated "
        "periods stay under.",
        table,
        Figure(
            fig,
            caption=f"Distribution of next period's cost under {esc(name)}:",
            alt=f"Histogram: the cost of {count(ctx.forecast_draws)} simulated next periods under "
            f"{name}, with p5, p50, p95"
            + (" and the budget" if budget is not None else "")
            + " marked.",
        ),
        *limits,
    ]
