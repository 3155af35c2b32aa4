"""The vectorised history maths of the target methods: codes, group quantiles, windows.

A target method looks back at the actuals of the periods before the one it sets a target
for. These functions do that for every period at once (or period by period, for tables too
large for one step), without a Python loop over rows.

Examples
--------
>>> import numpy as np
>>> group_quantile(np.array([0, 0, 1]), np.array([1.0, 3.0, 5.0]), 0.5, 2).tolist()
[2.0, 5.0]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from ..data import unique_sorted

__all__ = [
    "codes",
    "employee_codes",
    "peer_codes",
    "group_quantile",
    "sorted_group_quantile",
    "any_history",
    "window_quantile",
    "window_quantiles",
    "history_slices",
]


def codes(values: Any) -> tuple[np.ndarray, int]:
    """Integer codes (sorted order) of any labels, and how many there are."""
    out, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
    return out.astype(np.int64), len(uniques)


def employee_codes(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Employee codes: the engine's ``emp`` column when given, else computed."""
    if "emp" in frame.columns:
        out = frame["emp"].to_numpy(dtype=np.int64)
        return out, int(out.max()) + 1 if out.size else 0
    return codes(frame["employee"])


def peer_codes(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Role codes (peers): the engine's ``peer`` column when given, else computed."""
    if "peer" in frame.columns:
        out = frame["peer"].to_numpy(dtype=np.int64)
        return out, int(out.max()) + 1 if out.size else 0
    return codes(frame["role"])


def group_quantile(group: np.ndarray, values: np.ndarray, q: float, n: int) -> np.ndarray:
    """The q-quantile (linear interpolation, as numpy/pandas) of ``values`` per group.

    Parameters
    ----------
    group : numpy.ndarray
        Group code (0 to n − 1) of each value.
    values : numpy.ndarray
        The values.
    q : float
        The quantile, 0 to 1.
    n : int
        The number of groups; a group without values gets NaN.
    """
    out = np.full(n, np.nan)
    if values.size == 0:
        return out
    order = np.lexsort((values, group))
    return sorted_group_quantile(group[order], values[order], q, n)


def sorted_group_quantile(group: np.ndarray, values: np.ndarray, q: float, n: int) -> np.ndarray:
    """:func:`group_quantile` of values already sorted by (group, value)."""
    out = np.full(n, np.nan)
    counts = np.bincount(group, minlength=n)
    starts = np.cumsum(counts) - counts
    pos = starts + q * np.maximum(counts - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    has = counts > 0
    lo = np.where(has, lo, 0)
    hi = np.where(has, np.minimum(lo + 1, starts + counts - 1), 0)
    res = values[lo] + (values[hi] - values[lo]) * frac
    out[has] = res[has]
    return out


def any_history(ranked_per: np.ndarray, uniq: np.ndarray, window: int | None) -> np.ndarray:
    """Per period of ``uniq``: whether any row's period lies in its history window."""
    if ranked_per.size == 0:
        return np.zeros(uniq.size, dtype=bool)
    s = np.sort(ranked_per)
    lo = np.full(uniq.size, np.iinfo(np.int64).min) if window is None else uniq - window
    return np.searchsorted(s, uniq, side="left") > np.searchsorted(s, lo, side="left")


def window_quantiles(
    ranked_per: np.ndarray,
    ranked_code: np.ndarray,
    ranked_act: np.ndarray,
    uniq: np.ndarray,
    window: int | None,
    q: float,
    n: int,
) -> np.ndarray:
    """Periods × groups: :func:`sorted_group_quantile` of each period's history window.

    ``ranked_*`` (period, group code and actual of each row) are sorted by (group, value),
    so each period's window is a filter of that order, already sorted: one pass over the
    rows per period (periods are few), and no periods × rows table.
    """
    out = np.full((uniq.size, n), np.nan)
    if ranked_per.size == 0 or n == 0:
        return out
    for i, p in enumerate(uniq):
        found = window_quantile(ranked_per, ranked_code, ranked_act, int(p), window, q, n)
        if found is not None:  # else no history: NaN
            out[i] = found
    return out


def window_quantile(
    ranked_per: np.ndarray,
    ranked_code: np.ndarray,
    ranked_act: np.ndarray,
    p: int,
    window: int | None,
    q: float,
    n: int,
) -> np.ndarray | None:
    """Per group: :func:`sorted_group_quantile` of period ``p``'s history window.

    None when the window holds no row; ``ranked_*`` as for :func:`window_quantiles`.
    """
    inside = ranked_per < p
    if window is not None:
        inside &= ranked_per >= p - window
    if not inside.any():
        return None
    return sorted_group_quantile(ranked_code[inside], ranked_act[inside], q, n)


def history_slices(
    per: np.ndarray, window: int | None
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For each distinct period p: (p, rows in p, rows of the history window before p).

    Rows are positions in ``per``; history rows are a contiguous run of the rows sorted by
    period, so no period looks at the whole table.
    """
    order = np.argsort(per, kind="stable")
    sorted_per = per[order]
    uniq = unique_sorted(per)
    lo_p = np.full(uniq.size, np.iinfo(np.int64).min) if window is None else uniq - window
    hist_lo = np.searchsorted(sorted_per, lo_p, side="left")
    hist_hi = np.searchsorted(sorted_per, uniq, side="left")
    now_hi = np.searchsorted(sorted_per, uniq, side="right")
    for i, p in enumerate(uniq):
        yield int(p), order[hist_hi[i] : now_hi[i]], order[hist_lo[i] : hist_hi[i]]
