"""Metrics (kpitools.engine.metrics) on hand-computed tables, and their properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kpitools.engine import METRICS, check_metric_name, metric_arrays, metrics_from_totals
from kpitools.errors import DefinitionError


def _totals(**columns) -> pd.DataFrame:
    n = len(columns["payout"])
    base = {
        "employee": [f"e{i}" for i in range(n)],
        "period": ["2025-01"] * n,
        "on_target_pay": [100.0] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


@pytest.fixture
def four():
    # payouts 0, 50, 100, 250 on 100 on-target pay; attainment ranks 1, 3, 2, 4
    return _totals(
        payout=[0.0, 50.0, 100.0, 250.0],
        attainment=[0.5, 1.0, 0.9, 1.6],
        revenue=[500.0, 900.0, 1000.0, 1600.0],
    )


def test_every_metric_on_four_employees_by_hand(four):
    comp = np.array([[0.94, 0.78], [0.95, 0.5], [0.99, 0.5], [1.0, 0.5]])
    m = metrics_from_totals(
        four, component_attainment=comp, thresholds=[(1.0,), (0.8,)], budget=500.0
    )
    assert list(m.index) == list(METRICS)
    expected = {
        "total_cost": 400.0,
        "cost_per_employee": 100.0,
        "cost_of_sales": 400.0 / 4000.0,
        "pct_at_target": 0.5,  # 1.0 and 1.6
        "pct_zero_payout": 0.25,
        # multiples 0, 0.5, 1, 2.5; linear quantile at position 3q
        "payout_p10": 0.15,
        "payout_p50": 0.75,
        "payout_p90": 2.05,
        "leverage": 2.05 / 0.75,
        # ranks (1, 3, 2, 4) vs (1, 2, 3, 4): 1 - 6 * 2 / (4 * 15)
        "pay_performance_corr": 0.8,
        # sum |xi - xj| over ordered pairs = 1600; / (2 * 4^2 * 100)
        "gini": 0.5,
        # rows 1 (0.78 in [0.76, 0.8)), 2 (0.95) and 3 (0.99 in [0.95, 1)); not 1.0 itself
        "near_threshold_share": 0.75,
        "budget_variance": (400.0 - 500.0) / 500.0,
    }
    for name, value in expected.items():
        assert m[name] == pytest.approx(value, abs=1e-12), name


def test_metrics_over_two_periods_use_distinct_employees_and_periods():
    totals = pd.DataFrame(
        {
            "employee": ["a", "b", "a", "b"],
            "period": ["2025-01", "2025-01", "2025-02", "2025-02"],
            "on_target_pay": [100.0, 200.0, 100.0, 200.0],
            "attainment": [1.0, 0.5, 0.7 + 0.2 + 0.1, 1.2],  # 0.9999999999999999 counts as 1
            "payout": [100.0, 0.0, 100.0, 300.0],
        }
    )
    m = metrics_from_totals(totals, budget=150.0)
    assert m["total_cost"] == 500.0
    assert m["cost_per_employee"] == 250.0  # 2 employees over the whole window
    assert m["budget_variance"] == pytest.approx((500.0 - 300.0) / 300.0)
    assert m["pct_at_target"] == 0.75
    assert np.isnan(m["cost_of_sales"])  # no revenue column
    assert m["payout_p50"] == 1.0  # multiples 1, 0, 1, 1.5
    assert m["near_threshold_share"] == 0.0  # no component thresholds given
    assert np.isnan(metrics_from_totals(totals)["budget_variance"])


def test_nobody_paid_gives_undefined_gini_leverage_and_correlation():
    m = metrics_from_totals(_totals(payout=[0.0, 0.0, 0.0], attainment=[0.2, 0.5, 0.7]))
    assert m["pct_zero_payout"] == 1.0
    assert m["total_cost"] == 0.0
    assert np.isnan(m["gini"]) and np.isnan(m["leverage"])
    assert np.isnan(m["pay_performance_corr"])  # payouts are constant


def test_equal_pay_has_zero_gini_and_missing_attainment_is_left_out():
    m = metrics_from_totals(_totals(payout=[80.0, 80.0, 80.0], attainment=[1.1, np.nan, 0.4]))
    assert m["gini"] == 0.0
    assert m["pct_at_target"] == 0.5  # 1 of the 2 with an attainment
    assert m["leverage"] == 1.0


def test_revenue_not_positive_gives_undefined_cost_of_sales():
    m = metrics_from_totals(_totals(payout=[10.0], attainment=[1.0], revenue=[0.0]))
    assert np.isnan(m["cost_of_sales"])


cents = st.integers(min_value=0, max_value=100_000_000).map(lambda c: c / 100)


payouts_strategy = st.lists(cents, min_size=2, max_size=30)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(payouts_strategy, st.randoms(use_true_random=False))
def test_gini_is_bounded_and_ignores_order_and_scale(values, rnd):
    x = np.array(values)
    m = metric_arrays(x, 100.0, np.ones_like(x), n_employees=len(x), n_periods=1)
    g = m["gini"][0]
    if x.sum() == 0:
        assert np.isnan(g)
        return
    pairs = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert g == pytest.approx(pairs, abs=1e-9)
    assert 0 <= g < 1
    shuffled = x.copy()
    rnd.shuffle(shuffled)
    m2 = metric_arrays(shuffled * 3, 100.0, np.ones_like(x), n_employees=len(x), n_periods=1)
    assert m2["gini"][0] == pytest.approx(g, abs=1e-9)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=3, allow_nan=False),
            cents,
        ),
        min_size=3,
        max_size=25,
    )
)
def test_spearman_matches_scipy(pairs):
    att = np.array([p[0] for p in pairs])
    pay = np.array([p[1] for p in pairs])
    m = metric_arrays(pay, 100.0, att, n_employees=len(att), n_periods=1)
    if np.ptp(att) == 0 or np.ptp(pay) == 0:
        assert np.isnan(m["pay_performance_corr"][0])
    else:
        expected = stats.spearmanr(att, pay).statistic
        assert m["pay_performance_corr"][0] == pytest.approx(expected, abs=1e-9)


def test_stacked_rows_equal_one_row_at_a_time():
    rng = np.random.default_rng(7)
    pay = rng.gamma(2.0, 50.0, size=(5, 40)) * (rng.random((5, 40)) > 0.2)
    att = rng.uniform(0.3, 1.8, size=(5, 40))
    comp = rng.uniform(0.7, 1.3, size=(5, 40))
    rev = rng.uniform(1000, 5000, size=(5, 40))
    kwargs = dict(thresholds=[(0.9, 1.1)], n_employees=40, n_periods=1, budget=4000.0)
    stacked = metric_arrays(pay, 100.0, att, revenue=rev, component_attainment=[comp], **kwargs)
    for i in range(5):
        one = metric_arrays(
            pay[i], 100.0, att[i], revenue=rev[i], component_attainment=[comp[i]], **kwargs
        )
        for name in METRICS:
            np.testing.assert_allclose(stacked[name][i], one[name][0], rtol=1e-12, err_msg=name)


def test_unknown_metric_name_suggests_the_closest():
    with pytest.raises(DefinitionError) as err:
        check_metric_name("pct_at_targt")
    assert str(err.value) == (
        "Unknown metric 'pct_at_targt'. Did you mean 'pct_at_target'?\n"
        "Suggestion: use one of " + ", ".join(METRICS) + "."
    )
