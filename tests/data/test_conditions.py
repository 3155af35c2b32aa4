"""Conditions in measures and filters: typed comparisons, dates, values that never occur."""

from __future__ import annotations

import pandas as pd
import pytest

import kpitools.data as data
from kpitools.data.conditions import Condition, apply_filter, parse_conditions
from kpitools.errors import DefinitionError

DEALS = pd.DataFrame(
    {
        "sales_agent": ["Anna", "Anna", "Ben", "Ben", "Ben"],
        "deal_stage": ["Won", "Lost", "Won", "Won", "Engaging"],
        "close_date": ["2025-03-01", "2025-03-09", "2025-03-10", "2025-04-20", "2025-04-21"],
        "close_value": [100.0, 0.0, 200.0, 300.0, 50.0],
        "office": ["East", "East", "West", "West", "West"],
    }
)


def _won(measure: str) -> list[tuple[str, str, float]]:
    out = data.aggregate_events(
        DEALS, employee="sales_agent", date="close_date", measures=[measure]
    )
    return list(out[["employee", "period", "actual"]].itertuples(index=False, name=None))


def test_parse_brackets_between_and_conjunction():
    assert parse_conditions("team in [A, 'B C'] and d between 2025-03-10 and 2025-04-20") == (
        Condition("team", "in", ("A", "B C")),
        Condition("d", "between", ("2025-03-10", "2025-04-20")),
    )
    assert str(Condition("team", "in", ("A", "B C"))) == "team in (A, 'B C')"


def test_a_value_that_never_occurs_is_an_error_naming_the_closest_values():
    with pytest.raises(DefinitionError) as err:
        _won("won=count where deal_stage == won")
    assert str(err.value) == (
        "Measure 'won': 'deal_stage == won': the value 'won' never occurs in column "
        "'deal_stage'. Did you mean 'Won'?\n"
        "Values present: 'Won', 'Lost', 'Engaging'.\n"
        "Suggestion: write the value exactly as the data has it (case matters); a value that "
        "never occurs would silently match nothing."
    )


def test_every_missing_value_of_an_in_list_is_named():
    with pytest.raises(DefinitionError, match="the values 'Wonn', 'Lose' never occur"):
        _won("n=count where deal_stage in (Won, Wonn, Lose)")


def test_dates_compare_as_dates_in_measures():
    assert _won("n=count where close_date >= 2025-03-10") == [
        ("Anna", "2025-03", 0.0),
        ("Ben", "2025-03", 1.0),
        ("Ben", "2025-04", 2.0),
    ]
    assert _won("n=sum(close_value) where close_date between 2025-03-10 and 2025-04-20") == [
        ("Anna", "2025-03", 0.0),
        ("Ben", "2025-03", 200.0),
        ("Ben", "2025-04", 300.0),
    ]


def test_a_date_compared_with_text_or_a_number_says_what_the_column_holds():
    with pytest.raises(DefinitionError) as err:
        _won("n=count where close_date > soon")
    assert str(err.value) == (
        "Measure 'n': 'close_date > soon' compares in order, but 'soon' is not a date (column "
        "'close_date' holds dates).\n"
        "Suggestion: compare numbers with numbers and dates with dates (2025-03-10); use == or "
        "in for text."
    )


def test_filter_keeps_rows_and_refuses_an_empty_result_and_unknown_columns():
    kept = apply_filter(DEALS, "office == West and close_value > 100")
    assert kept["close_value"].tolist() == [200.0, 300.0]
    with pytest.raises(DefinitionError) as err:
        apply_filter(DEALS, "office == West and close_value > 1000", source="deals.csv")
    assert str(err.value) == (
        "deals.csv: --where 'office == West and close_value > 1000' keeps no rows of 5.\n"
        "Suggestion: check the values, or combine fewer conditions."
    )
    with pytest.raises(DefinitionError) as err:
        apply_filter(DEALS, "ofice == West", source="deals.csv")
    assert str(err.value) == (
        "deals.csv: --where: 'ofice == West': no column 'ofice'. Did you mean 'office'?\n"
        "Columns: 'sales_agent', 'deal_stage', 'close_date', 'close_value', 'office'.\n"
        "Suggestion: use a column of the data (case and spaces do not matter)."
    )


def test_not_equal_and_not_in_also_match_empty_cells():
    frame = pd.DataFrame({"team": ["A", None, "B"], "x": [1.0, 2.0, 3.0]})
    assert apply_filter(frame, "team != A")["x"].tolist() == [2.0, 3.0]
    assert apply_filter(frame, "team not in [A, B]")["x"].tolist() == [2.0]


def test_periods_compare_as_periods():
    frame = pd.DataFrame({"period": ["2025-01", "2025-02", "2025-03"], "actual": [1.0, 2.0, 3.0]})
    assert apply_filter(frame, "period >= 2025-02")["actual"].tolist() == [2.0, 3.0]


def test_a_filter_is_parsed_never_evaluated():
    with pytest.raises(DefinitionError, match="not a column name"):
        parse_conditions("__import__('os').system('x') == 1")
    with pytest.raises(DefinitionError, match="only 'and' can join conditions"):
        parse_conditions("a == 1 or b == 2")
