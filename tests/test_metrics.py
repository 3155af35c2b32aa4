"""Metrics on hand-computed tables, winners and losers, formatting, simulate and calibrate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kpitools.engine import (
    METRICS,
    check_metric_name,
    compare_schemes,
    describe_skipped,
    format_metrics_table,
    metric_arrays,
    metrics_from_totals,
    winners_losers,
)
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


# --------------------------------------------------------------------------- worked example
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


# --------------------------------------------------------------------------- properties
# Payouts are money: whole cents (the engine rounds every amount to cents).
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


# --------------------------------------------------------------------------- comparison
@pytest.fixture
def two_schemes():
    return pd.DataFrame(
        {
            "scheme": ["A"] * 5 + ["B"] * 6,
            "employee": ["1", "1", "2", "2", "3", "1", "1", "2", "2", "3", "4"],
            "period": ["2025-01", "2025-02"] * 2
            + ["2025-01"]
            + ["2025-01", "2025-02"] * 2
            + ["2025-01", "2025-01"],
            "payout": [100.0, 100.0, 50.0, 50.0, 80.0, 150.0, 100.0, 30.0, 70.2, 60.0, 40.0],
        }
    )


def test_winners_and_losers_per_employee(two_schemes):
    wl = winners_losers(two_schemes, "A")
    assert list(wl.columns) == [
        "scheme",
        "employee",
        "baseline",
        "baseline_total",
        "scheme_total",
        "difference",
        "difference_pct",
        "outcome",
        "periods_compared",
    ]
    assert wl["employee"].tolist() == ["1", "2", "3", "4"]
    assert wl["periods_compared"].tolist() == [2, 2, 2, 2]
    assert wl["baseline_total"].tolist() == [200.0, 100.0, 80.0, 0.0]
    assert wl["scheme_total"].tolist() == pytest.approx([250.0, 100.2, 60.0, 40.0])
    assert wl["outcome"].tolist() == ["winner", "unchanged", "loser", "winner"]
    assert wl["difference_pct"].tolist()[:3] == pytest.approx([0.25, 0.002, -0.25])
    assert np.isnan(wl["difference_pct"].iloc[3])  # nothing under the baseline


def test_winners_and_losers_compare_only_the_periods_both_schemes_evaluated(two_schemes):
    late = pd.DataFrame(
        {"scheme": "C", "employee": ["1", "2"], "period": "2025-02", "payout": [90.0, 60.0]}
    )
    wl = winners_losers(pd.concat([two_schemes, late], ignore_index=True), "A")
    c = wl[wl["scheme"] == "C"]
    # A in 2025-02 only: employee 1 had 100, 2 had 50; employee 3 was paid only in 2025-01
    assert c["employee"].tolist() == ["1", "2"]
    assert c["baseline_total"].tolist() == [100.0, 50.0]
    assert c["outcome"].tolist() == ["loser", "winner"]
    assert c["periods_compared"].tolist() == [1, 1]


def test_compare_has_one_row_per_scheme_with_shares(two_schemes):
    metrics = pd.DataFrame(
        {"total_cost": [380.0, 450.2]}, index=pd.Index(["A", "B"], name="scheme")
    )
    out = compare_schemes(metrics, winners_losers(two_schemes, "A"), "A")
    assert out.loc["B", "winners"] == 2 and out.loc["B", "losers"] == 1
    assert out.loc["B", "unchanged"] == 1
    assert out.loc["B", "share_winners"] == 0.5 and out.loc["B", "share_losers"] == 0.25
    assert out.loc["B", "cost_change"] == pytest.approx(70.2)
    assert out.loc["B", "cost_change_pct"] == pytest.approx(70.2 / 380.0)
    assert out.loc["B", "periods_compared"] == 2
    assert out.loc["A", "cost_change"] == 0.0 and out.loc["A", "winners"] == 0
    assert out.loc["A", "unchanged"] == 4


def test_one_scheme_has_no_winners_or_losers(two_schemes):
    only = two_schemes[two_schemes["scheme"] == "A"]
    wl = winners_losers(only, "A")
    assert wl.empty and "outcome" in wl.columns
    metrics = pd.DataFrame({"total_cost": [380.0]}, index=pd.Index(["A"], name="scheme"))
    out = compare_schemes(metrics, wl, "A")
    assert out.loc["A", "cost_change"] == 0.0 and out.loc["A", "winners"] == 0


def test_unknown_baseline_is_a_clear_error(two_schemes):
    with pytest.raises(DefinitionError) as err:
        winners_losers(two_schemes, "a")
    assert str(err.value) == (
        "Baseline scheme 'a' is not among the simulated schemes. Did you mean 'A'?\n"
        "Suggestion: use one of 'A', 'B'."
    )


def test_unknown_metric_name_suggests_the_closest():
    with pytest.raises(DefinitionError) as err:
        check_metric_name("pct_at_targt")
    assert str(err.value) == (
        "Unknown metric 'pct_at_targt'. Did you mean 'pct_at_target'?\n"
        "Suggestion: use one of " + ", ".join(METRICS) + "."
    )


def test_metrics_table_has_thousands_separators_and_percentages():
    metrics = pd.DataFrame(
        {
            "total_cost": [1234567.4, 98000.0],
            "pct_at_target": [0.65, 0.5],
            "budget_variance": [0.032, np.nan],
        },
        index=pd.Index(["Scorecard", "Commission"], name="scheme"),
    )
    assert format_metrics_table(metrics) == (
        "metric            Scorecard   Commission\n"
        "total_cost        1,234,567       98,000\n"
        "pct_at_target         65.0%        50.0%\n"
        "budget_variance       +3.2%          n/a"
    )


def test_skipped_periods_are_grouped():
    skipped = pd.DataFrame(
        {
            "scheme": ["A"] * 4 + ["B"],
            "period": ["2024-01", "2024-02", "2024-03", "2024-04", "2024-01"],
            "reason": ["no previous period"] * 4 + ["no history"],
        }
    )
    assert describe_skipped(skipped) == (
        "A: 2024-01 … 2024-04 (4 periods): no previous period\nB: 2024-01 (1 period): no history"
    )


# --------------------------------------------------------------------------- simulate / calibrate
from kpitools.engine import SimulationResult, calibrate, simulate  # noqa: E402

ACTUALS = {
    "e1": [100.0, 120.0, 80.0],
    "e2": [50.0, 60.0, 70.0],
    "e3": [200.0, 180.0, 220.0],
    "e4": [0.0, 10.0, 30.0],
}  # sum 1,120


@pytest.fixture
def small():
    rows = [
        {"employee": e, "period": f"2025-{m + 1:02d}", "kpi": "sales", "actual": v}
        for e, values in ACTUALS.items()
        for m, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


COMMISSION = {
    "name": "C",
    "on_target_pay": 10,
    "budget": 30,
    "revenue_kpi": "sales",
    "components": [{"kpi": "sales", "commission": {"rate": 0.1}}],
}
CURVE = {
    "name": "K",
    "on_target_pay": 10,
    "components": [
        {
            "kpi": "sales",
            "weight": 1.0,
            "target": {"method": "fixed", "value": 100},
            "curve": {"steps": [[0.8, 0.5], [1.0, 1.0]]},
        }
    ],
}


def test_simulate_runs_schemes_and_compares_them_with_the_baseline(small):
    result = simulate(small, [COMMISSION, CURVE], library=False)
    assert isinstance(result, SimulationResult)
    assert result.schemes == ["C", "K"] and result.baseline == "C"
    assert list(result.metrics.columns) == list(METRICS)
    assert result.metrics.index.name == "scheme"
    c, k = result.metrics.loc["C"], result.metrics.loc["K"]
    assert c["total_cost"] == pytest.approx(112.0)  # 10% of 1,120
    assert c["cost_of_sales"] == pytest.approx(0.1)
    assert c["budget_variance"] == pytest.approx((112.0 - 90.0) / 90.0)  # 3 periods of 30
    # K: attainments ≥ 1 for 100, 120, 200, 180, 220; ≥ 0.8 for 80 → 5 × 10 + 1 × 5
    assert k["total_cost"] == 55.0 and k["pct_at_target"] == pytest.approx(5 / 12)
    assert k["near_threshold_share"] == pytest.approx(0.0)  # nobody at 0.76–0.8 or 0.95–1
    assert list(result.payouts.columns[:10]) == [
        "scheme",
        "employee",
        "period",
        "component",
        "kpi",
        "actual",
        "target",
        "attainment",
        "factor",
        "payout",
    ]
    wl = result.winners_losers.set_index("employee")
    # per employee over 3 months: C pays 30, 18, 60, 4; K pays 25, 0, 30, 0
    assert wl["baseline_total"].tolist() == pytest.approx([30.0, 18.0, 60.0, 4.0])
    assert wl["scheme_total"].tolist() == [25.0, 0.0, 30.0, 0.0]
    assert result.compare.loc["K", "losers"] == 4
    assert result.summary is result.compare
    assert repr(result) == (
        "<kpitools.SimulationResult: 2 scheme(s), baseline 'C', 24 employee-periods, "
        "total cost {C: 112, K: 55}, 0 skipped period(s)>"
    )
    assert "<table" in result._repr_html_()


def test_save_writes_both_files_atomically_with_contract_columns(small, tmp_path):
    result = simulate(small, [COMMISSION, CURVE], baseline="K", library=False)
    written = result.save(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "metrics.csv",
        "payouts.csv",
        "winners_losers.csv",
    ]
    metrics = pd.read_csv(written["metrics"])
    assert list(metrics.columns) == ["scheme", *METRICS]
    payouts = pd.read_csv(written["payouts"], dtype={"employee": str})
    totals = payouts[payouts["component"] == "total"].groupby("scheme")["payout"].sum()
    np.testing.assert_allclose(
        totals.reindex(metrics["scheme"]).to_numpy(), metrics["total_cost"].to_numpy()
    )


def test_simulate_refuses_two_schemes_with_one_name_and_an_unknown_baseline(small):
    with pytest.raises(DefinitionError) as err:
        simulate(small, [COMMISSION, {**CURVE, "name": "C"}], library=False)
    assert str(err.value) == (
        "Schemes 1 and 2 are both named 'C'; results are kept per scheme name.\n"
        "Suggestion: give each scheme a distinct 'name:'."
    )
    with pytest.raises(DefinitionError) as err:
        simulate(small, [COMMISSION, CURVE], baseline="k", library=False)
    assert str(err.value) == (
        "--baseline 'k' is not the name of a simulated scheme. Did you mean 'K'?\n"
        "Suggestion: use one of 'C', 'K'."
    )


def test_calibrate_total_cost_to_within_a_ruble(small):
    res = calibrate(
        small,
        COMMISSION,
        "components.0.commission.rate",
        "total_cost",
        300.0,
        (0.0, 1.0),
        library=False,
    )
    assert res.method == "brentq"
    assert res.value == pytest.approx(300.0 / 1120.0, abs=1e-4)
    assert abs(res.achieved - 300.0) <= 1.0 and res.exact
    assert res.original == 0.1 and res.bounds == (0.0, 1.0)
    assert res.scheme.components[0].commission.rate == res.value
    again = simulate(small, res.scheme, library=False).metrics.loc["C", "total_cost"]
    assert again == pytest.approx(res.achieved)


def test_calibrate_a_step_metric_finds_the_closest_achievable_share(small):
    res = calibrate(
        small,
        CURVE,
        "components.0.target.value",
        "pct_at_target",
        0.65,
        (10.0, 250.0),
        library=False,
    )
    # shares move in twelfths: 7/12 = 0.583 or 8/12 = 0.667; 8 actuals reach a target in (50, 60]
    assert res.method == "bracketing"
    assert res.achieved == pytest.approx(8 / 12)
    assert 50.0 < res.value <= 60.0
    assert not res.exact
    assert res.describe().splitlines()[1] == (
        "pct_at_target = 66.7% (goal 65.0%; the closest reachable: the metric jumps over the goal)"
    )


def test_calibrate_says_clearly_when_the_goal_is_out_of_reach(small):
    with pytest.raises(DefinitionError) as err:
        calibrate(
            small,
            COMMISSION,
            "components.0.commission.rate",
            "total_cost",
            2000.0,
            (0.0, 1.0),
            library=False,
        )
    assert str(err.value) == (
        "total_cost ranges from 0 to 1,120 for components.0.commission.rate in [0, 1]; "
        "2,000 is outside.\nSuggestion: widen --bounds, or aim for a value inside that range."
    )


def test_calibrate_default_bounds_and_bad_parameters(small):
    res = calibrate(
        small, COMMISSION, "components.0.commission.rate", "total_cost", 200.0, library=False
    )
    assert res.bounds == pytest.approx((0.0, 0.3))
    with pytest.raises(DefinitionError) as err:
        calibrate(small, COMMISSION, "name", "total_cost", 1.0, (0, 1), library=False)
    assert str(err.value) == (
        "--param 'name' is 'C', not a number.\n"
        "Suggestion: point --param at a number, such as components.0.target.rate or cap."
    )
    with pytest.raises(DefinitionError) as err:
        calibrate(small, COMMISSION, "cap", "total_cost", 1.0, (2, 1), library=False)
    assert str(err.value) == (
        "--bounds 2 1: the lower bound must be below the upper bound.\n"
        "Suggestion: pass --bounds LO HI with LO < HI."
    )
    with pytest.raises(DefinitionError) as err:
        calibrate(small, COMMISSION, "cap", "gini_index", 1.0, (1, 2), library=False)
    assert str(err.value) == (
        "Unknown metric 'gini_index'. Did you mean 'gini'?\n"
        "Suggestion: use one of " + ", ".join(METRICS) + "."
    )


def test_calibrate_bounds_the_scheme_refuses_are_reported_and_avoided(small):
    with pytest.raises(DefinitionError) as err:
        calibrate(small, CURVE, "cap", "total_cost", 50.0, (0.0, 3.0), library=False)
    assert str(err.value) == (
        "cap = 0 (inside --bounds 0 3) is not a valid scheme: scheme 'K' (after setting cap): "
        "cap: must be greater than 0, got 0.0.\n"
        "Suggestion: narrow --bounds to values the scheme accepts."
    )
    # without bounds: 0 to 3 × on-target pay, but on-target pay must be positive → from 1%
    res = calibrate(small, CURVE, "on_target_pay", "total_cost", 110.0, library=False)
    assert res.bounds == (0.1, 30.0)
    # 5.5 on-target pays in all (cents rounding makes 19.998…20.002 all pay 110.00)
    assert res.value == pytest.approx(20.0, abs=0.01) and abs(res.achieved - 110.0) <= 0.5
