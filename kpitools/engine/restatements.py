"""Restatements and clawbacks: values as known when paid, and what changed later.

The long table may carry an ``as_of`` column (``YYYY-MM``): the month in which that row's
value of its employee × period × KPI was known (a row without it is known in its own
period). A later row for the same employee × period × KPI restates it (docs/plan-mechanics.md):

- **without** ``clawback:`` the latest value of each is used (:func:`latest_values`);
- **with** ``clawback: {within: N}`` each period is paid on the values known by the end of
  that period (or, for a value first known later, on that first value), and a restatement
  at most N periods later pays or claws back what it changes in that period's earnings,
  ``earned(restated) − earned(as paid so far)``, in the period it was known in, as the
  ``adjustment`` (:func:`restatement_adjustments`); older restatements are listed in the
  warnings and ignored.

Only the restated employee-periods are adjusted (a restatement that moves peers' targets
does not re-pay the peers); each restatement period costs one evaluation of the data as
known then.

Examples
--------
>>> table = pd.DataFrame({"employee": ["a", "a"], "period": ["2025-01", "2025-01"],
...     "kpi": ["revenue", "revenue"], "actual": [10_000.0, 7_000.0],
...     "as_of": [None, "2025-03"]})
>>> latest_values(table)["actual"].tolist()
[7000.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..data import format_periods, months_in, period_ordinals
from .arrays import PayoutArrays, PayoutInputs
from .money import round_cents

__all__ = [
    "Versions",
    "add_adjustments",
    "has_versions",
    "latest_values",
    "restatement_adjustments",
]

_KEY = ["employee", "period", "kpi"]


def has_versions(table: pd.DataFrame) -> bool:
    """Whether the table has an ``as_of`` column with at least one value."""
    return "as_of" in table.columns and bool(table["as_of"].notna().any())


def _months(labels: pd.Series) -> np.ndarray:
    """The first month (year × 12 + month − 1) of each period label (months as themselves)."""
    codes, uniques = pd.factorize(labels.astype(object))
    kinds, ords, _ = period_ordinals(uniques)
    first = np.array([o * months_in(k) for k, o in zip(kinds, ords, strict=True)], dtype=np.int64)
    return first[codes]


@dataclass(frozen=True)
class Versions:
    """The versions of each value: when each row was known, and in which scheme period.

    Attributes
    ----------
    table : pandas.DataFrame
        The rows (``as_of`` dropped), in their order.
    key : numpy.ndarray
        One integer per employee × period × KPI.
    known : numpy.ndarray
        The month each row was known in (its ``as_of``, else its period's first month).
    period_p, known_p : numpy.ndarray
        The scheme period of each row's period and of its ``as_of``.
    """

    table: pd.DataFrame
    key: np.ndarray
    known: np.ndarray
    period_p: np.ndarray
    known_p: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame, kind: str = "month") -> Versions:
        """The versions of a long table with an ``as_of`` column, for a ``kind`` scheme."""
        table = table.reset_index(drop=True)
        start = _months(table["period"])
        as_of = table["as_of"]
        known = start.copy()
        given = as_of.notna().to_numpy()
        if given.any():
            known[given] = _months(as_of[given])
        key = pd.MultiIndex.from_frame(table[_KEY].astype(object)).factorize()[0]
        step = months_in(kind)
        return cls(
            table=table.drop(columns="as_of"),
            key=np.asarray(key, dtype=np.int64),
            known=known,
            period_p=start // step,
            known_p=known // step,
        )

    def pick(self, rows: np.ndarray, *, latest: bool = True) -> pd.DataFrame:
        """For each key among ``rows`` (a mask), its latest (or earliest) row by ``known``."""
        idx = np.flatnonzero(rows)
        order = idx[np.lexsort((idx, self.known[idx] if latest else -self.known[idx]))]
        last = pd.Series(order).groupby(self.key[order]).last().to_numpy()
        return self.table.iloc[np.sort(last)].reset_index(drop=True)


def latest_values(table: pd.DataFrame) -> pd.DataFrame:
    """The table with each employee × period × KPI at its latest ``as_of`` (the column dropped).

    A table without ``as_of`` is returned unchanged.
    """
    if "as_of" not in table.columns:
        return table
    if not has_versions(table):
        return table.drop(columns="as_of")
    versions = Versions.of(table)
    return versions.pick(np.ones(len(versions.key), dtype=bool))


def restatement_adjustments(
    table: pd.DataFrame,
    kind: str,
    within: int,
    earn: Callable[[pd.DataFrame], pd.DataFrame],
    reach: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The data as paid, and each restatement's adjustment in the period it was known in.

    Parameters
    ----------
    table : pandas.DataFrame
        The long table with ``as_of``.
    kind : str
        The scheme's period.
    within : int
        ``clawback.within``: restatements at most this many periods later count.
    earn : callable
        ``earn(long_table)`` → ``employee, period, earned`` of every evaluated
        employee-period (period as a label).
    reach : pandas.DataFrame, optional
        ``employee, payee``: whose pay a change of an employee's values changes, beyond
        their own (team and manager pay, :func:`kpitools.engine.scope_reach.reach`).

    Returns
    -------
    paid : pandas.DataFrame
        The long table as paid: each value as known by the end of its period (or first
        known).
    adjustments : pandas.DataFrame
        ``employee, period, adjustment``: the sum of what restatements known in that period
        change, per employee.
    warnings : list of str
        The restatements older than ``within``, listed and ignored.
    """
    v = Versions.of(table, kind)
    in_time = v.known_p <= v.period_p
    first = pd.Series(v.known).groupby(v.key).transform("min").to_numpy() == v.known
    has_in_time = pd.Series(in_time).groupby(v.key).transform("any").to_numpy()
    base = in_time | (first & ~has_in_time)
    lag = v.known_p - v.period_p
    later = ~base & (lag > 0)
    eligible = later & (lag <= within)
    warnings = _ignored(v, later & ~eligible, within, kind)
    paid = v.pick(base)
    adjustments = []
    previous = _indexed(earn(paid))
    for when in np.unique(v.known_p[eligible]):
        now = _indexed(earn(v.pick(base | (eligible & (v.known_p <= when)))))
        restated = eligible & (v.known_p == when)
        pairs = _reached(
            v.table["employee"].to_numpy(dtype=object)[restated],
            format_periods(v.period_p[restated], kind),
            reach,
        )
        change = now.reindex(pairs).fillna(0.0) - previous.reindex(pairs).fillna(0.0)
        per_employee = change.groupby(level=0).sum()
        adjustments.append(
            pd.DataFrame(
                {
                    "employee": per_employee.index.astype(object),
                    "period": format_periods(np.full(len(per_employee), when), kind),
                    "adjustment": np.round(per_employee.to_numpy(), 2),
                }
            )
        )
        previous = now.combine_first(previous)
    columns = {"employee": [], "period": [], "adjustment": []}
    out = pd.concat(adjustments, ignore_index=True) if adjustments else pd.DataFrame(columns)
    return paid, out, warnings


def _reached(employees: np.ndarray, periods: Any, reach: pd.DataFrame | None) -> pd.MultiIndex:
    """The (payee, period) pairs whose pay the restated (employee, period) pairs change."""
    restated = pd.DataFrame({"employee": employees, "period": np.asarray(periods, dtype=object)})
    if reach is not None:
        payees = restated.merge(reach, on="employee")[["payee", "period"]]
        restated = pd.concat([restated, payees.set_axis(["employee", "period"], axis=1)])
    return pd.MultiIndex.from_frame(restated).unique()


def _indexed(earned: pd.DataFrame) -> pd.Series:
    """``earned`` by (employee, period label)."""
    index = pd.MultiIndex.from_arrays(
        [
            earned["employee"].to_numpy(dtype=object),
            earned["period"].to_numpy(dtype=object),
        ]
    )
    return pd.Series(earned["earned"].to_numpy(dtype=float), index=index)


def _ignored(v: Versions, rows: np.ndarray, within: int, kind: str) -> list[str]:
    """A warning listing the restatements older than the clawback window."""
    if not rows.any():
        return []
    t = v.table[rows]
    shown = [
        f"{e} × {p} × {k}"
        for e, p, k in zip(
            t["employee"].head(5), t["period"].head(5), t["kpi"].head(5), strict=True
        )
    ]
    more = f" and {int(rows.sum()) - 5} more" if rows.sum() > 5 else ""
    return [
        f"{int(rows.sum()):,} restatement(s) come more than {within} {kind}(s) after their "
        f"period (clawback.within): listed and ignored, the values as paid stand: "
        f"{', '.join(shown)}{more}."
    ]


def add_adjustments(
    arrays: PayoutArrays, inputs: PayoutInputs, adjustments: pd.DataFrame
) -> tuple[PayoutArrays, list[str]]:
    """The payments with each adjustment added in its employee-period, and what had no place.

    An adjustment in a period in which the employee is not evaluated (after leaving, or
    outside ``periods``) cannot be paid there: it is listed in a warning.
    """
    if adjustments.empty or arrays.steps is None:
        return arrays, []
    keys = inputs.keys
    index = pd.MultiIndex.from_arrays(
        [keys["employee"].to_numpy(dtype=object), keys["period"].to_numpy(dtype=object)]
    )
    at = index.get_indexer(
        pd.MultiIndex.from_arrays(
            [adjustments["employee"].to_numpy(dtype=object), adjustments["period"].to_numpy()]
        )
    )
    amounts = adjustments["adjustment"].to_numpy(dtype=float)
    placed = at >= 0
    extra = np.zeros(len(keys))
    np.add.at(extra, at[placed], amounts[placed])
    extra = round_cents(extra)
    steps = arrays.steps
    payment = round_cents(steps.payment + extra)
    paid_before = round_cents(inputs.timeline.cumsum(payment) - payment)
    steps = steps.replace(adjustment=extra, payment=payment, paid_to_date=paid_before)
    notes = []
    if not placed.all():
        lost = adjustments[~placed]
        shown = ", ".join(
            f"{e} in {p} ({a:+,.2f})"
            for e, p, a in zip(lost["employee"], lost["period"], lost["adjustment"], strict=True)
        )
        notes.append(
            f"{len(lost):,} restatement adjustment(s) fall in a period in which the employee "
            f"is not evaluated (after leaving, or outside the periods), so they are not paid: "
            f"{shown}."
        )
    return dataclasses.replace(arrays, payout=payment, steps=steps), notes
