"""The report's section "Cost and attainment by <group>": each scheme per team or region.

For each group column of the report (``by``, or with a roster its ``team`` and ``region``;
see :func:`kpitools.report.scope.default_groups`), a table of every group value under every
scheme — employees, total cost, cost per employee, share at target, median payout — and a
labelled bar chart of the total cost. The figures are the engine's metrics per group
(:mod:`kpitools.engine.groups`, the same as ``metrics_by_<column>.csv`` of ``kpitools
simulate --by``). Without a roster and without ``by`` the section says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import count, short_number
from ..engine import NO_GROUP, format_metric
from .blocks import Figure, esc, money, new_figure
from .context import ReportContext

__all__ = ["GROUP_COLUMNS", "MAX_CHART_GROUPS", "cost_by_group", "group_table"]

#: The metrics of the table, by the names a client reads (the order of the columns).
GROUP_COLUMNS = {
    "employees": "Employees",
    "total_cost": "Total cost",
    "cost_per_employee": "Cost per employee",
    "pct_at_target": "At or above target",
    "payout_p50": "Median payout (× on-target)",
}
#: Group values drawn in the chart (the most costly); the table lists them all.
MAX_CHART_GROUPS = 15

_NO_ROSTER = (
    "## Cost and attainment by group\n\n"
    "No roster was given, so this report shows no cost or attainment by team or region. "
    "Give one (`--roster roster.csv`, or `roster:` for a client of a batch) to see them; "
    "`--by COLUMN` groups by any column of the data or the roster."
)


def _title(column: str) -> str:
    return column.replace("_", " ")


def group_table(ctx: ReportContext, column: str) -> pd.DataFrame:
    """The section's table for one group column: a row per group value and scheme, formatted.

    Examples
    --------
    >>> group_table(ctx, "team").columns[:3].tolist()  # doctest: +SKIP
    ['Team', 'Scheme', 'Employees']
    """
    by = ctx.simulation.by[column]
    order = {name: i for i, name in enumerate(ctx.schemes)}
    by = by.assign(_none=by[column] == NO_GROUP, _order=by["scheme"].map(order))
    by = by.sort_values(["_none", column, "_order"], kind="stable")
    table = pd.DataFrame(
        {
            _title(column).capitalize(): by[column].astype(str).to_numpy(),
            "Scheme": by["scheme"].astype(str).to_numpy(),
            GROUP_COLUMNS["employees"]: [count(n) for n in by["employees"]],
        }
    )
    for key in ("total_cost", "cost_per_employee"):
        table[GROUP_COLUMNS[key]] = [money(v, ctx.currency) for v in by[key]]
    for key in ("pct_at_target", "payout_p50"):
        table[GROUP_COLUMNS[key]] = [format_metric(key, v) for v in by[key]]
    return table


def _cost_figure(ctx: ReportContext, column: str) -> Figure:
    """Total cost per group value, a bar per scheme, each bar labelled with its amount."""
    by = ctx.simulation.by[column]
    cost = by.pivot_table(index=column, columns="scheme", values="total_cost", sort=False)
    cost = cost[[s for s in ctx.schemes if s in cost.columns]]
    shown = cost.loc[cost.max(axis=1).sort_values(ascending=False).index[:MAX_CHART_GROUPS]]
    # in the table's order, read from the top: barh draws the first position at the bottom
    shown = shown.loc[sorted(shown.index, key=lambda v: (v == NO_GROUP, str(v)), reverse=True)]
    n_groups, n_schemes = len(shown), max(1, len(shown.columns))
    fig, ax = new_figure(7.5, min(9.0, 1.3 + 0.3 * n_groups * n_schemes))
    height = 0.8 / n_schemes
    positions = np.arange(n_groups)
    for j, scheme in enumerate(shown.columns):
        offset = (j - (n_schemes - 1) / 2) * height
        bars = ax.barh(
            positions - offset, shown[scheme], height, label=scheme, color=ctx.palette.get(scheme)
        )
        ax.bar_label(bars, labels=[short_number(v) for v in shown[scheme]], padding=2, fontsize=7)
    ax.set_yticks(positions, [str(v) for v in shown.index], fontsize=8)
    ax.set_xlabel(f"Total cost ({ctx.currency})" if ctx.currency else "Total cost", fontsize=8)
    ax.xaxis.set_major_formatter(lambda x, _: short_number(x))
    ax.tick_params(axis="x", labelsize=7)
    ax.margins(x=0.15)
    # under the plot, as in the cost per period: at the side it squeezed the bars
    fig.legend(loc="outside lower center", ncols=min(3, n_schemes), fontsize=7, frameon=False)
    left_out = len(cost) - len(shown)
    return Figure(
        fig,
        caption=f"Total cost by {esc(_title(column))}"
        + (f" (the {len(shown)} most costly of {len(cost)})" if left_out else "")
        + ":",
        alt=f"Bar chart: the total bonus cost of each {_title(column)} under "
        + ", ".join(str(s) for s in shown.columns)
        + ", each bar labelled with its amount.",
    )


def _lead(ctx: ReportContext, column: str) -> str:
    """The section's opening words: where the groups come from, what the figures cover."""
    by = ctx.simulation.by[column]
    n = by[column].nunique()
    source = (
        f"as the roster ({esc(Path(ctx.roster.file).name)}) gives them"
        if ctx.roster is not None and column in ctx.roster.attributes
        else "as the data gives them"
    )
    none = (
        f" Employee-periods without a {esc(_title(column))} form the group {NO_GROUP}."
        if (by[column] == NO_GROUP).any()
        else ""
    )
    return (
        f"## Cost and attainment by {esc(_title(column))}\n\n"
        f"{count(n)} {esc(_title(column))} value{'s' if n != 1 else ''}, {source}. "
        "Costs are totals over the periods each scheme evaluated; an employee who moved "
        "counts in each group for the periods spent there. Median payout is a multiple of "
        "on-target pay." + none
    )


def cost_by_group(ctx: ReportContext) -> list[Any]:
    """Each scheme's cost and attainment per group value: a table and a bar chart per column.

    Examples
    --------
    >>> show(cost_by_group(ctx))  # doctest: +SKIP
    """
    if ctx.simulation is None:
        return []
    if not ctx.groups:
        if ctx.roster is None:
            return [_NO_ROSTER]
        columns = ", ".join(ctx.roster.attributes) or "none"
        name = Path(ctx.roster.file).name
        return [
            "## Cost and attainment by group\n\n"
            f"The roster ({esc(name)}) has no team or region column, so this report "
            f"shows no cost or attainment by group. Name a column with `--by` (the roster's "
            f"grouping columns: {esc(columns)})."
        ]
    blocks: list[Any] = []
    for column in ctx.groups:
        table = group_table(ctx, column)
        blocks += [_lead(ctx, column), *_tables(table), _cost_figure(ctx, column)]
    return blocks


#: Rows of a table that fit on an A4 page beside its section's lead; a longer one is
#: shown one scheme at a time, so it flows over pages instead of leaving one blank.
MAX_TABLE_ROWS = 16


def _tables(table: pd.DataFrame) -> list[Any]:
    """The group table whole, or one table per scheme when it would not fit on a page."""
    if len(table) <= MAX_TABLE_ROWS or "Scheme" not in table.columns:
        return [table]
    blocks: list[Any] = []
    for scheme, part in table.groupby("Scheme", sort=False):
        blocks += [f"**{esc(scheme)}**", part.drop(columns="Scheme").reset_index(drop=True)]
    return blocks
