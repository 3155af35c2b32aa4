"""Draws (kpitools.engine.draws): a guaranteed payment, recoverable or not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from payout_cases import long_table, scheme_dict

from kpitools.engine import run_scheme, simulate
from kpitools.errors import DefinitionError


def monthly(earned, employee="a", start=1, year=2025):
    return long_table(
        [(employee, f"{year}-{m:02d}", "sales", float(e)) for m, e in enumerate(earned, start)]
    )


def draw_scheme(**draw):
    # a commission at 100%: what a month earns is its sales
    return scheme_dict(
        [{"kpi": "sales", "commission": {"rate": 1.0}}],
        on_target_pay=3_000,
        draw={"amount": 3_000, **draw},
    )


def test_contract_example_recoverable():
    run = run_scheme(monthly([1_000, 2_000, 6_000, 5_000]), draw_scheme(), library=False)
    t = run.totals
    assert t["payment"].tolist() == [3_000.0, 3_000.0, 3_000.0, 5_000.0]
    assert t["draw_balance"].tolist() == [2_000.0, 3_000.0, 0.0, 0.0]
    assert t["payout"].tolist() == t["payment"].tolist()
    assert t["earned"].tolist() == [1_000.0, 2_000.0, 6_000.0, 5_000.0]


def test_contract_example_non_recoverable():
    scheme = draw_scheme(recoverable=False)
    run = run_scheme(monthly([1_000, 2_000, 6_000, 5_000]), scheme, library=False)
    assert run.totals["payment"].tolist() == [3_000.0, 3_000.0, 6_000.0, 5_000.0]
    assert run.totals["draw_balance"].tolist() == [0.0] * 4


def test_for_first_periods_after_hire():
    # hired 10 Feb: February and March are the first two months; from April the balance is
    # recovered from earnings and no draw is paid
    data = monthly([1_000, 1_000, 4_000, 4_000], start=2)
    roster = pd.DataFrame({"employee": ["a"], "hire_date": ["2025-02-10"]})
    scheme = draw_scheme(for_first=2)
    scheme["proration"] = "none"
    run = run_scheme(data, scheme, library=False, roster=roster)
    t = run.totals
    assert t["payment"].tolist() == [3_000.0, 3_000.0, 0.0, 4_000.0]
    assert t["draw_balance"].tolist() == [2_000.0, 4_000.0, 0.0, 0.0]


def test_for_first_needs_hire_dates():
    with pytest.raises(DefinitionError) as info:
        run_scheme(monthly([1_000]), draw_scheme(for_first=3), library=False)
    assert str(info.value) == (
        "scheme 't': draw.for_first: the draw is paid in the first 3 periods after hire, and no "
        "roster with a hire_date column was given.\n"
        "Suggestion: give the roster (--roster FILE, or roster= in Python) with hire dates, or "
        "remove for_first: to pay the draw in every period."
    )


def test_people_hired_before_the_window_get_no_draw():
    data = pd.concat([monthly([1_000, 1_000]), monthly([1_000, 1_000], employee="old")])
    roster = pd.DataFrame({"employee": ["a", "old"], "hire_date": ["2025-01-01", "2019-01-01"]})
    run = run_scheme(data, draw_scheme(for_first=6), library=False, roster=roster)
    paid = run.totals.groupby("employee")["payment"].sum().to_dict()
    assert paid == {"a": 6_000.0, "old": 2_000.0}


@pytest.mark.parametrize(
    ("forgive_at", "january", "balance"), [("year_end", 4_000.0, 0.0), ("never", 3_000.0, 2_000.0)]
)
def test_forgive_at_year_end_or_never(forgive_at, january, balance):
    # the 3,000 advanced in December 2024 is written off at year end (January pays its
    # 4,000), or carried on and recovered from January's earnings (4,000 − 3,000 is below
    # the draw: it pays the draw, 3,000, and 2,000 stays open)
    data = pd.concat([monthly([0], start=12, year=2024), monthly([4_000])])
    run = run_scheme(data, draw_scheme(forgive_at=forgive_at), library=False)
    assert run.totals["payment"].tolist() == [3_000.0, january]
    assert run.totals["draw_balance"].tolist() == [3_000.0, balance]


def test_draw_prorated_for_a_part_timer():
    roster = pd.DataFrame({"employee": ["a"], "fte": [0.5]})
    run = run_scheme(monthly([500]), draw_scheme(), library=False, roster=roster)
    assert run.totals["payment"].tolist() == [1_500.0]


def test_draw_cost_metric_only_with_a_draw():
    data = monthly([1_000, 2_000, 0, 0])
    plain = scheme_dict([{"kpi": "sales", "commission": {"rate": 1.0}}], name="plain")
    result = simulate(data, [plain, {**draw_scheme(), "name": "draw"}], library=False)
    assert result.metrics.columns[-1] == "draw_cost"
    assert result.metrics["draw_cost"].isna().tolist() == [True, False]
    # draws paid 12,000 on 3,000 earned: 9,000 left unrecovered at the end of the data
    assert result.metrics.loc["draw", "draw_cost"] == 9_000.0
    assert result.metrics.loc["draw", "total_cost"] == 12_000.0
    alone = simulate(data, plain, library=False)
    assert "draw_cost" not in alone.metrics.columns


@given(st.lists(st.integers(0, 8_000), min_size=1, max_size=12), st.integers(1, 5_000))
def test_recoverable_draw_bounds(earned, amount):
    run = run_scheme(monthly(earned), draw_scheme(amount=amount), library=False)
    pay = run.totals["payment"].to_numpy()
    total, earned_total = pay.sum(), float(sum(earned))
    assert (pay >= amount - 1e-9).all()  # never less than the draw in its window
    assert total >= max(amount * len(earned), earned_total) - 1e-6
    # what it pays beyond the earnings is exactly the balance still open at the end
    assert total == pytest.approx(earned_total + run.totals["draw_balance"].iloc[-1])
    assert total <= earned_total + amount * len(earned) + 1e-6
    if run.totals["draw_balance"].iloc[-1] == 0:
        assert total == pytest.approx(earned_total)  # recovered in full: costs nothing extra


@given(st.lists(st.integers(0, 8_000), min_size=1, max_size=12), st.integers(1, 5_000))
def test_non_recoverable_draw_is_a_floor(earned, amount):
    scheme = draw_scheme(amount=amount, recoverable=False)
    pay = run_scheme(monthly(earned), scheme, library=False).totals["payment"].to_numpy()
    assert pay.tolist() == np.maximum(np.array(earned, dtype=float), amount).tolist()
