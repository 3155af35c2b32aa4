"""Money to the cent (kpitools.engine.money): rounding half up, rounding down, pool proration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.engine import round_cents
from kpitools.engine.money import floor_cents, prorate


def test_round_cents_half_up_without_binary_noise():
    # 2.675 is 2.67499999… in binary: still rounds up as written; 0.125 exact half → up
    assert round_cents([2.675, 0.125, 0.124999, 1234.565, 0.0]).tolist() == [
        2.68,
        0.13,
        0.12,
        1234.57,
        0.0,
    ]


def test_floor_cents_rounds_down_ignoring_binary_noise():
    # 2.3 × 100 is 229.99999999999997 in binary: still 230.00, not 229.99
    assert floor_cents([166.665, 2.3 * 100, 0.019, -0.011]).tolist() == [166.66, 230.0, 0.01, -0.02]


def test_prorate_pays_exactly_the_budget_of_a_period_over_it():
    amount = np.array([100.0, 100.0, 100.0, 40.0])
    code = np.array([0, 0, 0, 1])
    pay, factor = prorate(amount, code, 200.0)
    # period 0: 300 over a pool of 200 → 66.666… each: floors 66.66 × 3 = 199.98, the two
    # cents left go to the largest remainders (all equal: the earlier rows)
    assert pay.tolist() == [66.67, 66.67, 66.66, 40.0]
    assert factor.tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3, 1.0])


def test_prorate_under_budget_changes_nothing():
    amount = np.array([10.0, 20.0])
    pay, factor = prorate(amount, np.array([0, 0]), 100.0)
    assert pay is amount and factor.tolist() == [1.0, 1.0]


@settings(max_examples=50, deadline=None)
@given(
    cents=st.lists(st.integers(0, 10_000_000), min_size=1, max_size=40),
    periods=st.integers(1, 4),
    budget=st.integers(1, 20_000_000),
)
def test_prorate_never_exceeds_the_budget_and_is_within_a_cent(cents, periods, budget):
    amount = np.array(cents, dtype=float) / 100.0
    code = np.arange(len(cents)) % periods
    pay, factor = prorate(amount, code, budget / 100.0)
    for p in range(periods):
        rows = code == p
        if sum(c for c, r in zip(cents, rows, strict=True) if r) > budget:
            assert round(float(pay[rows].sum()) * 100) == budget  # the pool, to the cent
        else:
            assert pay[rows].tolist() == amount[rows].tolist()
        exact = amount[rows] * factor[rows]
        assert np.all(np.abs(pay[rows] - exact) <= 0.01 + 1e-9)
