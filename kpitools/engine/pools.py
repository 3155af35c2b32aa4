"""The pool step: each period's payouts limited to (or filled up to) the period's pool.

Contract §4 and §9 (docs/ratings-pools-spifs.md). A pool is a fixed ``budget`` or is
``funded_by`` a KPI: rate × max(0, the period's total of the KPI over every employee in the
data − above: other roles and people the scheme does not evaluate fund it too), rounded down
to the cent. ``distribute: cap`` scales a period's payouts down only when they add up to more
than its pool; ``all`` pays the whole pool out in proportion to what each person earned (a
period in which nobody earned anything pays nothing). Both split to the cent by largest
remainders (:func:`kpitools.engine.money.prorate`), so a scaled period pays exactly its pool.

:class:`PoolUse` keeps, per period, the pool, what was earned (after the cap), what was
paid and the scale factor: ``SchemeRun.pools`` and ``pools.csv`` show it.

Examples
--------
>>> from kpitools.scheme import Pool
>>> pool = Pool.model_validate({"funded_by": {"kpi": "m", "rate": 0.1, "above": 100_000}})
>>> earned = np.array([1000.0, 2000.0, 3000.0])
>>> code = np.zeros(3, dtype=np.int64)
>>> paid, factor, use = pay_from_pool(pool, earned, code, np.full(3, 150_000.0))
>>> paid.tolist(), use.pool.tolist(), use.scale.round(4).tolist()
([833.33, 1666.67, 2500.0], [5000.0], [0.8333])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..data import roll_up
from .money import floor_cents, prorate

__all__ = [
    "POOL_COLUMNS",
    "POOL_METRICS",
    "PoolUse",
    "funded_kpi",
    "funding_totals",
    "funding_actual",
    "pay_from_pool",
    "period_funding",
    "pool_metrics",
    "pool_table",
]

#: The columns of ``pools.csv`` (:func:`pool_table`).
POOL_COLUMNS = ("scheme", "period", "funding", "pool", "earned", "paid", "scale", "scaled_down")
#: The metrics of a funded pool (:func:`pool_metrics`), in metrics.csv for such schemes only.
POOL_METRICS = ("pool_periods_scaled_down", "pool_share_used")


@dataclass(frozen=True, eq=False)
class PoolUse:
    """A pool's size and use per period (index: the rows' ``period_code``).

    Attributes
    ----------
    funding : numpy.ndarray
        The period's total of the funding KPI (NaN for a fixed budget).
    pool, earned, paid : numpy.ndarray
        The pool, the payouts before it (after the cap) and after it, in money.
    scale : numpy.ndarray
        The factor the period's payouts were scaled by (1: untouched; below 1: scaled
        down; above 1: ``distribute: all`` paid out more than was earned).
    """

    funding: np.ndarray
    pool: np.ndarray
    earned: np.ndarray
    paid: np.ndarray
    scale: np.ndarray

    @property
    def scaled_down(self) -> np.ndarray:
        """Periods in which the pool paid less than was earned."""
        return self.scale < 1.0


def funded_kpi(scheme: Any) -> str | None:
    """The KPI that funds a scheme's pool (``None``: no funded pool)."""
    pool = getattr(scheme, "pool", None)
    return None if pool is None or pool.funded_by is None else pool.funded_by.kpi


def funding_totals(
    scheme: Any, table: pd.DataFrame, per: np.ndarray, *, frame: Any = None, **roll: Any
) -> np.ndarray:
    """The period total of a funded pool's KPI over every employee, at each period ``per``.

    Contract §9: the pool of a period is r × max(0, the period's total of K over all
    employees − T), so employees of other roles and those the scheme does not evaluate
    (no component rows) fund it too. Each employee's K is rolled up to the scheme's period
    first (``roll``: :func:`kpitools.data.roll_up`'s keywords), unless ``frame`` holds
    those rows already.

    Parameters
    ----------
    scheme : Scheme
        A scheme with ``pool: {funded_by: …}``.
    table : pandas.DataFrame
        The long table (every employee).
    per : numpy.ndarray
        Period ordinals of the scheme's kind.

    Returns
    -------
    numpy.ndarray
        Aligned with ``per`` (0 where nobody has the KPI); read-only.
    """
    kpi = funded_kpi(scheme)
    if frame is None:
        wanted = (table["kpi"].astype(str) == kpi).to_numpy()
        rolled = roll_up(table[wanted], scheme.period, rows=np.flatnonzero(wanted), **roll)
        frame = rolled.values
    per = np.asarray(per, dtype=np.int64)
    out = np.zeros(per.size)
    if len(frame):
        f_per = frame["period"].to_numpy(dtype=np.int64)
        uniq, code = np.unique(f_per, return_inverse=True)
        actual = np.nan_to_num(frame["actual"].to_numpy(dtype=float), nan=0.0)
        total = np.round(np.bincount(code, weights=actual, minlength=uniq.size), 6)
        at = np.minimum(np.searchsorted(uniq, per), uniq.size - 1)
        out = np.where(uniq[at] == per, total[at], 0.0)
    out.flags.writeable = False
    return out


def funding_actual(base: Any, scheme: Any, rows: np.ndarray) -> np.ndarray | None:
    """Each selected row's period total of the funding KPI (``None``: unfunded).

    The total is over every employee in the data (contract §9), as the prepared base
    holds it (:attr:`kpitools.engine.PreparedData.funding`).
    """
    pool = getattr(scheme, "pool", None)
    if pool is None or pool.funded_by is None or base.funding is None:
        return None
    return np.asarray(base.funding)[rows]


def period_funding(funding: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Each row's period total of a funding KPI from the rows' own values (sum per period).

    For inputs that carry only the evaluated rows' own values (a forecast's draws).

    Examples
    --------
    >>> period_funding(np.array([1.0, np.nan, 5.0]), np.array([0, 0, 1])).tolist()
    [1.0, 1.0, 5.0]
    """
    code = np.asarray(code, dtype=np.int64)
    total = np.bincount(code, weights=np.nan_to_num(funding, nan=0.0))
    return total[code]


def pay_from_pool(
    pool: Any, amount: np.ndarray, code: np.ndarray, funding: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, PoolUse]:
    """Payouts after the pool, the factor of each row, and the pool's use per period.

    Parameters
    ----------
    pool : Pool
        The scheme's pool.
    amount : numpy.ndarray
        What each employee-period earned before the pool (after the cap), in cents.
    code : numpy.ndarray
        The period of each row (0 … n_periods − 1).
    funding : numpy.ndarray or None
        A funded pool: each row's period total of the funding KPI over every employee in
        the data (the same on every row of a period; :func:`funding_actual`).
    """
    code = np.asarray(code, dtype=np.int64)
    size = int(code.max()) + 1
    if pool.funded_by is None:
        total = np.full(size, np.nan)
        budget: Any = pool.budget
        paid, factor = prorate(amount, code, budget)
        per_period = np.full(size, float(budget))
    else:
        total = np.zeros(size)
        total[code] = np.nan_to_num(np.asarray(funding, dtype=float), nan=0.0)
        total = np.round(total, 6)  # a sum of money: no float noise in pools.csv
        per_period = floor_cents(pool.funded_by.pool_of(total))
        paid, factor = prorate(amount, code, per_period, scale_up=pool.mode == "all")
    earned = np.round(np.bincount(code, weights=amount, minlength=size), 2)
    spent = np.round(np.bincount(code, weights=paid, minlength=size), 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(earned > 0, spent / earned, 1.0)
    use = PoolUse(funding=total, pool=per_period, earned=earned, paid=spent, scale=scale)
    return paid, factor, use


def pool_metrics(use: PoolUse) -> dict[str, float]:
    """How often the pool scaled pay down (share of periods) and how much of it was paid.

    Examples
    --------
    >>> use = PoolUse(funding=np.array([150e3, 250e3]), pool=np.array([5e3, 15e3]),
    ...               earned=np.array([6e3, 6e3]), paid=np.array([5e3, 6e3]),
    ...               scale=np.array([5 / 6, 1.0]))
    >>> pool_metrics(use)
    {'pool_periods_scaled_down': 0.5, 'pool_share_used': 0.55}
    """
    total = float(use.pool.sum())
    used = round(float(use.paid.sum()) / total, 12) if total > 0 else float("nan")
    return {
        "pool_periods_scaled_down": float(use.scaled_down.mean()) if use.pool.size else 0.0,
        "pool_share_used": used,
    }


def pool_table(scheme_name: str, use: PoolUse, periods: Any, code: np.ndarray) -> pd.DataFrame:
    """One row per period of a pool's use (:data:`POOL_COLUMNS`)."""
    code = np.asarray(code, dtype=np.int64)
    size = len(use.pool)
    labels = np.full(size, "", dtype=object)
    labels[code] = np.asarray(periods, dtype=object)
    return pd.DataFrame(
        {
            "scheme": scheme_name,
            "period": labels,
            "funding": use.funding,
            "pool": use.pool,
            "earned": use.earned,
            "paid": use.paid,
            "scale": np.round(use.scale, 6),
            "scaled_down": use.scaled_down,
        },
        columns=list(POOL_COLUMNS),
    )
