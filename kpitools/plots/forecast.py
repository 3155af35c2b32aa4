"""The cost forecast: the simulated total cost per period against the budget."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.ticker import FuncFormatter

from .._util.format import number, percent, short_number
from .style import axes_or_new

__all__ = ["plot_cost_forecast"]


def _amount(value: float, currency: str | None) -> str:
    """A forecast amount to three significant digits (``505K RUB``): it is not exact."""
    return short_number(float(f"{value:.3g}"), "currency", currency)


def plot_cost_forecast(
    forecast: Any,
    *,
    budget: float | None = None,
    ax: Any = None,
    color: Any = None,
    currency: str | None = None,
) -> Any:
    """Histogram of the forecast's total cost per period, with the budget line and p5/p50/p95.

    Parameters
    ----------
    forecast : ForecastResult
        The result of :func:`kpitools.engine.forecast`.
    budget : float, optional
        Budget per period; the forecast's own budget by default. No line without one.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when not given.
    color : optional
        Bar colour (the scheme's colour).
    currency : str, optional
        The run's currency: on the axis label and the amounts (default: the forecast's;
        none: amounts without a code).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> plot_cost_forecast(forecast(data, scheme, n=1000, seed=1))  # doctest: +SKIP
    """
    currency = currency or getattr(forecast, "currency", None)
    cost = forecast.draws["total_cost"].to_numpy(float)
    budget = forecast.budget if budget is None else budget
    ax = axes_or_new(ax)
    ax.hist(cost, bins=40, color=color, alpha=0.75, label=f"{number(len(cost))} simulated periods")
    for q, style in ((5, ":"), (50, "--"), (95, ":")):
        value = float(np.percentile(cost, q))
        label = f"p{q} {_amount(value, currency)}"
        ax.axvline(value, color="0.35", linestyle=style, linewidth=1, label=label)
    title = f"{forecast.scheme_name}: cost of {forecast.period}"
    if budget is not None:
        over = float(np.mean(cost > budget))
        ax.axvline(
            budget, color="tab:red", linewidth=2, label=f"budget {_amount(budget, currency)}"
        )
        title += f" (chance over budget {percent(over)})"
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _amount(v, None)))
    ax.set_xlabel("total cost per period" + (f", {currency}" if currency else ""))
    ax.set_ylabel("simulated periods")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax
