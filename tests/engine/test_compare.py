"""Comparing schemes with a baseline (kpitools.engine.compare): winners, losers, cost change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.engine import compare_schemes, winners_losers
from kpitools.errors import DefinitionError


@pytest.fixture
def two_schemes():
    return pd.DataFrame(
        {
            "scheme": ["A"] * 5 + ["B"] * 6,
            "employee": ["1", "1", "2", "2", "3", "1", "1", "2", "2", "3", "4"],
            "period": ["2025-01", "2025-02"] * 2
            + ["2025-01"]
            + ["2025-01", "2025-02"] * 2
            + ["2025-01", "2025-01"],
            "payout": [100.0, 100.0, 50.0, 50.0, 80.0, 150.0, 100.0, 30.0, 70.2, 60.0, 40.0],
        }
    )


def test_winners_and_losers_per_employee(two_schemes):
    wl = winners_losers(two_schemes, "A")
    assert list(wl.columns) == [
        "scheme",
        "employee",
        "baseline",
        "baseline_total",
        "scheme_total",
        "difference",
        "difference_pct",
        "outcome",
        "periods_compared",
    ]
    assert wl["employee"].tolist() == ["1", "2", "3", "4"]
    assert wl["periods_compared"].tolist() == [2, 2, 2, 2]
    assert wl["baseline_total"].tolist() == [200.0, 100.0, 80.0, 0.0]
    assert wl["scheme_total"].tolist() == pytest.approx([250.0, 100.2, 60.0, 40.0])
    assert wl["outcome"].tolist() == ["winner", "unchanged", "loser", "winner"]
    assert wl["difference_pct"].tolist()[:3] == pytest.approx([0.25, 0.002, -0.25])
    assert np.isnan(wl["difference_pct"].iloc[3])  # nothing under the baseline


def test_winners_and_losers_compare_only_the_periods_both_schemes_evaluated(two_schemes):
    late = pd.DataFrame(
        {"scheme": "C", "employee": ["1", "2"], "period": "2025-02", "payout": [90.0, 60.0]}
    )
    wl = winners_losers(pd.concat([two_schemes, late], ignore_index=True), "A")
    c = wl[wl["scheme"] == "C"]
    # A in 2025-02 only: employee 1 had 100, 2 had 50; employee 3 was paid only in 2025-01
    assert c["employee"].tolist() == ["1", "2"]
    assert c["baseline_total"].tolist() == [100.0, 50.0]
    assert c["outcome"].tolist() == ["loser", "winner"]
    assert c["periods_compared"].tolist() == [1, 1]


def test_compare_has_one_row_per_scheme_with_shares(two_schemes):
    metrics = pd.DataFrame(
        {"total_cost": [380.0, 450.2]}, index=pd.Index(["A", "B"], name="scheme")
    )
    out = compare_schemes(metrics, winners_losers(two_schemes, "A"), "A")
    assert out.loc["B", "winners"] == 2 and out.loc["B", "losers"] == 1
    assert out.loc["B", "unchanged"] == 1
    assert out.loc["B", "share_winners"] == 0.5 and out.loc["B", "share_losers"] == 0.25
    assert out.loc["B", "cost_change"] == pytest.approx(70.2)
    assert out.loc["B", "cost_change_pct"] == pytest.approx(70.2 / 380.0)
    assert out.loc["B", "periods_compared"] == 2
    assert out.loc["A", "cost_change"] == 0.0 and out.loc["A", "winners"] == 0
    assert out.loc["A", "unchanged"] == 4


def test_one_scheme_has_no_winners_or_losers(two_schemes):
    only = two_schemes[two_schemes["scheme"] == "A"]
    wl = winners_losers(only, "A")
    assert wl.empty and "outcome" in wl.columns
    metrics = pd.DataFrame({"total_cost": [380.0]}, index=pd.Index(["A"], name="scheme"))
    out = compare_schemes(metrics, wl, "A")
    assert out.loc["A", "cost_change"] == 0.0 and out.loc["A", "winners"] == 0


def test_unknown_baseline_is_a_clear_error(two_schemes):
    with pytest.raises(DefinitionError) as err:
        winners_losers(two_schemes, "a")
    assert str(err.value) == (
        "Baseline scheme 'a' is not among the simulated schemes. Did you mean 'A'?\n"
        "Suggestion: use one of 'A', 'B'."
    )
