"""Row-wise statistics (kpitools.engine.stats) against scipy and by hand."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kpitools.engine.stats import rank_rows, row_gini, row_spearman


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=6, max_size=6), min_size=1, max_size=4))
def test_ranks_share_ties_like_scipy(rows):
    x = np.array(rows, dtype=float)
    expected = np.vstack([stats.rankdata(r) for r in x])
    np.testing.assert_array_equal(rank_rows(x), expected)


def test_spearman_drops_nan_pairs_row_by_row():
    x = np.array([[1.0, 2.0, 3.0, np.nan], [1.0, 2.0, 3.0, 4.0]])
    y = np.array([[10.0, 30.0, 20.0, 5.0], [4.0, 3.0, 2.0, 1.0]])
    got = row_spearman(x, y)
    assert got[0] == stats.spearmanr([1, 2, 3], [10, 30, 20]).statistic
    assert got[1] == -1.0


def test_gini_by_hand():
    # one of two paid everything: Σ|xi − xj| = 2 × 2 / (2 × 2² × 1) = 0.5
    got = row_gini(np.array([[0.0, 2.0], [3.0, 3.0], [0.0, 0.0]]))
    assert got[:2].tolist() == [0.5, 0.0] and np.isnan(got[2])
    assert np.isnan(row_gini(np.empty((1, 0)))[0])
