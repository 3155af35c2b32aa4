"""The decision rule: eligibility tests, ties, pools, and no eligible scheme.

Each case is one the issue found in a report that contradicted its own figures.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kpitools.demo import make_demo_company
from kpitools.engine import (
    RecommendationRule,
    pool_usage,
    recommend_scheme,
    recommend_simulation,
    simulate,
)
from kpitools.errors import DefinitionError


def _metrics(**schemes: dict) -> pd.DataFrame:
    base = {"total_cost": 1000.0, "budget_variance": -0.05, "pct_at_target": 0.6,
            "pay_performance_corr": 0.8}  # fmt: skip
    return pd.DataFrame({name: {**base, **row} for name, row in schemes.items()}).T


def _reason(rec, scheme: str, test: str) -> dict:
    return next(r for r in rec.schemes[scheme]["reasons"] if r["test"] == test)


def test_a_scheme_likely_to_overrun_in_the_forecast_is_not_eligible():
    # "Tiered, 6.7% under budget" beside a 47.5% chance of overrunning it
    metrics = _metrics(Tiered={"budget_variance": -0.067}, Linear={"pay_performance_corr": 0.6})
    rec = recommend_scheme(metrics, p_over_budget={"Tiered": 0.475, "Linear": 0.05},
                           n_observations=2000)  # fmt: skip
    assert rec.recommended == "Linear"
    assert rec.schemes["Tiered"]["eligible"] is False
    assert _reason(rec, "Tiered", "forecast_risk") == {
        "test": "forecast_risk",
        "passed": False,
        "by_construction": False,
        "figure": 0.475,
        "threshold": 0.2,
        "text": "Forecast chance of going over the budget: 47.5%, above the 20% the rule allows.",
    }
    assert _reason(rec, "Tiered", "within_budget")["passed"] is True


def test_a_cost_difference_below_the_resolution_is_a_tie_not_a_reason():
    # Linear was dropped for a 0.1% cost difference
    metrics = _metrics(Linear={"total_cost": 1000.0}, Tiered={"total_cost": 999.0})
    rec = recommend_scheme(metrics, n_observations=2000)
    assert rec.recommended == "Linear"
    assert rec.choice == (
        "Linear and Tiered tie on pay for performance (0.80 and 0.80) and on cost (within 1%): "
        "the first listed is kept."
    )
    cheaper = recommend_scheme(
        _metrics(Linear={"total_cost": 1000.0}, Tiered={"total_cost": 950.0}), n_observations=2000
    )
    assert cheaper.recommended == "Tiered"
    assert cheaper.choice == (
        "Linear and Tiered tie on pay for performance (0.80 and 0.80); Tiered costs 5% less "
        "than Linear."
    )


def test_correlations_tie_within_the_resolution_of_the_number_of_observations():
    metrics = _metrics(A={"pay_performance_corr": 0.80, "total_cost": 1000.0},
                       B={"pay_performance_corr": 0.82, "total_cost": 900.0})  # fmt: skip
    # 100 observations: z(0.82) - z(0.80) = 0.0584 < 1.96 × √2 × 1.03 / √97 = 0.290 → a tie
    assert recommend_scheme(metrics, n_observations=100).recommended == "B"  # cheaper
    # 100,000 observations: the resolution is 0.009, so B's closer tie of pay to performance wins
    rec = recommend_scheme(
        _metrics(A={"pay_performance_corr": 0.82, "total_cost": 900.0},
                 B={"pay_performance_corr": 0.80, "total_cost": 1000.0}), n_observations=100_000
    )  # fmt: skip
    assert rec.recommended == "A"
    assert rec.choice == (
        "A's pay follows performance more closely than B's (rank correlation 0.82 against 0.80)."
    )


def test_a_pool_is_never_credited_for_staying_within_its_budget():
    metrics = _metrics(Pool={"budget_variance": -0.07}, Other={})
    pool = pool_usage(
        pd.Series([1.0, 1.0, 0.8, 0.8, 0.9, 0.9, 1.0, 1.0]),
        pd.Series(["01", "01", "02", "02", "03", "03", "04", "04"]),
    )
    assert pool == {"periods": 4, "periods_scaled_down": 2, "mean_scale_down": pytest.approx(0.15),
                    "max_scale_down": pytest.approx(0.2)}  # fmt: skip
    rec = recommend_scheme(metrics, pools={"Pool": pool}, p_over_budget={"Pool": 0.0})
    budget = _reason(rec, "Pool", "within_budget")
    assert (budget["passed"], budget["by_construction"]) == (None, True)
    assert budget["text"] == (
        "Within budget by construction (a pool scales pay down to fit): it scaled pay down in "
        "2 of 4 periods, by 15% on average."
    )
    risk = _reason(rec, "Pool", "forecast_risk")
    assert (risk["passed"], risk["by_construction"]) == (None, True)
    assert rec.schemes["Pool"]["pool"]["periods_scaled_down"] == 2


def test_no_eligible_scheme_names_the_closest_with_its_breach():
    metrics = _metrics(A={"budget_variance": 0.30}, B={"budget_variance": 0.02})
    rec = recommend_scheme(metrics)
    assert (rec.recommended, rec.closest) == (None, "B")
    assert rec.choice == (
        "No scheme passes every test of the rule. The closest is B: Backtest cost 2% over the "
        "budget, which the rule does not allow."
    )
    assert rec.failed("A")[0]["figure"] == 0.30


def test_share_at_target_outside_the_healthy_band_fails_both_ways():
    rec = recommend_scheme(_metrics(Easy={"pct_at_target": 0.95}, Hard={"pct_at_target": 0.2}))
    assert _reason(rec, "Easy", "share_at_target")["text"] == (
        "95% of employee-periods reach target, more than 90%: targets too easy to motivate."
    )
    assert _reason(rec, "Hard", "share_at_target")["text"] == (
        "20% of employee-periods reach target, fewer than the 40% the rule asks."
    )
    assert rec.recommended is None


def test_thresholds_are_the_consultants_and_are_validated():
    strict = RecommendationRule(max_p_over_budget=0.01)
    rec = recommend_scheme(_metrics(A={}), p_over_budget={"A": 0.05}, rule=strict)
    assert rec.recommended is None
    assert rec.as_dict()["rule"]["thresholds"]["max_p_over_budget"] == 0.01
    with pytest.raises((DefinitionError, ValueError)):
        RecommendationRule(max_p_over_budget=1.5)


def test_the_demo_company_recommendation_agrees_with_its_figures():
    company = make_demo_company()
    names = ("weighted_scorecard", "tiered_accelerator", "linear_commission", "team_pool")
    schemes = [f"templates/schemes/{s}.yaml" for s in names]
    result = simulate(company.data, schemes, forecast=200, seed=1)
    rec = recommend_simulation(result)
    data = json.loads(rec.to_json())
    for name, row in data["schemes"].items():
        failed = [r for r in row["reasons"] if r["passed"] is False]
        assert row["eligible"] == (not failed)
        variance = result.metrics.loc[name, "budget_variance"]
        budget = next(r for r in row["reasons"] if r["test"] == "within_budget")
        if budget["passed"] is not None:
            assert budget["passed"] == (variance <= 0)
        risk = next(r for r in row["reasons"] if r["test"] == "forecast_risk")
        if risk["passed"] is not None:
            assert risk["passed"] == (result.forecasts[name].prob_over_budget <= 0.2)
    if data["recommended"] is not None:
        assert data["schemes"][data["recommended"]]["eligible"] is True
    pooled = data["schemes"]["Team pool"]
    assert pooled["reasons"][0]["by_construction"] is True
