"""kpitools.plots."""

from __future__ import annotations

from .schemes import (
    _curve_xy,
    plot_attainment_distribution,
    plot_cost_forecast,
    plot_pay_vs_performance,
    plot_payout_curve,
    plot_payout_distribution,
    scheme_palette,
)

__all__ = [
    "_curve_xy",
    "plot_attainment_distribution",
    "plot_cost_forecast",
    "plot_pay_vs_performance",
    "plot_payout_curve",
    "plot_payout_distribution",
    "scheme_palette",
]
