"""How a simulation paid out: payout and attainment histograms, and pay against performance.

Each takes a :class:`kpitools.engine.SimulationResult` (or its totals as a DataFrame) and
draws one outline or colour per scheme, in the order the schemes were simulated and in the
same colours as every other figure (:func:`kpitools.plots.scheme_palette`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .style import axes_or_new, palette_for, percent_ticks

__all__ = ["plot_attainment_distribution", "plot_pay_vs_performance", "plot_payout_distribution"]


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
    """The schemes in simulation order (a result's runs), else in order of appearance."""
    runs = getattr(result, "runs", None)
    if runs:
        return [str(n) for n in runs]
    return list(dict.fromkeys(totals["scheme"]))


def _distribution(result, column, xlabel, title, ax, palette, reference):
    import seaborn as sns  # heavy (scipy): loaded only when a distribution is drawn

    totals = _totals_of(result)
    names = _scheme_order(totals, result)
    ax = axes_or_new(ax)
    sns.histplot(
        data=totals.dropna(subset=[column]),
        x=column,
        hue="scheme",
        hue_order=names,
        palette=palette_for(names, palette),
        element="step",
        stat="percent",
        common_norm=False,
        fill=False,
        bins=30,
        ax=ax,
    )
    ax.axvline(reference, color="0.3", linestyle="--", linewidth=1, label="100%")
    percent_ticks(ax.xaxis)
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
        Where to draw; a new figure when not given.
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

    Parameters and return as :func:`plot_payout_distribution`.

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
    others at low attainment are pay without performance. Parameters and return as
    :func:`plot_payout_distribution`.

    Examples
    --------
    >>> plot_pay_vs_performance(result)  # doctest: +SKIP
    """
    import seaborn as sns  # heavy (scipy): loaded only when a scatter is drawn

    totals = _totals_of(result)
    names = _scheme_order(totals, result)
    ax = axes_or_new(ax)
    sns.scatterplot(
        data=totals.dropna(subset=["attainment", "payout_multiple"]),
        x="attainment",
        y="payout_multiple",
        hue="scheme",
        hue_order=names,
        palette=palette_for(names, palette),
        alpha=0.5,
        s=14,
        linewidth=0,
        ax=ax,
    )
    ax.axvline(1.0, color="0.5", linestyle="--", linewidth=1)
    ax.axhline(1.0, color="0.5", linestyle="--", linewidth=1)
    percent_ticks(ax.xaxis)
    percent_ticks(ax.yaxis)
    ax.set_xlabel("weighted attainment")
    ax.set_ylabel("payout (share of on-target pay)")
    ax.set_title("Pay against performance")
    return ax
