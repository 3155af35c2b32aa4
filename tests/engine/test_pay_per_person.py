"""Pay per person (contract §8) and reversible KPIs: on-target pay from the roster, negative
commission on a net-negative month."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from payout_cases import curve_component, long_table, scheme_dict

from kpitools.data import load
from kpitools.engine import calibrate, run_scheme, simulate
from kpitools.errors import DataValidationError, DefinitionError

LINE = {"points": [[0, 0], [1, 1], [2, 2]]}


def salary_scheme(period="month", **pay):
    return scheme_dict(
        [curve_component("sales", LINE, target=100)],
        period=period,
        on_target_pay=pay or {"pct_of_salary": 0.15},
    )


@pytest.mark.parametrize(
    ("period", "label", "expected"),
    [("month", "2025-03", 1_200.0), ("quarter", "2025-Q1", 3_600.0), ("year", "2025", 14_400.0)],
)
def test_pct_of_salary_contract_example(period, label, expected):
    # salary 96,000, 15%: 1,200 a month, 3,600 a quarter, 14,400 a year
    data = long_table([("a", label, "sales", 100.0)])
    roster = pd.DataFrame({"employee": ["a"], "salary": [96_000]})
    run = run_scheme(data, salary_scheme(period), library=False, roster=roster)
    assert run.totals[["on_target_pay", "payout"]].values.tolist() == [[expected, expected]]


def test_from_roster_and_prorated():
    data = long_table([("a", "2025-03", "sales", 100.0), ("b", "2025-03", "sales", 50.0)])
    roster = pd.DataFrame(
        {"employee": ["a", "b"], "on_target_pay": [1_000, 3_000], "fte": [1.0, 0.5]}
    )
    run = run_scheme(data, salary_scheme(**{"from": "roster"}), library=False, roster=roster)
    t = run.totals.set_index("employee")
    assert t["on_target_pay"].to_dict() == {"a": 1_000.0, "b": 1_500.0}
    assert t["payout"].to_dict() == {"a": 1_000.0, "b": 1_500.0}  # b: 50 of a target of 50


def test_a_person_without_the_value_is_an_error_naming_them():
    data = long_table([(e, "2025-03", "sales", 100.0) for e in ("a", "b", "c")])
    roster = pd.DataFrame({"employee": ["a", "b"], "salary": [96_000, None]})
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, salary_scheme(), library=False, roster=roster)
    assert str(info.value) == (
        "scheme 't': on_target_pay: {pct_of_salary: 0.15}: 2 employees have no salary in "
        "the roster: 'b', 'c'.\n"
        "Suggestion: fill in their salary in the roster (or add them to it), or evaluate only "
        "the roles that have one with roles: [...]."
    )


def test_pay_per_person_needs_a_roster_with_the_column():
    data = long_table([("a", "2025-03", "sales", 100.0)])
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, salary_scheme(**{"from": "roster"}), library=False)
    assert str(info.value) == (
        "scheme 't': on_target_pay: {from: roster} reads each person's on_target_pay from the "
        "roster, and no roster was given.\n"
        "Suggestion: give the roster (--roster FILE, or roster= in Python), or write "
        "on_target_pay as an amount."
    )
    roster = pd.DataFrame({"employee": ["a"], "team": ["x"]})
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, salary_scheme(), library=False, roster=roster)
    assert str(info.value) == (
        "scheme 't': on_target_pay: {pct_of_salary: 0.15} reads each person's salary, and the "
        "roster has no 'salary' column.\n"
        "Suggestion: add a salary column to the roster."
    )


def test_on_target_pay_for_a_role_refused_with_pay_per_person():
    from kpitools.scheme import load_scheme

    with pytest.raises(DefinitionError) as info:
        load_scheme(salary_scheme()).on_target_pay_for("rep")
    assert str(info.value) == (
        "scheme 't': on_target_pay: the scheme pays each person their own amount from the "
        "roster, not one amount per role.\n"
        "Suggestion: read each person's amount from the payout table's on_target_pay."
    )


# --------------------------------------------------------------------------- reversible KPIs
def credit_note_month():
    # March: a cancelled deal's credit note (-700) exceeds the month's sales
    return pd.DataFrame(
        {
            "employee": ["a", "a", "b"],
            "period": ["2025-02", "2025-03", "2025-03"],
            "kpi": ["revenue", "revenue", "revenue"],
            "actual": [1_000.0, -700.0, 500.0],
        }
    )


def test_reversible_kpi_warned_not_refused_and_commission_recovered():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = load(credit_note_month())
    assert [str(w.message) for w in caught] == [
        "<DataFrame>: warnings:\n"
        "- column 'actual': net negative value of a reversible KPI (credit notes, returns or "
        "cancellations above the period's sales): kept (1 row): row 1 ('revenue = -700.0')\n"
        "  Suggestion: nothing to do if credit notes exceed the period's sales; a commission "
        "on it is negative and is recovered from that period's payment."
    ]
    scheme = scheme_dict([{"kpi": "revenue", "commission": {"rate": 0.10}}])
    run = run_scheme(table, scheme)
    assert run.totals[["employee", "period", "payout"]].values.tolist() == [
        ["a", "2025-02", 100.0],
        ["a", "2025-03", -70.0],
        ["b", "2025-03", 50.0],
    ]
    comp = run.payouts[run.payouts["component"] == "0"]
    assert comp["factor"].tolist() == [0.1, 0.1, 0.1]  # the effective rate, also when negative


@pytest.mark.parametrize(
    ("tiers", "expected"),
    [
        ([[0, 0.05], [1_000, 0.10]], -35.0),  # the band from 0: 5% of -700
        ([[100, 0.05], [1_000, 0.10]], 0.0),  # nothing paid below 100, nothing recovered
    ],
)
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_reversible_value_tiers(tiers, expected):
    table = load(credit_note_month()[1:2].reset_index(drop=True))
    scheme = scheme_dict([{"kpi": "revenue", "commission": {"tiers": tiers, "basis": "value"}}])
    assert run_scheme(table, scheme).totals["payout"].tolist() == [expected]


def test_a_kpi_that_is_not_reversible_pays_nothing_on_a_negative_amount():
    data = credit_note_month().assign(kpi="net_sales")  # a KPI the library does not know
    scheme = scheme_dict([{"kpi": "net_sales", "commission": {"rate": 0.10}}])
    run = run_scheme(data, scheme, library=False)
    assert run.totals["payout"].tolist() == [100.0, 0.0, 50.0]


def test_a_count_that_cannot_be_negative_is_still_refused():
    data = credit_note_month().assign(kpi="meetings")
    with pytest.raises(DataValidationError) as info:
        load(data)
    assert str(info.value) == (
        "<DataFrame>: 1 problem in 1 row; nothing was loaded.\n"
        "- column 'actual': negative value for a KPI that cannot be negative (1 row): row 1 "
        "('meetings = -700.0')\n"
        "  Suggestion: check the sign; a negative count or duration is a data entry error."
    )


# --------------------------------------------------------------------------- other verbs
def six_months():
    return long_table(
        [(e, f"2025-{m:02d}", "sales", 100.0 + 10 * m) for e in ("a", "b") for m in range(1, 7)]
    )


def test_calibrate_pays_per_person_and_prorates():
    roster = pd.DataFrame({"employee": ["a", "b"], "salary": [120_000, 240_000], "fte": [1, 0.5]})
    scheme = salary_scheme()
    result = calibrate(
        six_months(), scheme, "on_target_pay.pct_of_salary", "total_cost", 12_000,
        bounds=(0.01, 0.5), library=False, roster=roster,
    )  # fmt: skip
    # on-target pay 10,000 r a month for both (b: 240,000 r / 12 at half time); a's factor
    # is its attainment 1.1 … 1.6 (8.1 over six months), b's half-time target of 50 puts
    # it at the curve's top, 2 (12): 201,000 r = 12,000
    assert result.value == pytest.approx(12_000 / 201_000, abs=1e-6)


def test_a_forecast_pays_per_person_from_the_roster():
    roster = pd.DataFrame({"employee": ["a", "b"], "salary": [120_000, 240_000]})
    result = simulate(six_months(), salary_scheme(), library=False, roster=roster, forecast=50,
                      seed=1)  # fmt: skip
    draws = result.forecasts["t"].draws
    # both employees at 100–160 of a target of 100: pay between 1 × and 1.6 × 4,500
    assert draws["total_cost"].between(4_500, 7_200).all()
