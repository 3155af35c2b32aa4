"""Forecast (kpitools.engine.forecast): whole periods resampled, seeds, overrun, the result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.engine import METRICS, ForecastResult, forecast
from kpitools.errors import DefinitionError


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


# --------------------------------------------------------------------------- forecast()


def _history(periods=6) -> pd.DataFrame:
    """e1 and e2 over ``periods`` months, e3 (a leaver) over the first three; a == b."""
    rng = np.random.default_rng(5)
    rows = []
    for e, months in (("e1", periods), ("e2", periods), ("e3", 3)):
        for m in range(months):
            value = float(rng.integers(60, 160))
            for kpi in ("a", "b"):
                rows.append(
                    {
                        "employee": e,
                        "period": f"2025-{m + 1:02d}",
                        "kpi": kpi,
                        "actual": value,
                        "role": "rep",
                    }
                )
    return pd.DataFrame(rows)


SCHEME = {
    "name": "F",
    "on_target_pay": 1000,
    "budget": 1500,
    "revenue_kpi": "a",
    "components": [
        {
            "kpi": "a",
            "weight": 0.5,
            "target": {"method": "fixed", "value": 100},
            "curve": {"points": [[0.5, 0.5], [1.0, 1.0], [2.0, 2.0]]},
        },
        {
            "kpi": "b",
            "weight": 0.5,
            "target": {"method": "fixed", "value": 100},
            "curve": {"steps": [[1.0, 1.0]]},
        },
    ],
}


def test_forecast_is_reproducible_with_a_seed_and_independent_of_chunking():
    data = _history()
    a = forecast(data, SCHEME, n=60, seed=7, library=False)
    b = forecast(data, SCHEME, n=60, seed=7, library=False, chunk_rows=14)  # 7 draws a chunk
    c = forecast(data, SCHEME, n=60, seed=8, library=False)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert not a.draws["total_cost"].equals(c.draws["total_cost"])
    assert a.period == "2025-07" and a.employees == 2 and a.n == 60
    assert list(a.draws.columns) == list(METRICS)


def test_whole_periods_are_resampled_so_kpis_keep_their_correlation():
    data = _history()
    fc = forecast(data, SCHEME, n=300, seed=1, library=False, keep_actuals=True)
    sim = fc.actuals
    assert len(sim) == 300 * 2
    assert (sim["a"] == sim["b"]).all()
    # every simulated value is one of that employee's own past periods, taken whole
    past = data[data["kpi"] == "a"].set_index(["employee", "period"])["actual"]
    own = past.reindex(pd.MultiIndex.from_arrays([sim["employee"], sim["sampled_period"]]))
    np.testing.assert_array_equal(own.to_numpy(), sim["a"].to_numpy())
    assert set(sim["employee"]) == {"e1", "e2"}  # e3 left before the last period


def test_draw_costs_follow_the_scheme_on_the_simulated_actuals():
    fc = forecast(_history(), SCHEME, n=50, seed=3, library=False, keep_actuals=True)
    sim = fc.actuals
    att = sim["a"].to_numpy() / 100
    points = np.interp(att, [0.5, 1.0, 2.0], [0.5, 1.0, 2.0], left=0.0, right=2.0)
    steps = (sim["b"].to_numpy() / 100 >= 1.0).astype(float)
    pay = np.round(1000 * 0.5 * points, 2) + np.round(1000 * 0.5 * steps, 2)
    by_draw = pd.Series(pay).groupby(sim["draw"].to_numpy()).sum()
    np.testing.assert_allclose(fc.draws["total_cost"].to_numpy(), by_draw.to_numpy(), atol=1e-6)
    revenue = pd.Series(sim["a"].to_numpy()).groupby(sim["draw"].to_numpy()).sum()
    np.testing.assert_allclose(
        fc.draws["cost_of_sales"].to_numpy(), (by_draw / revenue).to_numpy(), rtol=1e-12
    )


def test_chance_of_overrun_is_0_with_a_huge_budget_and_1_with_none_to_spend():
    data = _history()
    assert forecast(data, SCHEME, n=100, seed=2, library=False, budget=1e12).prob_over_budget == 0
    assert forecast(data, SCHEME, n=100, seed=2, library=False, budget=0).prob_over_budget == 1
    default = forecast(data, SCHEME, n=100, seed=2, library=False)
    assert default.budget == 1500
    expected = (default.draws["total_cost"] > 1500).mean()
    assert default.prob_over_budget == expected and 0 < expected < 1


def test_trend_brings_every_past_period_to_the_forecast_periods_level():
    rows = [
        {"employee": "e1", "period": f"2025-{m + 1:02d}", "kpi": k, "actual": 100 * 1.1**m}
        for m in range(6)
        for k in ("a", "b")
    ]
    fc = forecast(
        pd.DataFrame(rows), SCHEME, n=20, seed=0, trend=True, library=False, keep_actuals=True
    )
    assert fc.growth["a"] == pytest.approx(1.1)
    np.testing.assert_allclose(fc.actuals["a"], 100 * 1.1**6)
    flat = forecast(pd.DataFrame(rows), SCHEME, n=20, seed=0, library=False, keep_actuals=True)
    assert flat.growth.empty and flat.actuals["a"].max() == pytest.approx(100 * 1.1**5)


def test_targets_come_from_the_full_history_for_the_next_period():
    data = _history()
    scheme = {
        **SCHEME,
        "components": [
            {**SCHEME["components"][0], "target": {"method": "percentile", "q": 0.5, "of": "own"}},
            SCHEME["components"][1],
        ],
    }
    fc = forecast(data, scheme, n=10, seed=0, library=False)
    medians = data[data["kpi"] == "a"].groupby("employee")["actual"].median()
    assert fc.targets["employee"].tolist() == ["e1", "e2"]
    np.testing.assert_allclose(fc.targets["target_0"], medians[["e1", "e2"]].to_numpy())


def test_quarterly_scheme_resamples_quarters_of_monthly_data():
    data = _history()
    fc = forecast(
        data, {**SCHEME, "period": "quarter"}, n=40, seed=0, library=False, keep_actuals=True
    )
    assert fc.period == "2025-Q3"
    assert set(fc.actuals["sampled_period"]) <= {"2025-Q1", "2025-Q2"}
    quarter_sums = (
        data[data["kpi"] == "a"]
        .assign(q=lambda d: np.where(d["period"] <= "2025-03", "2025-Q1", "2025-Q2"))
        .groupby(["employee", "q"])["actual"]
        .sum()
    )
    got = quarter_sums.reindex(
        pd.MultiIndex.from_arrays([fc.actuals["employee"], fc.actuals["sampled_period"]])
    )
    np.testing.assert_array_equal(got.to_numpy(), fc.actuals["a"].to_numpy())


def test_bad_number_of_draws_is_a_clear_error():
    with pytest.raises(DefinitionError) as err:
        forecast(_history(), SCHEME, n=0, library=False)
    assert str(err.value) == (
        "forecast: n = 0: the number of simulated periods must be a whole number of at least 1."
        "\nSuggestion: use e.g. n=1000."
    )


def test_too_short_a_history_to_fit_a_trend_or_spread_the_draws_says_so(tmp_path, capsys):
    # one month of history: no trend can be fitted, and every draw repeats that month
    one = _history(periods=1)[lambda d: d["employee"] != "e3"]
    fc = forecast(one, SCHEME, n=20, seed=0, trend=True, library=False)
    assert fc.growth.tolist() == [1.0, 1.0]
    assert fc.draws["total_cost"].nunique() == 1
    assert fc.warnings == (
        "trend of a: fitting a growth needs at least 2 months of history; found 1, so no trend "
        "is applied to it.",
        "trend of b: fitting a growth needs at least 2 months of history; found 1, so no trend "
        "is applied to it.",
        "2 of 2 employees have only 1 past month to resample (e1, e2): every draw repeats it, "
        "so their pay has no spread.",
    )
    # the command line prints them under the forecast
    path = tmp_path / "one.csv"
    one.to_csv(path, index=False)
    scheme = tmp_path / "f.yaml"
    scheme.write_text(
        "name: F\non_target_pay: 1000\ncomponents:\n"
        "  - {kpi: a, weight: 1, target: {method: fixed, value: 100}, "
        "curve: {points: [[0, 0], [2, 2]]}}\n",
        encoding="utf-8",
    )
    from kpitools.cli import main

    args = ["simulate", "--data", str(path), "--scheme", str(scheme), "--out", str(tmp_path)]
    assert main([*args, "--forecast", "10", "--seed", "1", "--trend"]) == 0
    out = capsys.readouterr().out
    assert (
        "  note: trend of a: fitting a growth needs at least 2 months of history; found 1, so "
        "no trend is applied to it.\n"
        "  note: 2 of 2 employees have only 1 past month to resample (e1, e2): every draw "
        "repeats it, so their pay has no spread.\n"
    ) in out
    # two months or more: nothing to say
    assert forecast(_history(), SCHEME, n=20, seed=0, trend=True, library=False).warnings == ()
