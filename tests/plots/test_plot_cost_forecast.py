"""The cost forecast figure: budget line, quantiles and the chance over budget."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from kpitools.engine import ForecastResult  # noqa: E402
from kpitools.plots import plot_cost_forecast  # noqa: E402


def test_cost_forecast_shows_budget_and_quantiles():
    draws = pd.DataFrame({"total_cost": np.arange(1.0, 101.0) * 10_000})
    fc = ForecastResult(
        scheme_name="Scorecard",
        period="2027-01",
        n=100,
        seed=1,
        trend=False,
        budget=800_000.0,
        draws=draws,
        employees=10,
        currency="RUB",
    )
    ax = plot_cost_forecast(fc)
    labels = [line.get_label() for line in ax.lines]
    # three significant digits: a forecast is not exact to the rouble
    assert labels == ["p5 59,500 RUB", "p50 505K RUB", "p95 950K RUB", "budget 800K RUB"]
    ticks = ax.xaxis.get_major_formatter()
    assert (ticks(400_000, 0), ticks(1_000_000, 0)) == ("400K", "1M")
    assert ax.lines[-1].get_xdata()[0] == 800_000.0
    assert sum(p.get_height() for p in ax.patches) == 100
    assert ax.get_title() == "Scorecard: cost of 2027-01 (chance over budget 20%)"
    assert ax.get_xlabel() == "total cost per period, RUB"


def test_cost_forecast_without_a_currency_invents_none():
    draws = pd.DataFrame({"total_cost": [1000.0, 2000.0]})
    fc = ForecastResult(
        scheme_name="s", period="2027-01", n=2, seed=1, trend=False, budget=None, draws=draws,
        employees=1,
    )  # fmt: skip
    ax = plot_cost_forecast(fc)
    assert ax.get_xlabel() == "total cost per period"
    assert [line.get_label() for line in ax.lines][1] == "p50 1,500"
    assert plot_cost_forecast(fc, currency="EUR").get_xlabel() == "total cost per period, EUR"
