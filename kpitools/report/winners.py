"""The report's section "Winners and losers": who gains and who loses against the current scheme.

Each scheme is compared with the baseline (the current scheme, ``--baseline``; else the
first given) per employee, over the periods both evaluated (the engine's
``winners_losers``, the same as ``winners_losers.csv``); the employees are then counted by
role and by the report's first group column (team, with a roster): how many win, how many
lose, the median change of their total pay and the change of the group's cost.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._util.format import count, short_number
from .blocks import Figure, esc, new_figure
from .context import ReportContext
from .examples import role_name

__all__ = ["winners_by_group", "winners_and_losers"]

#: Groups drawn in the chart (the largest changes); the tables list them all.
MAX_CHART_GROUPS = 12


def _attributes(ctx: ReportContext) -> pd.DataFrame:
    """Each employee's latest role and group values (a mover counts where they ended)."""
    columns = [c for c in ("role", *ctx.groups) if c in ctx.data.columns]
    latest = ctx.data.sort_values("period", kind="stable").groupby("employee").last()
    return latest[columns].astype(str)


def winners_by_group(ctx: ReportContext, column: str) -> pd.DataFrame:
    """Per scheme and value of ``column``: employees, winners, losers, median and total change.

    Numbers, not text: ``scheme, <column>, employees, winners, losers, median_change_pct,
    cost_change``.
    """
    wl = ctx.simulation.winners_losers
    joined = wl.join(_attributes(ctx)[[column]], on="employee")
    joined[column] = joined[column].fillna("(none)")
    grouped = joined.groupby(["scheme", column], sort=False)
    out = grouped.agg(
        employees=("employee", "nunique"),
        winners=("outcome", lambda s: int((s == "winner").sum())),
        losers=("outcome", lambda s: int((s == "loser").sum())),
        median_change_pct=("difference_pct", "median"),
        cost_change=("difference", "sum"),
    ).reset_index()
    order = {name: i for i, name in enumerate(ctx.schemes)}
    return out.sort_values(
        ["scheme", column], key=lambda s: s.map(order) if s.name == "scheme" else s
    ).reset_index(drop=True)


def _signed_money(value: float, currency: str | None) -> str:
    """A change of cost, short and signed: ``+2.91M RUB``, ``-100 EUR``."""
    if pd.isna(value):
        return short_number(value)
    text = short_number(float(f"{value:.3g}"), "currency", currency)  # three digits: no more
    return f"+{text}" if pd.notna(value) and round(value) > 0 else text


def _shown(ctx: ReportContext, table: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per group value, and per scheme who gains / loses and the change in cost."""
    values = list(dict.fromkeys(table[column]))
    employees = table.groupby(column, sort=False)["employees"].max()
    shown = pd.DataFrame(
        {
            column.replace("_", " ").capitalize(): [
                esc(role_name(ctx, v) if column == "role" else v) for v in values
            ],
            "Employees": [count(employees[v]) for v in values],
        }
    )
    for scheme in [s for s in ctx.schemes if s in set(table["scheme"])]:
        part = table[table["scheme"] == scheme].set_index(column).reindex(values)
        shown[f"{esc(scheme)}: gain / lose"] = [
            "n/a" if pd.isna(w) else f"{count(w)} / {count(n)}"
            for w, n in zip(part["winners"], part["losers"], strict=True)
        ]
        shown[f"{esc(scheme)}: cost"] = [
            _signed_money(v, ctx.currency) for v in part["cost_change"]
        ]
    return shown


def _chart(ctx: ReportContext, table: pd.DataFrame, column: str) -> Figure | None:
    """Horizontal bars: the change in cost per group value, one bar per scheme."""
    from matplotlib.ticker import MaxNLocator  # only where figures are drawn: heavy

    if table.empty:
        return None
    wide = table.pivot_table(
        index=column, columns="scheme", values="cost_change", aggfunc="sum", sort=False
    )
    wide = wide.loc[wide.abs().max(axis=1).sort_values(ascending=False).index[:MAX_CHART_GROUPS]]
    wide = wide.iloc[::-1]
    schemes = [s for s in ctx.schemes if s in wide.columns]
    height = 1.1 + 0.22 * len(wide) * max(1, len(schemes))
    fig, ax = new_figure(7.5, min(max(height, 2.4), 6.5))
    bar = 0.8 / max(1, len(schemes))
    for i, scheme in enumerate(schemes):
        ax.barh(
            [k + i * bar for k in range(len(wide))],
            wide[scheme].fillna(0).to_numpy(),
            height=bar,
            color=ctx.palette.get(scheme),
            label=scheme,
        )
    ax.set_yticks([k + bar * (len(schemes) - 1) / 2 for k in range(len(wide))])
    ax.set_yticklabels([str(v).replace("_", " ") for v in wide.index], fontsize=8)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # room for "17,5 млн ₽"
    ax.xaxis.set_major_formatter(lambda x, _: short_number(x, "currency", ctx.currency))
    ax.set_xlabel(f"change in total pay against {ctx.simulation.baseline}", fontsize=8)
    ax.set_ylabel(column.replace("_", " "), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False, loc="best")
    return Figure(
        fig,
        caption=f"Change in total pay by {esc(column.replace('_', ' '))}, against "
        f"{esc(ctx.simulation.baseline)} (right of the line: paid more):",
        alt=f"Bar chart: the change in total pay of each {column.replace('_', ' ')} under each "
        f"scheme against {ctx.simulation.baseline}.",
    )


def winners_and_losers(ctx: ReportContext) -> list[Any]:
    """Who gains and who loses under each scheme against the current one, by role and team."""
    sim = ctx.simulation
    if sim is None or sim.winners_losers.empty:
        return []
    columns = [c for c in ("role", *ctx.groups[:1]) if c in _attributes(ctx).columns]
    blocks: list[Any] = [
        "## Winners and losers\n\n"
        f"Each scheme against the current one, **{esc(sim.baseline)}**: an employee gains "
        "or loses when their total pay over the periods both schemes evaluated changes "
        "(by half a unit or more); cost: the change of the group's total cost over those "
        "periods."
    ]
    for column in columns:
        table = winners_by_group(ctx, column)
        blocks.append(f"### By {esc(column.replace('_', ' '))}")
        blocks.append(_shown(ctx, table, column))
        chart = _chart(ctx, table, column) if column != "role" else None  # few roles: a table
        if chart is not None:
            blocks.append(chart)
    return blocks
