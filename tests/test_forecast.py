"""Forecast: resampling whole periods, growth fit, seeds, budget overrun, the result object."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.forecast import ForecastResult, fit_growth, resample_periods
from kpitools.metrics import METRICS


def test_resampling_picks_only_each_employees_own_rows():
    counts = np.array([3, 1, 5])
    idx = resample_periods(counts, 2000, np.random.default_rng(0))
    assert idx.shape == (2000, 3)
    assert set(idx[:, 0].tolist()) == {0, 1, 2}
    assert set(idx[:, 1].tolist()) == {3}
    assert set(idx[:, 2].tolist()) == {4, 5, 6, 7, 8}
    # uniform over the employee's periods: each of 5 about 400 times
    assert np.bincount(idx[:, 2] - 4).min() > 300


def test_resampling_is_reproducible_with_a_seed():
    counts = np.array([4, 7, 2])
    a = resample_periods(counts, 50, np.random.default_rng(11))
    b = resample_periods(counts, 50, np.random.default_rng(11))
    c = resample_periods(counts, 50, np.random.default_rng(12))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_growth_is_the_log_linear_slope_of_the_mean_per_employee():
    history = pd.DataFrame(
        {
            "period": [0, 0, 1, 1, 2, 0, 1, 2],
            "kpi": ["x"] * 5 + ["y"] * 3,
            # mean of x: 100, 110, 121 (two employees in periods 0 and 1)
            "actual": [90.0, 110.0, 100.0, 120.0, 121.0, 5.0, 0.0, 7.0],
        }
    )
    g = fit_growth(history)
    assert g["x"] == pytest.approx(1.1)
    assert g["y"] == 1.0  # a zero mean: no trend


def _result(costs, budget):
    draws = pd.DataFrame({m: np.nan for m in METRICS}, index=range(len(costs)))
    draws["total_cost"] = costs
    return ForecastResult(
        scheme_name="S",
        period="2027-01",
        n=len(costs),
        seed=3,
        trend=False,
        budget=budget,
        draws=draws,
        employees=4,
    )


def test_result_quantiles_and_overrun_chance():
    fc = _result(np.arange(1.0, 101.0), budget=90.0)
    assert fc.total_cost_p5 == pytest.approx(5.95)
    assert fc.total_cost_p50 == pytest.approx(50.5)
    assert fc.total_cost_p95 == pytest.approx(95.05)
    assert fc.prob_over_budget == 0.1
    summary = fc.summary
    assert list(summary.columns) == ["mean", "p5", "p50", "p95"]
    assert list(summary.index) == [*METRICS, "prob_over_budget"]
    assert summary.loc["total_cost", "p50"] == pytest.approx(50.5)
    assert summary.loc["prob_over_budget", "mean"] == 0.1
    assert np.isnan(_result(np.ones(3), budget=None).prob_over_budget)
    assert fc.describe() == (
        "Forecast of 2027-01 for S: 100 draws × 4 employees (seed 3, no trend)\n"
        "  total_cost p5 6, p50 50, p95 95\n"
        "  chance that cost exceeds the budget of 90: 10.0%"
    )
    assert repr(fc) == (
        "<kpitools.ForecastResult: 'S' 2027-01, 100 draws × 4 employees, total_cost p50 50, "
        "P(cost > budget) = 10.0%>"
    )
