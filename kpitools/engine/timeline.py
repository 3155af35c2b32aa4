"""Each employee's periods in order: the sequences a true-up, a draw or a clawback runs along.

A payment that depends on earlier periods (docs/plan-mechanics.md) needs, for every
employee-period, its place in the employee's own sequence: the rows in (employee, period)
order, the (fiscal) year each period belongs to, and whether it lies in a draw's window.
:class:`Timeline` holds that, built once by :func:`build_timeline` when the data are
prepared; the running sums, maxima and minima along it (:meth:`Timeline.cumsum` …) are
pandas group operations on whole arrays, with no Python loop over employees or periods.

Examples
--------
>>> tl = Timeline.of(np.array([0, 0, 1, 0]), np.array([24300, 24301, 24300, 24312]),
...                  "month", fiscal_year_start=1)
>>> tl.cumsum(np.array([1.0, 2.0, 10.0, 4.0]), by="year").tolist()
[1.0, 3.0, 10.0, 4.0]
>>> tl.year_of.tolist()
[2025, 2025, 2025, 2026]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data import Roster, months_in
from ..errors import DefinitionError
from ..scheme import Scheme
from .proration import roster_values

__all__ = ["Timeline", "build_timeline", "fiscal_years"]

_EPOCH_MONTH = 1970 * 12


def fiscal_years(per: np.ndarray, kind: str, start_month: int = 1) -> np.ndarray:
    """The fiscal year of each period ordinal (a year starting in April: the year it starts).

    The calendar year of the period's first month, counted from ``start_month``.

    Examples
    --------
    >>> fiscal_years(np.array([2025 * 12 + 2, 2025 * 12 + 3]), "month", 4).tolist()
    [2024, 2025]
    """
    first_month = np.asarray(per, dtype=np.int64) * months_in(kind)
    return (first_month - (start_month - 1)) // 12


@dataclass(frozen=True, eq=False)
class Timeline:
    """Where each employee-period lies in its employee's sequence of periods.

    Attributes
    ----------
    order : numpy.ndarray
        The rows in (employee, period) order.
    person, year : numpy.ndarray
        Per row (in that order): the employee's group, and the employee × fiscal-year group.
    year_of : numpy.ndarray
        Per row (original order): the fiscal year.
    draw_window : numpy.ndarray or None
        Per row (original order): whether a draw applies (``draw.for_first``); ``None``:
        everywhere.
    aggregation : mapping
        ``component``, ``gate``, ``modifier`` → each item's KPI aggregation (``sum`` where
        not given): how a true-up cumulates it over the year.
    parts : mapping
        The same keys → for each item, the numerator and denominator actuals of a ratio KPI
        (aligned with the rows), or ``None``.
    """

    order: np.ndarray
    person: np.ndarray
    year: np.ndarray
    year_of: np.ndarray
    draw_window: np.ndarray | None = None
    aggregation: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parts: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        emp: np.ndarray,
        per: np.ndarray,
        kind: str,
        *,
        fiscal_year_start: int = 1,
        draw_window: np.ndarray | None = None,
        aggregation: Mapping[str, tuple[str, ...]] | None = None,
        parts: Mapping[str, tuple[Any, ...]] | None = None,
    ) -> Timeline:
        """The timeline of rows with employee codes ``emp`` and period ordinals ``per``."""
        emp = np.asarray(emp, dtype=np.int64)
        per = np.asarray(per, dtype=np.int64)
        order = np.lexsort((per, emp))
        fy = fiscal_years(per, kind, fiscal_year_start)
        e, y = emp[order], fy[order]
        new_year = np.r_[True, (e[1:] != e[:-1]) | (y[1:] != y[:-1])] if e.size else e.astype(bool)
        return cls(
            order=order,
            person=e,
            year=np.cumsum(new_year) - 1,
            year_of=fy,
            draw_window=draw_window,
            aggregation=dict(aggregation or {}),
            parts=dict(parts or {}),
        )

    @property
    def n(self) -> int:
        """Number of employee-periods."""
        return self.order.size

    def _groups(self, by: str) -> np.ndarray:
        return self.year if by == "year" else self.person

    def _sorted(self, values: np.ndarray) -> pd.Series:
        return pd.Series(np.asarray(values)[self.order])

    def _back(self, values: Any) -> np.ndarray:
        out = np.empty(self.n, dtype=np.asarray(values).dtype)
        out[self.order] = values
        return out

    def cumsum(self, values: np.ndarray, *, by: str = "year") -> np.ndarray:
        """The running sum of ``values`` along each employee's year (or whole sequence)."""
        return self._back(self._sorted(values).groupby(self._groups(by)).cumsum().to_numpy())

    def cummax(self, values: np.ndarray, *, by: str = "year") -> np.ndarray:
        """The running maximum along each employee's year (or whole sequence)."""
        return self._back(self._sorted(values).groupby(self._groups(by)).cummax().to_numpy())

    def cummin(self, values: np.ndarray, *, by: str = "year") -> np.ndarray:
        """The running minimum along each employee's year (or whole sequence)."""
        return self._back(self._sorted(values).groupby(self._groups(by)).cummin().to_numpy())

    def count(self, present: np.ndarray, *, by: str = "year") -> np.ndarray:
        """How many rows so far (this one included) have ``present`` true."""
        return self.cumsum(np.asarray(present, dtype=np.int64), by=by)

    def ffill(self, values: np.ndarray, *, by: str = "year") -> np.ndarray:
        """The latest non-missing value so far (missing before the first one)."""
        return self._back(self._sorted(values).groupby(self._groups(by)).ffill().to_numpy())

    def previous(self, values: np.ndarray, *, by: str = "year", first: Any = 0) -> np.ndarray:
        """The value of the row before in the same group (``first`` for a group's first row)."""
        s = self._sorted(values)
        return self._back(s.groupby(self._groups(by)).shift(1, fill_value=first).to_numpy())


def build_timeline(
    scheme: Scheme,
    keys: pd.DataFrame,
    per: np.ndarray,
    roster: Roster | None,
    *,
    aggregation: Mapping[str, tuple[str, ...]] | None = None,
    parts: Mapping[str, tuple[Any, ...]] | None = None,
) -> Timeline:
    """The timeline of the evaluated employee-periods of a scheme that pays over time.

    ``aggregation`` and ``parts``: see :class:`Timeline`.

    Raises
    ------
    DefinitionError
        ``draw.for_first`` without a roster that has ``hire_date``.
    """
    emp = pd.factorize(np.asarray(keys["employee"], dtype=object))[0]
    window = None
    draw = scheme.draw
    if draw is not None and draw.for_first is not None:
        window = _draw_window(scheme, keys, per, roster)
    return Timeline.of(
        emp,
        per,
        scheme.period,
        fiscal_year_start=scheme.fiscal_year_start or 1,
        draw_window=window,
        aggregation=aggregation,
        parts=parts,
    )


def _draw_window(
    scheme: Scheme, keys: pd.DataFrame, per: np.ndarray, roster: Roster | None
) -> np.ndarray:
    """Whether each row lies within the first ``draw.for_first`` periods after hire.

    The period holding the hire date is the first; someone without a hire date (or not on
    the roster) is not a new hire and gets no draw.
    """
    n = scheme.draw.for_first
    if roster is None or "hire_date" not in roster.table.columns:
        raise DefinitionError(
            f"{scheme.source}: draw.for_first: the draw is paid in the first {n} periods after "
            "hire, and no roster with a hire_date column was given.\n"
            "Suggestion: give the roster (--roster FILE, or roster= in Python) with hire "
            "dates, or remove for_first: to pay the draw in every period."
        )
    hire = roster_values(keys["employee"].array, roster, "hire_date").astype("datetime64[M]")
    hired = ~np.isnat(hire)
    hire_month = np.where(hired, hire.astype(np.int64), 0) + _EPOCH_MONTH
    hire_period = hire_month // months_in(scheme.period)
    since = np.asarray(per, dtype=np.int64) - hire_period
    return hired & (since >= 0) & (since < n)
