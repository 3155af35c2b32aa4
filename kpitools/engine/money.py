"""Money to the cent: rounding half up, rounding down, and pool proration.

Money is computed in float64 and rounded to cents at each traced step (docs/schemes.md):

- :func:`round_cents` rounds half up; a value within a millionth of a cent of a half cent
  counts as the half, so 2.675 pays 2.68.
- :func:`floor_cents` rounds down (the cap amount: no total may exceed it, so a cap of 0.5
  on 333.33 pays at most 166.66, not 166.67).
- :func:`prorate` scales each period's payouts down to a pool budget: every payout is scaled
  by budget / total and rounded down to the cent, and the leftover cents go one each to the
  largest remainders. A period over its pool pays exactly the budget, never a cent more, and
  nobody is more than a cent from the exact share.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["floor_cents", "prorate", "round_cents"]


def round_cents(x: Any) -> np.ndarray:
    """Round money to cents, half up, ignoring binary noise below a millionth of a cent.

    Examples
    --------
    >>> round_cents([2.675, 0.125, 10.0049, 1e-9]).tolist()
    [2.68, 0.13, 10.0, 0.0]
    """
    c = np.asarray(np.multiply(x, 100.0, dtype=float))
    if c.ndim == 0:
        return np.floor(np.round(c, 6) + 0.5) / 100.0
    np.round(c, 6, out=c)  # 267.49999999999997 cents → 267.5
    c += 0.5
    np.floor(c, out=c)
    c /= 100.0
    return c


def floor_cents(x: Any) -> np.ndarray:
    """Round money down to cents, ignoring binary noise below a millionth of a cent.

    Examples
    --------
    >>> floor_cents([166.665, 2.3 * 100, 11000.000000000002]).tolist()
    [166.66, 230.0, 11000.0]
    """
    c = np.round(np.multiply(x, 100.0, dtype=float), 6)  # 22999.999999999996 cents → 23000
    return np.floor(c) / 100.0


def prorate(
    amount: np.ndarray, code: np.ndarray, budget: Any, *, scale_up: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Scale each period's payouts down to the budget, to the cent, never above it.

    Largest-remainder rounding: every payout is scaled by budget / total and rounded down to
    the cent; the cents left over go one each to the largest remainders (ties: earlier
    row). A period over budget then pays exactly its budget, and each payout is within a
    cent of its exact pro-rata share.

    Parameters
    ----------
    amount : numpy.ndarray
        Payouts in money (whole cents), one per row.
    code : numpy.ndarray
        The period of each row as an integer code (0 … n_periods − 1).
    budget : float or numpy.ndarray
        The pool of each period: one amount, or one per period code.
    scale_up : bool
        Also scale a period under its budget up to it (``distribute: all``: the whole pool
        is paid out in proportion to what was earned; a period that earned nothing pays
        nothing).

    Returns
    -------
    payout, factor : numpy.ndarray
        The prorated payouts and the factor applied to each row (1 where under budget).

    Examples
    --------
    >>> pay, factor = prorate(np.array([100.0, 50.0, 10.0]), np.array([0, 0, 1]), 100.0)
    >>> pay.tolist(), factor.round(4).tolist()
    ([66.67, 33.33, 10.0], [0.6667, 0.6667, 1.0])
    """
    code = np.asarray(code, dtype=np.int64)
    size = int(code.max()) + 1
    cents = np.rint(amount * 100.0)
    totals = np.bincount(code, weights=cents, minlength=size)
    budget_cents = np.floor(np.round(np.multiply(budget, 100.0), 6))
    over = totals > budget_cents
    if scale_up:
        over = (totals != budget_cents) & (totals > 0)
    if not over.any():
        return amount, np.ones(amount.shape)
    factor_by_code = np.where(over, budget_cents / np.where(over, totals, 1.0), 1.0)
    factor = factor_by_code[code]
    rows = np.flatnonzero(over[code])
    exact = cents[rows] * factor[rows]
    floor = np.floor(exact)
    scaled = cents.copy()
    scaled[rows] = floor
    left = budget_cents - np.bincount(code[rows], weights=floor, minlength=size)
    left = np.where(over, left, 0.0)
    # Give the leftover cents to the largest remainders; take back any float overshoot
    # (negative leftover) from the largest payouts.
    give = np.maximum(left, 0.0)
    if give.any():
        _bump(scaled, rows, code, priority=exact - floor, count=give, step=1.0)
    take = np.maximum(-left, 0.0)
    if take.any():  # pragma: no cover - float noise beyond a cent per period
        _bump(scaled, rows, code, priority=scaled[rows], count=take, step=-1.0)
    return scaled / 100.0, factor


def _bump(cents, rows, code, *, priority, count, step) -> None:
    """Add ``step`` to the ``count[period]`` rows of each period with the highest priority."""
    c = code[rows]
    # by period, then priority (highest first), then row (``rows`` ascend): two stable sorts
    # give np.lexsort((rows, -priority, c)) at half its cost
    order = np.argsort(-priority, kind="stable")
    order = order[np.argsort(c[order], kind="stable")]
    ranked_rows, ranked_code = rows[order], c[order]
    starts = np.flatnonzero(np.r_[True, ranked_code[1:] != ranked_code[:-1]])
    rank = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
    chosen = ranked_rows[rank < count[ranked_code]]
    cents[chosen] += step
