"""The plan-mechanics keys of a scheme (kpitools.scheme.mechanics): read, checked, written back."""

from __future__ import annotations

import pytest

from kpitools.errors import DefinitionError
from kpitools.scheme import Draw, RosterPay, SalaryPay, TrueUp, load_scheme


def scheme(**extra):
    return {
        "name": "m",
        "period": "quarter",
        "on_target_pay": 10_000,
        "components": [{"kpi": "sales", "weight": 1, "target": 100, "curve": {"steps": [[1, 1]]}}],
        **extra,
    }


def error_of(data) -> str:
    with pytest.raises(DefinitionError) as info:
        load_scheme(data)
    return str(info.value)


def test_defaults_and_round_trip():
    s = load_scheme(
        scheme(
            on_target_pay={"pct_of_salary": 0.15},
            true_up={},
            draw={"amount": 3000},
            clawback={"within": 2},
            fiscal_year_start="April",
            proration="none",
        )
    )
    assert s.true_up == TrueUp(over="year", shortfall="carry")
    assert s.draw == Draw(amount=3000, recoverable=True, for_first=None, forgive_at="year_end")
    assert s.on_target_pay == SalaryPay(pct_of_salary=0.15)
    assert (s.fiscal_year_start, s.clawback.within, s.proration) == (4, 2, "none")
    assert s.pays_over_time and s.pay_per_person
    assert load_scheme(s.to_dict()) == s
    assert s.to_yaml().splitlines()[1:3] == [
        "period: quarter",
        "on_target_pay: {pct_of_salary: 0.15}",
    ]
    assert s.to_yaml().splitlines()[-5:] == [
        "proration: none",
        "fiscal_year_start: 4",
        "true_up: {over: year, shortfall: carry}",
        "draw: {amount: 3000, recoverable: true, forgive_at: year_end}",
        "clawback: {within: 2}",
    ]


def test_without_mechanics_nothing_changes():
    s = load_scheme(scheme())
    assert not s.pays_over_time and not s.pay_per_person
    assert s.to_dict() == load_scheme(scheme()).to_dict()
    assert "true_up" not in s.to_dict() and "proration" not in s.to_dict()


def test_from_roster():
    s = load_scheme(scheme(on_target_pay={"from": "roster"}))
    assert s.on_target_pay == RosterPay()
    assert s.to_dict()["on_target_pay"] == {"from": "roster"}
    assert load_scheme(s.to_dict()) == s


def test_true_up_on_a_yearly_scheme_names_the_key():
    assert error_of(scheme(period="year", true_up={"shortfall": "recover"})) == (
        "scheme 'm': true_up: a true-up needs periods shorter than the year it trues up, and "
        "this scheme pays yearly.\n"
        "Suggestion: remove true_up:, or pay monthly or quarterly (period: quarter) and true "
        "up over the year."
    )


def test_every_problem_across_the_mechanics_at_once():
    assert error_of(scheme(true_up={}, pool={"budget": 5000}, fiscal_year_start=5)) == (
        "scheme 'm': true_up: a true-up cannot be combined with a pool: the pool limits each "
        "period's spend while the true-up pays earlier periods' shortfalls later.\n"
        "Suggestion: remove pool: (use budget: to compare the cost), or remove true_up:.\n"
        "scheme 'm': fiscal_year_start: a quarterly scheme's year starts with a quarter, not "
        "in month 5.\n"
        "Suggestion: use 1, 4, 7 or 10."
    )


def test_draw_without_an_amount():
    assert error_of(scheme(draw={"recoverable": True})) == (
        "scheme 'm': draw.amount: required key is missing.\nSuggestion: add amount: to draw."
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"true_up": {"shortfall": "recovr"}},
            "scheme 'm': true_up.shortfall: 'recovr' is not allowed. Did you mean 'recover'?\n"
            "Suggestion: use one of: carry, recover.",
        ),
        (
            {"draw": {"amount": 100, "for_first": 0}},
            "scheme 'm': draw.for_first: must be at least 1, got 0.\nSuggestion: use 1 or more.",
        ),
        (
            {"clawback": {"within": 0}},
            "scheme 'm': clawback.within: must be at least 1, got 0.\nSuggestion: use 1 or more.",
        ),
        (
            {"fiscal_year_start": "Aprl"},
            "scheme 'm': fiscal_year_start: 'Aprl' is not a month. Did you mean 'april'?\n"
            "Suggestion: write the first month of the fiscal year as a number (4) or a name "
            "(April).",
        ),
        (
            {"fiscal_year_start": 13},
            "scheme 'm': fiscal_year_start: expected a month 1 to 12, got 13.\n"
            "Suggestion: write the first month of the fiscal year as a number (4) or a name "
            "(April).",
        ),
        (
            {"proration": "daily"},
            "scheme 'm': proration: 'daily' is not allowed. Did you mean 'days'?\n"
            "Suggestion: use one of: days, none.",
        ),
        (
            {"proration": False},  # what YAML makes of `proration: off`
            "scheme 'm': proration: off, no or false (read by YAML as False) is not allowed.\n"
            "Suggestion: use one of: days, none.",
        ),
        (
            {"on_target_pay": {"from": "hr"}},
            "scheme 'm': on_target_pay: expected {from: roster}, got {'from': 'hr'}.\n"
            "Suggestion: write on_target_pay: {from: roster} to take each person's amount from "
            "the roster's on_target_pay column.",
        ),
        (
            {"on_target_pay": {"pct_of_salary": 15}},
            "scheme 'm': on_target_pay: pct_of_salary must be a positive share, got 15.\n"
            "Suggestion: write 15% as 0.15 (a fraction, not a percentage).",
        ),
        (
            {"on_target_pay": {"pct_of_salary": 0.1, "cap": 2}},
            "scheme 'm': on_target_pay: expected {pct_of_salary: r} alone, got "
            "{'pct_of_salary': 0.1, 'cap': 2}.\n"
            "Suggestion: write on_target_pay: {pct_of_salary: 0.15} (15% of each person's "
            "salary).",
        ),
    ],
)
def test_bad_mechanics(extra, message):
    assert error_of(scheme(**extra)) == message


def test_a_yearly_fiscal_year_must_be_the_calendar_year():
    assert error_of(scheme(period="year", fiscal_year_start=4)) == (
        "scheme 'm': fiscal_year_start: a yearly scheme's periods are calendar years, so its "
        "year cannot start in month 4.\n"
        "Suggestion: remove fiscal_year_start:, or pay monthly or quarterly."
    )
    assert load_scheme(scheme(fiscal_year_start="oct")).fiscal_year_start == 10
