"""Tests for kpitools.report.recommend: the recommendation rule and its reasons."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import pandas as pd

from kpitools.report import (
    ReportContext,
    recommend,
)

matplotlib.use("Agg")


def _context(metrics: pd.DataFrame) -> ReportContext:
    periods = ["2025-01", "2025-02"]
    totals = pd.DataFrame(
        {
            "scheme": [s for s in metrics.index for _ in periods],
            "period": periods * len(metrics),
            "payout": [100.0, 300.0] * len(metrics),
        }
    )
    return ReportContext(
        client="Acme",
        currency="EUR",
        data_source="test",
        quality=None,
        data=pd.DataFrame({"period": periods}),
        simulation=SimpleNamespace(metrics=metrics, totals=totals),
    )


def _recommend(metrics: pd.DataFrame) -> tuple[str | None, list[str]]:
    ctx = _context(metrics)
    return recommend(ctx.simulation.metrics, ctx.cost_per_period(), ctx.currency)


def _metrics(**columns) -> pd.DataFrame:
    base = {
        "total_cost": 400.0,
        "cost_of_sales": 0.05,
        "pct_at_target": 0.5,
        "payout_p90": 1.5,
        "leverage": 2.0,
        "near_threshold_share": 0.0,
        "budget_variance": float("nan"),
        "pay_performance_corr": 0.5,
    }
    names = ["A", "B", "C"]
    data = {k: [columns.get(k, [v] * 3)[i] for i in range(3)] for k, v in base.items()}
    return pd.DataFrame(data, index=pd.Index(names, name="scheme"))


def test_recommendation_prefers_pay_for_performance_within_budget():
    metrics = _metrics(
        pay_performance_corr=[0.9, 0.7, float("nan")],
        budget_variance=[0.10, -0.05, -0.30],
        near_threshold_share=[0.0, 0.062, 0.0],
        pct_at_target=[0.5, 0.5, float("nan")],  # C is a commission: no targets
    )
    chosen, reasons = _recommend(metrics)
    # A pays for performance best but is 10% over budget: B is the best within budget.
    # The reasons compare B only with the schemes it competed with (C, not A, which is
    # out) and show every number as the scheme comparison table does (+10.0%, 5.00%).
    assert chosen == "B"
    assert reasons == [
        "Left out for going over the budget: A (+10.0%).",
        "Of the schemes within budget, it ties pay to performance most closely: the rank "
        "correlation between attainment and payout is 0.70 (other schemes within budget: "
        "C n/a, as it sets no targets).",
        "It costs 200 EUR per period on average, 5.00% of revenue.",
        "It stays 5.0% under the budget.",
        "50.0% of employee-periods reach target; the top earners (p90) get 1.50× on-target "
        "pay, leverage (p90/p50) 2.00.",
        "Watch gaming: 6.2% of results sit just below a payout threshold, where holding back or "
        "pulling forward a deal pays.",
    ]


def test_recommendation_breaks_ties_on_gaming_then_cost():
    metrics = _metrics(
        near_threshold_share=[0.1, 0.0, 0.0],
        cost_of_sales=[0.01, 0.06, 0.05],
    )
    chosen, _ = _recommend(metrics)
    assert chosen == "C"


def test_recommendation_of_a_scheme_without_targets_has_no_na_share_at_target():
    metrics = _metrics(
        pay_performance_corr=[float("nan"), 0.8, 0.9],
        pct_at_target=[float("nan"), 0.6, 0.7],
        budget_variance=[-0.5, 0.2, 0.1],
    )
    chosen, reasons = _recommend(metrics)
    # B and C are over budget: the commission A is the only scheme left.
    assert chosen == "A"
    assert reasons == [
        "Left out for going over the budget: B (+20.0%), C (+10.0%).",
        "It costs 200 EUR per period on average, 5.00% of revenue.",
        "It stays 50.0% under the budget.",
        "The top earners (p90) get 1.50× on-target pay, leverage (p90/p50) 2.00.",
    ]
