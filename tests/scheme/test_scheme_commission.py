"""Commission: flat rates and tiers, marginal and retroactive, on attainment or on amounts."""

from __future__ import annotations

import numpy as np
import pytest

from kpitools.scheme import Commission


def test_commission_contract_example():
    tiers = ((0, 0.10), (1.0, 0.15))
    actual, target = np.array([150_000.0]), np.array([100_000.0])
    # marginal: 100,000 × 0.10 + 50,000 × 0.15 = 10,000 + 7,500 = 17,500
    assert Commission(tiers=tiers, mode="marginal").evaluate(actual, target)[0] == 17_500.0
    # retroactive: 150,000 × 0.15 = 22,500
    assert Commission(tiers=tiers, mode="retroactive").evaluate(actual, target)[0] == 22_500.0


def test_commission_value_basis_and_edges():
    value_tiers = ((0, 0.10), (100_000, 0.15))
    marginal = Commission(tiers=value_tiers, basis="value")
    retro = Commission(tiers=value_tiers, basis="value", mode="retroactive")
    a = np.array([80_000.0, 100_000.0, 150_000.0, -5.0])
    # 80,000 × 0.10 = 8,000; exactly on the edge 100,000 × 0.10 = 10,000 (marginal);
    # 10,000 + 50,000 × 0.15 = 17,500; a negative actual pays nothing
    assert marginal.evaluate(a).tolist() == [8_000.0, 10_000.0, 17_500.0, 0.0]
    # retroactive: the edge amount takes the higher tier: 100,000 × 0.15 = 15,000
    assert retro.evaluate(a).tolist() == [8_000.0, 15_000.0, 22_500.0, 0.0]
    assert Commission(rate=0.05).evaluate([200.0]).tolist() == [10.0]


def test_commission_below_first_tier_pays_nothing():
    c = Commission(tiers=((0.5, 0.1), (1.0, 0.2)), mode="marginal")
    # target 100: below 50 nothing; 80 → (80 − 50) × 0.1 = 3; 120 → 50 × 0.1 + 20 × 0.2 = 9
    got = c.evaluate([40.0, 80.0, 120.0], [100.0, 100.0, 100.0]).tolist()
    assert got == pytest.approx([0.0, 3.0, 9.0])


def test_commission_key_points():
    assert Commission(tiers=((0.5, 0.1), (1.0, 0.2))).key_points == {
        "threshold": 0.5,
        "target": 1.0,
        "cap": None,
    }
    assert Commission(rate=0.1).key_points == {"threshold": None, "target": 1.0, "cap": None}
