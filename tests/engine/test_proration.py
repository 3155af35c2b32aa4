"""Proration from the roster (kpitools.engine.proration): fte × days active / days in the period."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from payout_cases import curve_component, long_table, scheme_dict

from kpitools.data import load_roster
from kpitools.engine import STEP_COLUMNS, run_scheme
from kpitools.engine.proration import active_share, period_days, prorated_targets
from kpitools.errors import DataValidationError
from kpitools.scheme import load_scheme

LINE = {"points": [[0, 0], [1, 1], [2, 2]]}


def quarterly(**extra):
    return scheme_dict(
        [curve_component("sales", LINE, target=90_000)],
        period="quarter",
        on_target_pay=10_000,
        **extra,
    )


def test_contract_example_hired_first_of_february():
    # Q1 2025 has 90 days; hired 1 Feb: 59 active → f = 59/90; target 90,000 → 59,000;
    # actual 59,000 → attainment 1.0 → 10,000 × 59/90 = 6,555.56.
    data = long_table([("a", "2025-Q1", "sales", 59_000.0), ("b", "2025-Q1", "sales", 90_000.0)])
    roster = pd.DataFrame({"employee": ["a", "b"], "hire_date": ["2025-02-01", "2019-05-01"]})
    run = run_scheme(data, quarterly(), library=False, roster=roster)
    t = run.totals.set_index("employee")
    assert t.loc["a", "proration"] == pytest.approx(59 / 90)
    assert t.loc["a", "on_target_pay"] == 6_555.56
    comp = run.payouts[run.payouts["component"] == "0"].set_index("employee")
    assert comp.loc["a", "target"] == 59_000.0
    assert comp.loc["a", "attainment"] == 1.0
    assert t["payout"].to_dict() == {"a": 6_555.56, "b": 10_000.0}


def test_leaver_part_time_and_both():
    # March 2025 has 31 days. c leaves on 10 March (10 days worked); d works half time;
    # e joins on 22 March (10 days) half time: 10/31 × 0.5.
    data = long_table([(e, "2025-03", "sales", 100.0) for e in "cde"])
    roster = pd.DataFrame(
        {
            "employee": ["c", "d", "e"],
            "hire_date": ["2020-01-01", None, "2025-03-22"],
            "leave_date": ["2025-03-10", None, None],
            "fte": [None, 0.5, 0.5],
        }
    )
    scheme = scheme_dict([curve_component("sales", LINE, target=100)], cap=1.5)
    run = run_scheme(data, scheme, library=False, roster=roster)
    t = run.totals.set_index("employee")
    assert t["proration"].round(9).to_dict() == {
        "c": round(10 / 31, 9),
        "d": 0.5,
        "e": round(5 / 31, 9),
    }
    assert t["on_target_pay"].to_dict() == {"c": 322.58, "d": 500.0, "e": 161.29}
    # actual 100 against prorated targets (32.26, 50, 16.13): attainments above the cap;
    # the cap is 1.5 × the prorated on-target pay, rounded down to the cent
    assert t["payout"].to_dict() == {"c": 483.87, "d": 750.0, "e": 241.93}


def test_nobody_paid_for_a_period_they_were_not_there():
    data = long_table(
        [("a", "2025-01", "sales", 100.0), ("a", "2025-02", "sales", 100.0)]
        + [("b", "2025-01", "sales", 100.0), ("b", "2025-02", "sales", 100.0)]
    )
    roster = pd.DataFrame({"employee": ["a", "b"], "leave_date": ["2025-01-31", None]})
    scheme = scheme_dict([curve_component("sales", LINE)])
    run = run_scheme(data, scheme, library=False, roster=roster)
    assert run.totals[["employee", "period", "payout"]].values.tolist() == [
        ["a", "2025-01", 1000.0],
        ["b", "2025-01", 1000.0],
        ["b", "2025-02", 1000.0],
    ]
    assert run.warnings == (
        "1 employee-period(s) lie wholly outside the employee's hire and leave dates in "
        "the roster (active share 0): not paid, left out.",
    )


def test_proration_none_turns_it_off():
    data = long_table([("a", "2025-Q1", "sales", 59_000.0)])
    roster = pd.DataFrame({"employee": ["a"], "hire_date": ["2025-02-01"]})
    run = run_scheme(data, quarterly(proration="none"), library=False, roster=roster)
    assert "proration" not in run.payouts.columns
    assert run.totals["payout"].tolist() == [6_555.56]  # 59,000 of an unprorated 90,000


def test_from_data_targets_and_commission_rates_are_not_prorated():
    data = long_table([("a", "2025-03", "sales", 50.0, 100.0)])
    roster = pd.DataFrame({"employee": ["a"], "fte": [0.5]})
    scheme = scheme_dict(
        [
            {"kpi": "sales", "weight": 1, "target": {"method": "from_data"}, "curve": LINE},
            {"kpi": "sales", "commission": {"rate": 0.1}},
        ]
    )
    run = run_scheme(data, scheme, library=False, roster=roster)
    rows = run.payouts.set_index("component")
    assert rows.loc["0", "target"] == 100.0  # the plan in the data says what was expected
    assert rows.loc["0", "payout"] == 250.0  # 0.5 attainment × 500 prorated pay
    assert rows.loc["1", "payout"] == 5.0  # 10% of 50, whatever the FTE


@pytest.mark.parametrize(("mode", "expected"), [("marginal", 20.0), ("retroactive", 30.0)])
def test_value_tier_edges_are_prorated_rates_are_not(mode, expected):
    # tiers [0, 10%], [200, 20%] in money; half time: the second band starts at 100.
    # actual 150: marginal 100 × 10% + 50 × 20% = 20; retroactive 150 × 20% = 30.
    data = long_table([("a", "2025-03", "sales", 150.0)])
    roster = pd.DataFrame({"employee": ["a"], "fte": [0.5]})
    tiers = {"tiers": [[0, 0.10], [200, 0.20]], "basis": "value", "mode": mode}
    scheme = scheme_dict([{"kpi": "sales", "commission": tiers}])
    paid = run_scheme(data, scheme, library=False, roster=roster).totals["payout"].item()
    assert paid == expected
    unprorated = run_scheme(data, scheme, library=False).totals["payout"].item()
    assert unprorated == 15.0  # below 200: 10% of 150 either way


def test_allocate_splits_by_active_share():
    # 900 split equally between a (all month) and b (half time): 600 and 300.
    data = long_table([("a", "2025-03", "sales", 600.0), ("b", "2025-03", "sales", 300.0)])
    roster = pd.DataFrame({"employee": ["a", "b"], "fte": [1.0, 0.5]})
    comp = {
        "kpi": "sales",
        "weight": 1,
        "target": {"method": "allocate", "total": 900, "by": "equal"},
        "curve": LINE,
    }
    run = run_scheme(data, scheme_dict([comp]), library=False, roster=roster)
    rows = run.payouts[run.payouts["component"] == "0"].set_index("employee")
    assert rows["target"].to_dict() == {"a": 600.0, "b": 300.0}
    assert run.totals.set_index("employee")["payout"].to_dict() == {"a": 1000.0, "b": 500.0}


def test_which_targets_are_prorated():
    library = SimpleNamespace(
        get=lambda k: SimpleNamespace(aggregation={"sales": "sum", "nps": "mean"}.get(k))
    )

    def item(kpi, target):
        return SimpleNamespace(kpi=kpi, target=load_scheme(
            scheme_dict([{"kpi": kpi, "weight": 1, "target": target, "curve": LINE}])
        ).components[0].target)  # fmt: skip

    assert prorated_targets(item("sales", 5), library)
    assert prorated_targets(item("sales", {"method": "growth", "rate": 0.1}), library)
    assert prorated_targets(item("sales", {"method": "percentile", "q": 0.5}), library)
    assert not prorated_targets(item("sales", {"method": "from_data"}), library)
    assert not prorated_targets(item("sales", {"method": "allocate", "total": 9}), library)
    assert not prorated_targets(item("nps", 5), library)  # a mean is not a volume
    assert prorated_targets(item("unknown", 5), False)  # no library: every KPI is summed


def test_period_days_and_leap_years():
    start, days = period_days(np.array([2024 * 4, 2025 * 4, 2025 * 4 + 2]), "quarter")
    assert days.tolist() == [91, 90, 92]  # Q1 2024 (leap year), Q1 2025, Q3 2025
    start, days = period_days(np.array([2024, 2025]), "year")
    assert days.tolist() == [366, 365] and str(start[0]) == "2024-01-01"


def test_leave_before_hire_is_the_rosters_error(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("employee,hire_date,leave_date\na,2025-03-01,2025-02-01\n")
    data = long_table([("a", "2025-03", "sales", 100.0)])
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, scheme_dict([curve_component("sales", LINE)]), roster=path)
    assert str(info.value) == (
        f"{path}: 1 problem in 1 row; nothing was loaded.\n"
        "- column 'leave_date': leave date before the hire date (1 row): row 2 "
        "('hired 2025-03-01, left 2025-02-01')\n"
        "  Suggestion: check both dates."
    )


@given(
    st.lists(st.floats(0, 500, allow_nan=False).map(lambda x: round(x, 2)), min_size=1, max_size=8),
    st.sampled_from(["month", "quarter"]),
)
def test_everyone_present_all_period_changes_nothing(actuals, period):
    label = "2025-02" if period == "month" else "2025-Q1"
    data = long_table([(f"e{i}", label, "sales", a) for i, a in enumerate(actuals)])
    roster = pd.DataFrame(
        {
            "employee": [f"e{i}" for i in range(len(actuals))],
            "hire_date": "2024-12-31",  # before the period
            "leave_date": "2025-04-01",  # after it
            "fte": 1.0,
        }
    )
    scheme = scheme_dict([curve_component("sales", LINE, target=250)], period=period, cap=1.5)
    with_roster = run_scheme(data, scheme, library=False, roster=roster).payouts
    without = run_scheme(data, scheme, library=False).payouts
    assert (with_roster["proration"] == 1.0).all()
    total = with_roster[with_roster["component"] == "total"]  # §9: the path to the payment
    assert total["payment"].tolist() == total["earned"].tolist() == total["payout"].tolist()
    assert (total["adjustment"] == 0).all() and (total["draw_balance"] == 0).all()
    steps = ["proration", *STEP_COLUMNS]
    pd.testing.assert_frame_equal(with_roster.drop(columns=steps), without)


def test_active_share_of_people_missing_from_the_roster_is_one():
    roster = load_roster(pd.DataFrame({"employee": ["a"], "fte": [0.5]}))
    share = active_share(np.array(["a", "zz"], dtype=object), np.array([24300, 24300]), "month",
                         roster)  # fmt: skip
    assert share.tolist() == [0.5, 1.0]


def test_the_partial_period_warning_says_targets_are_prorated():
    data = long_table(
        [("a", "2025-03", "sales", 50.0)] + [("b", f"2025-0{m}", "sales", 50.0) for m in (1, 2, 3)]
    )
    roster = pd.DataFrame({"employee": ["a", "b"], "hire_date": ["2025-03-01", "2020-01-01"]})
    scheme = quarterly()
    without = run_scheme(data, scheme, library=False).warnings[1]
    with_roster = run_scheme(data, scheme, library=False, roster=roster).warnings[1]
    assert without.endswith("and targets other than from_data are not pro-rated.")
    assert with_roster == without.replace(
        "targets other than from_data are not pro-rated.",
        "targets set by fixed, growth and percentile are prorated from the roster's dates.",
    )
