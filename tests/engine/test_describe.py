"""Engine results as text (kpitools.engine.describe): metric values, tables, skipped periods."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools.engine import describe_skipped, format_metrics_table


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
