"""A small history and two schemes for the simulate and calibrate tests (imported by them).

Not a test module: shared by ``test_simulate`` and ``test_calibrate``.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["ACTUALS", "COMMISSION", "CURVE", "small_history"]


ACTUALS = {
    "e1": [100.0, 120.0, 80.0],
    "e2": [50.0, 60.0, 70.0],
    "e3": [200.0, 180.0, 220.0],
    "e4": [0.0, 10.0, 30.0],
}  # sum 1,120


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


def small_history() -> pd.DataFrame:
    """The long table of :data:`ACTUALS`: four employees, three months of sales."""
    rows = [
        {"employee": e, "period": f"2025-{m + 1:02d}", "kpi": "sales", "actual": v}
        for e, values in ACTUALS.items()
        for m, v in enumerate(values)
    ]
    return pd.DataFrame(rows)
