"""Money to the cent (kpitools.engine.money): rounding half up, rounding down, pool proration."""

from __future__ import annotations

from kpitools.engine import round_cents


def test_round_cents_half_up_without_binary_noise():
    # 2.675 is 2.67499999… in binary: still rounds up as written; 0.125 exact half → up
    assert round_cents([2.675, 0.125, 0.124999, 1234.565, 0.0]).tolist() == [
        2.68,
        0.13,
        0.12,
        1234.57,
        0.0,
    ]
