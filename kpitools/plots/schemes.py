"""Scheme figures: payout curves, payout and attainment distributions, pay against
performance, and the cost forecast.

Every function takes ``ax=None`` (a new figure when not given), draws on it and returns it;
nothing here calls ``plt.show()``. Each scheme keeps the same colour in every figure:
:func:`scheme_palette` gives the colours, in the order the schemes were simulated.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from kpitools.scheme import load_scheme
>>> scheme = load_scheme({"name": "s", "on_target_pay": 100, "components": [
...     {"kpi": "revenue", "weight": 1, "target": {"method": "fixed", "value": 10},
...      "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}}]})
>>> ax = plot_payout_curve(scheme, 0)
>>> ax.get_xlabel()
'attainment'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "PALETTE",
    "scheme_palette",
    "plot_payout_curve",
    "plot_payout_distribution",
    "plot_attainment_distribution",
    "plot_pay_vs_performance",
    "plot_cost_forecast",
]

#: The seaborn palette the scheme colours are taken from (colour-blind safe).
PALETTE = "colorblind"

_MARK_STYLE = {"threshold": ":", "target": "--", "cap": "-."}
_MARK_WORD = {"threshold": "threshold", "target": "target", "cap": "excellence (cap)"}


def _axes(ax: Any):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    return ax


def scheme_palette(names: Iterable[str]) -> dict[str, tuple[float, float, float]]:
    """One colour per scheme, the same for a scheme in every figure of a report.

    Colours are given in the order of ``names`` (the order the schemes were simulated), so
    the first scheme is always the palette's first colour.

    Examples
    --------
    >>> pal = scheme_palette(["Commission", "Scorecard"])
    >>> list(pal)
    ['Commission', 'Scorecard']
    >>> pal["Commission"] != pal["Scorecard"]
    True
    """
    import seaborn as sns

    names = list(dict.fromkeys(str(n) for n in names))
    colours = sns.color_palette(PALETTE, n_colors=max(len(names), 1))
    return {name: tuple(colours[i % len(colours)]) for i, name in enumerate(names)}


def _palette_for(names: list[str], palette: Mapping[str, Any] | None) -> dict[str, Any]:
    base = scheme_palette(names)
    if palette:
        base.update({str(k): v for k, v in palette.items()})
    return {n: base[n] for n in names}


def _totals_of(result: Any) -> pd.DataFrame:
    """Totals (one row per scheme × employee-period) from a result or a DataFrame."""
    totals = getattr(result, "totals", result)
    if not isinstance(totals, pd.DataFrame):
        raise TypeError("expected a SimulationResult or a totals DataFrame")
    out = totals.copy()
    if "scheme" not in out:
        out["scheme"] = "scheme"
    otp = out["on_target_pay"].to_numpy(float)
    out["payout_multiple"] = np.where(otp > 0, out["payout"] / np.where(otp > 0, otp, 1), np.nan)
    out["scheme"] = out["scheme"].astype(str)
    return out


def _scheme_order(totals: pd.DataFrame, result: Any) -> list[str]:
    runs = getattr(result, "runs", None)
    if runs:
        return [str(n) for n in runs]
    return list(dict.fromkeys(totals["scheme"]))


def _curve_xy(rule: Any, x_max: float) -> tuple[np.ndarray, np.ndarray, str]:
    """Dense attainment grid (with both sides of every jump) and the factor on it."""
    jumps = np.asarray(getattr(rule, "thresholds", ()) or (), dtype=float)
    x = np.linspace(0.0, x_max, 601)
    x = np.unique(np.concatenate([x, jumps, np.maximum(jumps - 1e-9, 0.0)]))
    if hasattr(rule, "rate") and hasattr(rule, "tiers"):  # a commission
        if rule.tiers is not None and rule.basis == "value":
            starts = [t[0] for t in rule.tiers]
            x = np.linspace(0.0, max(max(starts) * 1.5, 1.0), 601)
            x = np.unique(np.concatenate([x, np.asarray(starts, float)]))
            return x, rule.evaluate(x), "actual"
        at_target = float(rule.evaluate([1.0], [1.0])[0])
        y = rule.evaluate(x, np.ones_like(x), attainment=x)
        return x, (y / at_target if at_target > 0 else y), "attainment"
    return x, rule.evaluate(x), "attainment"


def plot_payout_curve(
    scheme: Any,
    component: int | str = 0,
    *,
    ax: Any = None,
    color: Any = None,
    x_max: float | None = None,
) -> Any:
    """Draw one component's payout curve with its threshold, target and excellence marked.

    Parameters
    ----------
    scheme : Scheme
        The scheme.
    component : int or str
        Component index, or its name or KPI id.
    ax : matplotlib Axes, optional
    color : optional
        Line colour (the scheme's colour from :func:`scheme_palette`, for instance).
    x_max : float, optional
        Right end of the attainment axis; 1.3 × the curve's highest key point by default.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_payout_curve(scheme, 0)  # doctest: +SKIP
    >>> [line.get_label() for line in ax.lines]  # doctest: +SKIP
    ['revenue', 'threshold 80%', 'target 100%', 'excellence (cap) 150%']
    """
    from matplotlib.ticker import PercentFormatter

    from ..errors import DefinitionError, did_you_mean

    comps = list(scheme.components)
    if isinstance(component, str) and not component.isdigit():
        labels = [scheme.component_label(i) for i in range(len(comps))]
        kpis = [c.kpi for c in comps]
        if component in labels:
            index = labels.index(component)
        elif component in kpis:
            index = kpis.index(component)
        else:
            raise DefinitionError(
                f"{scheme.name}: no component {component!r}."
                f"{did_you_mean(component, list(dict.fromkeys(labels + kpis)))}\n"
                f"Suggestion: use an index from 0 to {len(comps) - 1} or one of "
                f"{', '.join(dict.fromkeys(labels + kpis))}."
            )
    else:
        index = int(component)
        if not 0 <= index < len(comps):
            raise DefinitionError(
                f"{scheme.name}: no component {index} (the scheme has {len(comps)}).\n"
                f"Suggestion: use an index from 0 to {len(comps) - 1}."
            )
    comp = comps[index]
    rule = comp.payout_rule
    key = dict(getattr(rule, "key_points", {}) or {})
    if not key:
        key = {"target": 1.0}
    reach = [v for v in key.values() if v is not None] + [float(rule.max_attainment), 1.0]
    x_max = float(x_max) if x_max is not None else 1.3 * max(reach)
    ax = _axes(ax)
    x, y, axis = _curve_xy(rule, x_max)
    name = comp.name or comp.kpi
    ax.plot(x, y, color=color, linewidth=2, label=name)
    if axis == "attainment":
        for what in ("threshold", "target", "cap"):
            value = key.get(what)
            if value is None or (what == "threshold" and value <= 0):
                continue
            ax.axvline(
                value,
                color="0.45",
                linestyle=_MARK_STYLE[what],
                linewidth=1,
                label=f"{_MARK_WORD[what]} {value:.0%}",
            )
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("attainment")
    else:
        ax.set_xlabel(f"{comp.kpi} (actual)")
    is_commission = comp.commission is not None
    if is_commission and axis == "attainment":
        ax.set_ylabel("pay relative to pay at target")
    elif is_commission:
        ax.set_ylabel("commission")
    else:
        ax.set_ylabel("payout factor (× weight × on-target pay)")
    ax.set_title(f"{scheme.name}: {name}")
    ax.set_xlim(0, x[-1])
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False)
    return ax


def _distribution(result, column, xlabel, title, ax, palette, reference):
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    totals = _totals_of(result)
    names = _scheme_order(totals, result)
    colours = _palette_for(names, palette)
    ax = _axes(ax)
    data = totals.dropna(subset=[column])
    sns.histplot(
        data=data,
        x=column,
        hue="scheme",
        hue_order=names,
        palette=colours,
        element="step",
        stat="percent",
        common_norm=False,
        fill=False,
        bins=30,
        ax=ax,
    )
    ax.axvline(reference, color="0.3", linestyle="--", linewidth=1, label="100%")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of employee-periods, %")
    ax.set_title(title)
    return ax


def plot_payout_distribution(
    result: Any, *, ax: Any = None, palette: Mapping[str, Any] | None = None
) -> Any:
    """Histogram of payouts as multiples of on-target pay, one outline per scheme.

    Parameters
    ----------
    result : SimulationResult or DataFrame
        A simulation result, or totals with ``scheme, on_target_pay, payout``.
    ax : matplotlib Axes, optional
    palette : mapping, optional
        Scheme → colour; :func:`scheme_palette` by default.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> plot_payout_distribution(result)  # doctest: +SKIP
    """
    return _distribution(
        result,
        "payout_multiple",
        "payout (share of on-target pay)",
        "Payout distribution",
        ax,
        palette,
        1.0,
    )


def plot_attainment_distribution(
    result: Any, *, ax: Any = None, palette: Mapping[str, Any] | None = None
) -> Any:
    """Histogram of weighted attainment, one outline per scheme (same colours as elsewhere).

    Examples
    --------
    >>> plot_attainment_distribution(result)  # doctest: +SKIP
    """
    return _distribution(
        result, "attainment", "weighted attainment", "Attainment distribution", ax, palette, 1.0
    )


def plot_pay_vs_performance(
    result: Any, *, ax: Any = None, palette: Mapping[str, Any] | None = None
) -> Any:
    """Scatter of weighted attainment against payout multiple, one colour per scheme.

    A scheme that pays for performance rises from left to right; points far above the
    others at low attainment are pay without performance.

    Examples
    --------
    >>> plot_pay_vs_performance(result)  # doctest: +SKIP
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    totals = _totals_of(result)
    names = _scheme_order(totals, result)
    colours = _palette_for(names, palette)
    ax = _axes(ax)
    data = totals.dropna(subset=["attainment", "payout_multiple"])
    sns.scatterplot(
        data=data,
        x="attainment",
        y="payout_multiple",
        hue="scheme",
        hue_order=names,
        palette=colours,
        alpha=0.5,
        s=14,
        linewidth=0,
        ax=ax,
    )
    ax.axvline(1.0, color="0.5", linestyle="--", linewidth=1)
    ax.axhline(1.0, color="0.5", linestyle="--", linewidth=1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("weighted attainment")
    ax.set_ylabel("payout (share of on-target pay)")
    ax.set_title("Pay against performance")
    return ax


def plot_cost_forecast(
    forecast: Any,
    *,
    budget: float | None = None,
    ax: Any = None,
    color: Any = None,
    currency: str = "RUB",
) -> Any:
    """Histogram of the forecast's total cost per period, with the budget line and p5/p50/p95.

    Parameters
    ----------
    forecast : ForecastResult
        The result of :func:`kpitools.engine.forecast.forecast`.
    budget : float, optional
        Budget per period; the forecast's own budget by default. No line without one.
    ax : matplotlib Axes, optional
    color : optional
        Bar colour (the scheme's colour).
    currency : str
        Shown on the axis label.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> plot_cost_forecast(forecast(data, scheme, n=1000, seed=1))  # doctest: +SKIP
    """
    from matplotlib.ticker import FuncFormatter

    cost = forecast.draws["total_cost"].to_numpy(float)
    budget = forecast.budget if budget is None else budget
    ax = _axes(ax)
    ax.hist(cost, bins=40, color=color, alpha=0.75, label=f"{len(cost):,} simulated periods")
    for q, style in ((5, ":"), (50, "--"), (95, ":")):
        value = float(np.percentile(cost, q))
        ax.axvline(value, color="0.35", linestyle=style, linewidth=1, label=f"p{q} {value:,.0f}")
    title = f"{forecast.scheme_name}: cost of {forecast.period}"
    if budget is not None:
        over = float(np.mean(cost > budget))
        ax.axvline(budget, color="tab:red", linewidth=2, label=f"budget {budget:,.0f}")
        title += f" (chance over budget {over:.0%})"
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.set_xlabel(f"total cost per period, {currency}")
    ax.set_ylabel("simulated periods")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax
