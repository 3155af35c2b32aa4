"""Implausible values: readable numbers that are very unlikely to be what the client meant.

A value can be a perfectly good number and still be wrong: an extra three zeros, a
revenue typed in kopecks, a share written as 140, a cell pasted from another column.
Three checks, each over whole arrays:

- **size**: a magnitude of 10^15 or more, which no KPI of one person in one period
  reaches (and which breaks sums: 1e308 + 1e308 is infinite);
- **limits**: outside the limits a library KPI states (``limits: [0, 1]`` for a share,
  ``[1, 5]`` for a rating);
- **outliers**: far from the KPI's other values for the same role, measured robustly
  (median and MAD, so that the outliers themselves do not widen the yardstick). Amounts
  and counts (KPIs whose values are never negative, and not a percent or a score) are
  compared on a log scale, where "ten times the usual" is the same distance for a junior
  and a key-account manager; zeros are plausible there (nothing sold that month).

Limits and outliers are warnings with their rows, errors with ``strict=True``. A size of
10^15 or more is always an error, like a non-finite value (those are errors of reading,
:mod:`.numbers`): payouts computed from it overflow or mean nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from .._util.format import number
from .._util.threads import side_by_side

__all__ = ["MAX_MAGNITUDE", "OUTLIER_Z", "check_plausible", "flagged_value"]

#: A magnitude no KPI value reaches: amounts of 10^15 or more are errors of entry or export.
MAX_MAGNITUDE = 1e15

#: How many robust standard deviations (1.4826 × MAD) from the median make an outlier.
OUTLIER_Z = 10.0

#: Fewest values of a KPI for one role before outliers are looked for.
MIN_VALUES = 12

# The smallest robust spread used, so that a KPI whose values are nearly all equal does
# not flag every small difference: a factor of e^(10 × 0.25) ≈ 12 on the log scale, and
# 5% of the median (plus an absolute floor) on the linear scale.
_LOG_FLOOR = 0.25
_LINEAR_FLOOR = 0.05

_LINEAR_UNITS = frozenset({"percent", "score", "ratio"})


def check_plausible(
    *,
    kpi_codes: np.ndarray,
    kpi_ids: Any,
    role_codes: np.ndarray | None,
    actual: np.ndarray,
    skip: np.ndarray | None,
    library: Any,
) -> dict[str, np.ndarray]:
    """Flag implausible actuals; return ``{check: row mask}`` for the checks that found some.

    Parameters
    ----------
    kpi_codes : array of int
        Each row's KPI as a code into ``kpi_ids`` (``-1``: none).
    kpi_ids : sequence of str
        The KPI ids.
    role_codes : array of int, optional
        Each row's role as a code (``-1``: none); ``None`` when the data has no role.
    actual : array of float
        The values.
    skip : array of bool, optional
        Rows already known to be bad (not judged, not used as a yardstick).
    library : Library or None
        For each KPI's unit, whether it can be negative, and its stated limits.

    Returns
    -------
    dict
        ``"size"``, ``"limits"`` and ``"outlier"`` → boolean row masks (only non-empty ones);
        a row is in one mask at most.

    Examples
    --------
    >>> codes = np.zeros(20, dtype=int)
    >>> values = np.r_[np.linspace(900, 1100, 19), 1e308]
    >>> found = check_plausible(kpi_codes=codes, kpi_ids=["revenue"], role_codes=None,
    ...                         actual=values, skip=None, library=None)
    >>> {k: np.flatnonzero(v).tolist() for k, v in found.items()}
    {'size': [19]}
    """
    valid = np.isfinite(actual)
    valid &= kpi_codes >= 0
    if skip is not None:
        valid &= ~skip
    found: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore"):  # NaN compares False; it is not valid anyway
        size = np.abs(actual) >= MAX_MAGNITUDE
    size &= valid
    if size.any():
        found["size"] = size
    valid &= ~size
    lows, highs = _limits(kpi_ids, library)
    if np.isfinite(lows).any() or np.isfinite(highs).any():
        low, high = np.append(lows, -np.inf)[kpi_codes], np.append(highs, np.inf)[kpi_codes]
        beyond = valid & ((actual < low) | (actual > high))
        if beyond.any():
            found["limits"] = beyond
            valid &= ~beyond
    outlier = _outliers(kpi_codes, kpi_ids, role_codes, actual, valid, library)
    if outlier is not None:
        found["outlier"] = outlier
    return found


def _limits(kpi_ids: Any, library: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each KPI's stated lower and upper limit (infinite where none)."""
    lows = np.full(len(kpi_ids), -np.inf)
    highs = np.full(len(kpi_ids), np.inf)
    if library is None:
        return lows, highs
    for i, k in enumerate(kpi_ids):
        limits = getattr(library.get(str(k)), "limits", None)
        if limits is not None:
            lo, hi = limits
            lows[i] = -np.inf if lo is None else lo
            highs[i] = np.inf if hi is None else hi
    return lows, highs


def _log_scale(kpi_codes: np.ndarray, kpi_ids: Any, actual: np.ndarray, valid: np.ndarray,
               library: Any) -> np.ndarray:  # fmt: skip
    """Per KPI: compared on a log scale (amounts and counts never below zero)."""
    n = len(kpi_ids)
    negative = np.bincount(kpi_codes[valid & (actual < 0)], minlength=n) > 0
    linear_unit = np.array(
        [
            library is not None and getattr(library.get(str(k)), "unit", None) in _LINEAR_UNITS
            for k in kpi_ids
        ],
        dtype=bool,
    )
    return ~negative & ~linear_unit


def _outliers(
    kpi_codes: np.ndarray,
    kpi_ids: Any,
    role_codes: np.ndarray | None,
    actual: np.ndarray,
    valid: np.ndarray,
    library: Any,
) -> np.ndarray | None:
    """Rows far from their KPI × role median, in robust standard deviations."""
    log_kpi = _log_scale(kpi_codes, kpi_ids, actual, valid, library)  # per KPI
    every, none = bool(log_kpi.all()), not log_kpi.any()
    if every:  # the usual case: amounts and counts only, no per-row scale to pick
        judged = valid & (actual > 0)
    elif none:
        judged = valid
    else:  # a row without a KPI (code -1) is not valid: the appended False is never used
        judged = valid & (~np.append(log_kpi, False)[kpi_codes] | (actual > 0))
    if np.count_nonzero(judged) < MIN_VALUES:
        return None
    x = actual[judged]
    kpi = kpi_codes[judged]
    if every:
        y = np.log(x)
    elif none:
        y = x
    else:
        y = x.copy()
        np.log(x, out=y, where=log_kpi[kpi])
    n_groups = len(kpi_ids)
    if role_codes is None:
        group, group_log = kpi, log_kpi
    else:
        n_roles = int(role_codes.max(initial=0)) + 2
        group = kpi.astype(np.int64) * n_roles + role_codes[judged] + 1
        group_log = np.repeat(log_kpi, n_roles)
        n_groups *= n_roles
    far = _far(group, n_groups, y, group_log)
    if far is None:
        return None
    out = np.zeros(len(actual), dtype=bool)
    out[np.flatnonzero(judged)[far]] = True
    return out


def _far(
    group: np.ndarray, n_groups: int, y: np.ndarray, group_log: np.ndarray
) -> np.ndarray | None:
    """Rows more than :data:`OUTLIER_Z` robust spreads from their group's median.

    One stable sort by group (a radix sort on small codes), then each group's median and
    MAD by selection (:func:`numpy.partition`, linear) on its contiguous slice; on big
    tables the groups are shared between threads (numpy's selection releases the GIL).
    ``group_log``: per group, whether its values are on the log scale.
    """
    counts = np.bincount(group, minlength=n_groups)
    small = np.int16 if n_groups < 2**15 else np.int32 if n_groups < 2**31 else np.int64
    order = np.argsort(group.astype(small, copy=False), kind="stable")
    ys = y[order]
    starts = np.concatenate([[0], np.cumsum(counts)])
    slices = [
        (int(starts[g]), int(starts[g + 1]), bool(group_log[g]))
        for g in np.flatnonzero(counts >= MIN_VALUES)
    ]

    def hits(start: int, stop: int, on_log: bool) -> np.ndarray | None:
        found = _far_in_group(ys[start:stop], on_log)
        return None if found is None else order[start:stop][found]

    found = side_by_side([partial(hits, *bounds) for bounds in slices], rows=len(y))
    rows = [f for f in found if f is not None]
    if not rows:
        return None
    far = np.zeros(len(y), dtype=bool)
    far[np.concatenate(rows)] = True
    return far


def _far_in_group(part: np.ndarray, on_log: bool) -> np.ndarray | None:
    """The far values of one group (a mask), or None when there are none.

    A group whose whole range lies within the floor's reach skips its MAD: no value of it
    can be far.
    """
    median = _median(part)
    floor = _LOG_FLOOR if on_log else _LINEAR_FLOOR * abs(median) + 1e-9
    if max(part.max() - median, median - part.min()) <= OUTLIER_Z * floor:
        return None
    distance = np.abs(part - median)
    spread = max(1.4826 * _median(distance), floor)
    hit = distance > OUTLIER_Z * spread
    return hit if hit.any() else None


# From this many values a median is selected within a bracket read off a sample.
_BRACKET_VALUES = 16_384


def _median(values: np.ndarray, *, bracket_from: int = _BRACKET_VALUES) -> float:
    """The median of ``values`` (no NaN), equal to :func:`numpy.median`, about twice as fast.

    On big arrays the order statistics are selected among the values inside a bracket read
    off a sorted sample, after counting the values below it: one pass of comparisons over
    the whole array and a selection over a small part, instead of a selection over a copy
    of all of it. The sample only decides how fast this is, never the result: when the
    bracket misses the middle, the whole array is used.
    """
    n = len(values)
    if n < max(bracket_from, 1):
        return float(np.median(values))
    sample = np.sort(values[:: max(n // 1024, 1)])
    m = len(sample)
    middle = ((n - 1) // 2, n // 2)  # the same position twice when n is odd
    at = middle[0] * m // n
    margin = 3 * int(np.sqrt(m)) + 2  # wide enough that a miss is rare
    low, high = sample[max(at - margin, 0)], sample[min(at + margin + 1, m - 1)]
    below = np.count_nonzero(values < low)
    inside = values[(values >= low) & (values <= high)]
    if not below <= middle[0] <= middle[1] < below + len(inside):
        return float(np.median(values))
    kth = [k - below for k in dict.fromkeys(middle)]
    chosen = np.partition(inside, kth)[kth]
    return float(np.mean(chosen))  # as numpy.median: the mean of the two middle values


def flagged_value(kind: str, kpi: str, value: float, library: Any) -> str:
    """One flagged value as shown in the report: ``revenue = 1e+308``, with its limits."""
    text = f"{kpi} = {number(value)}"
    if kind == "limits" and library is not None:
        lo, hi = getattr(library.get(kpi), "limits", None) or (None, None)
        shown = " to ".join(number(v) if v is not None else "any" for v in (lo, hi))
        text += f" (limits {shown})"
    return text
