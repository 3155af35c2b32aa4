"""The gaming stress test on a scheme that pays over time: the change in what is paid.

With a true-up or a draw (docs/plan-mechanics.md) what a period earns is not what it pays:
a true-up pays the year to date net of what was paid, a draw tops up and recovers. The
stress test (:mod:`kpitools.engine.stress`) then weighs a move by what it changes in the
employee's **payments**: each candidate move of each pair is evaluated on a copy of the
employee's year (their whole sequence with a draw whose balance runs over years), settled
with the engine's own true-up and draw (:func:`kpitools.engine.payment.settle`, before a
pool's proration), every copy at once on whole arrays.

A move between periods *p* and *p + 1* changes the year to date of *p* only (the sums
through *p + 1* stay), so the year's payments depend on it through that one figure: the
amounts that bring the year to date of *p* onto a kink are candidates too
(:func:`ytd_kinks`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from ..scheme import Scheme
from .arrays import PayoutInputs
from .compute import _earn
from .money import round_cents
from .payment import settle
from .timeline import Timeline
from .trueup import year_to_date

__all__ = ["pays_over_time", "payments", "paid_gains", "sequence_group", "ytd_kinks"]

# Rows of year copies settled at once: bounds the memory of a large run.
_CHUNK_ROWS = 2_000_000


def pays_over_time(scheme: Scheme, inputs: PayoutInputs) -> bool:
    """Whether the stress test weighs payments (a true-up or a draw, with a timeline)."""
    return bool(scheme.pays_over_time and inputs.timeline is not None)


def payments(scheme: Scheme, inputs: PayoutInputs) -> np.ndarray:
    """Each row's payment: true-up and draw settled on what it earns before a pool."""
    earned = _earn(scheme, inputs).after_cap
    return settle(scheme, inputs, earned, lambda ytd: _earn(scheme, ytd).after_cap).payment


def _by(scheme: Scheme) -> str:
    """The sequence a move's effect stays in: the year, or the person (a draw over years)."""
    draw = scheme.draw
    return "person" if draw is not None and draw.forgive_at != "year_end" else "year"


def sequence_group(scheme: Scheme, inputs: PayoutInputs) -> np.ndarray:
    """Per row (original order): the employee-year (or employee) its payments run along."""
    tl = inputs.timeline
    g = tl.year if _by(scheme) == "year" else tl.person  # in sequence order
    starts = np.r_[True, g[1:] != g[:-1]] if tl.n else np.zeros(0, dtype=bool)
    group = np.empty(tl.n, dtype=np.int64)
    group[tl.order] = np.cumsum(starts) - 1  # numbered 0, 1, … in sequence order
    return group


def ytd_kinks(
    inputs: PayoutInputs, x: np.ndarray, kinks_of: Callable[[PayoutInputs], np.ndarray]
) -> np.ndarray:
    """The kinks of each row's year to date, as the row's own actual (rows × k).

    ``kinks_of`` gives the kinks of some inputs in their actuals; the year to date reaches
    one where the row's actual is the kink less the year's sum before the row.
    """
    ytd = year_to_date(inputs)
    before = _cumulated(inputs, x) - x
    return kinks_of(ytd) - before[:, None]


def _cumulated(inputs: PayoutInputs, x: np.ndarray) -> np.ndarray:
    """The year-to-date sum of ``x`` (missing counted as 0)."""
    return inputs.timeline.cumsum(np.nan_to_num(np.asarray(x, dtype=float)))


def paid_gains(
    scheme: Scheme,
    inputs: PayoutInputs,
    rows_i: np.ndarray,
    rows_j: np.ndarray,
    t: np.ndarray,
    moved: Callable[[np.ndarray, np.ndarray], PayoutInputs],
) -> np.ndarray:
    """What each move adds to the employee's payments over the year (cents-rounded).

    Parameters
    ----------
    scheme, inputs
        The scheme and its inputs (with a timeline).
    rows_i, rows_j, t : numpy.ndarray
        Per move: the earlier row (receives ``t``), the later row (gives it), the amount.
    moved : callable
        ``moved(rows, delta)``: the inputs of ``rows`` with the KPI's actual moved by
        ``delta`` (no timeline).
    """
    group = sequence_group(scheme, inputs)
    honest = np.bincount(group, weights=payments(scheme, inputs))
    tl = inputs.timeline
    seq_group = group[tl.order]
    starts = np.flatnonzero(np.r_[True, seq_group[1:] != seq_group[:-1]]) if tl.n else seq_group
    length = np.diff(np.r_[starts, tl.n])
    g = group[rows_i]
    per_move = length[g]
    out = np.zeros(t.size)
    bounds = np.r_[0, np.cumsum(per_move)]
    lo = 0
    while lo < t.size:  # whole chunks of moves, each settled at once
        hi = int(np.searchsorted(bounds, bounds[lo] + _CHUNK_ROWS, side="right")) - 1
        hi = max(hi, lo + 1)
        out[lo:hi] = _settle_copies(
            scheme, tl, starts[g[lo:hi]], per_move[lo:hi], rows_i[lo:hi], rows_j[lo:hi],
            t[lo:hi], moved,
        )  # fmt: skip
        lo = hi
    return round_cents(out - honest[g])


def _settle_copies(scheme, tl: Timeline, start, size, rows_i, rows_j, t, moved) -> np.ndarray:
    """Each move's total payments over its copy of the employee's sequence."""
    m = t.size
    copy = np.repeat(np.arange(m), size)
    offset = np.arange(copy.size) - np.repeat(np.cumsum(size) - size, size)
    rows = tl.order[np.repeat(start, size) + offset]
    delta = np.where(rows == rows_i[copy], t[copy], 0.0)
    delta = np.where(rows == rows_j[copy], -t[copy], delta)
    sub = moved(rows, delta)
    sub = sub.replace(timeline=_copy_timeline(tl, rows, copy))
    return np.bincount(copy, weights=payments(scheme, sub), minlength=m)


def _copy_timeline(tl: Timeline, rows: np.ndarray, copy: np.ndarray) -> Timeline:
    """The timeline of the copies: each copy one employee, its rows already in order."""
    year_of = tl.year_of[rows]
    new_year = np.r_[True, (copy[1:] != copy[:-1]) | (year_of[1:] != year_of[:-1])]
    parts = {
        kind: tuple(None if p is None else (p[0][rows], p[1][rows]) for p in pairs)
        for kind, pairs in tl.parts.items()
    }
    return dataclasses.replace(
        tl,
        order=np.arange(rows.size),
        person=copy,
        year=np.cumsum(new_year) - 1,
        year_of=year_of,
        draw_window=None if tl.draw_window is None else tl.draw_window[rows],
        parts=parts,
        sequential=True,
    )
