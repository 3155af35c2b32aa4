"""Periods: parse ``YYYY-MM`` / ``YYYY-Qn`` / ``YYYY`` labels, convert them, pick ranges.

Periods are held as integer ordinals of their kind so that "the period before" is
``p - 1`` and "the same period last year" is ``p - lag_year(kind)``:

- month ``YYYY-MM`` → ``YYYY * 12 + MM - 1``
- quarter ``YYYY-Qn`` → ``YYYY * 4 + n - 1``
- year ``YYYY`` → ``YYYY``

Examples
--------
>>> parse_period("2025-03"), parse_period("2025-Q2"), parse_period("2025")
(('month', 24302), ('quarter', 8101), ('year', 2025))
>>> format_period(8101, "quarter")
'2025-Q2'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DefinitionError

__all__ = [
    "KINDS",
    "convert",
    "format_period",
    "format_periods",
    "lag_year",
    "months_in",
    "parse_period",
    "parse_range",
    "period_codes",
    "period_ordinals",
    "periods_in_scope",
    "select",
    "unique_sorted",
]


#: Period kinds from finest to coarsest.
KINDS = ("month", "quarter", "year")


_MONTHS = {"month": 1, "quarter": 3, "year": 12}


_LABEL = {"month": "YYYY-MM", "quarter": "YYYY-Qn", "year": "YYYY"}


_RE = re.compile(r"^\s*(\d{4})(?:-(?:(\d{1,2})|[Qq]([1-4])))?\s*$")


def parse_period(text: Any) -> tuple[str, int]:
    """Return ``(kind, ordinal)`` of a period label, or raise ``ValueError``.

    Examples
    --------
    >>> parse_period("2024-12")
    ('month', 24299)
    """
    m = _RE.match(str(text))
    if not m:
        raise ValueError(f"not a period: {text!r}")
    year = int(m.group(1))
    if m.group(2) is not None:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"not a period: {text!r}")
        return "month", year * 12 + month - 1
    if m.group(3) is not None:
        return "quarter", year * 4 + int(m.group(3)) - 1
    return "year", year


def period_ordinals(values: Iterable[Any]) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Kinds and ordinals of canonical period labels (each distinct label parsed once).

    For labels already in the canonical form (``YYYY-MM``, ``YYYY-Qn``, ``YYYY``); free-form
    text (dates, "Jan 2025") is :func:`kpitools.data.parse_periods`'s job.

    Parameters
    ----------
    values : iterable
        Period labels.

    Returns
    -------
    kinds : numpy.ndarray of str
        ``month``, ``quarter``, ``year`` ("" for a bad label).
    ordinals : numpy.ndarray of int64
        Months, quarters or years since year 0 (-1 for a bad label).
    bad : list
        The distinct labels that are not periods.

    Examples
    --------
    >>> kinds, ords, bad = period_ordinals(["2025-01", "2025-Q1", "2025", "soon"])
    >>> kinds.tolist(), ords.tolist(), bad
    (['month', 'quarter', 'year', ''], [24300, 8100, 2025, -1], ['soon'])
    """
    codes, kinds_u, ords_u, bad = period_codes(values)
    return kinds_u[codes], ords_u[codes], bad


def period_codes(values: Iterable[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Any]]:
    """:func:`period_ordinals` per distinct label: row codes, and each code's kind and ordinal.

    No per-row array of kinds, which a large table does not need.

    Examples
    --------
    >>> codes, kinds, ords, bad = period_codes(["2025-01", "2025-02", "2025-01"])
    >>> codes.tolist(), kinds.tolist(), ords.tolist(), bad
    ([0, 1, 0], ['month', 'month'], [24300, 24301], [])
    """
    values = pd.Series(list(values) if not isinstance(values, pd.Series) else values)
    codes, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    kinds_u, ords_u, bad = [], [], []
    for u in uniques:
        try:
            k, o = parse_period(u)
        except ValueError:
            k, o = "", -1
            bad.append(u)
        kinds_u.append(k)
        ords_u.append(o)
    return codes, np.asarray(kinds_u, dtype=object), np.asarray(ords_u, dtype=np.int64), bad


def unique_sorted(values: Any) -> np.ndarray:
    """Sorted distinct values of an integer array (a sort: faster than ``np.unique`` here).

    Examples
    --------
    >>> unique_sorted(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    v = np.asarray(values).ravel()
    if v.size == 0:
        return np.sort(v)
    if v.dtype.kind in "iu":
        lo, hi = int(v.min()), int(v.max())
        if hi - lo <= 8 * v.size + 1_000_000:  # a small range: a look-up table, no sort
            seen = np.zeros(hi - lo + 1, dtype=bool)
            seen[v - lo] = True
            return (np.flatnonzero(seen) + lo).astype(v.dtype, copy=False)
    s = np.sort(v)
    return s[np.r_[True, s[1:] != s[:-1]]]


def format_period(ordinal: int, kind: str) -> str:
    """Label of a period ordinal: ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``.

    Examples
    --------
    >>> format_period(24302, "month")
    '2025-03'
    """
    o = int(ordinal)
    if kind == "month":
        return f"{o // 12:04d}-{o % 12 + 1:02d}"
    if kind == "quarter":
        return f"{o // 4:04d}-Q{o % 4 + 1}"
    return f"{o:04d}"


def format_periods(ordinals: Sequence[int] | np.ndarray, kind: str) -> np.ndarray:
    """Labels of many ordinals (each distinct ordinal formatted once)."""
    arr = np.asarray(ordinals, dtype=np.int64)
    if arr.size == 0:
        return np.array([], dtype=object)
    uniq = unique_sorted(arr)
    labels = np.array([format_period(o, kind) for o in uniq], dtype=object)
    return labels[np.searchsorted(uniq, arr)]


def convert(ordinal: Any, source: str, dest: str) -> Any:
    """Map ordinals of kind ``source`` to the coarser kind ``dest`` they fall in.

    Examples
    --------
    >>> convert(24302, "month", "quarter")  # 2025-03 is in 2025-Q1
    8100
    """
    if KINDS.index(dest) < KINDS.index(source):
        raise ValueError(f"cannot split {source} periods into {dest}s")
    return ordinal // (_MONTHS[dest] // _MONTHS[source])


def lag_year(kind: str) -> int:
    """How many periods of ``kind`` make a year (12, 4, 1)."""
    return 12 // _MONTHS[kind]


def months_in(kind: str) -> int:
    """How many months a period of ``kind`` holds (1, 3, 12)."""
    return _MONTHS[kind]


def _month_span(label: str) -> tuple[int, int]:
    kind, o = parse_period(label)
    first = o * _MONTHS[kind]
    return first, first + _MONTHS[kind] - 1


def parse_range(periods: Any) -> tuple[str | None, str | None] | None:
    """Normalise a period selection: ``None``, ``"FROM..TO"``, ``(FROM, TO)`` or one label.

    Either end may be left open (``"..2025-06"``: from the data's first period; ``None`` in
    a tuple): that end is ``None``.

    Examples
    --------
    >>> parse_range("2025-01..2025-12"), parse_range("..2025-06")
    (('2025-01', '2025-12'), (None, '2025-06'))
    """
    if periods is None:
        return None
    if isinstance(periods, str):
        parts = periods.split("..") if ".." in periods else [periods, periods]
    else:
        parts = list(periods)
    if len(parts) != 2:
        raise DefinitionError(
            f"periods {periods!r}: expected FROM..TO (e.g. 2025-01..2025-12).\n"
            "Suggestion: give the first and the last period to evaluate."
        )
    lo, hi = (None if p is None or not str(p).strip() else str(p).strip() for p in parts)
    for p in (lo, hi):
        if p is None:
            continue
        try:
            parse_period(p)
        except ValueError:
            raise DefinitionError(
                f"periods {periods!r}: {p!r} is not a period.\n"
                "Suggestion: write periods as YYYY-MM, YYYY-Qn or YYYY, e.g. 2025-01..2025-12."
            ) from None
    if lo is not None and hi is not None and _month_span(lo)[0] > _month_span(hi)[1]:
        raise DefinitionError(
            f"periods {periods!r}: {lo} comes after {hi}.\n"
            "Suggestion: write the earlier period first (FROM..TO)."
        )
    return lo, hi


def select(ordinals: np.ndarray, kind: str, periods: Any) -> np.ndarray:
    """Boolean mask of the ``kind`` periods lying wholly inside the selection (inclusive).

    ``FROM`` and ``TO`` may be months, quarters or years: ``2025-01..2025-12`` picks the four
    quarters of 2025 for a quarterly scheme; a quarter only partly inside is left out.

    Examples
    --------
    >>> select(np.array([8100, 8101, 8102]), "quarter", "2025-02..2025-09").tolist()
    [False, True, True]
    """
    rng = parse_range(periods)
    ords = np.asarray(ordinals, dtype=np.int64)
    if rng is None:
        return np.ones(ords.shape, dtype=bool)
    start = ords * _MONTHS[kind]
    keep = np.ones(ords.shape, dtype=bool)
    if rng[0] is not None:
        keep &= start >= _month_span(rng[0])[0]
    if rng[1] is not None:
        keep &= start + _MONTHS[kind] - 1 <= _month_span(rng[1])[1]
    return keep


def periods_in_scope(present: np.ndarray, kind: str, periods: Any) -> np.ndarray:
    """Every ``kind`` period the evaluation covers: the selection, or the data's first to last.

    ``present`` holds the ordinals that have data. Comparing the two shows the empty periods
    (nobody has a row), which the engine reports instead of leaving them out without a word.

    Examples
    --------
    >>> jan, mar = period_ordinals(["2025-01", "2025-03"])[1]
    >>> format_periods(periods_in_scope(np.array([jan, mar]), "month", None), "month").tolist()
    ['2025-01', '2025-02', '2025-03']
    """
    present = np.asarray(present, dtype=np.int64)
    rng = parse_range(periods)
    if rng is None or None in rng:
        if present.size == 0:
            return present
    months = _MONTHS[kind]
    if rng is None or rng[0] is None:
        first = int(present.min())
    else:
        first = -(-_month_span(rng[0])[0] // months)  # ceil: a period wholly inside only
    if rng is None or rng[1] is None:
        last = int(present.max())
    else:
        last = (_month_span(rng[1])[1] + 1) // months - 1
    return np.arange(first, last + 1, dtype=np.int64)
