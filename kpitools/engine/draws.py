"""Draws: a guaranteed payment, recoverable from later earnings or not.

``draw: {amount: A, recoverable, for_first: N, forgive_at}`` (docs/plan-mechanics.md), on
what the pay rules release each period (``due``, after any true-up):

- **recoverable** (the default): payment = max(A, due − balance); the balance grows by
  what the draw paid above ``due`` and is recovered from later earnings, never below 0:
  balance_p = max(0, balance_{p−1} + A − due_p). That is the Lindley recursion, solved on
  whole arrays: with S the running sum of the increments, balance = S − min(0, running
  minimum of S) per employee (per employee and fiscal year with ``forgive_at: year_end``,
  which writes what is left off at each year's end). After the draw's window
  (``for_first``) no draw is paid, and positive earnings go on recovering the balance.
- **non-recoverable**: payment = max(A, due) in the window; no balance.

With proration the amount is scaled by each period's active share (a half-time hire's draw
is half the draw).

Examples
--------
>>> tl = Timeline.of(np.zeros(4, dtype=int), np.arange(4) + 24300, "month")
>>> due = np.array([100_000, 200_000, 600_000, 500_000])  # cents
>>> pay, balance = apply_draw(due, tl, Draw(amount=3000), np.full(4, 300_000))
>>> (pay / 100).tolist(), (balance / 100).tolist()
([3000.0, 3000.0, 3000.0, 5000.0], [2000.0, 3000.0, 0.0, 0.0])
"""

from __future__ import annotations

import numpy as np

from ..scheme import Draw
from .timeline import Timeline

__all__ = ["apply_draw"]


def apply_draw(
    due: np.ndarray, tl: Timeline, draw: Draw, amount: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Payments and draw balances in cents (int64) of each employee-period.

    Parameters
    ----------
    due : numpy.ndarray
        What the pay rules release, in cents (int64).
    tl : Timeline
        The employees' periods in order (and the draw's window).
    draw : Draw
        The scheme's draw.
    amount : numpy.ndarray
        The draw of each row in cents (the amount, prorated).
    """
    due = np.asarray(due, dtype=np.int64)
    window = np.ones(due.size, dtype=bool) if tl.draw_window is None else tl.draw_window
    if not draw.recoverable:
        return np.where(window, np.maximum(amount, due), due), np.zeros(due.size, dtype=np.int64)
    by = "year" if draw.forgive_at == "year_end" else "person"
    step = np.where(window, amount - due, -np.maximum(due, 0))
    reached = tl.cumsum(step, by=by)
    balance = reached - np.minimum(tl.cummin(reached, by=by), 0)
    payment = due + balance - tl.previous(balance, by=by, first=0)
    return payment, balance
