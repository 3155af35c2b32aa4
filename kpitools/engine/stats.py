"""Row-wise statistics for metrics over many draws at once: ranks, Spearman, Gini.

Each function takes a 2-D array (one row per draw, one column per employee-period) and
returns one value per row, with whole-array numpy maths (no scipy import, no loop over rows
but for rows with gaps).
"""

from __future__ import annotations

import numpy as np

__all__ = ["rank_rows", "row_gini", "row_spearman"]


def rank_rows(x: np.ndarray) -> np.ndarray:
    """Ranks 1…m within each row, ties sharing their average rank (like scipy's rankdata).

    Done here rather than with ``scipy.stats`` because importing that costs seconds at every
    command-line start.

    Examples
    --------
    >>> rank_rows(np.array([[10.0, 30.0, 20.0, 20.0]])).tolist()
    [[1.0, 4.0, 2.5, 2.5]]
    """
    rows, m = x.shape
    order = np.argsort(x, axis=1)  # ties get their average rank, so sort stability is moot
    s = np.take_along_axis(x, order, axis=1)
    pos = np.broadcast_to(np.arange(m), (rows, m))
    first = np.ones((rows, m), dtype=bool)
    first[:, 1:] = s[:, 1:] != s[:, :-1]
    last = np.ones((rows, m), dtype=bool)
    last[:, :-1] = first[:, 1:]
    start = np.maximum.accumulate(np.where(first, pos, 0), axis=1)
    end = np.minimum.accumulate(np.where(last, pos, m - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty((rows, m))
    np.put_along_axis(ranks, order, (start + end) / 2.0 + 1.0, axis=1)
    return ranks


def row_spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of ``x`` with the same row of ``y`` (NaN pairs dropped).

    NaN where either side is constant or fewer than two pairs are left.

    Examples
    --------
    >>> row_spearman(np.array([[1.0, 2.0, 3.0]]), np.array([[10.0, 30.0, 20.0]])).tolist()
    [0.5]
    """
    out = np.full(x.shape[0], np.nan)
    nan_rows = np.isnan(x).any(axis=1) | np.isnan(y).any(axis=1)
    full = ~nan_rows
    if full.any():
        rx = rank_rows(x[full])
        ry = rank_rows(y[full])
        rx -= rx.mean(axis=1, keepdims=True)
        ry -= ry.mean(axis=1, keepdims=True)
        den = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
        num = (rx * ry).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[full] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    # Rows with gaps (rare: schemes without weighted attainment) are done one by one.
    for i in np.flatnonzero(nan_rows):
        ok = ~(np.isnan(x[i]) | np.isnan(y[i]))
        if ok.sum() >= 2:
            out[i] = row_spearman(x[i, ok][None, :], y[i, ok][None, :])[0]
    return out


def row_gini(x: np.ndarray) -> np.ndarray:
    """Gini coefficient of each row: Σ_i Σ_j |x_i − x_j| / (2 n² mean).

    0 when everybody gets the same, NaN when nobody gets anything.

    Examples
    --------
    >>> row_gini(np.array([[1.0, 1.0], [0.0, 2.0], [0.0, 0.0]])).tolist()
    [0.0, 0.5, nan]
    """
    n = x.shape[1]
    if n == 0:
        return np.full(x.shape[0], np.nan)
    xs = np.sort(x, axis=1)
    total = xs.sum(axis=1)
    rank = np.arange(1, n + 1, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = 2.0 * (xs @ rank) / (n * total) - (n + 1.0) / n
    # Rounding can give -2e-16 for equal pay: clip to the mathematical range.
    return np.where(total > 0, np.clip(g, 0.0, 1.0), np.nan)
