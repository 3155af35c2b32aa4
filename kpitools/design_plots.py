"""Design figures: the goal tree with solved targets, the tornado, the roles × KPIs
weight matrix and the gap waterfall.

Every function takes ``ax=None`` (a new figure when not given), draws on it and
returns it; nothing here calls ``plt.show()``. The goal tree is drawn with a small
layered layout of its own (no graphviz): goals that drive nothing on top, each
driver one layer below the lowest goal that uses it.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from kpitools.design import load_design
>>> d = load_design("templates/designs/sales_generator.yaml")  # doctest: +SKIP
>>> ax = plot_goal_tree(d)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np

from .design import (
    CascadeResult,
    Design,
    GapResult,
    SensitivityResult,
    format_value,
    load_design,
    sensitivity,
)

__all__ = [
    "GOAL_COLOURS",
    "plot_goal_tree",
    "plot_tornado",
    "plot_weight_matrix",
    "plot_gap",
]

#: Box colours (fill, text) of the goal tree by how a goal got its value.
GOAL_COLOURS = {
    "target": ("#1f4e79", "white"),
    "solved": ("#2e7d32", "white"),
    "computed": ("#a5d6a7", "#1b1b1b"),
    "assumption": ("#e0e0e0", "#1b1b1b"),
    "unknown": ("#ffffff", "#b71c1c"),
}
_HOW_WORD = {
    "target": "target",
    "solved": "solved",
    "computed": "computed from drivers",
    "assumption": "assumption",
    "unknown": "unknown",
}


def _axes(ax: Any, size: tuple[float, float] = (7, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _layout(design: Design) -> dict[str, tuple[float, int]]:
    """(x, layer) per goal: leaves get consecutive slots, parents sit over their children."""
    depth = design.depth()
    pos: dict[str, tuple[float, int]] = {}
    slot = [0.0]

    def place(node: str) -> float:
        if node in pos:
            return pos[node][0]
        pos[node] = (math.nan, depth[node])  # reserve: shared drivers are placed once
        kids = [c for c in design.goal(node).drivers if c not in pos and depth[c] > depth[node]]
        xs = [place(c) for c in kids]
        if xs:
            x = float(np.mean(xs))
        else:
            x = slot[0]
            slot[0] += 1.0
        pos[node] = (x, depth[node])
        return x

    for g in design.goals:
        if depth[g.id] == 0:
            place(g.id)
    for g in design.goals:  # anything left (only reachable through placed goals)
        place(g.id)
    return pos


def plot_goal_tree(
    design: Design | str,
    ax: Any = None,
    cascade: CascadeResult | None = None,
    wrap: int = 24,
) -> Any:
    """Draw the goal tree with every goal's solved target.

    Each box shows the goal's name, its value (thousands separators and the
    design's currency) and how it got it: a given target, an assumption, solved
    from the goal above, or computed from the drivers below. Each formula is
    written where its edges leave the goal.

    Parameters
    ----------
    design : Design or path
    ax : matplotlib Axes, optional
    cascade : CascadeResult, optional
        Reuse a cascade already computed.
    wrap : int
        Characters per line of a goal name.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_goal_tree("templates/designs/sales_generator.yaml")  # doctest: +SKIP
    """
    from matplotlib.patches import FancyBboxPatch, Patch

    design = load_design(design)
    result = cascade or design.cascade()
    pos = _layout(design)
    n_slots = max((x for x, _ in pos.values()), default=0) + 1
    n_layers = max((y for _, y in pos.values()), default=0) + 1
    ax = _axes(ax, (max(6.0, 2.4 * n_slots), max(3.0, 2.0 * n_layers)))
    box_w, box_h, gap_y = 0.86, 0.7, 1.3

    def xy(goal_id: str) -> tuple[float, float]:
        x, layer = pos[goal_id]
        return x, -layer * gap_y

    for g in design.goals:  # edges first, under the boxes
        if g.expr is None:
            continue
        px, py = xy(g.id)
        for d in g.drivers:
            cx, cy = xy(d)
            ax.plot(
                [px, cx],
                [py - box_h / 2, cy + box_h / 2],
                color="#607d8b",
                linewidth=1.2,
                zorder=1,
            )
        ax.text(
            px,
            py - box_h / 2 - 0.12,
            "= " + g.formula.strip(),
            ha="center",
            va="top",
            fontsize=7.5,
            style="italic",
            color="#37474f",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
            gid=f"formula:{g.id}",
        )
    for g in design.goals:
        x, y = xy(g.id)
        how = result.how[g.id]
        fill, ink = GOAL_COLOURS[how]
        ax.add_patch(
            FancyBboxPatch(
                (x - box_w / 2, y - box_h / 2),
                box_w,
                box_h,
                boxstyle="round,pad=0.02,rounding_size=0.06",
                facecolor=fill,
                edgecolor="#263238" if how != "unknown" else "#b71c1c",
                linestyle="--" if how == "assumption" else "-",
                linewidth=1.0,
                zorder=2,
                gid=f"goal:{g.id}",
            )
        )
        name = "\n".join(textwrap.wrap(g.name, wrap)[:2])
        value = format_value(result.values[g.id], design.unit_of(g.id), design.currency)
        ax.text(x, y + 0.17, name, ha="center", va="center", fontsize=8, color=ink, zorder=3)
        ax.text(
            x,
            y - 0.11,
            value,
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color=ink,
            zorder=3,
        )
        ax.text(
            x,
            y - 0.26,
            _HOW_WORD[how],
            ha="center",
            va="center",
            fontsize=6.5,
            color=ink,
            zorder=3,
        )
    ax.set_xlim(-0.6, n_slots - 0.4)
    ax.set_ylim(-(n_layers - 1) * gap_y - 0.75, 0.55)
    ax.set_axis_off()
    shown = [h for h in GOAL_COLOURS if h in set(result.how.values())]
    handles = [
        Patch(
            facecolor=GOAL_COLOURS[h][0],
            edgecolor="#263238",
            linestyle="--" if h == "assumption" else "-",
            label=_HOW_WORD[h],
        )
        for h in shown
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        frameon=False,
        fontsize=8,
    )
    title = "Goal tree"
    if design.client:
        title = f"{design.client}: goal tree"
    if design.period:
        title += f", {design.period}"
    ax.set_title(title)
    return ax


def _thousands(ax_axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))


def plot_tornado(
    result: SensitivityResult | Design | str,
    ax: Any = None,
    leaves_only: bool = False,
    max_drivers: int = 15,
) -> Any:
    """The ±10% tornado: how far the top goal moves when each driver moves alone.

    Parameters
    ----------
    result : SensitivityResult, Design or path
        A design is analysed with :func:`kpitools.design.sensitivity`.
    leaves_only : bool
        Only drivers without a formula of their own (the inputs).
    max_drivers : int
        The widest bars only.

    Examples
    --------
    >>> ax = plot_tornado("templates/designs/b2b_sales.yaml")  # doctest: +SKIP
    """
    if not isinstance(result, SensitivityResult):
        result = sensitivity(load_design(result))
    t = result.tornado
    if leaves_only:
        t = t[t["leaf"]]
    t = t.head(max_drivers).iloc[::-1]
    ax = _axes(ax, (7, max(2.5, 0.45 * len(t) + 1.2)))
    pct = f"{result.step:.0%}"
    y = np.arange(len(t))
    base = result.base
    ax.barh(
        y,
        t["goal_at_low"] - base,
        left=base,
        color="#c0504d",
        label=f"driver −{pct}",
        gid="low",
    )
    ax.barh(
        y,
        t["goal_at_high"] - base,
        left=base,
        color="#4f81bd",
        label=f"driver +{pct}",
        gid="high",
    )
    ax.axvline(base, color="#263238", linewidth=1)
    labels = t["name"] if result.design is not None else t["driver"]
    ax.set_yticks(y, labels=list(labels))
    unit = currency = None
    if result.design is not None:
        unit, currency = result.design.unit_of(result.goal), result.design.currency
    ax.set_xlabel(f"{result.goal} (base {format_value(base, unit, currency)})")
    _thousands(ax.xaxis)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Sensitivity of {result.goal}: each driver ±{pct}")
    return ax


def plot_weight_matrix(design: Design | str, ax: Any = None) -> Any:
    """Roles × KPIs heatmap of the weights (share of on-target pay).

    A KPI in a role without a weight is marked ``plan``; a blank cell means the role
    does not have that KPI.

    Examples
    --------
    >>> ax = plot_weight_matrix("templates/designs/b2b_sales.yaml")  # doctest: +SKIP
    """
    import seaborn as sns

    design = load_design(design)
    df = design.role_kpis()
    roles = [r.id for r in design.roles]
    kpis = list(dict.fromkeys(df["kpi"]))
    present = (
        df.assign(one=1.0)
        .pivot_table(index="role", columns="kpi", values="one", aggfunc="sum")
        .reindex(index=roles, columns=kpis)
    )
    weights = (
        df.pivot_table(index="role", columns="kpi", values="weight", aggfunc="sum", dropna=False)
        .reindex(index=roles, columns=kpis)
        .astype("float64")
    )
    has_weight = df.pivot_table(
        index="role", columns="kpi", values="weight", aggfunc="count"
    ).reindex(index=roles, columns=kpis)
    values = (weights * 100).where(has_weight.fillna(0) > 0, 0.0).where(present.notna())
    annot = np.where(
        present.isna().to_numpy(),
        "",
        np.where(
            has_weight.fillna(0).to_numpy() > 0,
            [[f"{v:.0f}%" if not math.isnan(v) else "" for v in row] for row in values.to_numpy()],
            "plan",
        ),
    )
    ax = _axes(ax, (max(5.0, 0.9 * len(kpis) + 2.5), max(2.5, 0.6 * len(roles) + 1.5)))
    sns.heatmap(
        values,
        mask=present.isna(),
        annot=annot,
        fmt="",
        cmap="Blues",
        vmin=0,
        vmax=100,
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": "weight, % of on-target pay"},
        ax=ax,
    )
    ax.set_xlabel("KPI")
    ax.set_ylabel("role")
    ax.set_title("KPI weights per role")
    ax.tick_params(axis="x", rotation=45)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return ax


def plot_gap(result: GapResult, ax: Any = None) -> Any:
    """Waterfall from plan to actual: each driver's contribution to the gap.

    Examples
    --------
    >>> from kpitools.design import gap_analysis  # doctest: +SKIP
    >>> ax = plot_gap(gap_analysis(d, {"units_sold": 180}))  # doctest: +SKIP
    """
    c = result.contributions
    labels = (
        ["plan"]
        + [
            f"{d} (unexplained)" if k == "unexplained" else d
            for d, k in zip(c["driver"], c["kind"], strict=True)
        ]
        + ["actual"]
    )
    steps = c["contribution"].to_numpy()
    starts = result.plan + np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    ax = _axes(ax, (max(6.0, 0.9 * len(labels) + 2), 4))
    x = np.arange(len(labels))
    ax.bar(x[0], result.plan, color="#90a4ae", gid="plan")
    good = steps >= 0 if result.direction == "higher" else steps <= 0
    ax.bar(
        x[1:-1],
        steps,
        bottom=starts,
        color=np.where(good, "#4f81bd", "#c0504d"),
        gid="contributions",
    )
    ax.bar(x[-1], result.actual, color="#37474f", gid="actual")
    ax.set_xticks(x, labels=labels, rotation=30, ha="right")
    _thousands(ax.yaxis)
    ax.set_ylabel(result.goal)
    low = min(result.plan, result.actual, *(starts + steps), *starts) if len(steps) else 0
    high = max(result.plan, result.actual, *(starts + steps), *starts) if len(steps) else 1
    pad = (high - low) * 0.6 or abs(high) * 0.1 or 1.0
    ax.set_ylim(max(0.0, low - pad) if low >= 0 else low - pad, high + pad * 0.3)
    ax.set_title(f"Why {result.goal} moved: gap {format_value(result.gap)} from plan to actual")
    return ax
