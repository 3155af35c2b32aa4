"""Restatements and clawbacks (kpitools.engine.restatements): values as known, and later."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mechanics_reference import clawback_scheme, compare, reference_clawback
from payout_cases import scheme_dict

from kpitools.data import check, load
from kpitools.engine import STEP_COLUMNS, run_scheme, simulate
from kpitools.engine.restatements import latest_values
from kpitools.errors import DataValidationError

COMMISSION = [{"kpi": "revenue", "commission": {"rate": 0.10}}]


def contract_table() -> pd.DataFrame:
    # January 10,000, restated to 7,000 as of March; February 5,000; March 4,000
    return pd.DataFrame(
        {
            "employee": ["a", "a", "a", "a"],
            "period": ["2025-01", "2025-01", "2025-02", "2025-03"],
            "kpi": ["revenue"] * 4,
            "actual": [10_000.0, 7_000.0, 5_000.0, 4_000.0],
            "as_of": [None, "2025-03", None, None],
        }
    )


def test_contract_example_through_a_file(tmp_path):
    path = tmp_path / "data.csv"
    contract_table().to_csv(path, index=False)
    scheme = scheme_dict(COMMISSION, clawback={"within": 3})
    result = simulate(path, scheme)
    total = result.payouts[result.payouts["component"] == "total"]
    assert total["payout"].tolist() == [1_000.0, 500.0, 100.0]  # March: 400 − 300
    assert total["adjustment"].tolist() == [0.0, 0.0, -300.0]
    assert total["earned"].tolist() == [1_000.0, 500.0, 400.0]
    assert total["paid_to_date"].tolist() == [0.0, 1_000.0, 1_500.0]
    assert result.metrics.loc["t", "total_cost"] == 1_600.0


def test_without_clawback_the_latest_values_are_used():
    run = run_scheme(contract_table(), scheme_dict(COMMISSION))
    assert run.totals["payout"].tolist() == [700.0, 500.0, 400.0]
    assert not set(STEP_COLUMNS) & set(run.payouts.columns)


def test_restatements_older_than_the_window_are_listed_and_ignored():
    run = run_scheme(contract_table(), scheme_dict(COMMISSION, clawback={"within": 1}))
    assert run.totals["payout"].tolist() == [1_000.0, 500.0, 400.0]
    assert run.warnings == (
        "1 restatement(s) come more than 1 month(s) after their period (clawback.within): "
        "listed and ignored, the values as paid stand: a × 2025-01 × revenue.",
    )


def test_a_restatement_that_raises_a_value_pays_the_difference():
    table = contract_table()
    table.loc[1, "actual"] = 12_000.0
    run = run_scheme(table, scheme_dict(COMMISSION, clawback={"within": 2}))
    assert run.totals["payout"].tolist() == [1_000.0, 500.0, 600.0]


def test_two_restatements_of_one_value_each_in_its_own_period():
    table = pd.concat(
        [
            contract_table(),
            pd.DataFrame(
                {"employee": ["a", "a"], "period": ["2025-01", "2025-04"], "kpi": "revenue",
                 "actual": [8_000.0, 1_000.0], "as_of": ["2025-04", None]}
            ),
        ],
        ignore_index=True,
    )  # fmt: skip
    run = run_scheme(table, scheme_dict(COMMISSION, clawback={"within": 3}))
    # March claws back 300 (10,000 → 7,000); April pays back 100 (7,000 → 8,000)
    assert run.totals["adjustment"].tolist() == [0.0, 0.0, -300.0, 100.0]
    assert run.totals["payout"].tolist() == [1_000.0, 500.0, 100.0, 200.0]


def test_adjustment_of_someone_no_longer_evaluated_is_listed():
    table = contract_table()
    table = table[~((table["period"] == "2025-03") & table["as_of"].isna())]  # no March row
    run = run_scheme(table, scheme_dict(COMMISSION, clawback={"within": 3}))
    assert run.totals["payout"].tolist() == [1_000.0, 500.0]
    assert run.warnings == (
        "1 restatement adjustment(s) fall in a period in which the employee is not evaluated "
        "(after leaving, or outside the periods), so they are not paid: a in 2025-03 "
        "(-300.00).",
    )


def test_rows_that_differ_only_by_as_of_are_not_duplicates_and_data_check_explains():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = load(contract_table())
    assert len(table) == 4 and table["as_of"].notna().sum() == 1
    text = str(check(contract_table()))
    assert (
        "  - column 'as_of': restated value (another row for the same employee × period × KPI "
        "known in a later as_of month) (1 row): row 1 ('a × 2025-01 × revenue as of 2025-03')\n"
        "    Suggestion: nothing to do: a scheme with clawback: pays the first-known value and "
        "pays or claws back the difference in the as_of month of the restatement; without "
        "clawback: the latest value is used.\n"
        "Result: OK (with warnings)"
    ) in text
    assert [str(w.message) for w in caught][0].startswith("<DataFrame>: warnings:\n")


def test_same_as_of_twice_is_still_a_duplicate():
    table = contract_table()
    table.loc[1, "as_of"] = None
    with pytest.raises(DataValidationError) as info:
        load(table)
    assert str(info.value) == (
        "<DataFrame>: 1 problem in 2 rows; nothing was loaded.\n"
        "- duplicate employee × period × KPI (2 rows): row 0 ('a × 2025-01 × revenue'), row 1 "
        "('a × 2025-01 × revenue')\n"
        "  Suggestion: keep one row per employee, period and KPI, or sum them with "
        "duplicates='sum' (CLI: --sum-duplicates)."
    )


def test_a_blank_as_of_and_its_own_period_are_one_month_twice():
    """A row without as_of is known in its own period: beside a row saying so, two values
    known in one month are a duplicate, and summed when asked (900 + 1,000)."""
    table = contract_table().iloc[[0, 1]].copy()
    table.loc[1, "as_of"] = "2025-01"
    with pytest.raises(DataValidationError) as info:
        load(table)
    assert str(info.value).splitlines()[1] == (
        "- duplicate employee × period × KPI (2 rows): row 0 ('a × 2025-01 × revenue'), row 1 "
        "('a × 2025-01 × revenue')"
    )
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        summed = load(table, duplicates="sum")
    assert summed[["actual", "as_of"]].values.tolist() == [[17_000.0, "2025-01"]]


def test_a_version_with_an_error_restates_nothing():
    """Beside a row whose as_of is before its period (an error), the other version is not
    listed as a restatement of it."""
    table = contract_table().iloc[[2]].copy()
    table = pd.concat([table, table.assign(actual=900.0, as_of="2025-01")], ignore_index=True)
    problems = check(table).issues["problem"].tolist()
    assert problems == [
        "as_of before the period it restates: a value cannot be known before its period"
    ]


def test_as_of_before_its_period_is_an_error_with_the_row(tmp_path):
    path = tmp_path / "data.csv"
    table = contract_table()
    table.loc[2, "as_of"] = "2025-01"
    table.loc[3, "as_of"] = "next month"
    table.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as info:
        load(path)
    assert str(info.value) == (
        f"{path}: 2 problems in 2 rows; nothing was loaded.\n"
        "- column 'as_of': as_of before the period it restates: a value cannot be known before "
        "its period (1 row): row 4 ('2025-02 as of 2025-01')\n"
        "  Suggestion: check the two dates: as_of is the month the value was known in (its "
        "period, or a later month for a restatement).\n"
        "- column 'as_of': as_of is not a month (1 row): row 5 ('next month')\n"
        "  Suggestion: write the month the value was known in as YYYY-MM (e.g. 2025-03)."
    )


def test_latest_values_keeps_the_last_known_row():
    table = contract_table()
    assert latest_values(table)["actual"].tolist() == [7_000.0, 5_000.0, 4_000.0]
    assert "as_of" not in latest_values(table.assign(as_of=None)).columns


@given(
    st.lists(st.integers(0, 30_000), min_size=1, max_size=6),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_with_no_restatements_a_clawback_scheme_pays_exactly_as_without(actuals, stamped):
    # as_of given (its own period) on some rows, none restating anything
    periods = [f"2025-{m:02d}" for m in range(1, len(actuals) + 1)]
    table = pd.DataFrame(
        {
            "employee": "a",
            "period": periods,
            "kpi": "revenue",
            "actual": np.array(actuals, dtype=float),
            "as_of": [p if s else None for p, s in zip(periods, stamped, strict=False)],
        }
    )
    plain = run_scheme(table, scheme_dict(COMMISSION)).totals["payout"]
    clawback = run_scheme(table, scheme_dict(COMMISSION, clawback={"within": 2})).totals
    assert clawback["payout"].tolist() == plain.tolist()
    assert (clawback["adjustment"] == 0).all()


@pytest.mark.parametrize("within", [1, 3])
def test_engine_matches_the_plain_loops_on_the_demo_company(within, demo_company):
    data = demo_company.data
    revenue = data[data["kpi"] == "revenue"]
    rng = np.random.default_rng(7)
    picked = revenue.iloc[rng.choice(len(revenue), 60, replace=False)]
    month = pd.PeriodIndex(picked["period"], freq="M")
    restated = picked.assign(
        actual=np.round(picked["actual"] * rng.uniform(0.5, 1.2, len(picked)), 2),
        as_of=(month + rng.integers(1, 5, len(picked))).strftime("%Y-%m"),
    )
    table = pd.concat([data.assign(as_of=None), restated], ignore_index=True)
    run = run_scheme(table, clawback_scheme(within))
    engine = run.totals[["employee", "period", "payout"]].rename(columns={"payout": "payment"})
    engine = engine.astype({"employee": object, "period": object})
    reference = reference_clawback(table, within)
    assert compare(engine, reference).empty
    assert (run.totals["adjustment"] != 0).sum() > 10
