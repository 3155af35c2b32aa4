"""Currency codes and fx rates as files write them (kpitools._util.currency)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kpitools._util.currency import CurrencyCode, FxRates, check_code, currency_name
from kpitools._util.spec import Spec, validate
from kpitools.errors import DefinitionError


class _Money(Spec):
    currency: CurrencyCode = None
    fx: FxRates = None


@pytest.mark.parametrize(("given", "code"), [("USD", "USD"), ("eur", "EUR"), (" rub ", "RUB")])
def test_codes_are_iso_4217_in_upper_case(given, code):
    assert check_code(given) == code


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("EURO", "'EURO' is not an ISO 4217 currency code (did you mean 'EUR'?)."),
        ("dollars", "'dollars' is not an ISO 4217 currency code."),
        ("", "'' is not a currency code (three letters, such as USD)."),
        (840, "840 is not a currency code (three letters, such as USD)."),
    ],
)
def test_a_bad_code_is_named_with_the_closest_ones(given, message):
    with pytest.raises(ValueError) as err:
        check_code(given)
    assert str(err.value) == message


def test_names_for_the_report():
    assert (currency_name("USD"), currency_name("RUB")) == ("US Dollar", "Russian Ruble")


def test_fields_read_codes_and_rates():
    m = validate(_Money, {"currency": "usd", "fx": {"eur": 1.08, "GBP": 1}}, source="s.yaml")
    assert (m.currency, m.fx) == ("USD", {"EUR": 1.08, "GBP": 1.0})
    assert validate(_Money, {}, source="s.yaml").fx is None


def test_every_bad_rate_is_named_in_one_message():
    with pytest.raises(DefinitionError) as err:
        validate(_Money, {"currency": "USB", "fx": {"EUR": 0, "EURO": 1.1, "GBP": "x"}},
                 source="s.yaml")  # fmt: skip
    assert str(err.value) == (
        "s.yaml: currency: 'USB' is not an ISO 4217 currency code (did you mean 'UZS' or "
        "'USS'?).\n"
        "Suggestion: write an ISO 4217 code such as USD, EUR or RUB.\n"
        "s.yaml: fx: the rate of EUR must be a number above 0, got 0; 'EURO' is not an ISO "
        "4217 currency code (did you mean 'EUR'?); the rate of GBP must be a number above 0, "
        "got 'x'.\n"
        "Suggestion: write fx: {EUR: 1.08} (units of the run's currency per unit of each other)."
    )


def test_fx_must_be_a_mapping():
    with pytest.raises((DefinitionError, ValidationError)) as err:
        validate(_Money, {"fx": [1.08]}, source="s.yaml")
    assert str(err.value) == (
        "s.yaml: fx: expected a mapping of currency codes to rates, got list.\n"
        "Suggestion: write fx: {EUR: 1.08} (units of the run's currency per unit of each other)."
    )
