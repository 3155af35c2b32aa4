"""Small long tables and schemes for the payout engine's tests (imported by them).

Not a test module: the builders shared by ``test_compute``, ``test_base``,
``test_prepare``, ``test_pay``, ``test_target_checks`` and ``test_run``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools.engine import run_scheme

__all__ = [
    "curve_component",
    "full_scheme",
    "long_table",
    "mixed_roles",
    "payouts_by_employee",
    "revenue_scheme",
    "scheme_dict",
    "three_employees",
]


def long_table(rows, *, role=None) -> pd.DataFrame:
    df = pd.DataFrame(
        rows, columns=["employee", "period", "kpi", "actual", "target"][: len(rows[0])]
    )
    if role is not None:
        df["role"] = df["employee"].map(role)
    return df


def scheme_dict(components, **extra):
    return {
        "name": "t",
        "period": "month",
        "on_target_pay": 1000,
        "components": components,
        **extra,
    }


def curve_component(kpi, curve, weight=1.0, target=100):
    return {
        "kpi": kpi,
        "weight": weight,
        "target": {"method": "fixed", "value": target},
        "curve": curve,
    }


def payouts_by_employee(data, scheme, **kw):
    run = run_scheme(data, scheme, library=False, **kw)
    return run.totals.set_index("employee")["payout"].to_dict()


def three_employees():
    # a hits everything; b misses the margin gate exactly below; c reaches it exactly
    return long_table(
        [
            ("a", "2025-01", "sales", 120.0),
            ("a", "2025-01", "units", 10.0),
            ("a", "2025-01", "margin", 0.40),
            ("a", "2025-01", "nps", 60.0),
            ("b", "2025-01", "sales", 100.0),
            ("b", "2025-01", "units", 10.0),
            ("b", "2025-01", "margin", 0.3149),
            ("b", "2025-01", "nps", 20.0),
            ("c", "2025-01", "sales", 150.0),
            ("c", "2025-01", "units", 5.0),
            ("c", "2025-01", "margin", 0.315),
            ("c", "2025-01", "nps", 50.0),
        ]
    )


def full_scheme(**extra):
    return scheme_dict(
        [
            curve_component("sales", {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}, weight=0.6),
            curve_component("units", {"steps": [[0.5, 0.5], [1.0, 1.0]]}, weight=0.4, target=10),
        ],
        gates=[
            {"kpi": "margin", "min_attainment": 0.9, "target": {"method": "fixed", "value": 0.35}}
        ],
        modifiers=[
            {"kpi": "nps", "target": 50, "curve": {"steps": [[0, 0.75], [1.0, 1.0], [1.2, 1.1]]}}
        ],
        **extra,
    )


def mixed_roles():
    # sales reps have revenue targets; marketing people have revenue but no target
    return long_table(
        [
            ("r1", "2025-01", "revenue", 90.0, 100.0),
            ("r2", "2025-01", "revenue", 130.0, 100.0),
            ("m1", "2025-01", "revenue", 50.0, np.nan),
            ("k1", "2025-01", "revenue", 200.0, 160.0),
            ("m1", "2025-01", "leads", 7.0, np.nan),
        ],
        role={"r1": "sales_rep", "r2": "sales_rep", "m1": "marketing", "k1": "key_account"},
    )


def revenue_scheme(**extra):
    comp = {
        "kpi": "revenue",
        "weight": 1.0,
        "target": {"method": "from_data"},
        "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
    }
    return scheme_dict([comp], **extra)
