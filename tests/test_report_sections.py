"""Tests for kpitools.report_sections: formatting, tables and the recommendation rule.

The sections themselves run end to end in tests/test_report.py (the shipped notebook).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from kpitools.report_sections import ReportContext, _recommend, _table_html, esc, money, pct


def test_formatting_has_separators_and_no_raw_floats():
    assert money(1234567.4, "RUB") == "1,234,567 RUB"
    assert money(-0.4, "") == "-0"
    assert money(float("nan"), "RUB") == "n/a"
    assert money(5, "<b>") == "5 &lt;b&gt;"
    assert pct(0.6549) == "65%" and pct(0.6549, 1) == "65.5%" and pct(float("nan")) == "n/a"
    assert esc("A & <script>") == "A &amp; &lt;script&gt;"


def test_table_is_escaped_and_numbers_right_aligned():
    frame = pd.DataFrame({"Name": ["<i>x</i>", "y"], "Cost": ["1,234 RUB", "n/a"]})
    assert _table_html(frame) == (
        '<table class="kpi-table">\n<thead><tr><th>Name</th><th class="num">Cost</th></tr>'
        "</thead>\n<tbody>\n"
        '<tr><td>&lt;i&gt;x&lt;/i&gt;</td><td class="num">1,234 RUB</td></tr>\n'
        '<tr><td>y</td><td class="num">n/a</td></tr>\n</tbody>\n</table>'
    )


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
    )
    chosen, reasons = _recommend(_context(metrics))
    # A pays for performance best but is 10% over budget: B is the best within budget.
    assert chosen == "B"
    assert reasons == [
        "Left out for going over the budget: A (+10%).",
        "Of the schemes within budget, it ties pay to performance most closely: the rank "
        "correlation between attainment and payout is 0.70 (others: A 0.90).",
        "It costs 200 EUR per period on average, 5.0% of revenue.",
        "It stays 5% under the budget.",
        "50% of employee-periods reach target; the top earners (p90) get 1.50× on-target pay, "
        "leverage (p90/p50) 2.00.",
        "Watch gaming: 6.2% of results sit just below a payout threshold, where holding back or "
        "pulling forward a deal pays.",
    ]


def test_recommendation_breaks_ties_on_gaming_then_cost():
    metrics = _metrics(
        near_threshold_share=[0.1, 0.0, 0.0],
        cost_of_sales=[0.01, 0.06, 0.05],
    )
    chosen, _ = _recommend(_context(metrics))
    assert chosen == "C"
