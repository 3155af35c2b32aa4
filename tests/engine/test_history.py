"""The history a forecast draws from (kpitools.engine.history): resampling, growth, next period."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.engine import fit_growth, resample_periods
from kpitools.engine.history import drop_partial_last_period, next_period_rows, scheme_kpis
from kpitools.scheme import load_scheme


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


def _monthly(periods, kpi="x"):
    return pd.DataFrame(
        {
            "employee": ["a"] * len(periods),
            "period": periods,
            "kpi": kpi,
            "actual": np.arange(1.0, len(periods) + 1),
        }
    )


ONE_KPI = {
    "name": "s",
    "on_target_pay": 1,
    "revenue_kpi": "y",
    "components": [{"kpi": "x", "weight": 1, "target": 1, "curve": {"steps": [[1, 1]]}}],
}


def test_scheme_kpis_lists_every_kpi_once():
    scheme = load_scheme({**ONE_KPI, "gates": [{"kpi": "x", "min_attainment": 1, "target": 1}]})
    assert scheme_kpis(scheme) == ["x", "y"]


def test_next_period_rows_carry_the_last_target_and_the_latest_role():
    data = pd.DataFrame(
        {
            "employee": ["a", "a", "b", "a", "b"],
            "period": ["2025-01", "2025-02", "2025-02", "2025-02", "2025-01"],
            "kpi": ["x", "x", "x", "y", "x"],
            "actual": [1.0, 2.0, 3.0, 4.0, 5.0],
            "target": [10.0, 20.0, 30.0, 40.0, 50.0],
            "role": ["rep", "rep", "lead", "rep", "lead"],
        }
    )
    rows, _, label = next_period_rows(data, load_scheme(ONE_KPI), ["x", "y"])
    assert label == "2025-03"
    assert rows.fillna(-1.0).to_dict("records") == [
        {
            "employee": "a",
            "period": "2025-03",
            "kpi": "x",
            "actual": 0.0,
            "target": 20.0,
            "role": "rep",
        },
        {
            "employee": "a",
            "period": "2025-03",
            "kpi": "y",
            "actual": 0.0,
            "target": 40.0,
            "role": "rep",
        },
        {
            "employee": "b",
            "period": "2025-03",
            "kpi": "x",
            "actual": 0.0,
            "target": 30.0,
            "role": "lead",
        },
        {
            "employee": "b",
            "period": "2025-03",
            "kpi": "y",
            "actual": 0.0,
            "target": -1.0,
            "role": "lead",
        },
    ]


def test_a_partial_last_quarter_is_dropped_and_becomes_the_forecast_period():
    quarterly = load_scheme({**ONE_KPI, "period": "quarter"})
    data = _monthly(["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"])
    kept, note = drop_partial_last_period(data, quarterly, ["x"])
    assert kept["period"].tolist() == ["2025-01", "2025-02", "2025-03"]
    assert note == (
        "the data ends inside 2025-Q2 (2025-04 to 2025-05 only): those months are left out, so "
        "that the forecast of 2025-Q2 resamples whole quarters."
    )
    rows, _, label = next_period_rows(kept, quarterly, ["x"])
    assert label == "2025-Q2"
    assert rows["period"].tolist() == ["2025-04", "2025-05", "2025-06"]


@pytest.mark.parametrize(
    "periods",
    [
        ["2025-01", "2025-02", "2025-03"],  # a whole quarter: nothing to drop
        ["2025-01", "2025-02"],  # only a part: nothing before it to resample instead
    ],
)
def test_whole_or_only_partial_data_is_kept(periods):
    quarterly = load_scheme({**ONE_KPI, "period": "quarter"})
    kept, note = drop_partial_last_period(_monthly(periods), quarterly, ["x"])
    assert kept["period"].tolist() == periods and note == ""
