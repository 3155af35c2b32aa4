"""One currency per run, every amount converted into it (kpitools.engine.currency, §8)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.data import load_roster
from kpitools.engine import (
    RunCurrency,
    convert_inputs,
    load_inputs,
    resolve_currency,
    run_currency,
    simulate,
)
from kpitools.errors import DataValidationError, DefinitionError
from kpitools.scheme import load_scheme


def scheme(currency=None, fx=None, name="commission", rate=0.1):
    spec = {
        "name": name,
        "on_target_pay": 1000,
        "components": [{"kpi": "revenue", "commission": {"rate": rate}}],
    }
    if currency:
        spec["currency"] = currency
    if fx:
        spec["fx"] = fx
    return spec


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the run's currency
def test_inputs_that_agree_give_the_run_its_currency_and_rates():
    run = resolve_currency([("s.yaml", "USD", {"EUR": 1.08}), ("d.yaml", "USD", None)])
    assert (run.code, dict(run.fx), run.source, run.notes) == ("USD", {"EUR": 1.08}, "s.yaml", ())
    assert (run.rate("EUR"), run.rate("USD"), run.rate(None), run.rate("GBP")) == (
        1.08,
        1.0,
        1.0,
        None,
    )


def test_two_files_in_two_currencies_are_an_error_naming_both():
    with pytest.raises(DefinitionError) as err:
        resolve_currency([("design.yaml", "USD", None), ("bonus.yaml", "RUB", None)])
    assert str(err.value) == (
        "design.yaml says currency: USD, but bonus.yaml says currency: RUB; all inputs of one "
        "run must be in one currency.\n"
        "Suggestion: correct the currency: of one of the two files, or pass --currency USD "
        "(or RUB) to read every amount in that currency."
    )


def test_the_override_wins_and_says_which_files_it_overrode():
    run = resolve_currency(
        [("design.yaml", "USD", None), ("bonus.yaml", "RUB", None)], "usd", option="--currency"
    )
    assert (run.code, run.source) == ("USD", "--currency")
    assert run.notes == (
        "bonus.yaml says currency: RUB; its amounts are read as USD (--currency USD).",
    )
    with pytest.raises(DefinitionError) as err:
        resolve_currency([], "dollars")
    assert str(err.value) == (
        "--currency: 'dollars' is not an ISO 4217 currency code.\n"
        "Suggestion: write an ISO 4217 code such as USD, EUR or RUB."
    )


def test_no_currency_anywhere_invents_none():
    run = resolve_currency([("s.yaml", None, None)])
    assert run == RunCurrency()
    assert run.describe() == (
        "No currency was given (no currency: in the schemes or design, no --currency): money "
        "is shown without a code."
    )


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            [("a.yaml", "USD", {"EUR": 1.08}), ("b.yaml", "USD", {"EUR": 1.1})],
            "a.yaml gives fx: {EUR: 1.08}, but b.yaml gives fx: {EUR: 1.1}; one run converts "
            "at one rate.\nSuggestion: give the same rate of EUR in both files, or in one only.",
        ),
        (
            [("a.yaml", None, {"EUR": 1.08})],
            "a.yaml: fx: rates convert into the run's currency, but no input gives one.\n"
            "Suggestion: add currency: <code> (the currency the rates convert into) next to "
            "fx:, or pass --currency <code>.",
        ),
        (
            [("a.yaml", "USD", {"USD": 2})],
            "a.yaml: fx: {USD: 2}: USD is the run's currency (its rate is 1).\n"
            "Suggestion: remove USD from fx: (units of the run's currency per unit of each "
            "other).",
        ),
    ],
)
def test_rates_that_cannot_all_hold_are_errors(inputs, message):
    with pytest.raises(DefinitionError) as err:
        resolve_currency(inputs)
    assert str(err.value) == message


def test_a_rate_of_one_for_the_run_currency_is_harmless_and_rates_of_two_files_merge():
    run = resolve_currency([("a.yaml", "USD", {"USD": 1, "EUR": 1.08}), ("b", None, {"GBP": 1.27})])
    assert dict(run.fx) == {"EUR": 1.08, "GBP": 1.27}
    assert run.describe() == (
        "Money in USD (US Dollar), from a.yaml; other currencies converted at 1 EUR = 1.08 USD, "
        "1 GBP = 1.27 USD."
    )


def test_run_currency_reads_schemes_and_design(tmp_path):
    path = write(
        tmp_path / "s.yaml",
        "name: s\ncurrency: RUB\non_target_pay: 1\n"
        "components:\n  - {kpi: revenue, commission: {rate: 0.1}}\n",
    )
    design = type("D", (), {"source": "d.yaml", "currency": "USD", "fx": {}})()
    with pytest.raises(DefinitionError, match=rf"^{path} says currency: RUB, but d.yaml says"):
        run_currency([load_scheme(path)], design)


# ------------------------------------------------------------------ worked examples
def test_1000_eur_at_1_08_is_1080_usd_before_anything_is_summed():
    table = pd.DataFrame(
        {
            "employee": ["e1", "u1"],
            "period": ["2025-01"] * 2,
            "kpi": ["revenue"] * 2,
            "actual": [1000.0, 1000.0],
            "target": [900.0, 900.0],
            "currency": ["EUR", None],
        }
    )
    run = RunCurrency(code="USD", fx={"EUR": 1.08}, source="s.yaml")
    out, roster, notes = convert_inputs(table, None, run, library=False)
    assert out["actual"].tolist() == [1080.0, 1000.0]
    assert out["target"].tolist() == pytest.approx([972.0, 900.0])
    assert "currency" not in out.columns and roster is None
    assert notes == [
        "Converted to USD before anything was summed: 1 amount in EUR (1 employee) at "
        "1 EUR = 1.08 USD."
    ]


ROSTER = (
    "employee,team,currency,on_target_pay\n"
    "u1,Boston,USD,1000\n"
    "u2,Boston,USD,1200\n"
    "e1,Berlin,EUR,1000\n"
    "e2,Berlin,EUR,900.50\n"
)
DATA = (
    "employee,period,kpi,actual\n"
    "u1,2025-01,revenue,10000\n"
    "u2,2025-01,revenue,12345.67\n"
    "e1,2025-01,revenue,10000\n"
    "e2,2025-01,revenue,8765.43\n"
    "e2,2025-01,new_clients,3\n"
)


def test_a_usd_eur_roster_pays_right_to_the_cent(tmp_path):
    """Worked by hand: 10% of revenue, EUR at 1.08 USD.

    u1 10,000.00 → 1,000.00; u2 12,345.67 → 1,234.57; e1 10,000 EUR = 10,800.00 USD →
    1,080.00; e2 8,765.43 EUR = 9,466.6644 USD → 946.67. Total 4,261.24 USD (mixing the
    currencies would have paid 4,111.11).
    """
    data, roster = write(tmp_path / "d.csv", DATA), write(tmp_path / "r.csv", ROSTER)
    result = simulate(data, scheme("USD", {"EUR": 1.08}), roster=roster, library=None, by="team")
    totals = result.totals.set_index("employee")["payout"]
    assert totals.to_dict() == {"u1": 1000.0, "u2": 1234.57, "e1": 1080.0, "e2": 946.67}
    assert result.metrics.loc["commission", "total_cost"] == pytest.approx(4261.24, abs=1e-9)
    by_team = result.by["team"].set_index("team")["total_cost"]
    assert by_team.to_dict() == pytest.approx({"Boston": 2234.57, "Berlin": 2026.67})
    assert result.currency == "USD"
    assert result.metrics_table().splitlines()[1] == "total_cost              4,261 USD"
    assert (
        "Converted to USD before anything was summed: 2 amounts in EUR (2 employees) at "
        "1 EUR = 1.08 USD." in result.warnings
    )


def test_the_roster_comes_back_with_its_pay_in_the_run_currency(tmp_path):
    data, roster = write(tmp_path / "d.csv", DATA), write(tmp_path / "r.csv", ROSTER)
    run = RunCurrency(code="USD", fx={"EUR": 1.08}, source="s.yaml")
    table, warnings, loaded = load_inputs(data, roster=roster, currency=run)
    pay = loaded.table.set_index("employee")["on_target_pay"]
    assert pay.to_dict() == pytest.approx({"u1": 1000, "u2": 1200, "e1": 1080, "e2": 972.54})
    assert load_roster(roster).table["on_target_pay"].tolist() == [1000, 1200, 1000, 900.5]
    # counts are not money: new_clients of a EUR employee stays 3
    clients = table[table["kpi"] == "new_clients"]["actual"].tolist()
    assert clients == [3.0]
    assert f"{roster}: on_target_pay of 2 employees paid in other currencies converted to USD." in (
        warnings
    )


def test_a_currency_without_a_rate_names_it_its_employees_and_the_file(tmp_path):
    data, roster = write(tmp_path / "d.csv", DATA), write(tmp_path / "r.csv", ROSTER)
    with pytest.raises(DataValidationError) as err:
        simulate(data, scheme("USD"), roster=roster)
    assert str(err.value) == (
        f"No rate for EUR: employees e1, e2 of {roster} are paid in EUR.\n"
        "Suggestion: add fx: {EUR: <USD per unit>} for EUR to the scheme or design (units of "
        "the run's currency per unit of each other)."
    )


def test_amounts_written_with_a_symbol_keep_their_currency(tmp_path):
    """$1,100 at 90 RUB = 99,000 RUB; €1.100,50 at 100 RUB = 110,050 RUB; 1% commission."""
    data = write(
        tmp_path / "deals.csv",
        "employee,period,kpi,actual\n"
        'a,2025-01,revenue,"$1,100"\n'
        'b,2025-01,revenue,"€1.100,50"\n'
        "c,2025-01,revenue,50 000\n",
    )
    rub = scheme("RUB", {"USD": 90, "EUR": 100}, rate=0.01)
    totals = simulate(data, rub).totals.set_index("employee")["payout"]
    assert totals.to_dict() == {"a": 990.0, "b": 1100.5, "c": 500.0}
    usd = simulate(data, scheme("USD", {"EUR": 1.08}, rate=0.01)).totals
    assert usd.set_index("employee")["payout"]["a"] == 11.0  # USD in a USD run: as written
    with pytest.raises(DataValidationError) as err:
        simulate(data, scheme("RUB", {"USD": 90}, rate=0.01))
    assert str(err.value) == (
        f"No rate for EUR: 1 amount written in EUR in {data}, of employee b.\n"
        "Suggestion: add fx: {EUR: <RUB per unit>} for EUR to the scheme or design (units of "
        "the run's currency per unit of each other)."
    )


def test_several_currencies_and_no_run_currency_is_an_error(tmp_path):
    data = write(tmp_path / "d.csv", "employee,period,kpi,actual\na,2025-01,revenue,$10\n")
    roster = write(tmp_path / "r.csv", "employee,currency\na,USD\nb,EUR\n")
    with pytest.raises(DataValidationError) as err:
        simulate(data, scheme(), roster=roster)
    assert str(err.value) == (
        f"{data}: the amounts are in USD, EUR, but no scheme or design gives the run's "
        "currency to convert them into.\n"
        "Suggestion: add currency: <code> and fx: {EUR: …} to the scheme or design (units of "
        "the run's currency per unit of each other), or pass --currency <code>."
    )
    one = simulate(data, scheme())
    assert one.currency is None
    assert one.warnings[-1] == (
        f"The amounts are in USD ({data}), but no scheme or design gives the run's currency: "
        "money is shown without a code.\nSuggestion: add currency: USD to the scheme (or pass "
        "--currency USD)."
    )


def test_kpis_the_library_does_not_know_are_named_not_guessed(tmp_path):
    data = write(tmp_path / "d.csv", "employee,period,kpi,actual\ne1,2025-01,won_revenue,100\n")
    roster = write(tmp_path / "r.csv", "employee,currency\ne1,EUR\n")
    run = RunCurrency(code="USD", fx={"EUR": 1.08}, source="s.yaml")
    table, warnings, _ = load_inputs(data, roster=roster, currency=run)
    assert table["actual"].tolist() == [100.0]
    assert warnings[-1] == (
        "won_revenue: not in the KPI library, so kpitools cannot tell whether it is money; "
        "the amounts of the 1 employee paid in other currencies were not converted.\n"
        "Suggestion: add the KPI to your own library with unit: currency if it is money "
        "(nothing to do if it is not)."
    )


def test_the_yen_sign_is_not_guessed(tmp_path):
    data = write(tmp_path / "d.csv", "employee,period,kpi,actual\na,2025-01,revenue,¥500\n")
    with pytest.raises(
        DataValidationError, match=r"No rate for ¥ \(yen or yuan: write JPY or CNY\)"
    ):
        simulate(data, scheme("USD", {"JPY": 0.0067}))


@settings(max_examples=40, deadline=None)
@given(
    amounts=st.lists(
        st.tuples(st.floats(0, 1e7, allow_nan=False), st.sampled_from(["USD", "EUR", "GBP"])),
        min_size=1,
        max_size=12,
    ),
    eur=st.floats(0.01, 100),
    gbp=st.floats(0.01, 100),
)
def test_conversion_is_each_amount_times_its_rate_in_any_row_order(amounts, eur, gbp):
    rates = {"USD": 1.0, "EUR": eur, "GBP": gbp}
    table = pd.DataFrame(
        {
            "employee": [f"e{i}" for i in range(len(amounts))],
            "period": "2025-01",
            "kpi": "revenue",
            "actual": [a for a, _ in amounts],
            "currency": [c for _, c in amounts],
        }
    )
    run = RunCurrency(code="USD", fx={"EUR": eur, "GBP": gbp}, source="s")
    out, _, _ = convert_inputs(table, None, run, library=False)
    expected = [a * rates[c] for a, c in amounts]
    assert out["actual"].tolist() == pytest.approx(expected)
    shuffled, _, _ = convert_inputs(table[::-1].reset_index(drop=True), None, run, library=False)
    assert shuffled["actual"].tolist() == pytest.approx(expected[::-1])


def test_calibration_shows_money_parameters_and_metrics_in_the_run_currency():
    from kpitools.engine import CalibrationResult

    def result(param, currency):
        return CalibrationResult(
            param=param, metric="total_cost", goal=4000.0, value=795.4545, achieved=4000.0,
            original=1000.0, bounds=(0.0, 3000.0), method="brentq", scheme=None,
            evaluations=pd.DataFrame({"param": [], "metric": []}), currency=currency,
        )  # fmt: skip

    assert result("on_target_pay", "USD").describe() == (
        "on_target_pay = 795.455 USD (was 1000 USD)\ntotal_cost = 4,000 USD (goal 4,000 USD)"
    )
    assert result("components.0.commission.rate", "USD").describe().splitlines()[0] == (
        "components.0.commission.rate = 795.455 (was 1000)"
    )
    assert result("on_target_pay", None).describe() == (
        "on_target_pay = 795.455 (was 1000)\ntotal_cost = 4,000 (goal 4,000)"
    )
