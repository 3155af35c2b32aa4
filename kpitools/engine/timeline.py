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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data import Roster, months_in, period_ordinals
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
    sequential : bool
        The rows are already in sequence order (``order`` is the identity).
    """

    order: np.ndarray
    person: np.ndarray
    year: np.ndarray
    year_of: np.ndarray
    draw_window: np.ndarray | None = None
    aggregation: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parts: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    sequential: bool = False

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

    @property
    def identity(self) -> bool:
        """Whether the rows are already in sequence order (see :meth:`in_sequence`)."""
        return self.sequential or self.order.size == 0

    def in_sequence(self) -> Timeline:
        """The same timeline for rows already put in sequence order (``values[order]``).

        Running sums along it need no gather or scatter: a whole settlement is done in
        sequence order and put back once.
        """

        def seq(x):
            return None if x is None else np.asarray(x)[self.order]

        parts = {
            kind: tuple(None if p is None else (seq(p[0]), seq(p[1])) for p in pairs)
            for kind, pairs in self.parts.items()
        }
        out = Timeline(
            order=np.arange(self.n),
            person=self.person,
            year=self.year,
            year_of=seq(self.year_of),
            draw_window=seq(self.draw_window),
            aggregation=self.aggregation,
            parts=parts,
            sequential=True,
        )
        return out

    def to_sequence(self, values: np.ndarray) -> np.ndarray:
        """Values of the rows in sequence order."""
        return np.asarray(values)[self.order]

    def from_sequence(self, values: np.ndarray) -> np.ndarray:
        """Values in sequence order put back in the rows' order."""
        return self._back(values)

    def _groups(self, by: str) -> np.ndarray:
        return self.year if by == "year" else self.person

    def _starts(self, by: str) -> np.ndarray:
        """Whether each row (in sequence order) starts its group."""
        g = self._groups(by)
        return np.r_[True, g[1:] != g[:-1]] if g.size else g.astype(bool)

    def _sorted(self, values: np.ndarray) -> pd.Series:
        values = np.asarray(values)
        return pd.Series(values if self.identity else values[self.order])

    def _back(self, values: Any) -> np.ndarray:
        values = np.asarray(values)
        if self.identity:
            return values
        out = np.empty(self.n, dtype=values.dtype)
        out[self.order] = values
        return out

    def cumsum(self, values: np.ndarray, *, by: str = "year") -> np.ndarray:
        """The running sum of ``values`` along each employee's year (or whole sequence).

        Whole numbers (cents, counts) are summed exactly on the whole array, less each
        group's start; floats group by group, so that no group carries another's rounding.
        """
        values = np.asarray(values)
        if values.dtype.kind in "iub" and self.n:
            v = (values if self.identity else values[self.order]).astype(np.int64)
            total = np.cumsum(v)
            starts = np.flatnonzero(self._starts(by))
            before = np.repeat(total[starts] - v[starts], np.diff(np.r_[starts, self.n]))
            return self._back(total - before)
        return self._back(self._sorted(values).groupby(self._groups(by)).cumsum().to_numpy())

    def _running(self, values: np.ndarray, by: str, ufunc: Any, how: str) -> np.ndarray:
        """A running maximum or minimum per group.

        On the whole array when whole numbers let each group be lifted above (or below) all
        earlier ones, else group by group.
        """
        values = np.asarray(values)
        if values.dtype.kind in "iu" and self.n:
            v = (values if self.identity else values[self.order]).astype(np.int64)
            lo, hi = int(v.min()), int(v.max())
            g = self._groups(by).astype(np.int64)
            width = hi - lo + 1
            if width * (int(g.max()) + 1) < 2**62:
                lift = g * width if ufunc is np.maximum else -g * width
                return self._back(ufunc.accumulate(v - lo + lift) - lift + lo)
        grouped = self._sorted(values).groupby(self._groups(by))
        return self._back(getattr(grouped, how)().to_numpy())

    def cummax(self, values: np.ndarray, *, by: str = "year") -> np.ndarray:
        """The running maximum along each employee's year (or whole sequence)."""
        return self._running(values, by, np.maximum, "cummax")

    def cummin(self, values: np.ndarray, *, by: str = "year") -> np.ndarray:
        """The running minimum along each employee's year (or whole sequence)."""
        return self._running(values, by, np.minimum, "cummin")

    def count(self, present: np.ndarray, *, by: str = "year") -> np.ndarray:
        """How many rows so far (this one included) have ``present`` true."""
        return self.cumsum(np.asarray(present, dtype=np.int64), by=by)

    def ffill(self, values: np.ndarray, *, by: str = "year") -> np.ndarray:
        """The latest non-missing value so far (missing before the first one)."""
        return self._back(self._sorted(values).groupby(self._groups(by)).ffill().to_numpy())

    def previous(self, values: np.ndarray, *, by: str = "year", first: Any = 0) -> np.ndarray:
        """The value of the row before in the same group (``first`` for a group's first row)."""
        v = np.asarray(values)
        v = v if self.identity else v[self.order]
        out = np.empty_like(v)
        if v.size:
            out[1:] = v[:-1]
            out[self._starts(by)] = first
        return self._back(out)


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
    employee = keys["employee"]
    if isinstance(employee.dtype, pd.CategoricalDtype):  # the engine's keys: codes at hand
        emp = employee.cat.codes.to_numpy(dtype=np.int64)
    else:
        emp = pd.factorize(np.asarray(employee, dtype=object))[0]
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


def check_scoped_over_time(scheme: Scheme, items: Any, library: Any) -> None:
    """Refuse what team and manager pay cannot pay over time yet.

    A true-up, a draw and a clawback work on a group's rows as on a person's; a true-up of
    a group's ratio KPI (its year-to-date needs the group's numerator and denominator) does
    not yet.
    """
    if scheme.true_up is None:
        return
    for item in items:
        k = library.get(item.spec.kpi) if library else None
        if item.spec.scoped and getattr(k, "aggregation", None) == "ratio":
            raise DefinitionError(
                f"{scheme.source}: {item.path}.scope: a true-up of a group's ratio KPI "
                f"({item.spec.kpi!r}) is not supported yet.\nSuggestion: pay this item on "
                "each period's own figure (remove true_up:), or measure a sum KPI."
            )


def scoped_timeline(
    scheme: Scheme, items: Any, keys: pd.DataFrame, roster: Roster | None, library: Any
) -> Timeline:
    """The timeline of a team or manager scheme's own rows (a group's periods in order).

    Each item's KPI cumulates over the year by its aggregation (a ratio is refused before,
    :func:`check_scoped_over_time`).
    """
    aggregation, _parts = item_aggregations(items, library)
    per = period_ordinals(keys["period"])[1]
    return build_timeline(scheme, keys, per, roster, aggregation=aggregation)


def item_aggregations(
    items: Any, library: Any, parts_of: Callable[[Any, Any], Any] | None = None
) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """How a true-up cumulates each item (:class:`Timeline`'s ``aggregation`` and ``parts``).

    ``aggregation``: item kind → each item's KPI aggregation (``sum`` where the library does
    not say). ``parts``: for a ratio KPI, ``parts_of(numerator, denominator)`` (its two
    actuals aligned with the rows, or None), else None.
    """
    aggregation: dict[str, list[str]] = {"component": [], "gate": [], "modifier": []}
    parts: dict[str, list[Any]] = {"component": [], "gate": [], "modifier": []}
    for item in items:
        k = library.get(item.spec.kpi) if library else None
        how = getattr(k, "aggregation", None) or "sum"
        num, den = getattr(k, "numerator", None), getattr(k, "denominator", None)
        aggregation[item.kind].append(how)
        ratio = how == "ratio" and parts_of is not None and num and den
        parts[item.kind].append(parts_of(num, den) if ratio else None)
    return (
        {kind: tuple(v) for kind, v in aggregation.items()},
        {kind: tuple(v) for kind, v in parts.items()},
    )
