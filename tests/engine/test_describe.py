"""Engine results as text (kpitools.engine.describe): metric values, tables, skipped periods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.engine import describe_skipped, format_metric, format_metrics_table
from kpitools.engine.describe import decimals, signed_money, signed_percent


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


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("total_cost", 1234567.4, "1,234,567"),
        ("cost_per_employee", 922355.9, "922,356"),
        ("cost_of_sales", 0.065275, "6.53%"),
        ("pct_at_target", 0.514, "51.4%"),
        ("near_threshold_share", 0.0, "0.0%"),
        ("budget_variance", -0.0347, "-3.5%"),
        ("cost_change_pct", 0.038, "+3.8%"),
        ("cost_change", 2441351.2, "+2,441,351"),
        ("winners", 26.0, "26"),
        ("periods_compared", 1234.0, "1,234"),
        ("share_losers", 0.25, "25%"),
        ("leverage", 2.417963, "2.42"),
        ("gini", 0.48, "0.48"),
        ("pay_performance_corr", np.nan, "n/a"),
        ("total_cost", None, "n/a"),
    ],
)
def test_every_kind_of_figure(name, value, text):
    assert format_metric(name, value) == text


def test_signed_and_fixed_figures_read_n_a_when_missing():
    assert (signed_money(-9325305.4), signed_percent(-0.144), decimals(1234.5)) == (
        "-9,325,305",
        "-14.4%",
        "1,234.50",
    )
    assert {signed_money(None), signed_percent(np.nan), decimals(float("nan"))} == {"n/a"}
