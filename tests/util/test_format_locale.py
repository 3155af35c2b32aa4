"""The formatter in the client's locale (Babel): numbers, money, percentages and dates."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from kpitools._util.format import (
    check_locale,
    count,
    current_locale,
    date_text,
    money,
    number,
    percent,
    set_locale,
    short_number,
    use_locale,
)
from kpitools.errors import DefinitionError

NBSP, NNBSP = "\xa0", "\u202f"


def test_ru_ru_money_and_dates_as_the_issue_gives_them():
    assert money(1234567.5, "RUB", digits=2, locale="ru_RU") == f"1{NBSP}234{NBSP}567,50{NBSP}₽"
    assert date_text(dt.date(2026, 12, 3), locale="ru_RU") == f"3 декабря 2026{NNBSP}г."
    assert date_text("2026-12-03") == "December 3, 2026"


@pytest.mark.parametrize(
    ("locale", "texts"),
    [
        ("en_US", ["1,234,567 USD", "-9,325 USD", "65.5%", "1,234.5", "1,234", "36.7M USD"]),
        (
            "de_DE",
            [
                f"1.234.567{NBSP}$",
                f"-9.325{NBSP}$",
                f"65,5{NBSP}%",
                "1.234,5",
                "1.234",
                f"36,7{NBSP}Mio.{NBSP}$",
            ],
        ),
        (
            "ru_RU",
            [
                f"1{NBSP}234{NBSP}567{NBSP}$",
                f"-9{NBSP}325{NBSP}$",
                f"65,5{NBSP}%",
                f"1{NBSP}234,5",
                f"1{NBSP}234",
                f"36,7{NBSP}млн{NBSP}$",
            ],
        ),
    ],
)
def test_every_figure_follows_the_active_locale(locale, texts):
    with use_locale(locale):
        assert [
            money(1234567.4, "USD"),
            money(-9325.4, "USD"),
            percent(0.6549, 1),
            number(1234.5),
            count(1234),
            short_number(36_700_000, "currency", "USD"),
        ] == texts
    assert current_locale() == "en_US"  # restored after the block


def test_en_us_keeps_the_products_pinned_forms():
    # the code after the amount, as every test and CSV reader of the product expects
    assert (money(1080, "USD", digits=2), percent(0.25), number(0.125, "percent")) == (
        "1,080.00 USD",
        "25%",
        "12.5%",
    )


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(["en_US", "de_DE", "ru_RU", "fr_FR", "en_IN"]),
)
def test_whole_amounts_are_babels_to_the_unit(units, locale):
    expected = format_decimal(units, locale=locale)  # the locale's grouping: 1,00,000 in India
    assert money(units, None, locale=locale) == expected


@given(
    st.integers(min_value=-(10**11), max_value=10**11), st.sampled_from(["en_US", "de_DE", "ru_RU"])
)
def test_amounts_to_the_cent_are_babels_and_exact(cents, locale):
    value = cents / 100
    expected = format_decimal(value, format="#,##0.00", locale=locale)
    text = money(value, None, digits=2, locale=locale)
    assert text == expected
    assert text.replace(NBSP, "").replace(NNBSP, "")[-3:-2] in ",."  # two decimals


def test_a_locale_is_checked_and_named_in_the_error():
    assert check_locale("ru-RU") == "ru_RU"
    with pytest.raises(DefinitionError) as err:
        check_locale("xx_QQ", where="design.yaml: locale")
    assert str(err.value) == (
        "design.yaml: locale: unknown locale 'xx_QQ'.\n"
        "Suggestion: use a language and country code such as en_US, en_GB, de_DE or ru_RU."
    )
    before = current_locale()
    try:
        assert set_locale("de-DE") == "de_DE" and number(1234.5) == "1.234,5"
        assert set_locale(None) == "en_US"
    finally:
        set_locale(before)
