"""Proration from the roster: who was there, for how much of each period, at what FTE.

The active share of an employee in a period is

    f = fte × days active in the period / days in the period

where the days active run from the later of the period's first day and the hire date to
the earlier of the period's last day and the leave date (both dates count as worked). An
employee missing from the roster, or without dates, counts as there all period (f = fte,
1 without one). :func:`active_share` computes f for whole arrays of employee-periods;
:func:`prorated_targets` says which targets it scales (``sum`` KPIs set by ``fixed``,
``growth`` or ``percentile``: not ``from_data``, which already says what was expected of
that person; ``allocate`` splits its total by f-weighted shares instead).

Examples
--------
>>> import pandas as pd
>>> from kpitools.data import load_roster
>>> roster = load_roster(pd.DataFrame({"employee": ["a", "b"],
...                                    "hire_date": ["2025-02-01", None]}))
>>> q1 = 2025 * 4  # 2025-Q1: 90 days, a works 59 of them
>>> active_share(np.array(["a", "b"], dtype=object), np.array([q1, q1]), "quarter",
...              roster).round(6).tolist()
[0.655556, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data import ROSTER_PRORATION, Roster, months_in
from ..scheme import Scheme

__all__ = ["active_share", "period_days", "prorates", "prorated_targets", "roster_values"]

_EPOCH_MONTH = 1970 * 12
_PRORATED_METHODS = frozenset({"fixed", "growth", "percentile"})


def prorates(scheme: Scheme, roster: Roster | None) -> bool:
    """Whether a run of ``scheme`` prorates: a roster with dates or ``fte``, not turned off."""
    if roster is None or scheme.proration == "none":
        return False
    return any(c in roster.table.columns for c in ROSTER_PRORATION)


def period_days(per: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The first day (``datetime64[D]``) of each period ordinal and its number of days.

    Examples
    --------
    >>> start, days = period_days(np.array([2024 * 12 + 1, 2025 * 4]), "month")
    >>> str(start[0]), days.tolist()
    ('2024-02-01', [29, 31])
    """
    months = months_in(kind)
    first_month = np.asarray(per, dtype=np.int64) * months - _EPOCH_MONTH
    start = first_month.astype("datetime64[M]").astype("datetime64[D]")
    end = (first_month + months).astype("datetime64[M]").astype("datetime64[D]")
    return start, (end - start).astype(np.int64)


def roster_values(employees: Any, roster: Roster, column: str) -> np.ndarray:
    """A roster column for each of ``employees`` (missing where not on the roster).

    ``employees`` may be categorical: each distinct employee is looked up once.
    """
    table = roster.table
    values = table[column].to_numpy()
    cat = pd.Categorical(employees) if not isinstance(employees, pd.Categorical) else employees
    at = pd.Index(table["employee"].astype(object)).get_indexer(
        np.asarray(cat.categories, dtype=object)
    )
    codes = np.asarray(cat.codes, dtype=np.int64)
    pos = np.where(codes >= 0, at[np.maximum(codes, 0)], -1)
    if values.dtype.kind == "M":
        filler = np.array(["NaT"], dtype=values.dtype)
    elif values.dtype.kind == "f":
        filler = np.array([np.nan])
    else:
        filler = np.array([None], dtype=object)
        values = values.astype(object)
    return np.concatenate([values, filler])[np.where(pos >= 0, pos, len(values))]


def active_share(employees: Any, per: np.ndarray, kind: str, roster: Roster) -> np.ndarray:
    """The active share fte × days active / days in the period of each employee-period.

    Parameters
    ----------
    employees : array-like or Categorical
        Employee ids, one per employee-period.
    per : numpy.ndarray
        Period ordinals of ``kind``.
    kind : str
        ``month``, ``quarter`` or ``year``.
    roster : Roster
        With any of ``hire_date``, ``leave_date``, ``fte``.
    """
    start, days = period_days(per, kind)
    end = start + days  # exclusive
    table = roster.table
    first, stop = start, end
    if "hire_date" in table.columns:
        hire = roster_values(employees, roster, "hire_date").astype("datetime64[D]")
        first = np.where(np.isnat(hire), start, np.maximum(start, hire))
    if "leave_date" in table.columns:
        leave = roster_values(employees, roster, "leave_date").astype("datetime64[D]")
        last_day = leave + np.timedelta64(1, "D")  # the leave date is a day worked
        stop = np.where(np.isnat(leave), end, np.minimum(end, last_day))
    active = np.maximum((stop - first).astype(np.int64), 0)
    share = active / days
    if "fte" in table.columns:
        fte = roster_values(employees, roster, "fte").astype(float)
        share = share * np.where(np.isnan(fte), 1.0, fte)
    return share


def prorated_targets(item_spec: Any, library: Any) -> bool:
    """Whether proration scales this item's targets: a ``sum`` KPI set by fixed/growth/percentile.

    A KPI the library does not know (or every KPI, with no library) is summed, so it counts
    as ``sum``.
    """
    target = item_spec.target
    if target is None or target.method not in _PRORATED_METHODS:
        return False
    kpi = library.get(item_spec.kpi) if library else None
    return getattr(kpi, "aggregation", "sum") == "sum"
