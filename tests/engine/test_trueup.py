"""Year-to-date true-up (kpitools.engine.trueup): earned to date less paid to date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from payout_cases import long_table, scheme_dict

from kpitools.engine import PAYOUT_COLUMNS, STEP_COLUMNS, run_scheme
from kpitools.engine.timeline import Timeline, fiscal_years

CURVE = {"points": [[0.5, 0], [1.0, 1.0], [1.5, 2.0]]}


def quarterly(true_up=None, **extra):
    scheme = scheme_dict(
        [{"kpi": "sales", "weight": 1, "target": 100, "curve": CURVE}],
        period="quarter",
        on_target_pay=10_000,
        **extra,
    )
    if true_up is not None:
        scheme["true_up"] = true_up
    return scheme


def four_quarters(actuals, year=2025, employee="a"):
    return long_table([(employee, f"{year}-Q{q}", "sales", a) for q, a in enumerate(actuals, 1)])


@pytest.mark.parametrize(
    ("true_up", "expected"),
    [
        (None, [20_000.0, 0.0, 10_000.0, 10_000.0]),
        ({"shortfall": "carry"}, [20_000.0, 0.0, 4_000.0, 10_000.0]),
        ({}, [20_000.0, 0.0, 4_000.0, 10_000.0]),  # carry is the default
        ({"shortfall": "recover"}, [20_000.0, -6_000.0, 10_000.0, 10_000.0]),
    ],
)
def test_contract_example(true_up, expected):
    run = run_scheme(four_quarters([150, 20, 100, 100]), quarterly(true_up), library=False)
    assert run.totals["payout"].tolist() == expected


def test_the_total_row_traces_every_step():
    run = run_scheme(four_quarters([150, 20, 100, 100]), quarterly({}), library=False)
    assert list(run.payouts.columns) == [*PAYOUT_COLUMNS, *STEP_COLUMNS]
    total = run.payouts[run.payouts["component"] == "total"]
    # year to date: 150/100 → 2.0 × 10,000; 170/200 → 0.7 × 20,000; 270/300 → 0.8 × 30,000;
    # 370/400 → 0.85 × 40,000
    assert total[list(STEP_COLUMNS)].values.tolist() == [
        [20_000.0, 20_000.0, 0.0, 20_000.0, 0.0, 0.0, 20_000.0],
        [0.0, 14_000.0, 20_000.0, 0.0, 0.0, 0.0, 0.0],
        [10_000.0, 24_000.0, 20_000.0, 4_000.0, 0.0, 0.0, 4_000.0],
        [10_000.0, 34_000.0, 24_000.0, 10_000.0, 0.0, 0.0, 10_000.0],
    ]
    assert (total["payout"] == total["payment"]).all()
    comp = run.payouts[run.payouts["component"] == "0"]
    assert comp[list(STEP_COLUMNS)].isna().all().all()  # component rows: no steps


def test_each_year_starts_afresh():
    data = pd.concat([four_quarters([150, 20, 100, 100]), four_quarters([20, 150], year=2026)])
    run = run_scheme(data, quarterly({"shortfall": "recover"}), library=False)
    assert run.totals["payout"].tolist() == [20_000.0, -6_000.0, 10_000.0, 10_000.0, 0.0, 14_000.0]


def test_fiscal_year_start():
    # a year from April: 2025-Q1 closes fiscal 2024, 2025-Q2 opens fiscal 2025:
    # to date 20/100 → 0; 120/200 → 0.2 × 20,000; 220/300 → 0.4667 × 30,000
    data = four_quarters([150, 20, 100, 100])
    run = run_scheme(data, quarterly({"shortfall": "recover"}, fiscal_year_start=4), library=False)
    assert run.totals["earned_to_date"].tolist() == [20_000.0, 0.0, 4_000.0, 14_000.0]
    assert run.totals["payout"].tolist() == [20_000.0, 0.0, 4_000.0, 10_000.0]
    assert fiscal_years(np.array([8100, 8101]), "quarter", 4).tolist() == [2024, 2025]


def test_cap_and_on_target_pay_are_summed_over_the_elapsed_periods():
    # cap 1.2: Q1 caps at 12,000; to date in Q2 the cap is 1.2 × 20,000 = 24,000
    data = four_quarters([150, 150])
    run = run_scheme(data, quarterly({}, cap=1.2), library=False)
    assert run.totals["earned_to_date"].tolist() == [12_000.0, 24_000.0]
    assert run.totals["payout"].tolist() == [12_000.0, 12_000.0]


def test_ratio_kpi_recomputed_from_the_years_sums():
    # win rate = won / closed: Q1 1/1, Q2 1/9 → to date 2/10 = 0.2, not the mean 0.56
    rows = [("a", "2025-Q1", "won_deals", 1.0), ("a", "2025-Q1", "closed_deals", 1.0)]
    rows += [("a", "2025-Q2", "won_deals", 1.0), ("a", "2025-Q2", "closed_deals", 9.0)]
    rows += [("a", "2025-Q1", "win_rate", 1.0), ("a", "2025-Q2", "win_rate", 1 / 9)]
    scheme = scheme_dict(
        [{"kpi": "win_rate", "weight": 1, "target": 0.2, "curve": {"points": [[0, 0], [5, 5]]}}],
        period="quarter",
        on_target_pay=100,
        true_up={"shortfall": "recover"},
    )
    run = run_scheme(long_table(rows), scheme)  # the shipped library knows win_rate
    assert run.totals["earned_to_date"].tolist() == [500.0, 200.0]
    assert run.totals["payout"].tolist() == [500.0, -300.0]


def test_monthly_mean_kpi_averaged_over_the_year():
    rows = [("a", f"2025-{m:02d}", "nps", v) for m, v in ((1, 60.0), (2, 20.0))]
    scheme = scheme_dict(
        [{"kpi": "nps", "weight": 1, "target": 40, "curve": {"points": [[0, 0], [5, 5]]}}],
        true_up={"shortfall": "recover"},
    )
    run = run_scheme(long_table(rows), scheme)  # nps: aggregation mean
    assert run.totals["earned_to_date"].tolist() == [1_500.0, 2_000.0]  # 60/40; (40/40) × 2,000


@given(st.lists(st.integers(0, 200), min_size=4, max_size=4))
def test_carry_and_recover_pay_the_same_over_a_year_that_ends_above_zero(actuals):
    data = four_quarters([float(a) for a in actuals])
    carry = run_scheme(data, quarterly({"shortfall": "carry"}), library=False).totals
    recover = run_scheme(data, quarterly({"shortfall": "recover"}), library=False).totals
    assert carry["payout"].sum() >= recover["payout"].sum() - 1e-9
    assert (carry["payout"] >= 0).all()
    # the year ends above what was paid before: the last true-up is not a shortfall
    assume(carry["earned_to_date"].iloc[-1] >= carry["paid_to_date"].iloc[-1])
    assert carry["payout"].sum() == pytest.approx(recover["payout"].sum(), abs=0.005)
    assert recover["payout"].sum() == pytest.approx(recover["earned_to_date"].iloc[-1], abs=0.005)


def test_timeline_groups_employees_and_years():
    tl = Timeline.of(np.array([1, 0, 1, 0]), np.array([24300, 24300, 24312, 24311]), "month")
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert tl.cumsum(values).tolist() == [1.0, 2.0, 3.0, 6.0]
    assert tl.cumsum(values, by="person").tolist() == [1.0, 2.0, 4.0, 6.0]
    assert tl.previous(values, first=-1.0).tolist() == [-1.0, -1.0, -1.0, 2.0]
