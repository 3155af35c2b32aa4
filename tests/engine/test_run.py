"""A scheme run (kpitools.engine.run): the payout table, the totals, the summary."""

from __future__ import annotations

import doctest
import importlib
import pickle

import pandas as pd
import pytest
from payout_cases import curve_component, full_scheme, scheme_dict, three_employees

from kpitools.engine import PAYOUT_COLUMNS, run_scheme


def test_payout_table_layout():
    run = run_scheme(three_employees(), full_scheme(), library=False)
    p = run.payouts
    # one column order for the payout table everywhere (run.payouts and payouts.csv):
    # contract §5's columns first, then the other steps
    assert (
        list(p.columns)
        == list(PAYOUT_COLUMNS)
        == [
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
            "gate_passed",
            "modifier",
            "before_cap",
            "pool_factor",
            "role",
            "subtotal",
            "after_cap",
            "on_target_pay",
        ]
    )
    assert p["component"].tolist()[:3] == ["0", "1", "total"]
    assert len(p) == 9 and len(run.totals) == 3
    comp = p[p["component"] != "total"]
    total = p[p["component"] == "total"].set_index("employee")["payout"]
    assert total.to_dict() == run.totals.set_index("employee")["payout"].to_dict()
    # every total's subtotal is the sum of its component rows
    sums = comp.groupby("employee")["payout"].sum()
    assert (
        sums.to_dict() == p[p["component"] == "total"].set_index("employee")["subtotal"].to_dict()
    )


def test_run_summary_per_period():
    run = run_scheme(three_employees(), full_scheme(cap=1.5), library=False)
    # payouts 1364 + 0 + 1400 = 2764 of 3 × 1000 on-target; weighted attainments a 1.12,
    # b 1.0 (at target, but its gate was missed), c 0.6 × 1.5 + 0.4 × 0.5 = 1.1
    assert run.summary.reset_index().to_dict("records") == [
        {
            "period": "2025-01",
            "employees": 3,
            "on_target_pay": 3000.0,
            "payout": 2764.0,
            "payout_ratio": 2764.0 / 3000.0,
            "at_target": 1.0,
            "gate_missed": 1 / 3,
        }
    ]
    assert "<table" in run._repr_html_()
    assert repr(run) == (
        "SchemeRun('t': 3 employee-periods, total 2,764.00, 0 skipped periods, 0 warnings)"
    )


def test_runs_pickle_for_batch_workers():
    run = run_scheme(three_employees(), full_scheme(cap=1.5), library=False)
    again = pickle.loads(pickle.dumps(run))
    pd.testing.assert_frame_equal(again.payouts, run.payouts)
    assert again.scheme == run.scheme


def test_reads_a_csv_through_the_data_layer(tmp_path):
    path = tmp_path / "kpis.csv"
    path.write_text("employee,period,kpi,actual\n007,2025-01,revenue,90\n008,2025-01,revenue,130\n")
    run = run_scheme(
        path,
        scheme_dict([curve_component("revenue", {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]})]),
    )
    # 007: 0.9 → 0.75 → 750; 008: 1.3 → 1.6 → 1600; ids stay text
    assert run.totals.set_index("employee")["payout"].to_dict() == {"007": 750.0, "008": 1600.0}


ENGINE_MODULES = [
    "engine.arrays",
    "engine.base",
    "engine.calibrate",
    "engine.compare",
    "engine.compute",
    "engine.describe",
    "engine.forecast",
    "engine.hints",
    "engine.history",
    "engine.items",
    "engine.loading",
    "engine.metrics",
    "engine.money",
    "engine.pay",
    "engine.prepare",
    "engine.run",
    "engine.simulate",
    "engine.stats",
    "engine.thresholds",
]


@pytest.mark.parametrize("name", ["scheme.spec", "scheme.targets", "data.periods", *ENGINE_MODULES])
def test_docstring_examples_run(name):
    module = importlib.import_module(f"kpitools.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
