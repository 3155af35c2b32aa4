"""Scheme metrics: what a run cost, how many hit target, how pay tracks performance.

Every metric (docs/commands.md) is computed here, once, from whole arrays:

``total_cost``
    Sum of the final payouts (after gates, modifiers, cap and pool) over every evaluated
    employee-period.
``cost_per_employee``
    ``total_cost`` / the number of distinct employees evaluated (paid or not). Over several
    periods this is what one employee costs over the whole evaluated window, not per period.
``cost_of_sales``
    ``total_cost`` / the sum of the scheme's ``revenue_kpi`` actuals over the same
    employee-periods (NaN without a ``revenue_kpi`` or when that sum is not positive).
``pct_at_target``
    Share of employee-periods whose weighted attainment is ≥ 1 (to 1e-9, so that rounding in
    the weighted sum does not turn a hit into a miss); employee-periods without a weighted
    attainment are left out of the share.
``pct_zero_payout``
    Share of employee-periods paid less than half a kopeck (i.e. nothing).
``payout_p10``, ``payout_p50``, ``payout_p90``
    Quantiles (numpy's default linear interpolation) of payout / on-target pay per
    employee-period.
``leverage``
    ``payout_p90 / payout_p50`` (NaN when the median pays nothing).
``pay_performance_corr``
    Spearman rank correlation between weighted attainment and the payout multiple (payout /
    on-target pay, so that roles with different on-target pay compare; the same ranks as the
    raw payout when everybody has the same on-target pay). NaN when either side is constant.
``gini``
    Gini coefficient of the payouts per employee-period (0 = everybody paid the same; NaN when
    nobody is paid anything).
``near_threshold_share``
    Share of employee-periods whose attainment on at least one component lies within 5% below
    a jump or a step of that component's curve: ``0.95 × threshold ≤ attainment < threshold``.
    That is where moving a deal between periods pays most. 0 when no curve has a jump.
    A retroactive commission re-prices the whole actual at each tier start: its tier starts
    count too (on the actual itself for ``basis: value``: 0.95 × amount ≤ actual < amount).
``budget_variance``
    With a per-period ``budget``: ``(total_cost − budget × periods) / (budget × periods)``,
    the relative over- (positive) or under-spend over the evaluated periods; NaN without one.
``gaming_cost``, ``gaming_cost_pct`` (:data:`STRESS_METRICS`: only when the gaming stress
test ran, ``simulate --stress``; :mod:`kpitools.engine.stress`)
    The most extra pay over all employees from moving results of ``sum`` KPIs between
    adjacent periods of a year, and that extra over the honest total (what the periods earn,
    before a pool's proration and a payment timing).
``draw_cost`` (:data:`MECHANIC_METRICS`: only for a scheme with a ``draw``)
    What the draws paid beyond what the pay rules released (the sum of payment − due −
    adjustment): for a recoverable draw the balances left unrecovered (written off at year
    end, or still open when the data ends), for a non-recoverable one every top-up.

``pool_periods_scaled_down``, ``pool_share_used`` (:data:`MECHANIC_METRICS`: only for a
scheme with a funded pool, ``pool: {funded_by: …}``)
    The share of the evaluated periods in which the pool paid less than was earned, and
    what was paid over all periods / the sum of the periods' pools (NaN when no period
    funded a pool). Per period: ``SchemeRun.pools`` and ``pools.csv``.

With a true-up, a draw or a clawback every metric counts payments (the ``payout`` of the
total row is the payment).

Examples
--------
>>> import pandas as pd
>>> totals = pd.DataFrame({
...     "employee": ["a", "b"], "period": ["2025-01", "2025-01"],
...     "on_target_pay": [100.0, 100.0], "attainment": [1.2, 0.5],
...     "payout": [150.0, 0.0], "revenue": [1200.0, 500.0]})
>>> m = metrics_from_totals(totals)
>>> float(m["total_cost"]), float(m["pct_at_target"]), float(m["gini"])
(150.0, 0.5, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DefinitionError
from .hints import suggest_name
from .pools import POOL_METRICS, pool_metrics
from .stats import row_gini, row_spearman
from .thresholds import component_thresholds, near_measures

__all__ = [
    "MECHANIC_METRICS",
    "METRICS",
    "MONEY_METRICS",
    "NEAR_THRESHOLD_BAND",
    "STRESS_METRICS",
    "STEP_METRICS",
    "check_metric_name",
    "compute_metrics",
    "metric_arrays",
    "metrics_from_arrays",
    "metrics_from_totals",
    "with_gaming_cost",
]

METRICS: tuple[str, ...] = (
    "total_cost",
    "cost_per_employee",
    "cost_of_sales",
    "pct_at_target",
    "pct_zero_payout",
    "payout_p10",
    "payout_p50",
    "payout_p90",
    "leverage",
    "pay_performance_corr",
    "gini",
    "near_threshold_share",
    "budget_variance",
)

#: Metrics of the plan mechanics, in metrics.csv only for the schemes that use them.
MECHANIC_METRICS: tuple[str, ...] = ("draw_cost", *POOL_METRICS)

#: Metrics of the gaming stress test, in metrics.csv only when it ran (``--stress``).
STRESS_METRICS: tuple[str, ...] = ("gaming_cost", "gaming_cost_pct")

#: Metrics in money (the others are shares, multiples or coefficients).
MONEY_METRICS = frozenset({"total_cost", "cost_per_employee", "draw_cost", "gaming_cost"})

#: Metrics that move in steps (shares of employee-periods): calibrated by bracketing, not brentq.
STEP_METRICS = frozenset({"pct_at_target", "pct_zero_payout", "near_threshold_share"})

_EPS = 1e-9  # attainment tolerance: reaching a boundary counts as reaching it
_ZERO_PAY = 0.005  # half a kopeck: below it an employee-period is paid nothing
#: How far below a jump an attainment counts as near it (``near_threshold_share``).
NEAR_THRESHOLD_BAND = 0.05


def check_metric_name(metric: str) -> str:
    """Return ``metric`` if it is a known metric, else raise a :class:`DefinitionError`.

    Examples
    --------
    >>> check_metric_name("gini")
    'gini'
    """
    if metric not in METRICS:
        raise DefinitionError(
            f"Unknown metric {metric!r}.{suggest_name(metric, METRICS)}\n"
            f"Suggestion: use one of {', '.join(METRICS)}."
        )
    return metric


def metric_arrays(
    payout: Any,
    on_target_pay: Any,
    attainment: Any,
    *,
    revenue: Any = None,
    component_attainment: Sequence[Any] = (),
    thresholds: Sequence[Sequence[float]] = (),
    n_employees: int | np.ndarray,
    n_periods: int | np.ndarray,
    budget: float | None = None,
) -> dict[str, np.ndarray]:
    """Every metric for each row of 2-D arrays (one row per draw, one column per employee-period).

    The historical run is one row; a forecast stacks its draws. All inputs broadcast to the
    shape of ``payout``.

    Parameters
    ----------
    payout, on_target_pay, attainment : array-like
        Final payout, on-target pay and weighted attainment per employee-period.
    revenue : array-like, optional
        Actual of the scheme's ``revenue_kpi`` per employee-period.
    component_attainment : sequence of array-like
        Attainment per component (same shape as ``payout``), in component order.
    thresholds : sequence of sequences of float
        For each component, the attainments where its curve jumps up.
    n_employees, n_periods : int or array
        Distinct employees and periods behind each row.
    budget : float, optional
        Budget per period.

    Returns
    -------
    dict
        Metric name → 1-D array with one value per row.

    Examples
    --------
    >>> m = metric_arrays([[100.0, 0.0]], [[100.0, 100.0]], [[1.0, 0.5]],
    ...                   n_employees=2, n_periods=1)
    >>> float(m["payout_p50"][0])
    0.5
    """
    pay = _as_2d(payout)
    otp = np.broadcast_to(_as_2d(on_target_pay), pay.shape)
    att = np.broadcast_to(_as_2d(attainment), pay.shape)
    rows, m = pay.shape
    total = np.round(pay.sum(axis=1), 2)  # a sum of cents: no float noise in metrics.csv
    out = _cost_metrics(pay, total, revenue, n_employees)
    out.update(_share_metrics(pay, att))
    with np.errstate(invalid="ignore", divide="ignore"):
        multiple = np.where(otp > 0, pay / np.where(otp > 0, otp, 1.0), np.nan)
    out.update(_payout_quantiles(multiple))
    nan = np.full(rows, np.nan)
    out["pay_performance_corr"] = row_spearman(np.array(att), multiple) if m else nan.copy()
    out["gini"] = row_gini(pay)
    near = _near_threshold(pay.shape, component_attainment, thresholds)
    out["near_threshold_share"] = near.sum(axis=1) / m if m else nan.copy()
    out["budget_variance"] = _budget_variance(total, budget, n_periods)
    return {name: np.asarray(out[name], dtype=float) for name in METRICS}


def _as_2d(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr.reshape(1, -1) if arr.ndim == 1 else arr


def _cost_metrics(
    pay: np.ndarray, total: np.ndarray, revenue: Any, n_employees: Any
) -> dict[str, np.ndarray]:
    """``total_cost``, ``cost_per_employee`` and ``cost_of_sales`` per row."""
    rows = pay.shape[0]
    out: dict[str, np.ndarray] = {"total_cost": total}
    n_emp = np.broadcast_to(np.asarray(n_employees, dtype=float), (rows,))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cost_per_employee"] = np.where(n_emp > 0, total / n_emp, np.nan)
        if revenue is None:
            out["cost_of_sales"] = np.full(rows, np.nan)
        else:
            rev = np.nansum(np.broadcast_to(_as_2d(revenue), pay.shape), axis=1)
            out["cost_of_sales"] = np.where(rev > 0, total / rev, np.nan)
    return out


def _share_metrics(pay: np.ndarray, att: np.ndarray) -> dict[str, np.ndarray]:
    """``pct_at_target`` and ``pct_zero_payout`` per row."""
    rows, m = pay.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        n_att = (~np.isnan(att)).sum(axis=1)
        hits = (att >= 1.0 - _EPS).sum(axis=1)
        at_target = np.where(n_att > 0, hits / np.maximum(n_att, 1), np.nan)
        zero = (pay < _ZERO_PAY).sum(axis=1) / m if m else np.full(rows, np.nan)
    return {"pct_at_target": at_target, "pct_zero_payout": zero}


def _payout_quantiles(multiple: np.ndarray) -> dict[str, np.ndarray]:
    """``payout_p10``, ``payout_p50``, ``payout_p90`` and ``leverage`` per row."""
    rows, m = multiple.shape
    if not m:
        q = np.full((3, rows), np.nan)
    elif np.isnan(multiple).any():
        q = np.nanquantile(multiple, [0.1, 0.5, 0.9], axis=1)
    else:
        q = np.quantile(multiple, [0.1, 0.5, 0.9], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        leverage = np.where(q[1] > 0, q[2] / np.where(q[1] > 0, q[1], 1.0), np.nan)
    return {"payout_p10": q[0], "payout_p50": q[1], "payout_p90": q[2], "leverage": leverage}


def _near_threshold(
    shape: tuple[int, int],
    component_attainment: Sequence[Any],
    thresholds: Sequence[Sequence[float]],
) -> np.ndarray:
    """Whether each employee-period lies within the band below a jump of some component."""
    near = np.zeros(shape, dtype=bool)
    for comp_att, comp_thresholds in zip(component_attainment, thresholds, strict=False):
        a = np.broadcast_to(_as_2d(comp_att), shape)
        for t in comp_thresholds:
            if t is None or not np.isfinite(t) or t <= 0:
                continue
            near |= (a >= (1.0 - NEAR_THRESHOLD_BAND) * t - _EPS) & (a < t - _EPS)
    return near


def _budget_variance(total: np.ndarray, budget: float | None, n_periods: Any) -> np.ndarray:
    """Relative over- (positive) or under-spend against the budget over the periods."""
    rows = total.shape[0]
    if budget is None or not np.isfinite(budget) or budget <= 0:
        return np.full(rows, np.nan)
    planned = budget * np.broadcast_to(np.asarray(n_periods, dtype=float), (rows,))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(planned > 0, (total - planned) / planned, np.nan)


def metrics_from_totals(
    totals: pd.DataFrame,
    *,
    component_attainment: pd.DataFrame | np.ndarray | None = None,
    thresholds: Sequence[Sequence[float]] = (),
    budget: float | None = None,
) -> pd.Series:
    """The metrics (docs/commands.md) from a totals table (one row per employee-period).

    Parameters
    ----------
    totals : DataFrame
        Columns ``employee, period, on_target_pay, attainment, payout`` and optionally
        ``revenue`` (the actual of the scheme's ``revenue_kpi``).
    component_attainment : DataFrame or 2-D array, optional
        Attainment per component, one column per component in component order, rows aligned
        with ``totals``. Needed for ``near_threshold_share``.
    thresholds : sequence of sequences of float
        For each component, the attainments where its curve jumps up.
    budget : float, optional
        Budget per period (for ``budget_variance``).

    Returns
    -------
    pandas.Series
        One value per metric, indexed by the names in :data:`METRICS`.

    Examples
    --------
    >>> totals = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01"] * 2,
    ...     "on_target_pay": [100.0, 100.0], "attainment": [1.0, 0.5], "payout": [100.0, 0.0]})
    >>> float(metrics_from_totals(totals)["pct_zero_payout"])
    0.5
    """
    comp: list[np.ndarray] = []
    if component_attainment is not None:
        arr = np.asarray(component_attainment, dtype=float)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        comp = [arr[:, j] for j in range(arr.shape[1])]
    revenue = totals["revenue"].to_numpy(float) if "revenue" in totals else None
    values = metric_arrays(
        totals["payout"].to_numpy(float),
        totals["on_target_pay"].to_numpy(float),
        totals["attainment"].to_numpy(float),
        revenue=revenue,
        component_attainment=comp,
        thresholds=thresholds,
        n_employees=totals["employee"].nunique(),
        n_periods=totals["period"].nunique(),
        budget=budget,
    )
    return pd.Series({name: float(values[name][0]) for name in METRICS}, name="value", dtype=float)


def metrics_from_arrays(
    scheme: Any, inputs: Any, arrays: Any, *, budget: float | None = None
) -> pd.Series:
    """The metrics (docs/commands.md) straight from the engine's arrays (no payout table needed).

    Parameters
    ----------
    scheme : Scheme
        The scheme computed.
    inputs : PayoutInputs
        From :func:`kpitools.engine.prepare`.
    arrays : PayoutArrays
        From :func:`kpitools.engine.compute`.
    budget : float, optional
        Budget per period; defaults to the scheme's ``budget``.

    Returns
    -------
    pandas.Series
        One value per metric, named after the scheme.

    Examples
    --------
    >>> from kpitools.engine import compute, prepare  # doctest: +SKIP
    >>> inputs = prepare(data, scheme)  # doctest: +SKIP
    >>> metrics_from_arrays(scheme, inputs, compute(scheme, inputs))  # doctest: +SKIP
    """
    if budget is None:
        budget = getattr(scheme, "budget", None)
    keys = inputs.keys
    values = metric_arrays(
        arrays.payout,
        inputs.on_target_pay,
        arrays.weighted_attainment,
        revenue=inputs.revenue,
        component_attainment=near_measures(scheme, arrays.attainment, inputs.actual),
        thresholds=component_thresholds(scheme),
        n_employees=keys["employee"].nunique(),
        n_periods=keys["period"].nunique(),
        budget=budget,
    )
    out = {name: float(values[name][0]) for name in METRICS}
    if getattr(scheme, "draw", None) is not None and getattr(arrays, "steps", None) is not None:
        out["draw_cost"] = arrays.steps.draw_cost
    pool = getattr(scheme, "pool", None)
    if pool is not None and pool.funded_by is not None and arrays.pool_use is not None:
        out.update(pool_metrics(arrays.pool_use))
    return pd.Series(out, name=scheme.name, dtype=float)


def compute_metrics(run: Any, *, budget: float | None = None) -> pd.Series:
    """The metrics (docs/commands.md) of one scheme run (:class:`kpitools.engine.SchemeRun`).

    Parameters
    ----------
    run : SchemeRun
        The result of :func:`kpitools.engine.run_scheme`.
    budget : float, optional
        Budget per period; defaults to the scheme's ``budget``.

    Returns
    -------
    pandas.Series
        One value per metric (see the module docstring for each definition), named after the
        scheme.

    Examples
    --------
    >>> from kpitools.engine import run_scheme  # doctest: +SKIP
    >>> compute_metrics(run_scheme(data, scheme))["total_cost"]  # doctest: +SKIP
    1234567.0
    """
    return metrics_from_arrays(run.scheme, run.inputs, run.arrays, budget=budget)


def with_gaming_cost(metrics: pd.DataFrame, costs: Any) -> pd.DataFrame:
    """The metrics table with :data:`STRESS_METRICS` added after the others.

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per scheme (index ``scheme``).
    costs : mapping
        Scheme name → ``(gaming_cost, gaming_cost_pct)``.

    Examples
    --------
    >>> m = pd.DataFrame({"total_cost": [2000.0]}, index=pd.Index(["A"], name="scheme"))
    >>> with_gaming_cost(m, {"A": (1000.0, 0.5)}).loc["A"].tolist()
    [2000.0, 1000.0, 0.5]
    """
    out = metrics.copy()
    names = list(out.index)
    out["gaming_cost"] = [float(costs[n][0]) if n in costs else np.nan for n in names]
    out["gaming_cost_pct"] = [float(costs[n][1]) if n in costs else np.nan for n in names]
    return out
