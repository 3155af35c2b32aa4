"""Independent worked examples of the payout maths (contract §4 and §5), computed by hand.

Every expected number is derived in the comments from the contract text, not from the code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import kpitools
from kpitools.cli import cli
from kpitools.errors import KpitoolsError
from kpitools.library import load_library

OTP = 1000.0


def _data(rows, role=None) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual"])
    if role is not None:
        df["role"] = df["employee"].map(role)
    return df


def _one_kpi(actuals, kpi="revenue", period="2024-01") -> pd.DataFrame:
    """One employee per actual: e0, e1, … in one period."""
    return _data([(f"e{i}", period, kpi, float(a)) for i, a in enumerate(actuals)])


def _scheme(components, **extra) -> dict:
    return {"name": "w", "period": "month", "on_target_pay": OTP, "components": components, **extra}


def _pays(data, scheme, **kw) -> list[float]:
    run = kpitools.run_scheme(data, kpitools.load_scheme(scheme), library=False, **kw)
    return run.totals.sort_values(["employee", "period"])["payout"].tolist()


def _curve(curve, kpi="revenue", target=100.0, weight=1.0, **extra) -> dict:
    return {
        "kpi": kpi,
        "weight": weight,
        "target": {"method": "fixed", "value": target},
        "curve": curve,
        **extra,
    }


# --------------------------------------------------------------------------- commission
TIERS = [[0, 0.05], [50000, 0.08], [100000, 0.12]]
ACTUALS = [40_000, 50_000, 75_000, 100_000, 130_000]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # marginal: 40k → 40,000×0.05 = 2,000; 50k → 50,000×0.05 = 2,500 (nothing in band 2);
        # 75k → 2,500 + 25,000×0.08 = 4,500; 100k → 2,500 + 50,000×0.08 = 6,500;
        # 130k → 6,500 + 30,000×0.12 = 10,100
        ("marginal", [2000.0, 2500.0, 4500.0, 6500.0, 10100.0]),
        # retroactive: highest band reached × whole actual; on an edge the higher band applies:
        # 40k×0.05 = 2,000; 50k×0.08 = 4,000; 75k×0.08 = 6,000; 100k×0.12 = 12,000;
        # 130k×0.12 = 15,600
        ("retroactive", [2000.0, 4000.0, 6000.0, 12000.0, 15600.0]),
    ],
)
def test_tiered_commission_basis_value(mode, expected):
    comp = {"kpi": "revenue", "commission": {"tiers": TIERS, "basis": "value", "mode": mode}}
    assert _pays(_one_kpi(ACTUALS), _scheme([comp])) == expected


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # target 100,000, tiers [[0, 0.10], [1.0, 0.15]] (multiples of target):
        # 80k → 8,000; exactly 100k → marginal 100,000×0.10 + 0×0.15 = 10,000;
        # 150k → 100,000×0.10 + 50,000×0.15 = 17,500 (the contract's own example)
        ("marginal", [8000.0, 10000.0, 17500.0]),
        # retroactive: 80k×0.10 = 8,000; 100k on the edge → 0.15 → 15,000; 150k×0.15 = 22,500
        ("retroactive", [8000.0, 15000.0, 22500.0]),
    ],
)
def test_tiered_commission_basis_attainment(mode, expected):
    comp = {
        "kpi": "revenue",
        "target": {"method": "fixed", "value": 100_000},
        "commission": {"tiers": [[0, 0.10], [1.0, 0.15]], "basis": "attainment", "mode": mode},
    }
    assert _pays(_one_kpi([80_000, 100_000, 150_000]), _scheme([comp])) == expected


def test_commission_plain_rate():
    # rate 0.03: 40,000 × 0.03 = 1,200; 0 → 0; 12,345 × 0.03 = 370.35
    comp = {"kpi": "revenue", "commission": {"rate": 0.03}}
    assert _pays(_one_kpi([40_000, 0, 12_345]), _scheme([comp])) == [1200.0, 0.0, 370.35]


# --------------------------------------------------------------------------- curves
ACCEL = [[0.5, 0], [0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]


@pytest.mark.parametrize(
    ("actual", "capped", "extrapolated"),
    [
        (0.0, 0.0, 0.0),  # 0 attainment: below a1 → 0
        (49.99, 0.0, 0.0),  # 0.4999 just below the jump → 0
        (50.0, 250.0, 250.0),  # exactly 0.5: the later point of the jump applies → 0.25
        (75.0, 625.0, 625.0),  # 0.25 + (0.75 − 0.25) × (0.25 / 0.5) = 0.625
        (100.0, 1000.0, 1000.0),  # 1.0
        (125.0, 1500.0, 1500.0),  # 1.0 + (2.0 − 1.0) × 0.25 / 0.5 = 1.5
        (150.0, 2000.0, 2000.0),  # last point 2.0
        # 2.0 attainment: capped at 2.0; extrapolated with the last slope 2: 2 + 2 × 0.5 = 3.0
        (200.0, 2000.0, 3000.0),
    ],
)
def test_accelerator_with_jump_cap_and_extrapolate(actual, capped, extrapolated):
    data = _one_kpi([actual])
    assert _pays(data, _scheme([_curve({"points": ACCEL})])) == [capped]
    curve = {"points": ACCEL, "extrapolate": True}
    assert _pays(data, _scheme([_curve(curve)])) == [extrapolated]


def test_decelerator_after_target():
    # points [[0,0],[1,1],[2,1.5]]: 60 → 0.6; 150 → 1 + 0.5 × 0.5 = 1.25; 300 → capped 1.5
    curve = {"points": [[0, 0], [1.0, 1.0], [2.0, 1.5]]}
    assert _pays(_one_kpi([60, 150, 300]), _scheme([_curve(curve)])) == [600.0, 1250.0, 1500.0]


def test_steps_edges_and_below_first_step():
    # steps [[0.9,0.5],[1.0,1.0],[1.2,1.3]]: 89.99 → 0; 90 → 0.5; 99.99 → 0.5; 100 → 1.0;
    # 119.99 → 1.0; 120 → 1.3; 500 → 1.3 (the highest step reached)
    curve = {"steps": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.3]]}
    got = _pays(_one_kpi([89.99, 90, 99.99, 100, 119.99, 120, 500]), _scheme([_curve(curve)]))
    assert got == [0.0, 500.0, 500.0, 1000.0, 1000.0, 1300.0, 1300.0]


def test_linear_slope_threshold_cap():
    # slope 1.5, threshold 0.8, cap 2.0: 79.99 → 0; 80 → 1.5 × 0.8 = 1.2; 100 → 1.5;
    # 200 → 3.0 capped to 2.0
    curve = {"linear": {"slope": 1.5, "threshold": 0.8, "cap": 2.0}}
    got = _pays(_one_kpi([79.99, 80, 100, 200]), _scheme([_curve(curve)]))
    assert got == [0.0, 1200.0, 1500.0, 2000.0]


# --------------------------------------------------------------------------- scorecard
def test_weighted_scorecard_with_role_pay():
    scheme = _scheme(
        [
            _curve({"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}, weight=0.5),
            _curve({"steps": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.3]]}, "new_clients", 10, 0.3),
            _curve({"linear": {"slope": 1.0, "threshold": 0.5, "cap": 1.2}}, "nps", 50, 0.2),
        ],
        on_target_pay={"sales": 10_000, "manager": 20_000},
    )
    data = _data(
        [
            ("a", "2024-01", "revenue", 120.0),
            ("a", "2024-01", "new_clients", 9.0),
            ("a", "2024-01", "nps", 40.0),
            ("b", "2024-01", "revenue", 90.0),
            ("b", "2024-01", "new_clients", 13.0),
            ("b", "2024-01", "nps", 70.0),
        ],
        role={"a": "sales", "b": "manager"},
    )
    run = kpitools.run_scheme(data, kpitools.load_scheme(scheme), library=False)
    # a (sales, 10,000): revenue 1.2 → 1 + 0.2/0.5 = 1.4; clients 0.9 → 0.5; nps 0.8 → 0.8
    #   10,000 × (0.5×1.4 + 0.3×0.5 + 0.2×0.8) = 10,000 × 1.01 = 10,100
    # b (manager, 20,000): revenue 0.9 → 0.5 + 0.5 × 0.1/0.2 = 0.75; clients 1.3 → 1.3;
    #   nps 1.4 → 1.4 capped 1.2: 20,000 × (0.375 + 0.39 + 0.24) = 20,000 × 1.005 = 20,100
    assert run.totals["payout"].tolist() == [10100.0, 20100.0]
    comp = run.payouts[run.payouts["component"] != "total"]
    assert comp["factor"].round(10).tolist() == [1.4, 0.5, 0.8, 0.75, 1.3, 1.2]
    assert comp["payout"].tolist() == [7000.0, 1500.0, 1600.0, 7500.0, 7800.0, 4800.0]


# --------------------------------------------------------------------------- gates
FACTOR_IS_ATTAINMENT = {"linear": {"slope": 1.0, "threshold": 0.0, "cap": 10.0}}


def _gated(applies_to=None):
    gate = {"kpi": "margin", "min_attainment": 0.9, "target": {"method": "fixed", "value": 40}}
    if applies_to is not None:
        gate["applies_to"] = applies_to
    return _scheme(
        [
            _curve(FACTOR_IS_ATTAINMENT, "revenue", 100, 0.6),
            _curve(FACTOR_IS_ATTAINMENT, "new_clients", 10, 0.4),
        ],
        gates=[gate],
    )


GATE_DATA = _data(
    [
        ("a", "2024-01", "revenue", 100.0),
        ("a", "2024-01", "new_clients", 10.0),
        ("a", "2024-01", "margin", 36.0),  # 36/40 = 0.9 exactly: passes
        ("b", "2024-01", "revenue", 100.0),
        ("b", "2024-01", "new_clients", 10.0),
        ("b", "2024-01", "margin", 35.99),  # 0.89975: misses
    ]
)


def test_missed_gate_zeroes_every_component_by_default():
    # a: 1000 × (0.6 × 1 + 0.4 × 1) = 1,000; b: gate missed → 0
    run = kpitools.run_scheme(GATE_DATA, kpitools.load_scheme(_gated()), library=False)
    assert run.totals[["employee", "gate_passed", "payout"]].to_dict("records") == [
        {"employee": "a", "gate_passed": True, "payout": 1000.0},
        {"employee": "b", "gate_passed": False, "payout": 0.0},
    ]


@pytest.mark.parametrize("applies_to", [[0], ["revenue"]])
def test_gate_applies_to_by_index_and_by_kpi(applies_to):
    # b misses: only the revenue component (index 0) is zeroed: 1000 × 0.4 × 1 = 400
    assert _pays(GATE_DATA, _gated(applies_to)) == [1000.0, 400.0]


# --------------------------------------------------------------------------- modifier, cap, pool
def test_modifier_then_cap_then_pool():
    scheme = _scheme(
        [_curve(FACTOR_IS_ATTAINMENT)],
        modifiers=[
            {
                "kpi": "nps",
                "target": {"method": "fixed", "value": 50},
                "curve": {"steps": [[0, 0.75], [0.6, 1.0], [1.0, 1.2]]},
            }
        ],
        cap=2.5,
        pool={"budget": 5000},
    )
    data = _data(
        [
            ("a", "2024-01", "revenue", 200.0),
            ("a", "2024-01", "nps", 50.0),
            ("b", "2024-01", "revenue", 250.0),
            ("b", "2024-01", "nps", 60.0),
            ("c", "2024-01", "revenue", 100.0),
            ("c", "2024-01", "nps", 20.0),
        ]
    )
    run = kpitools.run_scheme(data, kpitools.load_scheme(scheme), library=False)
    t = run.totals
    # a: 2,000 × 1.2 (nps 1.0) = 2,400 ≤ cap 2,500; b: 2,500 × 1.2 (nps 1.2) = 3,000 → 2,500;
    # c: 1,000 × 0.75 (nps 0.4) = 750.  After cap: 5,650 > pool 5,000 → factor 5,000 / 5,650
    assert t["subtotal"].tolist() == [2000.0, 2500.0, 1000.0]
    assert t["modifier"].tolist() == [1.2, 1.2, 0.75]
    assert t["before_cap"].tolist() == [2400.0, 3000.0, 750.0]
    assert t["after_cap"].tolist() == [2400.0, 2500.0, 750.0]
    assert t["pool_factor"].round(9).tolist() == [round(5000 / 5650, 9)] * 3
    # 2,400 × 0.884956 = 2,123.89; 2,500 × … = 2,212.39; 750 × … = 663.72; sum 5,000.00
    assert t["payout"].tolist() == [2123.89, 2212.39, 663.72]
    assert round(t["payout"].sum(), 2) == 5000.0


def test_pool_not_reached_leaves_payouts_alone():
    scheme = _scheme([_curve(FACTOR_IS_ATTAINMENT)], pool={"budget": 5000})
    run = kpitools.run_scheme(
        _one_kpi([200, 300]), kpitools.load_scheme(scheme), library=False
    )  # 2,000 + 3,000 = 5,000: exactly the budget, no scaling
    assert run.totals[["pool_factor", "payout"]].to_dict("records") == [
        {"pool_factor": 1.0, "payout": 2000.0},
        {"pool_factor": 1.0, "payout": 3000.0},
    ]


# --------------------------------------------------------------------------- direction & baseline
def test_lower_is_better_and_zero_actual():
    curve = {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}
    comp = _curve(curve, "days_to_close", 30, direction="lower")
    # 24 → 30/24 = 1.25 → 1 + 0.25/0.5 = 1.5 → 1,500; 30 → 1,000; 40 → 0.75 < 0.8 → 0;
    # 0 → the highest attainment on the curve (1.5) → 2.0 → 2,000
    got = _pays(_one_kpi([24, 30, 40, 0], kpi="days_to_close"), _scheme([comp]))
    assert got == [1500.0, 1000.0, 0.0, 2000.0]


def test_baseline_attainment():
    # target 100, baseline 40: (70 − 40)/(100 − 40) = 0.5; (100 − 40)/60 = 1; (130 − 40)/60 = 1.5
    comp = _curve(FACTOR_IS_ATTAINMENT, baseline=40)
    assert _pays(_one_kpi([70, 100, 130]), _scheme([comp])) == [500.0, 1000.0, 1500.0]
