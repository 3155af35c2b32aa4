"""Design charts: the ±10% tornado, the roles × KPIs weight matrix and the gap waterfall.

Every function takes ``ax=None`` (a new figure when not given), draws on it and returns
it; nothing here calls ``plt.show()``. The goal tree is drawn by :mod:`.tree`.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> ax = plot_tornado("templates/designs/sales_generator.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._util.format import number
from .gap import GapResult
from .load import load_design
from .model import Design
from .sensitivity import SensitivityResult, sensitivity

__all__ = [
    "plot_tornado",
    "plot_weight_matrix",
    "plot_gap",
]


def _axes(ax: Any, size: tuple[float, float] = (7, 4)):
    import matplotlib.pyplot as plt  # matplotlib loads only when a plot is drawn

    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _thousands(ax_axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter  # matplotlib loads only to draw

    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: number(v)))


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
    ax.set_xlabel(f"{result.goal} (base {number(base, unit, currency)})")
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
    import seaborn as sns  # seaborn loads only when a plot is drawn

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
    ax.set_title(f"Why {result.goal} moved: gap {number(result.gap)} from plan to actual")
    return ax
