"""The one formatting module (kpitools._util.format)."""

from __future__ import annotations

import math

import pytest

from kpitools._util.format import MISSING, money, number, percent, short_number


@pytest.mark.parametrize("missing", [None, float("nan"), math.nan])
def test_a_missing_figure_reads_the_same_everywhere(missing):
    assert MISSING == "n/a"
    assert {number(missing), money(missing), percent(missing), short_number(missing)} == {"n/a"}


@pytest.mark.parametrize(
    ("value", "unit", "currency", "text"),
    [
        (2_000_000, "currency", "RUB", "2,000,000 RUB"),
        (2_000_000, "currency", None, "2,000,000"),
        (0.25, "percent", None, "25%"),
        (0.125, "percent", None, "12.5%"),
        (1234.5, None, None, "1,234.5"),
        (199.999999999999, None, None, "200"),
        (0.012345, None, None, "0.01235"),
        (0, None, None, "0"),
        (-1500.25, None, None, "-1,500.25"),
        (float("inf"), None, None, "inf"),
    ],
)
def test_number(value, unit, currency, text):
    assert number(value, unit, currency) == text


def test_money_rounds_to_whole_units_and_percent_takes_digits():
    assert money(1234567.5, "EUR") == "1,234,568 EUR"
    assert money(float("inf")) == "n/a"
    assert (percent(0.6549), percent(0.6549, 1), percent(-0.05)) == ("65%", "65.5%", "-5%")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (36_700_000, "36.7M"),
        (999_999, "1M"),
        (250_000, "250K"),
        (99_999, "100K"),
        (99_499, "99,499"),
        (2.5e9, "2.5B"),
        (-4_200_000, "-4.2M"),
        (950, "950"),
    ],
)
def test_short_number_abbreviates_from_a_hundred_thousand(value, text):
    assert short_number(value) == text


@pytest.mark.parametrize(
    ("args", "kwargs", "text"),
    [
        ((1080, "USD"), {"digits": 2}, "1,080.00 USD"),
        ((1079.996, "USD"), {"digits": 2}, "1,080.00 USD"),
        ((1080, None), {}, "1,080"),
        ((1080, ""), {}, "1,080"),
        ((2441351.2, "EUR"), {"signed": True}, "+2,441,351 EUR"),
        ((-9325.4, None), {"signed": True}, "-9,325"),
        ((None, "USD"), {"signed": True}, "n/a"),
    ],
)
def test_money_carries_the_currency_when_there_is_one(args, kwargs, text):
    assert money(*args, **kwargs) == text


@pytest.mark.parametrize(
    ("currency", "digits", "fmt"),
    [
        ("USD", 2, '#,##0.00 "USD"'),
        (None, 2, "#,##0.00"),
        ("", 2, "#,##0.00"),
        ("EUR", 0, '#,##0 "EUR"'),
        ('U"S\\D', 2, '#,##0.00 "USD"'),  # quotes and backslashes cannot break the format
    ],
)
def test_money_format_is_the_spreadsheet_twin_of_money(currency, digits, fmt):
    from kpitools._util.format import money_format

    assert money_format(currency, digits=digits) == fmt
