"""Scheme metrics, simulation of several schemes, comparison and calibration.

Every metric of contract §5 is computed here, once, from whole arrays:

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

import contextlib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import text_table
from ..errors import DefinitionError, KpitoolsError, did_you_mean

__all__ = [
    "METRICS",
    "CalibrationResult",
    "SimulationResult",
    "calibrate",
    "compare_schemes",
    "compute_metrics",
    "format_metrics_table",
    "metrics_from_arrays",
    "metrics_from_totals",
    "simulate",
    "winners_losers",
    "write_csv",
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

# Metrics that move in steps (shares of employee-periods): calibrated by bracketing, not brentq.
STEP_METRICS = frozenset({"pct_at_target", "pct_zero_payout", "near_threshold_share"})

_EPS = 1e-9  # attainment tolerance: reaching a boundary counts as reaching it
_ZERO_PAY = 0.005  # half a kopeck: below it an employee-period is paid nothing
NEAR_THRESHOLD_BAND = 0.05


def _suggest(name: str, choices: Sequence[str]) -> str:
    """``did_you_mean`` that also catches a difference in case only (``a`` for ``A``) and a
    name that starts with a choice (``gini_index`` for ``gini``).
    """
    hint = did_you_mean(name, choices)
    if not hint:
        low = str(name).lower()
        same = [c for c in choices if str(c).lower() == low]
        same = same or [c for c in choices if low.startswith(str(c).lower())]
        hint = f" Did you mean {same[0]!r}?" if same else ""
    return hint


def check_metric_name(metric: str) -> str:
    """Return ``metric`` if it is a known metric, else raise a :class:`DefinitionError`.

    Examples
    --------
    >>> check_metric_name("gini")
    'gini'
    """
    if metric not in METRICS:
        raise DefinitionError(
            f"Unknown metric {metric!r}.{_suggest(metric, METRICS)}\n"
            f"Suggestion: use one of {', '.join(METRICS)}."
        )
    return metric


# --------------------------------------------------------------------------- core maths
def _as_2d(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr.reshape(1, -1) if arr.ndim == 1 else arr


def _rank_rows(x: np.ndarray) -> np.ndarray:
    """Ranks 1…m within each row, ties sharing their average rank (like scipy's rankdata).

    Done here rather than with ``scipy.stats`` because importing that costs seconds at every
    command-line start.
    """
    rows, m = x.shape
    order = np.argsort(x, axis=1)  # ties get their average rank, so sort stability is moot
    s = np.take_along_axis(x, order, axis=1)
    pos = np.broadcast_to(np.arange(m), (rows, m))
    first = np.ones((rows, m), dtype=bool)
    first[:, 1:] = s[:, 1:] != s[:, :-1]
    last = np.ones((rows, m), dtype=bool)
    last[:, :-1] = first[:, 1:]
    start = np.maximum.accumulate(np.where(first, pos, 0), axis=1)
    end = np.minimum.accumulate(np.where(last, pos, m - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty((rows, m))
    np.put_along_axis(ranks, order, (start + end) / 2.0 + 1.0, axis=1)
    return ranks


def _row_spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of ``x`` with the same row of ``y`` (NaN pairs dropped)."""
    out = np.full(x.shape[0], np.nan)
    nan_rows = np.isnan(x).any(axis=1) | np.isnan(y).any(axis=1)
    full = ~nan_rows
    if full.any():
        rx = _rank_rows(x[full])
        ry = _rank_rows(y[full])
        rx -= rx.mean(axis=1, keepdims=True)
        ry -= ry.mean(axis=1, keepdims=True)
        den = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
        num = (rx * ry).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[full] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    # Rows with gaps (rare: schemes without weighted attainment) are done one by one.
    for i in np.flatnonzero(nan_rows):
        ok = ~(np.isnan(x[i]) | np.isnan(y[i]))
        if ok.sum() >= 2:
            out[i] = _row_spearman(x[i, ok][None, :], y[i, ok][None, :])[0]
    return out


def _row_gini(x: np.ndarray) -> np.ndarray:
    """Gini coefficient of each row: Σ_i Σ_j |x_i − x_j| / (2 n² mean)."""
    n = x.shape[1]
    if n == 0:
        return np.full(x.shape[0], np.nan)
    xs = np.sort(x, axis=1)
    total = xs.sum(axis=1)
    rank = np.arange(1, n + 1, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = 2.0 * (xs @ rank) / (n * total) - (n + 1.0) / n
    # Rounding can give -2e-16 for equal pay: clip to the mathematical range.
    return np.where(total > 0, np.clip(g, 0.0, 1.0), np.nan)


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
    rows = pay.shape[0]
    nan = np.full(rows, np.nan)
    total = np.round(pay.sum(axis=1), 2)  # a sum of cents: no float noise in metrics.csv
    out: dict[str, np.ndarray] = {"total_cost": total}
    n_emp = np.broadcast_to(np.asarray(n_employees, dtype=float), (rows,))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cost_per_employee"] = np.where(n_emp > 0, total / n_emp, np.nan)
        if revenue is None:
            out["cost_of_sales"] = nan.copy()
        else:
            rev = np.nansum(np.broadcast_to(_as_2d(revenue), pay.shape), axis=1)
            out["cost_of_sales"] = np.where(rev > 0, total / rev, np.nan)
        has_att = ~np.isnan(att)
        n_att = has_att.sum(axis=1)
        hits = (att >= 1.0 - _EPS).sum(axis=1)
        out["pct_at_target"] = np.where(n_att > 0, hits / np.maximum(n_att, 1), np.nan)
        m = pay.shape[1]
        out["pct_zero_payout"] = (pay < _ZERO_PAY).sum(axis=1) / m if m else nan.copy()
        multiple = np.where(otp > 0, pay / np.where(otp > 0, otp, 1.0), np.nan)
    if m:
        if np.isnan(multiple).any():
            q = np.nanquantile(multiple, [0.1, 0.5, 0.9], axis=1)
        else:
            q = np.quantile(multiple, [0.1, 0.5, 0.9], axis=1)
    else:
        q = np.full((3, rows), np.nan)
    out["payout_p10"], out["payout_p50"], out["payout_p90"] = q[0], q[1], q[2]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["leverage"] = np.where(q[1] > 0, q[2] / np.where(q[1] > 0, q[1], 1.0), np.nan)
    out["pay_performance_corr"] = _row_spearman(np.array(att), multiple) if m else nan.copy()
    out["gini"] = _row_gini(pay)
    near = np.zeros(pay.shape, dtype=bool)
    for comp_att, comp_thresholds in zip(component_attainment, thresholds, strict=False):
        a = np.broadcast_to(_as_2d(comp_att), pay.shape)
        for t in comp_thresholds:
            if t is None or not np.isfinite(t) or t <= 0:
                continue
            near |= (a >= (1.0 - NEAR_THRESHOLD_BAND) * t - _EPS) & (a < t - _EPS)
    out["near_threshold_share"] = near.sum(axis=1) / m if m else nan.copy()
    if budget is None or not np.isfinite(budget) or budget <= 0:
        out["budget_variance"] = nan.copy()
    else:
        planned = budget * np.broadcast_to(np.asarray(n_periods, dtype=float), (rows,))
        with np.errstate(invalid="ignore", divide="ignore"):
            out["budget_variance"] = np.where(planned > 0, (total - planned) / planned, np.nan)
    return {name: np.asarray(out[name], dtype=float) for name in METRICS}


def metrics_from_totals(
    totals: pd.DataFrame,
    *,
    component_attainment: pd.DataFrame | np.ndarray | None = None,
    thresholds: Sequence[Sequence[float]] = (),
    budget: float | None = None,
) -> pd.Series:
    """Contract §5 metrics from a totals table (one row per employee-period).

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


def _value_tier_edges(commission: Any) -> tuple[float, ...]:
    """Amounts where a retroactive commission on ``basis: value`` raises its rate.

    Reaching 50,000 there re-prices the whole actual, so 49,000 is as near a cliff as an
    attainment of 0.98 before a step.
    """
    if (
        commission is None
        or getattr(commission, "tiers", None) is None
        or commission.mode != "retroactive"
        or commission.basis != "value"
    ):
        return ()
    out, prev = [], 0.0
    for start, rate in commission.tiers:
        if rate > prev and start > 0:
            out.append(float(start))
        prev = rate
    return tuple(out)


def _on_value(scheme: Any) -> list[bool]:
    """Per component: whether its jumps are amounts of the actual (not attainments)."""
    return [bool(_value_tier_edges(getattr(c, "commission", None))) for c in scheme.components]


def _component_thresholds(scheme: Any) -> list[tuple[float, ...]]:
    """Where each component's pay jumps up: curve jumps and steps and retroactive tier starts
    (attainments), or the tier amounts of a retroactive commission on ``basis: value``
    (compare those with the actual: see :func:`_near_measures`).
    """
    out: list[tuple[float, ...]] = []
    for comp in scheme.components:
        curve = getattr(comp, "curve", None)
        found: tuple[float, ...] = ()
        if curve is not None:
            found = tuple(float(t) for t in getattr(curve, "thresholds", ()) or ())
        else:
            commission = getattr(comp, "commission", None)
            found = tuple(float(t) for t in getattr(commission, "thresholds", ()) or ())
            found = found or _value_tier_edges(commission)
        out.append(found)
    return out


def _near_measures(scheme: Any, attainment: Sequence[Any], actual: Sequence[Any]) -> list[Any]:
    """Per component, what its thresholds are compared with: the attainment, or the actual
    for a retroactive commission whose tiers are amounts.
    """
    return [
        act if value else att
        for att, act, value in zip(attainment, actual, _on_value(scheme), strict=True)
    ]


def metrics_from_arrays(
    scheme: Any, inputs: Any, arrays: Any, *, budget: float | None = None
) -> pd.Series:
    """Contract §5 metrics straight from the engine's arrays (no payout table needed).

    Parameters
    ----------
    scheme : Scheme
    inputs : PayoutInputs
        From :func:`kpitools.engine.payout.prepare`.
    arrays : PayoutArrays
        From :func:`kpitools.engine.payout.compute`.
    budget : float, optional
        Budget per period; defaults to the scheme's ``budget``.

    Returns
    -------
    pandas.Series
        One value per metric, named after the scheme.

    Examples
    --------
    >>> from kpitools.engine.payout import compute, prepare  # doctest: +SKIP
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
        component_attainment=_near_measures(scheme, arrays.attainment, inputs.actual),
        thresholds=_component_thresholds(scheme),
        n_employees=keys["employee"].nunique(),
        n_periods=keys["period"].nunique(),
        budget=budget,
    )
    return pd.Series(
        {name: float(values[name][0]) for name in METRICS}, name=scheme.name, dtype=float
    )


def compute_metrics(run: Any, *, budget: float | None = None) -> pd.Series:
    """Contract §5 metrics of one scheme run (:class:`kpitools.engine.payout.SchemeRun`).

    Parameters
    ----------
    run : SchemeRun
        The result of :func:`kpitools.engine.payout.run_scheme`.
    budget : float, optional
        Budget per period; defaults to the scheme's ``budget``.

    Returns
    -------
    pandas.Series
        One value per metric (see the module docstring for each definition), named after the
        scheme.

    Examples
    --------
    >>> from kpitools.engine.payout import run_scheme  # doctest: +SKIP
    >>> compute_metrics(run_scheme(data, scheme))["total_cost"]  # doctest: +SKIP
    1234567.0
    """
    return metrics_from_arrays(run.scheme, run.inputs, run.arrays, budget=budget)


# --------------------------------------------------------------------------- comparison
_SAME = 0.5  # RUB: differences below half a ruble are "unchanged"


def winners_losers(totals: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per employee: total pay under each scheme against the baseline scheme.

    Each scheme is compared with the baseline over the periods **both** evaluated (a scheme
    whose targets need a year of history starts later); only when they share no period (a
    monthly and a quarterly scheme) are their totals over their own periods compared.

    Parameters
    ----------
    totals : DataFrame
        Totals of every scheme (``scheme, employee, period, payout``; one row per
        employee-period).
    baseline : str
        The scheme everything is compared with.

    Returns
    -------
    DataFrame
        One row per employee and non-baseline scheme: ``scheme, employee, baseline,
        baseline_total, scheme_total, difference, difference_pct, outcome,
        periods_compared`` where ``outcome`` is ``winner``, ``loser`` or ``unchanged``
        (within half a ruble). An employee evaluated under only one of the two schemes
        counts as paid 0 by the other.

    Examples
    --------
    >>> t = pd.DataFrame({"scheme": ["A", "A", "B", "B"], "employee": ["1", "2", "1", "2"],
    ...                   "period": ["2025-01"] * 4, "payout": [100.0, 50.0, 120.0, 40.0]})
    >>> winners_losers(t, "A")["outcome"].tolist()
    ['winner', 'loser']
    """
    columns = [
        "scheme",
        "employee",
        "baseline",
        "baseline_total",
        "scheme_total",
        "difference",
        "difference_pct",
        "outcome",
        "periods_compared",
    ]
    scheme_col = totals["scheme"].astype(str)
    schemes = list(dict.fromkeys(scheme_col))
    if baseline not in schemes:
        raise DefinitionError(
            f"Baseline scheme {baseline!r} is not among the simulated schemes."
            f"{_suggest(baseline, schemes)}\n"
            f"Suggestion: use one of {', '.join(repr(s) for s in schemes)}."
        )
    frames = []
    if len(schemes) == 1:
        return _empty_winners(columns)
    period_col = totals["period"].astype(str)
    periods = {n: set(pd.unique(g).tolist()) for n, g in period_col.groupby(scheme_col, sort=False)}
    for name in schemes:
        if name == baseline:
            continue
        common = periods[name] & periods[baseline]
        pair = scheme_col.isin([name, baseline])
        if common:
            pair &= period_col.isin(common)
        sub = totals[pair.to_numpy()]
        per = sub.groupby([sub["employee"], scheme_col[pair]], sort=False)["payout"].sum()
        wide = per.unstack(-1).reindex(columns=[baseline, name]).fillna(0.0).sort_index()
        # sums of cents, rounded so that the CSV shows 416.67, not 416.66999999999996
        base = np.round(wide[baseline].to_numpy(float), 2)
        other = np.round(wide[name].to_numpy(float), 2)
        diff = np.round(other - base, 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(base > 0, diff / np.where(base > 0, base, 1.0), np.nan)
        outcome = np.where(diff >= _SAME, "winner", np.where(diff <= -_SAME, "loser", "unchanged"))
        frames.append(
            pd.DataFrame(
                {
                    "scheme": name,
                    "employee": wide.index.to_numpy(),
                    "baseline": baseline,
                    "baseline_total": base,
                    "scheme_total": other,
                    "difference": diff,
                    "difference_pct": pct,
                    "outcome": outcome,
                    "periods_compared": len(common) if common else len(periods[name]),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[columns]


def _empty_winners(columns: list[str]) -> pd.DataFrame:
    empty = {c: pd.Series(dtype=float) for c in columns}
    for c in ("scheme", "employee", "baseline", "outcome"):
        empty[c] = pd.Series(dtype=str)
    empty["periods_compared"] = pd.Series(dtype="int64")
    return pd.DataFrame(empty)[columns]


def compare_schemes(metrics: pd.DataFrame, winners: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """One row per scheme: its metrics, the cost change and winners/losers against a baseline.

    Parameters
    ----------
    metrics : DataFrame
        Metrics per scheme (index ``scheme``).
    winners : DataFrame
        The output of :func:`winners_losers`.
    baseline : str
        The baseline scheme.

    Returns
    -------
    DataFrame
        ``metrics`` plus ``baseline, periods_compared, cost_change, cost_change_pct, winners,
        losers, unchanged, share_winners, share_losers``. The cost change is summed over the
        periods both schemes evaluated (like the winners and losers); counts are employees;
        the baseline's own row has no change and everybody unchanged.

    Examples
    --------
    >>> t = pd.DataFrame({"scheme": ["A", "B"], "employee": ["1", "1"],
    ...                   "period": ["2025-01"] * 2, "payout": [100.0, 90.0]})
    >>> m = pd.DataFrame({"total_cost": [100.0, 90.0]}, index=pd.Index(["A", "B"], name="scheme"))
    >>> row = compare_schemes(m, winners_losers(t, "A"), "A").loc["B"]
    >>> float(row["cost_change"]), int(row["losers"])
    (-10.0, 1)
    """
    out = metrics.copy()
    by = winners.groupby("scheme", sort=False)
    n_emp = by["employee"].nunique().reindex(out.index)
    change = by["difference"].sum().reindex(out.index)
    base_total = by["baseline_total"].sum().reindex(out.index)
    counts = (
        winners.groupby(["scheme", "outcome"]).size().unstack("outcome", fill_value=0)
        if len(winners)
        else pd.DataFrame()
    ).reindex(index=out.index, columns=["winner", "loser", "unchanged"])
    out["baseline"] = baseline
    out["periods_compared"] = by["periods_compared"].first().reindex(out.index)
    out["cost_change"] = change
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cost_change_pct"] = np.where(base_total > 0, change / base_total, np.nan)
    out["winners"] = counts["winner"].fillna(0).astype("int64")
    out["losers"] = counts["loser"].fillna(0).astype("int64")
    out["unchanged"] = counts["unchanged"].fillna(0).astype("int64")
    if baseline in out.index:
        n_base = int(winners["employee"].nunique()) if len(winners) else 0
        out.loc[baseline, ["cost_change", "cost_change_pct"]] = 0.0
        out.loc[baseline, "unchanged"] = n_base
        out.loc[baseline, "periods_compared"] = np.nan
        n_emp.loc[baseline] = n_base
    denom = n_emp.to_numpy(float)
    safe = np.where(denom > 0, denom, 1.0)
    out["share_winners"] = np.where(denom > 0, out["winners"] / safe, np.nan)
    out["share_losers"] = np.where(denom > 0, out["losers"] / safe, np.nan)
    return out


# --------------------------------------------------------------------------- formatting
_MONEY = {"total_cost", "cost_per_employee"}
_PERCENT = {"pct_at_target", "pct_zero_payout", "near_threshold_share", "cost_of_sales"}
_SIGNED_PERCENT = {"budget_variance", "cost_change_pct"}


def format_metric(name: str, value: float) -> str:
    """One metric value as a person reads it: ``1,234,567``, ``65.0%``, ``+3.2%``, ``1.25``.

    Examples
    --------
    >>> format_metric("total_cost", 1234567.4), format_metric("pct_at_target", 0.65)
    ('1,234,567', '65.0%')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    value = float(value)
    if name in _MONEY or name == "cost_change":
        return f"{value:+,.0f}" if name == "cost_change" else f"{value:,.0f}"
    if name in _PERCENT:
        return f"{value:.1%}" if name != "cost_of_sales" else f"{value:.2%}"
    if name in _SIGNED_PERCENT:
        return f"{value:+.1%}"
    if name in {"winners", "losers", "unchanged", "periods_compared"}:
        return f"{value:,.0f}"
    if name in {"share_winners", "share_losers"}:
        return f"{value:.0%}"
    return f"{value:,.2f}"


def format_metrics_table(metrics: pd.DataFrame) -> str:
    """The metrics as a text table: one row per metric, one column per scheme.

    Examples
    --------
    >>> m = pd.DataFrame({"total_cost": [1500000.0]}, index=pd.Index(["A"], name="scheme"))
    >>> print(format_metrics_table(m))
    metric               A
    total_cost   1,500,000
    """
    names = [str(s) for s in metrics.index]
    rows = [
        [str(col), *(format_metric(col, v) for v in metrics[col].tolist())]
        for col in metrics.columns
        if col != "baseline"
    ]
    return text_table(["metric", *names], rows, right=names, gap=3)


def describe_skipped(skipped: pd.DataFrame) -> str:
    """Skipped periods grouped per scheme and reason, e.g. ``2024-01 … 2024-12 (12 periods)``.

    Examples
    --------
    >>> s = pd.DataFrame({"scheme": ["A", "A"], "period": ["2024-01", "2024-02"],
    ...                   "reason": ["no history", "no history"]})
    >>> print(describe_skipped(s))
    A: 2024-01, 2024-02 (2 periods): no history
    """
    if skipped is None or skipped.empty:
        return ""
    lines = []
    cols = ["scheme", "reason"] if "scheme" in skipped else ["reason"]
    for key, group in skipped.groupby(cols, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        periods = list(dict.fromkeys(group["period"].astype(str)))
        shown = ", ".join(periods) if len(periods) <= 3 else f"{periods[0]} … {periods[-1]}"
        count = f"{len(periods)} period" + ("s" if len(periods) != 1 else "")
        prefix = f"{key[0]}: " if len(cols) == 2 else ""
        lines.append(f"{prefix}{shown} ({count}): {key[-1]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- simulate
_PAYOUT_COLUMNS = [
    "scheme",
    "employee",
    "period",
    "component",
    "kpi",
    "actual",
    "target",
    "attainment",
    "factor",
    "payout",
    "gate_passed",
    "modifier",
    "before_cap",
    "pool_factor",
]


def write_csv(table: pd.DataFrame, path: Any) -> None:
    """Write a table as UTF-8 CSV with pyarrow's writer (an order of magnitude faster than
    ``DataFrame.to_csv`` on a payout table): text quoted, NaN as an empty field, booleans as
    ``true``/``false``; pandas reads it back unchanged.

    Examples
    --------
    >>> write_csv(pd.DataFrame({"employee": ["007"], "payout": [1.5]}), "out.csv")  # doctest: +SKIP
    """
    import pyarrow as pa
    from pyarrow import csv

    frame = table.copy()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype(str).where(frame[col].notna())
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    csv.write_csv(arrow, str(path), write_options=csv.WriteOptions(quoting_style="needed"))


def _ordered(df: pd.DataFrame, first: Sequence[str]) -> pd.DataFrame:
    head = [c for c in first if c in df.columns]
    return df[head + [c for c in df.columns if c not in head]]


@dataclass(frozen=True, kw_only=True, repr=False)
class SimulationResult:
    """Several schemes run on the same history: payouts, metrics and a comparison.

    Attributes
    ----------
    runs : dict
        Scheme name → :class:`kpitools.engine.payout.SchemeRun`.
    baseline : str
        The scheme the others are compared with.
    metrics : DataFrame
        One row per scheme (index ``scheme``), one column per metric of :data:`METRICS`.
    payouts, totals : DataFrame
        The payout tables (contract §5) and the per-employee-period totals of every scheme.
    winners_losers : DataFrame
        Per employee and scheme: total against the baseline (see :func:`winners_losers`).
    compare : DataFrame
        One row per scheme: metrics, cost change and winners/losers against the baseline.
    skipped : DataFrame
        ``scheme, period, reason`` for every period a scheme could not evaluate.
    warnings : tuple of str
    forecasts : dict
        Scheme name → :class:`kpitools.engine.forecast.ForecastResult`, when asked for.
    """

    runs: dict[str, Any]
    baseline: str
    metrics: pd.DataFrame
    payouts: pd.DataFrame
    totals: pd.DataFrame
    winners_losers: pd.DataFrame
    compare: pd.DataFrame
    skipped: pd.DataFrame
    warnings: tuple[str, ...] = ()
    forecasts: dict[str, Any] = field(default_factory=dict)

    @property
    def schemes(self) -> list[str]:
        """Scheme names in the order they were given."""
        return list(self.runs)

    @property
    def summary(self) -> pd.DataFrame:
        """The comparison table: metrics plus winners and losers against the baseline."""
        return self.compare

    def metrics_table(self) -> str:
        """The metrics as printed by ``kpitools simulate``: schemes as columns."""
        return format_metrics_table(self.metrics)

    def save(self, out_dir: str | Any) -> dict[str, Any]:
        """Write ``payouts.csv`` and ``metrics.csv`` (and, when there is more than one scheme,
        ``winners_losers.csv``; with a forecast, ``forecast.csv``) into ``out_dir``, atomically.

        Returns
        -------
        dict
            File kind → path written.

        Examples
        --------
        >>> result.save("out")  # doctest: +SKIP
        {'payouts': PosixPath('out/payouts.csv'), 'metrics': PosixPath('out/metrics.csv')}
        """
        import contextlib
        from pathlib import Path

        from .._util.files import atomic_path

        out = Path(out_dir)
        tables: dict[str, pd.DataFrame] = {
            "payouts": self.payouts,
            "metrics": self.metrics.reset_index(),
        }
        if len(self.runs) > 1:
            tables["winners_losers"] = self.winners_losers
        if self.forecasts:
            tables["forecast"] = pd.concat(
                [f.summary.reset_index().assign(scheme=name) for name, f in self.forecasts.items()],
                ignore_index=True,
            )
            tables["forecast"] = _ordered(tables["forecast"], ["scheme"])
        written = {kind: out / f"{kind}.csv" for kind in tables}
        # Every file goes to a temporary name first; all are renamed only when all are written.
        with contextlib.ExitStack() as stack:
            for kind, table in tables.items():
                tmp = stack.enter_context(atomic_path(written[kind]))
                write_csv(table, tmp)
        return written

    def __repr__(self) -> str:
        costs = ", ".join(
            f"{name}: {format_metric('total_cost', cost)}"
            for name, cost in self.metrics["total_cost"].items()
        )
        return (
            f"<kpitools.SimulationResult: {len(self.runs)} scheme(s), baseline {self.baseline!r}, "
            f"{len(self.totals):,} employee-periods, total cost {{{costs}}}, "
            f"{len(self.skipped)} skipped period(s)>"
        )

    def _repr_html_(self) -> str:
        shown = self.compare.drop(columns=["baseline"], errors="ignore").T
        body = shown.apply(
            lambda col: [format_metric(name, v) for name, v in col.items()]
        ).to_html()
        parts = [f"<p><b>Simulation</b>: baseline <code>{self.baseline}</code></p>", body]
        if not self.skipped.empty:
            text = describe_skipped(self.skipped).replace("\n", "<br>")
            parts.append(f"<p>Skipped periods:<br>{text}</p>")
        if self.warnings:
            parts.append("<ul>" + "".join(f"<li>{w}</li>" for w in self.warnings) + "</ul>")
        return "\n".join(parts)


def _is_single_scheme(schemes: Any) -> bool:
    import os

    return isinstance(schemes, str | os.PathLike | Mapping) or hasattr(schemes, "components")


def _load_schemes(schemes: Any) -> list[Any]:
    from ..scheme import load_scheme

    items = [schemes] if _is_single_scheme(schemes) else list(schemes)
    if not items:
        raise DefinitionError("No scheme to simulate.\nSuggestion: pass at least one scheme.")
    loaded = [s if hasattr(s, "components") else load_scheme(s) for s in items]
    seen: dict[str, int] = {}
    for i, scheme in enumerate(loaded):
        if scheme.name in seen:
            raise DefinitionError(
                f"Schemes {seen[scheme.name] + 1} and {i + 1} are both named {scheme.name!r}; "
                "results are kept per scheme name.\n"
                "Suggestion: give each scheme a distinct 'name:'."
            )
        seen[scheme.name] = i
    return loaded


def resolve_library(library: Any) -> Any:
    """The KPI library once for a whole run: the object, or ``False`` for none.

    :func:`kpitools.engine.payout.prepare` reads ``None`` as "load the shipped library";
    resolving it
    once here saves reading it again for every scheme, calibration step or forecast.
    """
    from .payout import _resolve_library

    lib = _resolve_library(library)
    return False if lib is None else lib


def load_data(data: Any, *, library: Any = None) -> pd.DataFrame:
    """Load ``data`` (a path or DataFrame) through :func:`kpitools.data.load`."""
    return load_data_with_warnings(data, library=library)[0]


def load_data_with_warnings(data: Any, *, library: Any = None) -> tuple[pd.DataFrame, list[str]]:
    """Load ``data`` like :func:`load_data`; the loader's warnings (unknown KPIs, summed
    duplicates, …) are returned as text, so that results and the command line can show them
    instead of Python's warning printer.
    """
    import warnings

    from ..data import load

    lib = None if library is None or library is False else resolve_library(library)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = load(data) if lib is None or lib is False else load(data, library=lib)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    for w in caught:  # anything else goes on as usual
        if not issubclass(w.category, UserWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return table, messages


def simulate(
    data: Any,
    schemes: Any,
    *,
    baseline: str | None = None,
    periods: Any = None,
    library: Any = None,
    forecast: int | None = None,
    seed: int | None = None,
    trend: bool = False,
) -> SimulationResult:
    """Run one or more schemes on the same history and compare them.

    Parameters
    ----------
    data : str, path or DataFrame
        Historical performance data, loaded with :func:`kpitools.data.load`.
    schemes : scheme, path, mapping or a list of them
        The schemes (:class:`kpitools.scheme.Scheme` objects or YAML files).
    baseline : str, optional
        Name of the scheme the others are compared with; the first scheme by default.
    periods : optional
        Periods to evaluate, passed to :func:`kpitools.engine.payout.run_scheme` (``"FROM..TO"``).
    library : Library, optional
        KPI library (directions, aggregations); the default library otherwise.
    forecast : int, optional
        Also forecast this many simulated next periods per scheme
        (:func:`kpitools.engine.forecast.forecast`).
    seed : int, optional
        Seed of the forecast.
    trend : bool
        Forecast with each KPI's fitted growth.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> from kpitools.demo import make_demo_company  # doctest: +SKIP
    >>> result = simulate(make_demo_company().data, "templates/schemes/linear_commission.yaml")
    ... # doctest: +SKIP
    >>> result.metrics.loc[:, ["total_cost", "pct_at_target"]]  # doctest: +SKIP
    """
    from .payout import run_scheme

    loaded = _load_schemes(schemes)
    names = [s.name for s in loaded]
    if baseline is None:
        baseline = names[0]
    elif baseline not in names:
        raise DefinitionError(
            f"--baseline {baseline!r} is not the name of a simulated scheme."
            f"{_suggest(baseline, names)}\n"
            f"Suggestion: use one of {', '.join(repr(n) for n in names)}."
        )
    library = resolve_library(library)
    table, warnings = load_data_with_warnings(data, library=library)
    runs: dict[str, Any] = {}
    metric_rows = []
    payouts, totals, skipped = [], [], []
    for scheme in loaded:
        run = run_scheme(table, scheme, periods=periods, library=library)
        runs[scheme.name] = run
        metric_rows.append(compute_metrics(run))
        payouts.append(run.payouts)
        totals.append(run.totals)
        if run.skipped is not None and len(run.skipped):
            skipped.append(run.skipped.assign(scheme=scheme.name))
        warnings.extend(f"{scheme.name}: {w}" for w in run.warnings)
    metrics = pd.DataFrame(metric_rows, columns=list(METRICS))
    metrics.index = pd.Index(names, name="scheme")
    all_payouts = _ordered(pd.concat(payouts, ignore_index=True), _PAYOUT_COLUMNS)
    all_totals = pd.concat(totals, ignore_index=True)
    skipped_df = (
        _ordered(pd.concat(skipped, ignore_index=True), ["scheme", "period", "reason"])
        if skipped
        else pd.DataFrame({"scheme": [], "period": [], "reason": []}, dtype=str)
    )
    wl = winners_losers(all_totals, baseline)
    periods_of = {n: frozenset(t["period"].astype(str)) for n, t in zip(names, totals, strict=True)}
    for name in names:
        if name != baseline and not periods_of[name] & periods_of[baseline]:
            warnings.append(
                f"{name} and the baseline {baseline} share no evaluated period (e.g. a monthly "
                "and a quarterly scheme): winners and losers compare each scheme's totals over "
                "its own periods."
            )
    forecasts: dict[str, Any] = {}
    if forecast:
        from .forecast import forecast_loaded

        if isinstance(forecast, bool) or not isinstance(forecast, int) or forecast < 1:
            raise DefinitionError(
                f"forecast = {forecast!r}: the number of simulated periods must be a whole "
                "number of at least 1.\nSuggestion: use e.g. forecast=1000."
            )
        for scheme in loaded:
            # The data is loaded once; its warnings are already in the result's.
            forecasts[scheme.name] = forecast_loaded(
                table, scheme, n=forecast, seed=seed, trend=trend, library=library
            )
    return SimulationResult(
        runs=runs,
        baseline=baseline,
        metrics=metrics,
        payouts=all_payouts,
        totals=all_totals,
        winners_losers=wl,
        compare=compare_schemes(metrics, wl, baseline),
        skipped=skipped_df,
        warnings=tuple(warnings),
        forecasts=forecasts,
    )


# --------------------------------------------------------------------------- calibrate
@dataclass(frozen=True, kw_only=True, repr=False)
class CalibrationResult:
    """One scheme parameter solved so that a metric hits a value.

    Attributes
    ----------
    param, metric : str
        The dotted parameter path and the metric name.
    goal : float
        The value the metric should hit.
    value : float
        The solved parameter value.
    achieved : float
        The metric at ``value``; for a metric that moves in steps (a share of
        employee-periods) the closest level the bounds allow.
    original : float or None
        The parameter's value in the scheme as given.
    bounds : tuple of float
        The interval searched.
    method : str
        ``brentq`` (continuous metric) or ``bracketing`` (a metric that moves in steps).
    scheme : Scheme
        The calibrated scheme (``scheme.set(param, value)``).
    evaluations : DataFrame
        Every parameter value tried and its metric (``param``, ``metric`` columns).
    warnings : tuple of str
        What the data loader and the engine warned about.
    """

    param: str
    metric: str
    goal: float
    value: float
    achieved: float
    original: float | None
    bounds: tuple[float, float]
    method: str
    scheme: Any
    evaluations: pd.DataFrame
    warnings: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        """Whether the achieved metric equals the goal (to half a ruble for money metrics)."""
        return abs(self.achieved - self.goal) <= _tolerance(self.metric, self.goal)

    @property
    def summary(self) -> pd.DataFrame:
        """One row: parameter, original and solved value, metric, goal and achieved value."""
        return pd.DataFrame(
            [
                {
                    "param": self.param,
                    "original": self.original,
                    "value": self.value,
                    "metric": self.metric,
                    "goal": self.goal,
                    "achieved": self.achieved,
                    "exact": self.exact,
                    "method": self.method,
                    "evaluations": len(self.evaluations),
                }
            ]
        )

    def describe(self) -> str:
        """The result in two lines, as ``kpitools calibrate`` prints it."""
        first = f"{self.param} = {self.value:.6g}"
        if self.original is not None:
            first += f" (was {self.original:.6g})"
        achieved = format_metric(self.metric, self.achieved)
        goal = format_metric(self.metric, self.goal)
        second = f"{self.metric} = {achieved} (goal {goal}"
        second += ")" if self.exact else "; the closest reachable: the metric jumps over the goal)"
        return f"{first}\n{second}"

    def __repr__(self) -> str:
        return (
            f"<kpitools.CalibrationResult: {self.param} = {self.value:.6g} gives {self.metric} = "
            f"{format_metric(self.metric, self.achieved)} (goal "
            f"{format_metric(self.metric, self.goal)}, {len(self.evaluations)} evaluations, "
            f"{self.method})>"
        )

    def _repr_html_(self) -> str:
        return "<p><b>Calibration</b></p>" + self.summary.to_html(index=False)


def _tolerance(metric: str, goal: float) -> float:
    if metric in _MONEY:
        return 0.5
    return 1e-9 * max(1.0, abs(goal))


def _param_value(scheme: Any, param: str) -> float | None:
    """The current value at a dotted path of the scheme (None when the key is unset).

    A path the scheme cannot have is reported by :meth:`Scheme.set` itself (with its "did
    you mean"); a path to something that is not a number is refused here.
    """
    node: Any = scheme.to_dict()
    for part in param.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list | tuple) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            scheme.set(param, 1.0)  # raises the engine's message for a path that cannot exist
            return None
    if node is None:
        return None
    if isinstance(node, bool) or not isinstance(node, int | float):
        shown = node if not isinstance(node, Mapping | list | tuple) else type(node).__name__
        raise DefinitionError(
            f"--param {param!r} is {shown!r}, not a number.\n"
            "Suggestion: point --param at a number, such as components.0.target.rate or cap."
        )
    return float(node)


_INPUT_KEYS = frozenset({"kpi", "target", "direction", "baseline"})


def _is_budget_goal(to: float | str, metric: str, scheme: Any) -> bool:
    """Whether ``to`` asks for the scheme's budget; a clear error for any other text."""
    if not isinstance(to, str):
        return False
    text = to.strip()
    if text.lower() != "budget":
        try:
            float(text)
        except ValueError:
            raise DefinitionError(
                f"--to {to!r}: not a number.\nSuggestion: give the value the metric should "
                "hit (e.g. --to 0.65), or --to budget with --metric total_cost."
            ) from None
        return False
    if metric != "total_cost":
        raise DefinitionError(
            f"--to budget: the budget is money, so it only fits --metric total_cost (not "
            f"{metric}).\nSuggestion: use --metric total_cost, or give a number with --to."
        )
    if getattr(scheme, "budget", None) is None:
        raise DefinitionError(
            f"--to budget: the scheme {scheme.name!r} has no budget.\nSuggestion: add "
            "'budget: <amount per period>' to the scheme, or give the amount with --to."
        )
    return True


def _changes_inputs(param: str) -> bool:
    """Whether changing ``param`` changes what :func:`kpitools.engine.payout.prepare` builds."""
    parts = param.split(".")
    if parts[0] in {"period", "revenue_kpi"}:
        return True
    if parts[0] in {"components", "gates", "modifiers"}:
        return len(parts) < 3 or parts[2] in _INPUT_KEYS
    return False


def _on_target_pay_array(scheme: Any, keys: pd.DataFrame) -> np.ndarray:
    otp = scheme.on_target_pay
    if isinstance(otp, Mapping):
        return keys["role"].map(otp).to_numpy(float)
    return np.full(len(keys), float(otp))


def default_bounds(value: float | None) -> tuple[float, float]:
    """Bounds searched when none are given: 0 to 3 × the current value (0 to 1 for 0).

    Where the scheme does not accept 0 (on-target pay, a cap, a fixed target),
    :func:`calibrate` starts at 1% of the current value instead.

    Examples
    --------
    >>> default_bounds(0.1)
    (0.0, 0.30000000000000004)
    """
    if value is None:
        raise DefinitionError(
            "The parameter has no value in the scheme to start from.\n"
            "Suggestion: pass --bounds LO HI."
        )
    if value > 0:
        return (0.0, 3.0 * value)
    if value < 0:
        return (3.0 * value, 0.0)
    return (0.0, 1.0)


def calibrate(
    data: Any,
    scheme: Any,
    param: str,
    metric: str,
    to: float | str,
    bounds: tuple[float, float] | None = None,
    *,
    periods: Any = None,
    library: Any = None,
    grid: int = 9,
) -> CalibrationResult:
    """Solve one scheme parameter so that a metric hits a value.

    The metric is first evaluated on ``grid`` evenly spaced values across ``bounds`` (which
    also shows whether the goal is reachable at all), then the bracket around the goal that is
    closest to the scheme's own value is narrowed: with :func:`scipy.optimize.brentq` for
    continuous metrics, by bisection for metrics that move in steps (shares of
    employee-periods), keeping the value whose metric is closest to the goal.

    Parameters
    ----------
    data : str, path or DataFrame
        Historical data (loaded once with :func:`kpitools.data.load`).
    scheme : Scheme, path or mapping
        The scheme to calibrate.
    param : str
        Dotted path of a number in the scheme, e.g. ``components.0.target.rate``.
    metric : str
        One of :data:`METRICS`.
    to : float or "budget"
        The value the metric should hit. ``"budget"`` (with ``total_cost``) is the scheme's
        ``budget`` per period times the number of periods evaluated.
    bounds : (float, float), optional
        Interval to search; 0 to 3 × the current value by default.
    periods, library : optional
        As for :func:`simulate`.
    grid : int
        Number of values tried first across the bounds.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    DefinitionError
        Unknown metric or path, bad bounds, or a goal that no value in the bounds reaches.

    Examples
    --------
    >>> res = calibrate("data.csv", "scheme.yaml", "components.0.target.rate",
    ...                 "pct_at_target", 0.65, (0.0, 0.5))  # doctest: +SKIP
    >>> res.value, res.achieved  # doctest: +SKIP
    (0.1375, 0.65)
    """
    from scipy import optimize

    from .payout import compute, prepare, prepare_base, set_targets

    check_metric_name(metric)
    (base,) = _load_schemes(scheme)
    original = _param_value(base, param)
    lo, hi = (float(b) for b in bounds) if bounds is not None else default_bounds(original)
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
        raise DefinitionError(
            f"--bounds {lo:g} {hi:g}: the lower bound must be below the upper bound.\n"
            "Suggestion: pass --bounds LO HI with LO < HI."
        )
    if bounds is None and lo == 0.0 and original:
        try:  # 0 is not allowed everywhere (on-target pay, a cap, a fixed target)
            base.set(param, 0.0)
        except DefinitionError:
            lo = abs(original) / 100.0
    to_budget = _is_budget_goal(to, metric, base)
    goal = float("nan") if to_budget else float(to)
    library = resolve_library(library)
    table, warnings = load_data_with_warnings(data, library=library)
    cache: dict[float, float] = {}
    # Targets, KPIs and periods need the data rolled up again; anything else (curves, weights,
    # cap, pool, on-target pay) only the arithmetic.
    reprepare = _changes_inputs(param)
    fixed_inputs = None if reprepare else prepare(table, base, periods=periods, library=library)
    if fixed_inputs is not None:
        warnings.extend(fixed_inputs.warnings)
    if to_budget:  # the budget is per period: over the periods the scheme evaluates
        evaluated = fixed_inputs or prepare(table, base, periods=periods, library=library)
        goal = float(base.budget) * evaluated.keys["period"].nunique()
    rolled: list[Any] = []  # the roll-up of a target search: one prepare_base for all values

    def evaluate(x: float) -> float:
        x = float(x)
        if x not in cache:
            try:
                candidate = base.set(param, x)
            except DefinitionError as err:
                what = str(err).split("\nSuggestion:")[0]
                raise DefinitionError(
                    f"{param} = {x:g} (inside --bounds {lo:g} {hi:g}) is not a valid scheme: "
                    f"{what}\nSuggestion: narrow --bounds to values the scheme accepts."
                ) from err
            if fixed_inputs is None:
                if not rolled or not rolled[0].fits(candidate):
                    rolled[:] = [prepare_base(table, candidate, periods=periods, library=library)]
                inputs = set_targets(rolled[0], candidate)
            elif param.split(".")[0] == "on_target_pay":
                inputs = fixed_inputs.replace(
                    on_target_pay=_on_target_pay_array(candidate, fixed_inputs.keys)
                )
            else:
                inputs = fixed_inputs
            arrays = compute(candidate, inputs)
            cache[x] = float(metrics_from_arrays(candidate, inputs, arrays)[metric])
        return cache[x]

    xs = np.linspace(lo, hi, max(int(grid), 2))
    ys = np.array([evaluate(x) for x in xs])
    finite = np.isfinite(ys)
    if not finite.any():
        raise DefinitionError(
            f"{metric} is undefined (n/a) for every value of {param} in [{lo:g}, {hi:g}].\n"
            "Suggestion: choose another metric, or check that the data covers the scheme's KPIs."
        )
    tol = _tolerance(metric, goal)
    y_min, y_max = float(np.nanmin(ys)), float(np.nanmax(ys))
    if goal < y_min - tol or goal > y_max + tol:
        raise DefinitionError(
            f"{metric} ranges from {format_metric(metric, y_min)} to "
            f"{format_metric(metric, y_max)} for {param} in [{lo:g}, {hi:g}]; "
            f"{format_metric(metric, goal)} is outside.\n"
            "Suggestion: widen --bounds, or aim for a value inside that range."
        )
    step = metric in STEP_METRICS
    start = original if original is not None else (lo + hi) / 2
    diff = ys - goal
    brackets = [
        i
        for i in range(len(xs) - 1)
        if finite[i] and finite[i + 1] and np.sign(diff[i]) != np.sign(diff[i + 1])
    ]
    if brackets and not np.any(np.abs(diff[finite]) <= tol):
        i = min(brackets, key=lambda k: abs((xs[k] + xs[k + 1]) / 2 - start))
        a, b = float(xs[i]), float(xs[i + 1])
        xtol = (hi - lo) * 1e-12
        if step:
            xtol = (hi - lo) * 1e-5  # a share of employee-periods moves in steps: 17 halvings
            fa = evaluate(a) - goal
            for _ in range(60):
                m = (a + b) / 2
                fm = evaluate(m) - goal
                if not np.isfinite(fm) or abs(fm) <= tol or b - a <= xtol:
                    break
                if np.sign(fm) == np.sign(fa):
                    a, fa = m, fm
                else:
                    b = m
        else:
            optimize.brentq(
                lambda x: evaluate(x) - goal, a, b, xtol=xtol, rtol=4 * np.finfo(float).eps
            )
    # The answer is the value tried whose metric came closest; ties go to the smallest change.
    tried = pd.DataFrame({"param": list(cache), "metric": list(cache.values())})
    tried = tried[np.isfinite(tried["metric"])]
    gap = (tried["metric"] - goal).abs()
    best_gap = gap.min()
    near = tried[gap <= best_gap + tol * 1e-3]
    best = near.loc[(near["param"] - start).abs().idxmin()]
    value = float(best["param"])
    return CalibrationResult(
        param=param,
        metric=metric,
        goal=goal,
        value=value,
        achieved=float(best["metric"]),
        original=original,
        bounds=(lo, hi),
        method="bracketing" if step else "brentq",
        scheme=base.set(param, value),
        evaluations=tried.sort_values("param", ignore_index=True),
        warnings=tuple(dict.fromkeys(warnings)),
    )


# --------------------------------------------------------------------------- command line
@contextlib.contextmanager
def _naming_the_file(data: Any):
    """Errors about a loaded table say "the data:"; name the file the user gave instead."""
    try:
        yield
    except KpitoolsError as err:
        text = err.message
        if isinstance(data, str | os.PathLike) and text[:9] in ("the data:", "the data "):
            err.message = f"{os.fspath(data)}{text[len('the data') :]}"
            err.args = (err.message,)
        raise


def _bullets(messages: Sequence[str]) -> str:
    """Messages as an indented list; a message of several lines keeps its lines together."""
    out = []
    for message in messages:
        first, *rest = str(message).splitlines() or [""]
        out.append(f"  - {first}")
        out.extend(f"    {line.strip()}" for line in rest)
    return "\n".join(out)


def _check_periods_option(periods: str | None) -> None:
    """Validate ``--periods`` before any work; the message names the option."""
    from ..data import parse_range

    try:
        parse_range(periods)
    except DefinitionError as err:
        raise DefinitionError(f"--{err}" if str(err).startswith("periods ") else str(err)) from err


def run_simulate_command(
    data_file: str,
    schemes: Sequence[str],
    *,
    baseline: str | None = None,
    out: str | None = None,
    periods: str | None = None,
    forecast: int | None = None,
    seed: int | None = None,
    trend: bool = False,
    echo: Any = print,
) -> SimulationResult:
    """``kpitools simulate``: run, print the metrics table, write the files into ``out``."""
    _check_periods_option(periods)
    if forecast is not None and forecast < 1:
        raise DefinitionError(
            f"--forecast {forecast}: the number of simulated periods must be at least 1.\n"
            "Suggestion: use e.g. --forecast 1000."
        )
    with _naming_the_file(data_file):
        result = simulate(
            data_file,
            list(schemes),
            baseline=baseline,
            periods=periods,
            forecast=forecast,
            seed=seed,
            trend=trend,
        )
    names = result.schemes
    shown = ", ".join(
        f"{n} (baseline)" if n == result.baseline and len(names) > 1 else n for n in names
    )
    echo(f"Simulated {shown} on {data_file}: {len(result.totals):,} employee-periods.")
    echo("")
    echo(result.metrics_table())
    if len(names) > 1:
        echo("")
        echo(f"Against the baseline {result.baseline}:")
        for name in names:
            if name == result.baseline:
                continue
            row = result.compare.loc[name]
            echo(
                f"  {name}: cost {format_metric('cost_change', row['cost_change'])} "
                f"({format_metric('cost_change_pct', row['cost_change_pct'])}); "
                f"{int(row['winners'])} employee{'s win' if int(row['winners']) != 1 else ' wins'}"
                f", {int(row['losers'])} lose, "
                f"{int(row['unchanged'])} unchanged"
            )
    if not result.skipped.empty:
        echo("")
        echo("Skipped periods:")
        for line in describe_skipped(result.skipped).splitlines():
            echo(f"  {line}")
    if result.warnings:
        echo("")
        echo("Warnings:")
        echo(_bullets(result.warnings))
    for fc in result.forecasts.values():
        echo("")
        echo(fc.describe())
    if out:
        written = result.save(out)
        echo("")
        echo("Wrote " + ", ".join(str(p) for p in written.values()))
    return result


def run_calibrate_command(
    data_file: str,
    scheme: str,
    *,
    param: str,
    metric: str,
    to: float | str,
    bounds: tuple[float, float] | None = None,
    periods: str | None = None,
    out: str | None = None,
    echo: Any = print,
) -> CalibrationResult:
    """``kpitools calibrate``: solve, print the value and the achieved metric, write the YAML."""
    check_metric_name(metric)
    _check_periods_option(periods)
    with _naming_the_file(data_file):
        result = calibrate(data_file, scheme, param, metric, to, bounds or None, periods=periods)
    echo(result.describe())
    echo(
        f"Searched {param} in [{result.bounds[0]:g}, {result.bounds[1]:g}] "
        f"({len(result.evaluations)} evaluations, {result.method})."
    )
    if result.warnings:
        echo("Warnings:")
        echo(_bullets(result.warnings))
    if out:
        result.scheme.to_yaml(out)
        echo(f"Wrote the calibrated scheme to {out}")
    return result
