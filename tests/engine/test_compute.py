"""The payout maths (kpitools.engine.compute): worked examples computed by hand.

Attainment, curves, commissions, gates, modifiers, cap and pool in the contract's order of
operations, through :func:`run_scheme` and on prepared arrays.
"""

from __future__ import annotations

import numpy as np
import pytest
from payout_cases import (
    curve_component,
    full_scheme,
    long_table,
    payouts_by_employee,
    scheme_dict,
    three_employees,
)

from kpitools.data import load_library
from kpitools.engine import attainment, compute, prepare, run_scheme
from kpitools.engine.compute import applies_to, snap
from kpitools.errors import DataValidationError, DefinitionError
from kpitools.scheme import load_scheme


def test_attainment_snaps_float_noise_onto_the_boundary():
    # 0.1 + 0.2 = 0.30000000000000004; as a target for actual 0.3 it must still be 100%
    assert attainment([0.3], [0.1 + 0.2]).tolist() == [1.0]
    assert attainment([99_999.99999999999], [100_000.0]).tolist() == [1.0]


def test_lower_is_better_and_baseline():
    # lower: target / actual = 10 / 8 = 1.25; actual 0 → the curve's top attainment (1.5)
    got = attainment([8.0, 0.0, -1.0, 20.0], [10.0] * 4, direction="lower", top=1.5)
    assert got.tolist() == [1.25, 1.5, 1.5, 0.5]
    # baseline 40: (70 − 40) / (100 − 40) = 0.5
    assert attainment([70.0], [100.0], baseline=40.0).tolist() == [0.5]
    # lower with baseline 30 above target 10: (20 − 30) / (10 − 30) = 0.5
    assert attainment([20.0], [10.0], baseline=30.0, direction="lower").tolist() == [0.5]


POINTS_JUMP = {"points": [[0.8, 0.5], [1.0, 1.0], [1.0, 1.2], [1.5, 2.0]]}


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (79.0, 0.0),  # attainment 0.79 < 0.8 → 0
        (80.0, 500.0),  # exactly at the threshold → 0.5 × 1000
        (90.0, 750.0),  # 0.5 + 0.1 × 2.5 = 0.75 → 750
        (100.0, 1200.0),  # on the jump: the later point (1.2) → 1200
        (125.0, 1600.0),  # 1.2 + 0.25 × 1.6 = 1.6 → 1600
        (200.0, 2000.0),  # beyond the last point: capped at 2.0 → 2000
    ],
)
def test_points_curve_with_jump(actual, expected):
    data = long_table([("a", "2025-01", "sales", actual)])
    assert payouts_by_employee(data, scheme_dict([curve_component("sales", POINTS_JUMP)])) == {
        "a": expected
    }


def test_points_curve_extrapolate_beyond_last_point():
    curve = {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]], "extrapolate": True}
    data = long_table([("a", "2025-01", "sales", 200.0)])
    # last slope (2.0 − 1.0) / 0.5 = 2; at 2.0: 2.0 + 0.5 × 2 = 3.0 → 3000
    assert payouts_by_employee(data, scheme_dict([curve_component("sales", curve)])) == {
        "a": 3000.0
    }


def test_steps_and_linear_components_weighted():
    data = long_table(
        [
            ("a", "2025-01", "sales", 90.0),
            ("a", "2025-01", "calls", 120.0),
            ("b", "2025-01", "sales", 89.99),
            ("b", "2025-01", "calls", 50.0),
        ]
    )
    scheme = scheme_dict(
        [
            curve_component("sales", {"steps": [[0.9, 0.5], [1.0, 1.0]]}, weight=0.7),
            curve_component(
                "calls", {"linear": {"slope": 1.0, "threshold": 0.6, "cap": 1.1}}, weight=0.3
            ),
        ]
    )
    # a: sales 0.9 → step 0.5 → 1000 × 0.7 × 0.5 = 350; calls 1.2 → min(1.2, 1.1) = 1.1 →
    #    1000 × 0.3 × 1.1 = 330; total 680
    # b: sales 0.8999 → 0; calls 0.5 < 0.6 → 0; total 0
    assert payouts_by_employee(data, scheme) == {"a": 680.0, "b": 0.0}


@pytest.mark.parametrize(("mode", "expected"), [("marginal", 17_500.0), ("retroactive", 22_500.0)])
def test_commission_contract_example(mode, expected):
    data = long_table([("007", "2025-01", "revenue", 150_000.0, 100_000.0)])
    scheme = scheme_dict(
        [
            {
                "kpi": "revenue",
                "target": {"method": "from_data"},
                "commission": {"tiers": [[0, 0.10], [1.0, 0.15]], "mode": mode},
            }
        ]
    )
    run = run_scheme(data, scheme, library=False)
    assert run.totals["employee"].tolist() == ["007"]
    assert run.totals["payout"].tolist() == [expected]
    row = run.payouts.iloc[0]
    assert (row["attainment"], row["payout"]) == (1.5, expected)
    # the factor of a commission row is the effective rate: 17,500 / 150,000
    assert row["factor"] == pytest.approx(expected / 150_000.0)


def test_commission_rate_needs_no_target():
    data = long_table([("a", "2025-01", "revenue", 1234.5)])
    scheme = scheme_dict([{"kpi": "revenue", "commission": {"rate": 0.05}}])
    # 1234.5 × 0.05 = 61.725 → 61.73 (half up)
    run = run_scheme(data, scheme, library=False)
    assert run.totals["payout"].tolist() == [61.73]
    assert np.isnan(run.payouts["attainment"].iloc[0])


def test_order_of_operations_on_three_employees():
    scheme = full_scheme(cap=1.5, pool={"budget": 2500})
    run = run_scheme(three_employees(), scheme, library=False)
    t = run.totals.set_index("employee")
    # a: sales 1.2 → 1.0 + 0.2 × 2 = 1.4 → 1000 × 0.6 × 1.4 = 840; units 1.0 → 400;
    #    sum 1240; gate 0.40 / 0.35 = 1.142857 ≥ 0.9 passes; nps 60/50 = 1.2 → 1.1 →
    #    1240 × 1.1 = 1364; cap 1.5 × 1000 = 1500 → 1364
    # b: margin 0.3149 / 0.35 = 0.89971… < 0.9 → gate missed → both components 0 → 0
    # c: sales 1.5 → 2.0 → 1200; units 0.5 → 0.5 → 200; sum 1400; margin 0.315 / 0.35 =
    #    0.9 exactly → passes; nps 1.0 → 1.0 → 1400; cap 1500 → 1400
    assert t["subtotal"].to_dict() == {"a": 1240.0, "b": 0.0, "c": 1400.0}
    assert t["gate_passed"].to_dict() == {"a": True, "b": False, "c": True}
    assert t["modifier"].to_dict() == {"a": 1.1, "b": 0.75, "c": 1.0}
    assert t["before_cap"].to_dict() == {"a": 1364.0, "b": 0.0, "c": 1400.0}
    assert t["after_cap"].to_dict() == {"a": 1364.0, "b": 0.0, "c": 1400.0}
    # pool: 1364 + 1400 = 2764 > 2500 → factor 2500 / 2764 = 0.904486… for the whole period;
    # a: 136,400 cents × 0.904486 = 123,371.92 → 123,371 (+ remainder 0.92);
    # c: 140,000 cents × 0.904486 = 126,628.07 → 126,628 (+ 0.07); floors sum to 249,999 cents,
    # the one cent left goes to the largest remainder (a) → a 1233.72, c 1266.28 = 2500.00
    assert t["pool_factor"].to_dict() == pytest.approx(
        {"a": 2500 / 2764, "b": 2500 / 2764, "c": 2500 / 2764}
    )
    assert t["payout"].to_dict() == {"a": 1233.72, "b": 0.0, "c": 1266.28}
    assert round(t["payout"].sum(), 2) == 2500.0


def test_cap_limits_the_total():
    scheme = full_scheme(cap=1.2)
    # a 1364 > 1.2 × 1000 = 1200 → 1200; c 1400 → 1200
    assert payouts_by_employee(three_employees(), scheme) == {"a": 1200.0, "b": 0.0, "c": 1200.0}


@pytest.mark.parametrize("applies_to", [[1], ["units"]])
def test_gate_applies_to_by_index_and_by_kpi(applies_to):
    scheme = full_scheme()
    scheme["gates"][0]["applies_to"] = applies_to
    scheme["modifiers"] = []
    # b misses the gate: only units (index 1) is zeroed; sales 100/100 → 1.0 → 600 stays
    run = run_scheme(three_employees(), scheme, library=False)
    b = run.payouts[run.payouts["employee"] == "b"].set_index("component")
    assert b["payout"].to_dict() == {"0": 600.0, "1": 0.0, "total": 600.0}
    assert b["gate_passed"].to_dict() == {"0": True, "1": False, "total": False}


def test_prepare_then_compute_matches_run_scheme():
    scheme = full_scheme(cap=1.5)
    inputs = prepare(three_employees(), scheme, library=False)
    arrays = compute(load_scheme(scheme), inputs)
    assert arrays.payout.tolist() == [1364.0, 0.0, 1400.0]
    assert inputs.keys["employee"].tolist() == ["a", "b", "c"]
    assert inputs.keys["period"].tolist() == ["2025-01"] * 3


def test_lower_is_better_from_the_library_and_zero_actual():
    lib = load_library()
    assert lib["cpl"].direction == "lower"
    data = long_table(
        [
            ("a", "2025-01", "cpl", 80.0),  # 100 / 80 = 1.25
            ("b", "2025-01", "cpl", 125.0),  # 100 / 125 = 0.8
            ("c", "2025-01", "cpl", 0.0),  # 0 or below: the curve's top attainment, 1.5
        ]
    )
    curve = {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}
    run = run_scheme(data, scheme_dict([curve_component("cpl", curve)]), library=lib)
    rows = run.payouts[run.payouts["component"] == "0"].set_index("employee")
    assert rows["attainment"].to_dict() == {"a": 1.25, "b": 0.8, "c": 1.5}
    # a: 1.0 + 0.25 × 2 = 1.5 → 1500; b: 0.5 → 500; c: 2.0 → 2000 (the curve's maximum)
    assert rows["payout"].to_dict() == {"a": 1500.0, "b": 500.0, "c": 2000.0}
    # the scheme's direction wins over the library's
    comp = curve_component("cpl", curve) | {"direction": "higher"}
    run = run_scheme(data, scheme_dict([comp]), library=lib)
    assert run.totals["attainment"].tolist() == [0.8, 1.25, 0.0]


def test_baseline_attainment_and_bad_baseline():
    data = long_table([("a", "2025-01", "nps", 45.0), ("b", "2025-01", "nps", 30.0)])
    comp = curve_component("nps", {"linear": {"slope": 1.0}}, target=50) | {"baseline": 20}
    # a: (45 − 20) / (50 − 20) = 0.8333… → 833.33; b: (30 − 20) / 30 = 0.3333… → 333.33
    assert payouts_by_employee(data, scheme_dict([comp])) == {"a": 833.33, "b": 333.33}
    comp["baseline"] = 60
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, scheme_dict([comp]), library=False)
    assert str(info.value) == (
        "scheme 't': 2 employee-periods have no usable target:\n"
        "  components[0] (nps): the target (50) is not above the baseline (60) for employee "
        "'a' in 2025-01\n"
        "  components[0] (nps): the target (50) is not above the baseline (60) for employee "
        "'b' in 2025-01\n"
        "Suggestion: put the target on the far side of the baseline, or change the baseline."
    )


def test_missing_gate_and_modifier_actuals():
    data = long_table(
        [
            ("a", "2025-01", "sales", 100.0),
            ("a", "2025-01", "margin", 0.5),
            ("b", "2025-01", "sales", 100.0),
            ("b", "2025-01", "nps", 60.0),
        ]
    )
    scheme = scheme_dict(
        [curve_component("sales", {"steps": [[1, 1]]})],
        gates=[{"kpi": "margin", "min_attainment": 0.9, "target": 0.4}],
        modifiers=[{"kpi": "nps", "target": 50, "curve": {"steps": [[0, 0.5], [1.2, 1.2]]}}],
    )
    run = run_scheme(data, scheme, library=False)
    # a: gate 0.5 / 0.4 = 1.25 passes, no nps → modifier 1 → 1000
    # b: no margin → gate missed → 0 (nps 60/50 = 1.2 → 1.2 does not matter)
    t = run.totals.set_index("employee")
    assert t["payout"].to_dict() == {"a": 1000.0, "b": 0.0}
    assert t["modifier"].to_dict() == {"a": 1.0, "b": 1.2}
    assert run.warnings == (
        "gates[0] (margin): 1 employee-period(s) have no actual; the gate counts as missed there.",
        "modifiers[0] (nps): 1 employee-period(s) have no actual; the modifier is 1 (no "
        "change) there.",
    )


def test_commission_only_scheme_weighted_attainment_is_the_mean():
    data = long_table(
        [("a", "2025-01", "revenue", 150.0, 100.0), ("a", "2025-01", "deals", 5.0, 10.0)]
    )
    scheme = scheme_dict(
        [
            {"kpi": "revenue", "target": {"method": "from_data"}, "commission": {"rate": 0.1}},
            {
                "kpi": "deals",
                "target": {"method": "from_data"},
                "commission": {"tiers": [[0, 1.0], [1.0, 2.0]], "mode": "retroactive"},
            },
        ]
    )
    run = run_scheme(data, scheme, library=False)
    # attainments 1.5 and 0.5 → mean 1.0; pay 15 + 5 × 1.0 = 20
    assert run.totals[["attainment", "payout"]].to_dict("records") == [
        {"attainment": 1.0, "payout": 20.0}
    ]


def test_applies_to_names_components_by_position_or_kpi():
    scheme = load_scheme(
        scheme_dict(
            [
                curve_component("sales", {"steps": [[1, 1]]}, weight=0.5),
                curve_component("units", {"steps": [[1, 1]]}, weight=0.5),
            ],
            gates=[
                {"kpi": "margin", "min_attainment": 1, "target": 1},
                {"kpi": "margin", "min_attainment": 1, "target": 1, "applies_to": ["units", 0]},
            ],
        )
    )
    assert applies_to(scheme, scheme.gates[0]) == [0, 1]  # all by default
    assert applies_to(scheme, scheme.gates[1]) == [0, 1]


def test_snap_rounds_float_noise_away_in_place():
    x = np.array([0.6 + 0.3 + 0.1, 1.1 * 1.05, np.nan])
    out = snap(x)
    assert out is x  # in place: the engine snaps its own intermediate arrays
    assert out[:2].tolist() == [1.0, 1.155] and np.isnan(out[2])
    assert float(snap(0.1 + 0.2)) == 0.3


@pytest.mark.parametrize(
    "curve",
    [
        {"linear": {"slope": 1.0}},
        {"points": [[0.5, 0.5], [1.0, 1.0]], "extrapolate": True},
    ],
)
def test_a_lower_zero_on_a_curve_without_a_top_is_refused(curve):
    """0 complaints against 4 is the best result; on a curve that keeps rising it has no
    attainment (1 complaint is 4/1 = 4, which pays 4×): refused, naming the employee."""
    data = long_table([("b", "2025-01", "complaints", 0.0, 4.0),
                       ("e", "2025-01", "complaints", 1.0, 4.0)])  # fmt: skip
    comp = {"kpi": "complaints", "weight": 1, "direction": "lower",
            "target": {"method": "from_data"}, "curve": curve}  # fmt: skip
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, scheme_dict([comp]), library=False)
    assert str(info.value) == (
        "scheme 't': components[0] (complaints): an actual of 0 or below of a 'lower' KPI "
        "counts as the highest attainment on the curve, and this curve has none (it keeps "
        "rising): 'b' in 2025-01.\nSuggestion: give the curve a top (a linear cap, or points "
        "without extrapolate: true), so that the best result pays the most."
    )
    # with a top, 0 complaints pays the most: the cap (1.5 × 1,000), 1 complaint 4 → 1.5 too
    capped = {**comp, "curve": {"linear": {"slope": 1.0, "cap": 1.5}}}
    run = run_scheme(data, scheme_dict([capped]), library=False)
    assert run.totals["payout"].tolist() == [1500.0, 1500.0]
