"""Year-to-date true-up: each period evaluated on the year so far, paid net of what was paid.

With ``true_up: {over: year, shortfall: carry | recover}`` (docs/plan-mechanics.md) the
scheme is evaluated in each period p on the (fiscal) year's data through p
(:func:`year_to_date`): actuals and targets cumulated by each KPI's aggregation (``sum``:
added up; ``mean``: the mean of the periods so far; ``last``: the latest; ``ratio``:
recomputed from its summed numerator and denominator when the data has them, else the
mean), on-target pay and so the cap summed over the elapsed periods, tier edges in money
(``basis: value``) scaled by the elapsed (prorated) periods. That is ``earned_to_date``.
:func:`true_up_due` turns it into what the true-up releases each period: with ``carry``
(the default) a shortfall is paid as 0 and netted off later (the released total is the
running maximum of the year-to-date earnings), with ``recover`` it is deducted (the
difference of consecutive year-to-date earnings). Each year starts afresh.

Examples
--------
>>> tl = Timeline.of(np.zeros(4, dtype=int), np.arange(4) + 8100, "quarter")
>>> etd = np.array([2_000_000, 1_400_000, 2_400_000, 3_400_000])  # cents
>>> (true_up_due(etd, tl, "carry") / 100).tolist()
[20000.0, 0.0, 4000.0, 10000.0]
>>> (true_up_due(etd, tl, "recover") / 100).tolist()
[20000.0, -6000.0, 10000.0, 10000.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import PayoutInputs
from .money import round_cents
from .timeline import Timeline

__all__ = ["true_up_due", "year_to_date"]


def _cumulate(tl: Timeline, values: np.ndarray, how: str, parts: Any = None) -> np.ndarray:
    """Year-to-date values of one item's actuals (or targets), ``how`` it aggregates."""
    values = np.asarray(values, dtype=float)
    have = ~np.isnan(values)
    if how == "last":
        return tl.ffill(values)
    n = tl.count(have)
    if how == "ratio" and parts is not None:
        num, den = (tl.cumsum(np.nan_to_num(np.asarray(x, dtype=float))) for x in parts)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((n > 0) & (den != 0), np.round(num / den, 12), np.nan)
    total = tl.cumsum(np.where(have, values, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "sum":
            return np.where(n > 0, np.round(total, 10), np.nan)
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)  # mean (and a ratio's target)


def year_to_date(inputs: PayoutInputs) -> PayoutInputs:
    """The inputs of each period's year-to-date evaluation (see the module docstring).

    ``inputs.timeline`` holds the order, the years and each item's aggregation.
    """
    tl = inputs.timeline

    def cumulate(actuals, targets, kind):
        how = tl.aggregation.get(kind) or ("sum",) * len(actuals)
        parts = tl.parts.get(kind) or (None,) * len(actuals)
        acts = tuple(_cumulate(tl, a, h, p) for a, h, p in zip(actuals, how, parts, strict=True))
        tgts = tuple(
            _cumulate(tl, t, "sum" if h == "sum" else "last" if h == "last" else "mean")
            for t, h in zip(targets, how, strict=True)
        )
        return acts, tgts

    actual, target = cumulate(inputs.actual, inputs.target, "component")
    gate_actual, gate_target = cumulate(inputs.gate_actual, inputs.gate_target, "gate")
    mod_actual, mod_target = cumulate(inputs.modifier_actual, inputs.modifier_target, "modifier")
    share = inputs.proration if inputs.proration is not None else np.ones(inputs.n)
    return inputs.replace(
        actual=actual,
        target=target,
        gate_actual=gate_actual,
        gate_target=gate_target,
        modifier_actual=mod_actual,
        modifier_target=mod_target,
        on_target_pay=round_cents(tl.cumsum(np.asarray(inputs.on_target_pay, dtype=float))),
        proration=np.round(tl.cumsum(share), 12),
        timeline=None,
    )


def true_up_due(earned_to_date: np.ndarray, tl: Timeline, shortfall: str) -> np.ndarray:
    """What the true-up releases each period, in cents (see the module docstring).

    Parameters
    ----------
    earned_to_date : numpy.ndarray
        Year-to-date earnings in whole cents (int64).
    tl : Timeline
        The employees' periods in order.
    shortfall : {"carry", "recover"}
        A negative difference paid as 0 and netted off later, or deducted.
    """
    etd = np.asarray(earned_to_date, dtype=np.int64)
    if shortfall == "recover":
        return etd - tl.previous(etd, by="year", first=0)
    released = np.maximum(tl.cummax(etd, by="year"), 0)  # what carry has paid by now
    return released - tl.previous(released, by="year", first=0)
