"""Every plot of kpitools: ``kt.plots``.

Scheme figures drawn from engine results (payout curves, payout and attainment
distributions, pay against performance, the cost forecast) and the design figures of
:mod:`kpitools.design` (goal tree, tornado, weight matrix, gap), re-exported here so that
every plot is one import away. Each takes ``ax=None`` (a new figure when not given), draws on
it and returns it; nothing here calls ``plt.show()``. A scheme keeps one colour in every
figure (:func:`scheme_palette`).

Modules: ``style`` (colours, axes), ``curves`` (payout curves and the points they are drawn
through), ``distributions`` (histograms and scatter of a simulation), ``forecast`` (the
cost forecast).

Examples
--------
>>> import kpitools as kt
>>> ax = kt.plots.plot_payout_curve(scheme, 0)  # doctest: +SKIP
"""

from __future__ import annotations

from ..design import plot_gap, plot_goal_tree, plot_tornado, plot_weight_matrix
from .curves import curve_factor, curve_points, plot_payout_curve
from .distributions import (
    plot_attainment_distribution,
    plot_pay_vs_performance,
    plot_payout_distribution,
)
from .forecast import plot_cost_forecast
from .style import PALETTE, scheme_palette

__all__ = [
    "PALETTE",
    "curve_factor",
    "curve_points",
    "plot_attainment_distribution",
    "plot_cost_forecast",
    "plot_gap",
    "plot_goal_tree",
    "plot_pay_vs_performance",
    "plot_payout_curve",
    "plot_payout_distribution",
    "plot_tornado",
    "plot_weight_matrix",
    "scheme_palette",
]
