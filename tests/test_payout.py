"""The payout engine: worked examples computed by hand, order of operations, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.engine import attainment, compute, prepare, round_cents, run_scheme
from kpitools.errors import DataValidationError, DefinitionError


def _long(rows, *, role=None) -> pd.DataFrame:
    df = pd.DataFrame(
        rows, columns=["employee", "period", "kpi", "actual", "target"][: len(rows[0])]
    )
    if role is not None:
        df["role"] = df["employee"].map(role)
    return df


def _scheme(components, **extra):
    return {
        "name": "t",
        "period": "month",
        "on_target_pay": 1000,
        "components": components,
        **extra,
    }


def _curve(kpi, curve, weight=1.0, target=100):
    return {
        "kpi": kpi,
        "weight": weight,
        "target": {"method": "fixed", "value": target},
        "curve": curve,
    }


def _pay(data, scheme, **kw):
    run = run_scheme(data, scheme, library=False, **kw)
    return run.totals.set_index("employee")["payout"].to_dict()


# --------------------------------------------------------------------------- money & attainment
def test_round_cents_half_up_without_binary_noise():
    # 2.675 is 2.67499999… in binary: still rounds up as written; 0.125 exact half → up
    assert round_cents([2.675, 0.125, 0.124999, 1234.565, 0.0]).tolist() == [
        2.68,
        0.13,
        0.12,
        1234.57,
        0.0,
    ]


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


# --------------------------------------------------------------------------- curves end to end
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
    data = _long([("a", "2025-01", "sales", actual)])
    assert _pay(data, _scheme([_curve("sales", POINTS_JUMP)])) == {"a": expected}


def test_points_curve_extrapolate_beyond_last_point():
    curve = {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]], "extrapolate": True}
    data = _long([("a", "2025-01", "sales", 200.0)])
    # last slope (2.0 − 1.0) / 0.5 = 2; at 2.0: 2.0 + 0.5 × 2 = 3.0 → 3000
    assert _pay(data, _scheme([_curve("sales", curve)])) == {"a": 3000.0}


def test_steps_and_linear_components_weighted():
    data = _long(
        [
            ("a", "2025-01", "sales", 90.0),
            ("a", "2025-01", "calls", 120.0),
            ("b", "2025-01", "sales", 89.99),
            ("b", "2025-01", "calls", 50.0),
        ]
    )
    scheme = _scheme(
        [
            _curve("sales", {"steps": [[0.9, 0.5], [1.0, 1.0]]}, weight=0.7),
            _curve("calls", {"linear": {"slope": 1.0, "threshold": 0.6, "cap": 1.1}}, weight=0.3),
        ]
    )
    # a: sales 0.9 → step 0.5 → 1000 × 0.7 × 0.5 = 350; calls 1.2 → min(1.2, 1.1) = 1.1 →
    #    1000 × 0.3 × 1.1 = 330; total 680
    # b: sales 0.8999 → 0; calls 0.5 < 0.6 → 0; total 0
    assert _pay(data, scheme) == {"a": 680.0, "b": 0.0}


# --------------------------------------------------------------------------- commission
@pytest.mark.parametrize(("mode", "expected"), [("marginal", 17_500.0), ("retroactive", 22_500.0)])
def test_commission_contract_example(mode, expected):
    data = _long([("007", "2025-01", "revenue", 150_000.0, 100_000.0)])
    scheme = _scheme(
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
    data = _long([("a", "2025-01", "revenue", 1234.5)])
    scheme = _scheme([{"kpi": "revenue", "commission": {"rate": 0.05}}])
    # 1234.5 × 0.05 = 61.725 → 61.73 (half up)
    run = run_scheme(data, scheme, library=False)
    assert run.totals["payout"].tolist() == [61.73]
    assert np.isnan(run.payouts["attainment"].iloc[0])


# --------------------------------------------------------------------------- gates etc.
def _three():
    # a hits everything; b misses the margin gate exactly below; c reaches it exactly
    return _long(
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


def _full_scheme(**extra):
    return _scheme(
        [
            _curve("sales", {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}, weight=0.6),
            _curve("units", {"steps": [[0.5, 0.5], [1.0, 1.0]]}, weight=0.4, target=10),
        ],
        gates=[
            {"kpi": "margin", "min_attainment": 0.9, "target": {"method": "fixed", "value": 0.35}}
        ],
        modifiers=[
            {"kpi": "nps", "target": 50, "curve": {"steps": [[0, 0.75], [1.0, 1.0], [1.2, 1.1]]}}
        ],
        **extra,
    )


def test_order_of_operations_on_three_employees():
    scheme = _full_scheme(cap=1.5, pool={"budget": 2500})
    run = run_scheme(_three(), scheme, library=False)
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
    scheme = _full_scheme(cap=1.2)
    # a 1364 > 1.2 × 1000 = 1200 → 1200; c 1400 → 1200
    assert _pay(_three(), scheme) == {"a": 1200.0, "b": 0.0, "c": 1200.0}


@pytest.mark.parametrize("applies_to", [[1], ["units"]])
def test_gate_applies_to_by_index_and_by_kpi(applies_to):
    scheme = _full_scheme()
    scheme["gates"][0]["applies_to"] = applies_to
    scheme["modifiers"] = []
    # b misses the gate: only units (index 1) is zeroed; sales 100/100 → 1.0 → 600 stays
    run = run_scheme(_three(), scheme, library=False)
    b = run.payouts[run.payouts["employee"] == "b"].set_index("component")
    assert b["payout"].to_dict() == {"0": 600.0, "1": 0.0, "total": 600.0}
    assert b["gate_passed"].to_dict() == {"0": True, "1": False, "total": False}


def test_payout_table_layout():
    run = run_scheme(_three(), _full_scheme(), library=False)
    p = run.payouts
    assert list(p.columns[:11]) == [
        "scheme",
        "employee",
        "period",
        "role",
        "component",
        "kpi",
        "actual",
        "target",
        "attainment",
        "factor",
        "payout",
    ]
    assert {"gate_passed", "modifier", "before_cap", "pool_factor", "on_target_pay"} <= set(p)
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


# --------------------------------------------------------------------------- bad input
def test_kpi_missing_from_data():
    data = _long([("a", "2025-01", "sales", 1.0)])
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, _scheme([_curve("sale", {"steps": [[1, 1]]})]), library=False)
    assert str(info.value) == (
        "scheme 't': components[0].kpi: KPI 'sale' is not in the data. Did you mean 'sales'?\n"
        "Suggestion: add its rows to the data, or use a KPI the data has: sales."
    )


def test_missing_and_nonpositive_targets_name_employee_and_period():
    data = _long(
        [
            ("a", "2025-01", "sales", 10.0, 0.0),
            ("b", "2025-01", "sales", 10.0, np.nan),
            ("c", "2025-01", "sales", 10.0, -5.0),
            ("d", "2025-01", "sales", 10.0, 8.0),
        ]
    )
    comp = {
        "kpi": "sales",
        "weight": 1,
        "target": {"method": "from_data"},
        "curve": {"steps": [[1, 1]]},
    }
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, _scheme([comp]), library=False)
    assert str(info.value) == (
        "scheme 't': 3 employee-periods have no usable target:\n"
        "  components[0] (sales): the target is 0 for employee 'a' in 2025-01\n"
        "  components[0] (sales): no target: the data's target column is empty for it (in at "
        "least one month of the period) for employee 'b' in 2025-01\n"
        "  components[0] (sales): the target is negative (-5) for employee 'c' in 2025-01\n"
        "Suggestion: targets must be positive: check the data's target column."
    )
    cases = info.value.failure_cases
    assert cases["employee"].tolist() == ["a", "b", "c"]
    assert cases.columns.tolist() == ["column", "kpi", "employee", "period", "target", "problem"]


def test_single_missing_target_message():
    data = _long([("b", "2025-01", "sales", 10.0)])
    comp = {
        "kpi": "sales",
        "weight": 1,
        "target": {"method": "from_data"},
        "curve": {"steps": [[1, 1]]},
    }
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, _scheme([comp]), library=False)
    assert str(info.value) == (
        "scheme 't': components[0] (sales): no target: the data has no 'target' column for "
        "employee 'b' in 2025-01.\nSuggestion: add a target column to the data, or use another "
        "method (fixed, growth, …)."
    )


def test_on_target_pay_role_missing_from_mapping():
    data = _long(
        [("a", "2025-01", "sales", 1.0), ("b", "2025-01", "sales", 1.0)],
        role={"a": "rep", "b": "lead"},
    )
    scheme = _scheme(
        [_curve("sales", {"steps": [[1, 1]]}, target=1)], on_target_pay={"rep": 100, "leed": 200}
    )
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, scheme, library=False)
    assert str(info.value) == (
        "scheme 't': on_target_pay: no amount for role 'lead': 1 employee-period(s), e.g. "
        "employee 'b' in 2025-01. Did you mean 'leed'?\n"
        "Suggestion: add lead: <amount> under on_target_pay, or evaluate only the roles it "
        "pays with roles: [rep, leed]."
    )
    scheme["on_target_pay"] = {"rep": 100, "lead": 200}
    assert _pay(data, scheme) == {"a": 100.0, "b": 200.0}


def test_missing_actual_pays_zero_with_a_warning():
    data = _long(
        [
            ("a", "2025-01", "sales", 100.0),
            ("a", "2025-01", "units", 10.0),
            ("b", "2025-01", "sales", 100.0),
        ]
    )
    scheme = _scheme(
        [
            _curve("sales", {"steps": [[1, 1]]}, weight=0.5),
            _curve("units", {"steps": [[1, 1]]}, weight=0.5, target=10),
        ]
    )
    run = run_scheme(data, scheme, library=False)
    assert run.totals.set_index("employee")["payout"].to_dict() == {"a": 1000.0, "b": 500.0}
    assert run.warnings == (
        "components[1] (units): 1 employee-period(s) have no actual; that component pays 0 there.",
    )


def test_prepare_then_compute_matches_run_scheme():
    scheme = _full_scheme(cap=1.5)
    inputs = prepare(_three(), scheme, library=False)
    from kpitools.scheme import load_scheme

    arrays = compute(load_scheme(scheme), inputs)
    assert arrays.payout.tolist() == [1364.0, 0.0, 1400.0]
    assert inputs.keys["employee"].tolist() == ["a", "b", "c"]
    assert inputs.keys["period"].tolist() == ["2025-01"] * 3


# --------------------------------------------------------------------------- directions & baselines
def test_lower_is_better_from_the_library_and_zero_actual():
    from kpitools.data import load_library

    lib = load_library()
    assert lib["cpl"].direction == "lower"
    data = _long(
        [
            ("a", "2025-01", "cpl", 80.0),  # 100 / 80 = 1.25
            ("b", "2025-01", "cpl", 125.0),  # 100 / 125 = 0.8
            ("c", "2025-01", "cpl", 0.0),  # 0 or below: the curve's top attainment, 1.5
        ]
    )
    curve = {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}
    run = run_scheme(data, _scheme([_curve("cpl", curve)]), library=lib)
    rows = run.payouts[run.payouts["component"] == "0"].set_index("employee")
    assert rows["attainment"].to_dict() == {"a": 1.25, "b": 0.8, "c": 1.5}
    # a: 1.0 + 0.25 × 2 = 1.5 → 1500; b: 0.5 → 500; c: 2.0 → 2000 (the curve's maximum)
    assert rows["payout"].to_dict() == {"a": 1500.0, "b": 500.0, "c": 2000.0}
    # the scheme's direction wins over the library's
    comp = _curve("cpl", curve) | {"direction": "higher"}
    run = run_scheme(data, _scheme([comp]), library=lib)
    assert run.totals["attainment"].tolist() == [0.8, 1.25, 0.0]


def test_baseline_attainment_and_bad_baseline():
    data = _long([("a", "2025-01", "nps", 45.0), ("b", "2025-01", "nps", 30.0)])
    comp = _curve("nps", {"linear": {"slope": 1.0}}, target=50) | {"baseline": 20}
    # a: (45 − 20) / (50 − 20) = 0.8333… → 833.33; b: (30 − 20) / 30 = 0.3333… → 333.33
    assert _pay(data, _scheme([comp])) == {"a": 833.33, "b": 333.33}
    comp["baseline"] = 60
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, _scheme([comp]), library=False)
    assert str(info.value) == (
        "scheme 't': 2 employee-periods have no usable target:\n"
        "  components[0] (nps): the target (50) is not above the baseline (60) for employee "
        "'a' in 2025-01\n"
        "  components[0] (nps): the target (50) is not above the baseline (60) for employee "
        "'b' in 2025-01\n"
        "Suggestion: put the target on the far side of the baseline, or change the baseline."
    )


def test_missing_gate_and_modifier_actuals():
    data = _long(
        [
            ("a", "2025-01", "sales", 100.0),
            ("a", "2025-01", "margin", 0.5),
            ("b", "2025-01", "sales", 100.0),
            ("b", "2025-01", "nps", 60.0),
        ]
    )
    scheme = _scheme(
        [_curve("sales", {"steps": [[1, 1]]})],
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


# ----------------------------------------------------------- roll-up through the engine
def test_quarterly_scheme_recomputes_a_ratio_gate_from_the_library():
    from kpitools.data import load_library

    rows = []
    for m, (won, closed, revenue) in enumerate([(1, 4, 100.0), (3, 4, 200.0), (0, 2, 300.0)], 1):
        p = f"2025-{m:02d}"
        rows += [
            ("a", p, "won_deals", float(won)),
            ("a", p, "closed_deals", float(closed)),
            ("a", p, "win_rate", won / closed),
            ("a", p, "revenue", revenue),
        ]
    data = _long(rows)
    scheme = _scheme(
        [_curve("revenue", {"points": [[0, 0], [1, 1]]}, target=600)],
        period="quarter",
        gates=[{"kpi": "win_rate", "min_attainment": 1.0, "target": 0.4}],
    )
    run = run_scheme(data, scheme, library=load_library())
    # revenue 100 + 200 + 300 = 600 → attainment 1.0 → 1000; win rate 4 / 10 = 0.4 (not the
    # mean 0.333 of the months, which would miss the gate) → attainment exactly 1.0 passes
    assert run.totals[["period", "gate_passed", "payout"]].to_dict("records") == [
        {"period": "2025-Q1", "gate_passed": True, "payout": 1000.0}
    ]


def test_commission_only_scheme_weighted_attainment_is_the_mean():
    data = _long([("a", "2025-01", "revenue", 150.0, 100.0), ("a", "2025-01", "deals", 5.0, 10.0)])
    scheme = _scheme(
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


# --------------------------------------------------------------------------- more bad input
def test_per_role_pay_without_a_role_column():
    data = _long([("a", "2025-01", "sales", 1.0)])
    scheme = _scheme([_curve("sales", {"steps": [[1, 1]]}, target=1)], on_target_pay={"rep": 100})
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, scheme, library=False)
    assert str(info.value) == (
        "scheme 't': on_target_pay is given per role (rep) but the data has no 'role' column.\n"
        "Suggestion: add a role column to the data, or give on_target_pay as one number."
    )


def test_duplicate_rows_are_an_error():
    data = _long(
        [
            ("a", "2025-01", "sales", 1.0),
            ("b", "2025-01", "sales", 1.0),
            ("a", "2025-01", "sales", 2.0),
        ]
    )
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, _scheme([_curve("sales", {"steps": [[1, 1]]}, target=1)]), library=False)
    assert str(info.value) == (
        "the data: 2 rows repeat an employee × period × KPI, e.g. employee 'a', 2025-01, "
        "'sales' (rows 2, 4).\nSuggestion: remove the repeats, or load the data with "
        "kpitools.data.load(..., duplicates='sum')."
    )
    assert info.value.failure_cases["row"].tolist() == [2, 4]


def test_missing_columns_are_named():
    with pytest.raises(DataValidationError) as info:
        run_scheme(
            pd.DataFrame({"employee": ["a"], "value": [1]}),
            _scheme([_curve("s", {"steps": [[1, 1]]})]),
        )
    assert str(info.value) == (
        "the data: missing column(s) period, kpi, actual (found: employee, value).\n"
        "Suggestion: give the long table (employee, period, kpi, actual), or load it with "
        "kpitools.data.load, which also reads wide tables."
    )


def test_engine_errors_pickle():
    import pickle

    data = _long([("b", "2025-01", "sales", 10.0)])
    comp = {
        "kpi": "sales",
        "weight": 1,
        "target": {"method": "from_data"},
        "curve": {"steps": [[1, 1]]},
    }
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, _scheme([comp]), library=False)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value)
    pd.testing.assert_frame_equal(again.failure_cases, info.value.failure_cases)


def test_reads_a_csv_through_the_data_layer(tmp_path):
    path = tmp_path / "kpis.csv"
    path.write_text("employee,period,kpi,actual\n007,2025-01,revenue,90\n008,2025-01,revenue,130\n")
    run = run_scheme(
        path, _scheme([_curve("revenue", {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]})])
    )
    # 007: 0.9 → 0.75 → 750; 008: 1.3 → 1.6 → 1600; ids stay text
    assert run.totals.set_index("employee")["payout"].to_dict() == {"007": 750.0, "008": 1600.0}


def test_duplicate_rows_are_numbered_as_in_the_file_even_among_other_kpis():
    data = _long(
        [
            ("a", "2025-01", "other", 1.0),
            ("a", "2025-01", "sales", 1.0),
            ("a", "2025-01", "other", 5.0),
            ("a", "2025-01", "sales", 2.0),
        ]
    )
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, _scheme([_curve("sales", {"steps": [[1, 1]]}, target=1)]), library=False)
    # the repeats of 'sales' are the 2nd and 4th data rows: file rows 3 and 5
    assert info.value.failure_cases["row"].tolist() == [3, 5]
    assert str(info.value) == (
        "the data: 2 rows repeat an employee × period × KPI, e.g. employee 'a', 2025-01, "
        "'sales' (rows 3, 5).\nSuggestion: remove the repeats, or load the data with "
        "kpitools.data.load(..., duplicates='sum')."
    )


def test_a_selection_outside_the_data_is_an_error():
    data = _long([("a", "2025-01", "sales", 1.0), ("a", "2025-02", "sales", 1.0)])
    with pytest.raises(DefinitionError) as info:
        run_scheme(
            data,
            _scheme([_curve("sales", {"steps": [[1, 1]]}, target=1)]),
            periods="2030-01..2030-12",
        )
    assert str(info.value) == (
        "periods '2030-01..2030-12': none of the data's months is inside (the data has 2025-01 "
        "to 2025-02).\nSuggestion: choose periods within the data; a month counts when it lies "
        "wholly inside FROM..TO."
    )


@pytest.mark.parametrize("name", ["scheme.spec", "scheme.targets", "data.periods", "engine.payout"])
def test_docstring_examples_run(name):
    import doctest
    import importlib

    module = importlib.import_module(f"kpitools.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_run_summary_per_period():
    run = run_scheme(_three(), _full_scheme(cap=1.5), library=False)
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


def test_empty_data_is_an_error():
    empty = pd.DataFrame(
        {
            c: pd.Series([], dtype=float if c == "actual" else str)
            for c in ("employee", "period", "kpi", "actual")
        }
    )
    with pytest.raises(DataValidationError) as info:
        run_scheme(empty, _scheme([_curve("sales", {"steps": [[1, 1]]})]), library=False)
    assert str(info.value) == (
        "the data: the data has no rows.\n"
        "Suggestion: check the file, or the filter that produced the table."
    )


def test_runs_pickle_for_batch_workers():
    import pickle

    run = run_scheme(_three(), _full_scheme(cap=1.5), library=False)
    again = pickle.loads(pickle.dumps(run))
    pd.testing.assert_frame_equal(again.payouts, run.payouts)
    assert again.scheme == run.scheme


# --------------------------------------------------------------------------- roles (extension)
def _mixed_roles():
    # sales reps have revenue targets; marketing people have revenue but no target
    return _long(
        [
            ("r1", "2025-01", "revenue", 90.0, 100.0),
            ("r2", "2025-01", "revenue", 130.0, 100.0),
            ("m1", "2025-01", "revenue", 50.0, np.nan),
            ("k1", "2025-01", "revenue", 200.0, 160.0),
            ("m1", "2025-01", "leads", 7.0, np.nan),
        ],
        role={"r1": "sales_rep", "r2": "sales_rep", "m1": "marketing", "k1": "key_account"},
    )


def _revenue_scheme(**extra):
    comp = {
        "kpi": "revenue",
        "weight": 1.0,
        "target": {"method": "from_data"},
        "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
    }
    return _scheme([comp], **extra)


def test_roles_evaluate_only_the_listed_roles():
    scheme = _revenue_scheme(roles=["sales_rep", "key_account"])
    run = run_scheme(_mixed_roles(), scheme, library=False)
    # r1: 0.9 → 0.5 + (0.1 / 0.2) × 0.5 = 0.75 → 750; r2: 1.3 → 1 + 0.3 / 0.5 = 1.6 → 1600
    # k1: 200 / 160 = 1.25 → 1 + 0.25 / 0.5 = 1.5 → 1500; m1 (marketing) is not evaluated
    assert run.totals.set_index("employee")["payout"].to_dict() == {
        "r1": 750.0,
        "r2": 1600.0,
        "k1": 1500.0,
    }
    assert run.totals[["employee", "role"]].values.tolist() == [
        ["k1", "key_account"],
        ["r1", "sales_rep"],
        ["r2", "sales_rep"],
    ]


def test_without_roles_the_marketing_rows_fail_and_the_message_suggests_roles():
    with pytest.raises(DataValidationError) as info:
        run_scheme(_mixed_roles(), _revenue_scheme(), library=False)
    assert str(info.value) == (
        "scheme 't': components[0] (revenue): no target: the data's target column is empty "
        "for it (in at least one month of the period) for employee 'm1' in 2025-01.\n"
        "Suggestion: fill in the target column for these rows, or use another target method, "
        "or evaluate only the roles without these problems with roles: [key_account, "
        "sales_rep]."
    )


def test_per_role_pay_without_an_amount_suggests_roles():
    scheme = _revenue_scheme(on_target_pay={"sales_rep": 1000, "key_account": 2000})
    with pytest.raises(DefinitionError) as info:
        run_scheme(_mixed_roles(), scheme, library=False)
    assert str(info.value) == (
        "scheme 't': on_target_pay: no amount for role 'marketing': 1 employee-period(s), "
        "e.g. employee 'm1' in 2025-01.\n"
        "Suggestion: add marketing: <amount> under on_target_pay, or evaluate only the roles "
        "it pays with roles: [sales_rep, key_account]."
    )
    scheme["roles"] = ["sales_rep", "key_account"]
    assert _pay(_mixed_roles(), scheme) == {"r1": 750.0, "r2": 1600.0, "k1": 3000.0}


def test_a_listed_role_absent_from_the_data():
    with pytest.raises(DefinitionError) as info:
        run_scheme(
            _mixed_roles(), _revenue_scheme(roles=["sales_rep", "key_acount"]), library=False
        )
    assert str(info.value) == (
        "scheme 't': roles[1]: role 'key_acount' is not in the data. Did you mean "
        "'key_account'?\n"
        "Suggestion: list roles the data has: key_account, marketing, sales_rep."
    )


def test_roles_need_a_role_column():
    data = _mixed_roles().drop(columns="role")
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, _revenue_scheme(roles=["sales_rep"]), library=False)
    assert str(info.value) == (
        "scheme 't': roles: the data has no 'role' column, so the roles to evaluate "
        "(sales_rep) cannot be found.\n"
        "Suggestion: add a role column to the data, or remove roles: from the scheme to "
        "evaluate everyone."
    )


def test_a_kpi_the_listed_roles_do_not_have():
    scheme = _scheme([_curve("leads", {"steps": [[1, 1]]})], roles=["sales_rep"])
    with pytest.raises(DefinitionError) as info:
        run_scheme(_mixed_roles(), scheme, library=False)
    assert str(info.value) == (
        "scheme 't': components[0].kpi: KPI 'leads' has no rows for the roles the scheme "
        "evaluates (sales_rep) in the data.\n"
        "Suggestion: add the roles that have it to roles:, or use a KPI these roles have."
    )


def test_roles_split_an_allocated_total_among_the_listed_roles_only():
    data = _long(
        [
            ("r1", "2025-01", "revenue", 100.0),
            ("r2", "2025-01", "revenue", 100.0),
            ("m1", "2025-01", "revenue", 100.0),
        ],
        role={"r1": "sales_rep", "r2": "sales_rep", "m1": "marketing"},
    )
    comp = _curve("revenue", {"steps": [[1, 1]]})
    comp["target"] = {"method": "allocate", "total": 200, "by": "equal"}
    inputs = prepare(data, _scheme([comp], roles=["sales_rep"]), library=False)
    assert inputs.keys["employee"].tolist() == ["r1", "r2"]
    assert inputs.target[0].tolist() == [100.0, 100.0]


def test_roles_make_a_sales_revenue_scheme_run_on_the_demo_company():
    from kpitools.demo import make_demo_company

    data = make_demo_company(n_employees=20, seed=3).data
    scheme = _revenue_scheme(
        on_target_pay={"sales_rep": 40000, "key_account_manager": 60000},
        roles=["sales_rep", "key_account_manager"],
    )
    run = run_scheme(data, scheme, library=False)
    sales = data[data["role"].isin(["sales_rep", "key_account_manager"])]
    assert set(run.totals["role"]) == {"sales_rep", "key_account_manager"}
    assert len(run.totals) == int((sales["kpi"] == "revenue").sum())
    assert set(data.loc[data["kpi"] == "revenue", "role"]) >= {"marketing"}


# --------------------------------------------------------------------------- prepare_base
def _assert_same_inputs(a, b):
    pd.testing.assert_frame_equal(a.keys, b.keys)
    pd.testing.assert_frame_equal(a.skipped, b.skipped)
    for name in ("actual", "target", "gate_actual", "gate_target"):
        for x, y in zip(getattr(a, name), getattr(b, name), strict=True):
            np.testing.assert_array_equal(x, y)
    for name in ("on_target_pay", "revenue", "period_code"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert (a.direction, a.warnings) == (b.direction, b.warnings)


def test_a_kept_base_gives_what_prepare_gives_for_every_target_setting():
    from kpitools.engine import prepare_base, set_targets
    from kpitools.scheme import load_scheme

    rng = np.random.default_rng(11)
    months = [f"2025-{m:02d}" for m in range(1, 10)]
    people = {"a": "rep", "b": "rep", "c": "lead", "d": "lead"}
    rows = [
        (e, m, k, float(rng.integers(1, 200)))
        for e in people
        for m in months
        for k in ("sales", "units")
        if not (e == "d" and m < "2025-04")  # d joins in April
    ]
    data = _long(rows, role=people)
    sales = {"kpi": "sales", "weight": 0.7, "curve": {"points": [[0.5, 0.2], [1.0, 1.0]]}}
    scheme = load_scheme(
        _scheme(
            [
                {**sales, "target": {"method": "percentile", "q": 0.5, "window": 2}},
                _curve("units", {"steps": [[1, 1]]}, weight=0.3, target=50),
            ],
            on_target_pay={"rep": 100, "lead": 300},
            revenue_kpi="sales",
            gates=[{"kpi": "units", "min_attainment": 0.1, "target": 10}],
        )
    )
    base = prepare_base(data, scheme, library=False)
    changes = [
        ("components.0.target.q", 0.8),
        ("components.0.target", 30),  # no period skipped: another selection of rows
        ("components.0.target", {"method": "growth", "rate": 0.1, "fallback": "peer_median"}),
        ("components.1.target.value", 20),
        ("on_target_pay.lead", 500),
        ("components.0.target.window", 1),  # back to January skipped, from the cache
    ]
    skipped = set()
    for path, value in changes:
        variant = scheme.set(path, value)
        assert base.fits(variant)
        got = set_targets(base, variant)
        got.keys["employee"] = "changed by a caller"  # must not reach the next result
        got.period_code[:] = -1
        want = prepare(data, variant, library=False)
        got = set_targets(base, variant)
        _assert_same_inputs(got, want)
        skipped.add(tuple(got.skipped["period"]))
    assert skipped == {("2025-01",), ()}


def test_a_base_made_for_another_scheme_shape_is_refused():
    from kpitools.engine import prepare_base, set_targets

    data = _three()
    base = prepare_base(data, _full_scheme(), library=False)
    other = _full_scheme(period="quarter")
    assert not base.fits(other)
    assert not base.fits(_scheme([_curve("sales", {"steps": [[1, 1]]})]))
    with pytest.raises(DefinitionError) as info:
        set_targets(base, other)
    assert str(info.value) == (
        "scheme 't': the prepared data were made for a scheme with another period, other KPIs "
        "or other roles.\nSuggestion: prepare the data again with prepare_base(data, scheme)."
    )
    assert repr(base) == "PreparedData(3 employee-periods, month, KPIs margin, nps, sales, units)"


def test_an_empty_period_inside_the_evaluation_is_reported_not_silently_left_out():
    # January and March have data, February none: the payout table has two periods and the
    # skipped list says why February is missing.
    from kpitools.scheme import load_scheme

    data = pd.DataFrame(
        {
            "employee": ["A", "A"],
            "period": ["2024-01", "2024-03"],
            "kpi": ["revenue", "revenue"],
            "actual": [100.0, 120.0],
        }
    )
    scheme = load_scheme(
        {
            "name": "s",
            "period": "month",
            "on_target_pay": 1000,
            "components": [
                {
                    "kpi": "revenue",
                    "weight": 1,
                    "target": {"method": "fixed", "value": 100},
                    "curve": {"points": [[0, 0], [1, 1]]},
                }
            ],
        }
    )
    reason = "no data: nobody has a row for the scheme's KPIs in this period"
    run = run_scheme(data, scheme, library=False)
    assert run.totals["period"].tolist() == ["2024-01", "2024-03"]
    assert run.skipped.to_dict("records") == [{"period": "2024-02", "reason": reason}]
    # with a selection, periods of the selection past the data are reported too
    run = run_scheme(data, scheme, library=False, periods="2024-01..2024-04")
    assert run.skipped.to_dict("records") == [
        {"period": "2024-02", "reason": reason},
        {"period": "2024-04", "reason": reason},
    ]
