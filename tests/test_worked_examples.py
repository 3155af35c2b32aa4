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
from kpitools.data import load_library
from kpitools.errors import KpitoolsError

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


# --------------------------------------------------------------------------- bad targets
def test_zero_and_negative_targets_name_employee_and_period():
    data = _one_kpi([1.0, 2.0, 3.0]).assign(target=[100.0, 0.0, -5.0])
    comp = {
        "kpi": "revenue",
        "weight": 1,
        "target": {"method": "from_data"},
        "curve": {"points": [[0, 0], [1, 1]]},
    }
    with pytest.raises(KpitoolsError) as err:
        kpitools.run_scheme(data, kpitools.load_scheme(_scheme([comp])), library=False)
    assert str(err.value) == (
        "scheme 'w': 2 employee-periods have no usable target:\n"
        "  components[0] (revenue): the target is 0 for employee 'e1' in 2024-01\n"
        "  components[0] (revenue): the target is negative (-5) for employee 'e2' in 2024-01\n"
        "Suggestion: targets must be positive: check the data's target column."
    )


def test_missing_target_names_employee_and_period():
    data = _one_kpi([1.0]).assign(target=[np.nan])
    comp = {"kpi": "revenue", "weight": 1, "target": {"method": "from_data"}, "curve": ACCEL_C}
    with pytest.raises(KpitoolsError) as err:
        kpitools.run_scheme(data, kpitools.load_scheme(_scheme([comp])), library=False)
    assert str(err.value) == (
        "scheme 'w': components[0] (revenue): no target: the data's target column is empty for "
        "it (in at least one month of the period) for employee 'e0' in 2024-01.\n"
        "Suggestion: fill in the target column for these rows, or use another target method."
    )


ACCEL_C = {"points": ACCEL}


# --------------------------------------------------------------------------- target methods
def _months(n=14, start=2023):
    return [f"{start + (m // 12)}-{m % 12 + 1:02d}" for m in range(n)]


MONTHS = _months()  # 2023-01 … 2024-02
# a sells 100 every month, b 200, c is hired in 2023-03 and sells 132 every month
HISTORY = _data(
    [("a", p, "revenue", 100.0) for p in MONTHS]
    + [("b", p, "revenue", 200.0) for p in MONTHS]
    + [("c", p, "revenue", 132.0) for p in MONTHS[2:]]
)


def _targets(target, **kw):
    scheme = _scheme(
        [{"kpi": "revenue", "weight": 1, "target": target, "curve": FACTOR_IS_ATTAINMENT}]
    )
    run = kpitools.run_scheme(HISTORY, kpitools.load_scheme(scheme), library=False, **kw)
    rows = run.payouts[run.payouts["component"] != "total"]
    got = {(r.employee, r.period): round(r.target, 6) for r in rows.itertuples()}
    return run, got


def test_growth_previous_period_with_new_hire_peer_median():
    run, got = _targets(
        {"method": "growth", "rate": 0.10, "base": "previous_period", "fallback": "peer_median"}
    )
    # 2023-01: nobody has an actual in 2022-12 → skipped and reported
    assert run.skipped["period"].tolist() == ["2023-01"]
    assert "2022-12" in run.skipped["reason"].iloc[0]
    # 2023-02: a 100 × 1.1 = 110, b 220; 2023-03: c has no base → median(110, 220) = 165;
    # 2023-04: c 132 × 1.1 = 145.2
    assert got[("a", "2023-02")] == 110.0
    assert got[("b", "2023-02")] == 220.0
    assert got[("c", "2023-03")] == 165.0
    assert got[("c", "2023-04")] == 145.2
    assert ("a", "2023-01") not in got
    pay = run.totals.set_index(["employee", "period"])["payout"]
    assert pay[("c", "2023-03")] == 800.0  # 132 / 165 = 0.8
    assert pay[("a", "2023-02")] == 909.09  # 100 / 110 = 0.909090… → 909.09


def test_growth_same_period_last_year_new_hire_and_periods_selection():
    target = {
        "method": "growth",
        "rate": 0.10,
        "base": "same_period_last_year",
        "fallback": "peer_median",
    }
    run, got = _targets(target)
    # the 12 months of 2023 have no actual a year before: all skipped
    assert run.skipped["period"].tolist() == MONTHS[:12]
    # 2024-01: a 110, b 220; c has no 2023-01 actual → median 165; 2024-02 the same
    assert got == {
        ("a", "2024-01"): 110.0,
        ("a", "2024-02"): 110.0,
        ("b", "2024-01"): 220.0,
        ("b", "2024-02"): 220.0,
        ("c", "2024-01"): 165.0,
        ("c", "2024-02"): 165.0,
    }
    run, got = _targets(
        {"method": "growth", "rate": 0.10, "base": "previous_period"}, periods="2023-05..2023-06"
    )
    # only the two chosen periods are evaluated; c has a base by then (132 × 1.1 = 145.2)
    assert sorted(run.totals["period"].unique()) == ["2023-05", "2023-06"]
    assert got[("c", "2023-05")] == 145.2


def test_percentile_of_peers_with_window():
    run, got = _targets({"method": "percentile", "q": 0.4, "of": "peers", "window": 2})
    assert run.skipped["period"].tolist() == ["2023-01"]
    # linear interpolation at position q × (n − 1) of the sorted window:
    # 2023-02 window {2023-01}: [100, 200] → pos 0.4 → 140
    # 2023-03 window {01, 02}: [100, 100, 200, 200] → pos 1.2 → 100 + 0.2 × 100 = 120
    # 2023-04 window {02, 03}: [100, 100, 132, 200, 200] → pos 1.6 → 100 + 0.6 × 32 = 119.2
    # 2023-05 window {03, 04}: [100, 100, 132, 132, 200, 200] → pos 2.0 → 132
    assert [got[("a", p)] for p in MONTHS[1:5]] == [140.0, 120.0, 119.2, 132.0]
    assert got[("c", "2023-03")] == 120.0  # the same peer target for the new hire
    pay = run.totals.set_index(["employee", "period"])["payout"]
    assert pay[("c", "2023-03")] == 1100.0  # 132 / 120 = 1.1


def test_allocate_equal_and_history_share():
    _, got = _targets({"method": "allocate", "total": 900, "by": "equal"})
    # 2023-01: a, b active → 450 each; 2023-03: a, b, c → 300 each
    assert [got[("a", "2023-01")], got[("b", "2023-01")]] == [450.0, 450.0]
    assert [got[(e, "2023-03")] for e in "abc"] == [300.0, 300.0, 300.0]
    run, got = _targets({"method": "allocate", "total": 900, "by": "history_share", "window": 2})
    assert run.skipped["period"].tolist() == ["2023-01"]
    # 2023-02: history {01}: a 100, b 200 → 300 / 600
    assert [got[("a", "2023-02")], got[("b", "2023-02")]] == [300.0, 600.0]
    # 2023-03: a 100, b 200, c new hire → mean of those with history = 150: 900 × x / 450
    assert [got[(e, "2023-03")] for e in "abc"] == [200.0, 400.0, 300.0]
    # 2023-04: window {02, 03} averages a 100, b 200, c 132 → 900 × x / 432
    assert [got[(e, "2023-04")] for e in "abc"] == [
        round(900 * 100 / 432, 6),
        round(900 * 200 / 432, 6),
        275.0,
    ]


# --------------------------------------------------------------------------- quarterly roll-up
def test_quarterly_scheme_on_monthly_data_sums_means_and_recomputes_ratios():
    rows = []
    for m, (rev, nps, won, closed) in enumerate(
        [(100.0, 40.0, 1, 4), (200.0, 50.0, 3, 4), (300.0, 90.0, 0, 2)], 1
    ):
        p = f"2024-{m:02d}"
        rows += [
            ("a", p, "revenue", rev),
            ("a", p, "nps", nps),
            ("a", p, "won_deals", float(won)),
            ("a", p, "closed_deals", float(closed)),
            ("a", p, "win_rate", won / closed),
        ]
    scheme = _scheme(
        [
            _curve(FACTOR_IS_ATTAINMENT, "revenue", 500, 0.5),
            _curve(FACTOR_IS_ATTAINMENT, "nps", 50, 0.5),
        ],
        period="quarter",
        gates=[
            {"kpi": "win_rate", "min_attainment": 1.0, "target": {"method": "fixed", "value": 0.4}}
        ],
    )
    run = kpitools.run_scheme(_data(rows), kpitools.load_scheme(scheme), library=load_library())
    comp = run.payouts[run.payouts["component"] != "total"]
    # revenue sum 600 → 1.2; nps mean (40 + 50 + 90) / 3 = 60 → 1.2;
    # win rate 4 / 10 = 0.4 (not the mean 0.333 of the months) → exactly 1.0 passes the gate
    assert comp["actual"].tolist() == [600.0, 60.0]
    assert comp["attainment"].round(12).tolist() == [1.2, 1.2]
    # 1000 × (0.5 × 1.2 + 0.5 × 1.2) = 1,200
    assert run.totals[["period", "gate_passed", "payout"]].to_dict("records") == [
        {"period": "2024-Q1", "gate_passed": True, "payout": 1200.0}
    ]


# --------------------------------------------------------------------------- metrics
METRIC_SCHEME = {
    "name": "steps",
    "period": "month",
    "on_target_pay": 1000,
    "revenue_kpi": "revenue",
    "budget": 2500,
    "components": [
        {
            "kpi": "revenue",
            "weight": 1,
            "target": {"method": "fixed", "value": 100},
            "curve": {"steps": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.5]]},
        }
    ],
}
# a 80 → 0.80 → 0; e 87 → 0.87 → 0; b 95 → 0.95 → 500; c 100 → 1,000; d 130 → 1.3 → 1,500
METRIC_ACTUALS = {"a": 80.0, "b": 95.0, "c": 100.0, "d": 130.0, "e": 87.0}
# total 3,000 over 5 employees, revenue 492, budget 2,500 for the one period
EXPECTED_METRICS = {
    "total_cost": 3000.0,
    "cost_per_employee": 600.0,  # 3,000 / 5
    "cost_of_sales": 3000 / 492,  # 6.0975…
    "pct_at_target": 0.4,  # c, d
    "pct_zero_payout": 0.4,  # a, e
    # multiples sorted [0, 0, 0.5, 1.0, 1.5]; numpy's default linear quantile at q × (n − 1):
    "payout_p10": 0.0,  # position 0.4 → 0 + 0.4 × 0
    "payout_p50": 0.5,  # position 2
    "payout_p90": 1.3,  # position 3.6 → 1.0 + 0.6 × 0.5
    "leverage": 2.6,  # 1.3 / 0.5
    # ranks of attainment 1..5 vs payout ranks (1.5, 1.5, 3, 4, 5): Σdxdy 9.5, Σdx² 10,
    # Σdy² 9.5 → 9.5 / √95
    "pay_performance_corr": 9.5 / 95**0.5,
    # Σ_i Σ_j |x_i − x_j| = 2 × 8,000 over 2 n² mean = 2 × 25 × 600 = 30,000 → 0.5333…
    "gini": 16000 / 30000,
    # thresholds 0.9, 1.0, 1.2 → bands [0.855, 0.9), [0.95, 1.0), [1.14, 1.2): e 0.87, b 0.95
    "near_threshold_share": 0.4,
    "budget_variance": 0.2,  # (3,000 − 2,500) / 2,500
}


def test_quantiles_are_numpys_default_linear_interpolation():
    assert np.quantile([0, 0, 0.5, 1.0, 1.5], [0.1, 0.5, 0.9]).tolist() == [0.0, 0.5, 1.3]


def test_metrics_of_a_tiny_result_by_hand():
    data = _data([(e, "2024-01", "revenue", a) for e, a in METRIC_ACTUALS.items()])
    result = kpitools.simulate(data, [kpitools.load_scheme(METRIC_SCHEME)], library=False)
    row = result.metrics.loc["steps"]  # indexed by scheme
    got = {k: float(row[k]) for k in EXPECTED_METRICS}
    assert got == pytest.approx(EXPECTED_METRICS, rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------- command line
def _cli(tmp_path, scheme: dict, rows, *extra):
    data = tmp_path / "data.csv"
    pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual"]).to_csv(data, index=False)
    path = tmp_path / "scheme.yaml"
    path.write_text(yaml.safe_dump(scheme, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        ["simulate", "--data", str(data), "--scheme", str(path), "--out", str(out), *extra],
    )
    assert res.exit_code == 0, res.output
    payouts = pd.read_csv(out / "payouts.csv", dtype={"employee": str, "component": str})
    return payouts, pd.read_csv(out / "metrics.csv")


def _cli_totals(payouts):
    tot = payouts[payouts["component"] == "total"]
    return dict(zip(tot["employee"], tot["payout"], strict=True))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("marginal", [2000.0, 2500.0, 4500.0, 6500.0, 10100.0]),
        ("retroactive", [2000.0, 4000.0, 6000.0, 12000.0, 15600.0]),
    ],
)
def test_cli_tiered_commission(tmp_path, mode, expected):
    scheme = _scheme(
        [{"kpi": "revenue", "commission": {"tiers": TIERS, "basis": "value", "mode": mode}}]
    )
    rows = [(f"00{i}", "2024-01", "revenue", a) for i, a in enumerate(ACTUALS)]
    payouts, _ = _cli(tmp_path, scheme, rows)
    # ids stay text: 000 … 004 (same numbers as test_tiered_commission_basis_value)
    assert _cli_totals(payouts) == {f"00{i}": v for i, v in enumerate(expected)}


def test_cli_accelerator_gate_and_lower_is_better(tmp_path):
    scheme = _scheme(
        [
            _curve({"points": ACCEL}, "revenue", 100, 0.5),
            _curve({"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}, "sales_cycle_days", 30, 0.5),
        ],
        gates=[
            {
                "kpi": "gross_margin_pct",
                "min_attainment": 0.9,
                "target": {"method": "fixed", "value": 0.4},
                "applies_to": ["revenue"],
            }
        ],
    )
    rows = [
        # a: revenue 0.5 exactly → 0.25; days 24 → 30/24 = 1.25 → 1.5; margin 0.36/0.4 = 0.9
        #    passes: 1000 × (0.5 × 0.25 + 0.5 × 1.5) = 875
        ("a", "2024-01", "revenue", 50.0),
        ("a", "2024-01", "sales_cycle_days", 24.0),
        ("a", "2024-01", "gross_margin_pct", 0.36),
        # b: revenue 1.25 → 1.5; days 0 → top attainment 1.5 → 2.0; margin 0.3 → 0.75 misses
        #    and zeroes revenue only: 1000 × 0.5 × 2.0 = 1,000
        ("b", "2024-01", "revenue", 125.0),
        ("b", "2024-01", "sales_cycle_days", 0.0),
        ("b", "2024-01", "gross_margin_pct", 0.3),
    ]
    payouts, metrics = _cli(tmp_path, scheme, rows)
    assert _cli_totals(payouts) == {"a": 875.0, "b": 1000.0}
    comp = payouts[payouts["component"] != "total"]
    assert comp["factor"].tolist() == [0.25, 1.5, 1.5, 2.0]
    assert comp["payout"].tolist() == [125.0, 750.0, 0.0, 1000.0]
    assert metrics["total_cost"].tolist() == [1875.0]


def test_cli_metrics_match_the_hand_computation(tmp_path):
    rows = [(e, "2024-01", "revenue", a) for e, a in METRIC_ACTUALS.items()]
    payouts, metrics = _cli(tmp_path, METRIC_SCHEME, rows)
    assert _cli_totals(payouts) == {"a": 0.0, "b": 500.0, "c": 1000.0, "d": 1500.0, "e": 0.0}
    row = metrics.set_index("scheme").loc["steps"]
    got = {k: float(row[k]) for k in EXPECTED_METRICS}
    assert got == pytest.approx(EXPECTED_METRICS, rel=1e-9, abs=1e-12)


def test_cli_modifier_cap_pool(tmp_path):
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
    rows = [
        ("a", "2024-01", "revenue", 200.0),
        ("a", "2024-01", "nps", 50.0),
        ("b", "2024-01", "revenue", 250.0),
        ("b", "2024-01", "nps", 60.0),
        ("c", "2024-01", "revenue", 100.0),
        ("c", "2024-01", "nps", 20.0),
    ]
    payouts, _ = _cli(tmp_path, scheme, rows)
    # as test_modifier_then_cap_then_pool: 2,400 / 2,500 / 750 → × 5,000 / 5,650
    assert _cli_totals(payouts) == {"a": 2123.89, "b": 2212.39, "c": 663.72}
    tot = payouts[payouts["component"] == "total"]
    assert tot["before_cap"].tolist() == [2400.0, 3000.0, 750.0]


# --------------------------------------------------------------------------- more edges
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # target 100, tiers [[0.5, 0.1], [1.0, 0.2]]: nothing below 50.
        # marginal: 40 → 0; 50 → 0 (nothing inside the band yet); 80 → 30 × 0.1 = 3;
        # 100 → 50 × 0.1 = 5; 150 → 5 + 50 × 0.2 = 15
        ("marginal", [0.0, 0.0, 3.0, 5.0, 15.0]),
        # retroactive: 40 → 0; 50 × 0.1 = 5; 80 × 0.1 = 8; 100 × 0.2 = 20; 150 × 0.2 = 30
        ("retroactive", [0.0, 5.0, 8.0, 20.0, 30.0]),
    ],
)
def test_tiers_starting_above_zero(mode, expected):
    comp = {
        "kpi": "revenue",
        "target": {"method": "fixed", "value": 100},
        "commission": {"tiers": [[0.5, 0.1], [1.0, 0.2]], "basis": "attainment", "mode": mode},
    }
    assert _pays(_one_kpi([40, 50, 80, 100, 150]), _scheme([comp])) == expected


def test_boundaries_reached_through_float_division():
    # 33/30, 36/30, 27/30 and 0.3×3/0.9 are 1.1, 1.2, 0.9 and 1.0 up to binary noise: each
    # reaches its step exactly (≥). Steps [[0.9, 0.5], [1.1, 1.0], [1.2, 1.5]].
    data = _one_kpi([33, 36, 27, 0.3 * 3]).assign(target=[30.0, 30.0, 30.0, 0.9])
    comp = {
        "kpi": "revenue",
        "weight": 1,
        "target": {"method": "from_data"},
        "curve": {"steps": [[0.9, 0.5], [1.1, 1.0], [1.2, 1.5]]},
    }
    assert _pays(data, _scheme([comp])) == [1000.0, 1500.0, 500.0, 500.0]


def test_first_point_that_pays_and_lower_with_baseline():
    # points [[0.8, 0.5], [1, 1]]: exactly 0.8 → 0.5; 0.7999 → 0
    comp = _curve({"points": [[0.8, 0.5], [1, 1]]})
    assert _pays(_one_kpi([80, 79.99]), _scheme([comp])) == [500.0, 0.0]
    # lower, target 10, baseline 30: (a − 30)/(10 − 30): 20 → 0.5; 10 → 1; 5 → 1.25
    comp = _curve(FACTOR_IS_ATTAINMENT, "x", 10, baseline=30, direction="lower")
    assert _pays(_one_kpi([20, 10, 5], kpi="x"), _scheme([comp])) == [500.0, 1000.0, 1250.0]


@pytest.mark.parametrize(
    ("curve", "expected"),
    [
        # actual 0 on a lower KPI = the curve's highest attainment: last step 1.2 → 1.3
        ({"steps": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.3]]}, 1300.0),
        # linear: where the cap is reached, 2.0 / 1.5 = 1.333… → factor 2.0
        ({"linear": {"slope": 1.5, "threshold": 0.8, "cap": 2.0}}, 2000.0),
    ],
)
def test_lower_zero_actual_on_steps_and_linear(curve, expected):
    comp = _curve(curve, "d", 30, direction="lower")
    assert _pays(_one_kpi([0], kpi="d"), _scheme([comp])) == [expected]


def test_role_cap_and_pool_per_period():
    data = _data(
        [
            ("a", "2024-01", "revenue", 300.0),
            ("b", "2024-01", "revenue", 100.0),
            ("a", "2024-02", "revenue", 100.0),
            ("b", "2024-02", "revenue", 100.0),
        ],
        role={"a": "mgr", "b": "rep"},
    )
    scheme = _scheme(
        [_curve(FACTOR_IS_ATTAINMENT)],
        on_target_pay={"mgr": 2000, "rep": 1000},
        cap=1.2,
        pool={"budget": 3000},
    )
    run = kpitools.run_scheme(data, kpitools.load_scheme(scheme), library=False)
    t = run.totals
    # 2024-01: a 2000 × 3 = 6,000 capped at 1.2 × 2,000 = 2,400; b 1,000; 3,400 > 3,000 →
    #   × 3,000/3,400: a 2,117.647… → 2,117.65, b 882.352… → 882.35 (sum 3,000.00)
    # 2024-02: a 2,000 + b 1,000 = 3,000: the pool is not exceeded → unchanged
    assert t["after_cap"].tolist() == [2400.0, 1000.0, 2000.0, 1000.0]
    assert t["payout"].tolist() == [2117.65, 882.35, 2000.0, 1000.0]


def test_pool_rounding_never_exceeds_the_budget():
    # 3 × 1,000 into a pool of 1,000: 333.333… each; cents may not add up above 1,000
    scheme = _scheme([_curve(FACTOR_IS_ATTAINMENT)], pool={"budget": 1000})
    got = _pays(_one_kpi([100, 100, 100]), scheme)
    assert sorted(got) == [333.33, 333.33, 333.34]
    assert round(sum(got), 2) == 1000.0


def test_weighted_attainment_is_the_weighted_sum():
    # 0.5 × 1.2 + 0.3 × 0.9 + 0.2 × 0.8 = 1.03; with factor = attainment, pay 1,030
    scheme = _scheme(
        [
            _curve(FACTOR_IS_ATTAINMENT, "revenue", 100, 0.5),
            _curve(FACTOR_IS_ATTAINMENT, "nc", 10, 0.3),
            _curve(FACTOR_IS_ATTAINMENT, "nps", 50, 0.2),
        ]
    )
    data = _data(
        [
            ("a", "2024-01", "revenue", 120.0),
            ("a", "2024-01", "nc", 9.0),
            ("a", "2024-01", "nps", 40.0),
        ]
    )
    run = kpitools.run_scheme(data, kpitools.load_scheme(scheme), library=False)
    assert run.totals["attainment"].round(12).tolist() == [1.03]
    assert run.totals["payout"].tolist() == [1030.0]


def test_new_hire_without_fallback_is_an_error():
    data = _data(
        [
            ("a", "2024-01", "revenue", 100.0),
            ("a", "2024-02", "revenue", 100.0),
            ("c", "2024-02", "revenue", 100.0),
        ]
    )
    target = {"method": "growth", "rate": 0.1, "base": "previous_period"}
    scheme = _scheme([{"kpi": "revenue", "weight": 1, "target": target, "curve": ACCEL_C}])
    with pytest.raises(KpitoolsError) as err:
        kpitools.run_scheme(data, kpitools.load_scheme(scheme), library=False)
    assert str(err.value) == (
        "scheme 'w': components[0] (revenue): no target: no growth base (no actual in 2024-01) "
        "and no fallback for employee 'c' in 2024-02.\n"
        "Suggestion: add 'fallback: peer_median' to the growth target so that new hires get the "
        "median target of their peers."
    )


def test_quarterly_and_yearly_growth_on_monthly_data():
    # a sells 101 … 112 in 2023 months and 201 … 212 in 2024
    rows = [
        ("a", f"{y}-{m:02d}", "revenue", float(100 * (y - 2022) + m))
        for y in (2023, 2024)
        for m in range(1, 13)
    ]
    target = {"method": "growth", "rate": 0.1, "base": "same_period_last_year"}
    scheme = _scheme([{"kpi": "revenue", "weight": 1, "target": target, "curve": ACCEL_C}])
    run = kpitools.run_scheme(
        _data(rows), kpitools.load_scheme({**scheme, "period": "quarter"}), library=False
    )
    # 2023 quarters have no 2022 quarter: skipped; 2024-Q1 target (101+102+103) × 1.1 = 336.6
    assert run.skipped["period"].tolist() == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"]
    comp = run.payouts[run.payouts["component"] != "total"]
    assert comp["actual"].tolist() == [606.0, 615.0, 624.0, 633.0]
    assert comp["target"].round(9).tolist() == [336.6, 346.5, 356.4, 366.3]
    target = {"method": "growth", "rate": 0.1, "base": "previous_period"}
    yearly = _scheme(
        [{"kpi": "revenue", "weight": 1, "target": target, "curve": FACTOR_IS_ATTAINMENT}],
        period="year",
    )
    run = kpitools.run_scheme(_data(rows), kpitools.load_scheme(yearly), library=False)
    # 2023 = Σ 101…112 = 1,278 → 2024 target 1,405.8; actual 2,478 → 1.762698… → 1,762.70
    assert run.totals[["period", "payout"]].to_dict("records") == [
        {"period": "2024", "payout": 1762.7}
    ]


def test_metrics_over_two_periods_with_revenue_outside_the_components():
    rows = [
        ("a", "2024-01", "new_clients", 10.0),
        ("a", "2024-01", "revenue", 5000.0),
        ("b", "2024-01", "new_clients", 5.0),
        ("b", "2024-01", "revenue", 3000.0),
        ("a", "2024-02", "new_clients", 20.0),
        ("a", "2024-02", "revenue", 2000.0),
        ("b", "2024-02", "new_clients", 0.0),
        ("b", "2024-02", "revenue", 0.0),
    ]
    scheme = _scheme(
        [_curve(FACTOR_IS_ATTAINMENT, "new_clients", 10)], revenue_kpi="revenue", budget=1000
    )
    result = kpitools.simulate(_data(rows), [kpitools.load_scheme(scheme)], library=False)
    got = result.metrics.loc["w"]
    # pay a 1,000 / b 500 / a 2,000 / b 0 → total 3,500 over 2 employees; revenue 10,000
    # multiples sorted [0, 0.5, 1, 2]: p10 pos 0.3 → 0.15; p50 pos 1.5 → 0.75; p90 pos 2.7 → 1.7
    # gini: Σ|x_i − x_j| over ordered pairs 13,000 / (2 × 16 × 875) = 0.464285…
    # budget 1,000 per period × 2 periods: (3,500 − 2,000) / 2,000 = 0.75
    expected = {
        "total_cost": 3500.0,
        "cost_per_employee": 1750.0,
        "cost_of_sales": 0.35,
        "pct_at_target": 0.5,
        "pct_zero_payout": 0.25,
        "payout_p10": 0.15,
        "payout_p50": 0.75,
        "payout_p90": 1.7,
        "leverage": 1.7 / 0.75,
        "gini": 13000 / 28000,
        "near_threshold_share": 0.0,
        "budget_variance": 0.75,
    }
    assert {k: float(got[k]) for k in expected} == pytest.approx(expected, rel=1e-12)


def test_two_modifiers_multiply_and_a_step_at_zero():
    rows = [
        ("a", "2024-01", "revenue", 100.0),
        ("a", "2024-01", "nps", 0.0),  # attainment 0 reaches the step at 0 → 0.75
        ("a", "2024-01", "csat", 120.0),  # attainment 1.2 reaches the step at 1.2 → 1.1
    ]
    scheme = _scheme(
        [_curve(FACTOR_IS_ATTAINMENT)],
        modifiers=[
            {
                "kpi": "nps",
                "target": {"method": "fixed", "value": 50},
                "curve": {"steps": [[0, 0.75], [0.6, 1.0]]},
            },
            {
                "kpi": "csat",
                "target": {"method": "fixed", "value": 100},
                "curve": {"steps": [[0, 0.9], [1.2, 1.1]]},
            },
        ],
    )
    run = kpitools.run_scheme(_data(rows), kpitools.load_scheme(scheme), library=False)
    # 1,000 × 0.75 × 1.1 = 825
    assert run.totals["modifier"].round(12).tolist() == [0.825]
    assert run.totals["payout"].tolist() == [825.0]


def test_lower_is_better_gate_and_a_kpi_gate_over_two_components():
    # churn target 4.95, lower: 4.95/5.5 = 0.9 exactly passes; 4.95/5.6 = 0.884 misses
    rows = [
        ("a", "2024-01", "revenue", 100.0),
        ("a", "2024-01", "churn", 5.5),
        ("b", "2024-01", "revenue", 100.0),
        ("b", "2024-01", "churn", 5.6),
    ]
    gate = {
        "kpi": "churn",
        "direction": "lower",
        "min_attainment": 0.9,
        "target": {"method": "fixed", "value": 4.95},
        "applies_to": ["revenue"],
    }
    # revenue is both a curve (1,000 × 1.0) and a commission (0.1 × 100 = 10): the KPI id
    # names both, so b loses both
    comps = [_curve(FACTOR_IS_ATTAINMENT), {"kpi": "revenue", "commission": {"rate": 0.1}}]
    run = kpitools.run_scheme(
        _data(rows), kpitools.load_scheme(_scheme(comps, gates=[gate])), library=False
    )
    assert run.payouts[["employee", "component", "payout"]].values.tolist() == [
        ["a", "0", 1000.0],
        ["a", "1", 10.0],
        ["a", "total", 1010.0],
        ["b", "0", 0.0],
        ["b", "1", 0.0],
        ["b", "total", 0.0],
    ]


def test_commission_only_scheme_is_capped_on_its_on_target_pay():
    # 100,000 × 0.05 = 5,000 > cap 2 × 1,000 → 2,000
    scheme = _scheme([{"kpi": "revenue", "commission": {"rate": 0.05}}], cap=2)
    run = kpitools.run_scheme(_one_kpi([100_000]), kpitools.load_scheme(scheme), library=False)
    assert run.totals[["before_cap", "payout"]].values.tolist() == [[5000.0, 2000.0]]


CONTRACT_EXAMPLE = """\
name: Accelerated quarterly bonus
period: quarter
on_target_pay: 30000
revenue_kpi: revenue
components:
  - kpi: revenue
    weight: 0.6
    target: {method: growth, rate: 0.10, base: same_period_last_year}
    curve: {points: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}
  - kpi: new_clients
    weight: 0.4
    target: {method: fixed, value: 12}
    curve: {steps: [[0.9, 0.5], [1.0, 1.0], [1.2, 1.3]]}
  - kpi: revenue
    commission: {tiers: [[0, 0.01], [1.0, 0.02]], basis: attainment, mode: marginal}
    target: {method: from_data}
gates:
  - {kpi: gross_margin_pct, min_attainment: 0.9, target: {method: fixed, value: 0.35}}
modifiers:
  - {kpi: nps, target: {method: fixed, value: 50}, curve: {steps: [[0, 0.75], [0.6, 1.0]]}}
cap: 2.5
budget: 1400000
pool: {budget: 1500000}
"""


def test_cli_runs_the_contracts_own_scheme(tmp_path):
    # a: revenue 100/month in 2024, 120/month in 2025 (target column 0.9 × actual);
    #    4 new clients, gross margin 0.40, nps 60 every month.  b: 80 → 96, 3, 0.30, 20.
    rows = []
    for e, (rev, nc, gm, nps) in {
        "a": (100.0, 4.0, 0.4, 60.0),
        "b": (80.0, 3.0, 0.3, 20.0),
    }.items():
        for p in [f"2024-{m:02d}" for m in range(1, 13)] + ["2025-01", "2025-02", "2025-03"]:
            r = rev * 1.2 if p.startswith("2025") else rev
            rows += [
                (e, p, "revenue", r, 0.9 * r),
                (e, p, "new_clients", nc, None),
                (e, p, "gross_margin_pct", gm, None),
                (e, p, "nps", nps, None),
            ]
    data = tmp_path / "data.csv"
    pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual", "target"]).to_csv(
        data, index=False
    )
    (tmp_path / "s.yaml").write_text(CONTRACT_EXAMPLE, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        ["simulate", "--data", str(data), "--scheme", str(tmp_path / "s.yaml"), "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    assert "2024-Q1" in res.output  # the four 2024 quarters have no year-earlier base: skipped
    p = pd.read_csv(out / "payouts.csv", dtype={"component": str})
    assert p.columns[:10].tolist() == [
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
    ]
    assert set(p["period"]) == {"2025-Q1"}
    a = p[p["employee"] == "a"].set_index("component")
    # a, 2025-Q1: revenue 360 vs 1.1 × 300 = 330 → 1.0909… → 1 + 0.0909…/0.5 = 1.1818…
    #   → 30,000 × 0.6 × 1.1818… = 21,272.73; new clients 12/12 → 1.0 → 12,000;
    #   commission on target 324 (from data): 324 × 0.01 + 36 × 0.02 = 3.96;
    #   gate 0.40/0.35 passes; nps 60/50 = 1.2 → 1.0; sum 33,276.69 < cap 75,000; pool fine
    assert a["payout"].tolist() == [21272.73, 12000.0, 3.96, 33276.69]
    # b: gross margin 0.30/0.35 = 0.857 < 0.9 → every component zeroed; nps 0.4 → 0.75
    b = p[(p["employee"] == "b") & (p["component"] == "total")]
    assert b[["gate_passed", "modifier", "payout"]].values.tolist() == [[False, 0.75, 0.0]]


def test_a_modifier_below_its_first_step_pays_nothing():
    # contract §4: "steps: … the factor of the highest step reached; 0 below a1". NPS can be
    # negative: −10 against 50 is attainment −0.2, below the step at 0 → modifier 0 → 0 pay.
    rows = [("a", "2024-01", "revenue", 100.0), ("a", "2024-01", "nps", -10.0)]
    scheme = _scheme(
        [_curve(FACTOR_IS_ATTAINMENT)],
        modifiers=[
            {
                "kpi": "nps",
                "target": {"method": "fixed", "value": 50},
                "curve": {"steps": [[0, 0.75], [0.6, 1.0]]},
            }
        ],
    )
    run = kpitools.run_scheme(_data(rows), kpitools.load_scheme(scheme), library=False)
    assert run.totals[["modifier", "payout"]].values.tolist() == [[0.0, 0.0]]


def test_cli_growth_with_a_new_hire_and_a_period_selection(tmp_path):
    rows = [
        (e, p, "revenue", a)
        for e, a, months in (("a", 100.0, MONTHS), ("b", 200.0, MONTHS), ("c", 132.0, MONTHS[2:]))
        for p in months
    ]
    target = {"method": "growth", "rate": 0.1, "base": "previous_period", "fallback": "peer_median"}
    scheme = _scheme(
        [{"kpi": "revenue", "weight": 1, "target": target, "curve": FACTOR_IS_ATTAINMENT}]
    )
    payouts, _ = _cli(tmp_path, scheme, rows, "--periods", "2023-03..2023-04")
    tot = payouts[payouts["component"] == "total"].sort_values(["employee", "period"])
    # 2023-03: a 100/110, b 200/220 → 909.09; c new hire: 132 / median(110, 220) = 0.8 → 800
    # 2023-04: c 132 / 145.2 → 909.09
    assert tot[["employee", "period", "payout"]].values.tolist() == [
        ["a", "2023-03", 909.09],
        ["a", "2023-04", 909.09],
        ["b", "2023-03", 909.09],
        ["b", "2023-04", 909.09],
        ["c", "2023-03", 800.0],
        ["c", "2023-04", 909.09],
    ]


def test_near_threshold_share_on_a_jump_and_a_linear_threshold():
    # ACCEL jumps at 0.5: the band 0.95 × 0.5 = 0.475 ≤ a < 0.5 → 47.5 and 49.99 are near,
    # 50 has reached it, 47 is outside. Linear threshold 0.8 (pay jumps 0 → 0.8): [0.76, 0.8)
    # → 76 near, 80 reached. Near: e0, e1, e4 of 6 → 0.5
    scheme = _scheme(
        [
            _curve({"points": ACCEL}, "revenue", 100, 0.5),
            _curve({"linear": {"slope": 1, "threshold": 0.8}}, "calls", 100, 0.5),
        ]
    )
    revenue = [47.5, 49.99, 50.0, 47.0, 100.0, 100.0]
    calls = [100.0, 100.0, 100.0, 100.0, 76.0, 80.0]
    rows = [(f"e{i}", "2024-01", "revenue", a) for i, a in enumerate(revenue)]
    rows += [(f"e{i}", "2024-01", "calls", a) for i, a in enumerate(calls)]
    result = kpitools.simulate(_data(rows), [kpitools.load_scheme(scheme)], library=False)
    assert float(result.metrics.loc["w", "near_threshold_share"]) == 0.5
