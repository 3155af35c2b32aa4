"""From earned to paid: the true-up, the draw and the restatement adjustments of a period.

A scheme that pays over time (``true_up``, ``draw``, ``clawback``; docs/plan-mechanics.md)
pays each period in this order (contract §9): §4's order gives the period's **earned**
amount (proration already inside it); the true-up turns the year-to-date earnings into
what is **due** (:mod:`kpitools.engine.trueup`); the draw tops it up or recovers from it
(:mod:`kpitools.engine.draws`); restatements add their **adjustment**
(:mod:`kpitools.engine.restatements`). :func:`settle` does the first three on whole arrays
(money in whole cents, so every running sum is exact) and returns the
:class:`~kpitools.engine.arrays.PaymentSteps`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..scheme import Scheme
from .arrays import PaymentSteps, PayoutInputs
from .draws import apply_draw
from .timeline import Timeline
from .trueup import true_up_due, year_to_date

__all__ = ["settle", "to_cents"]


def to_cents(x: np.ndarray) -> np.ndarray:
    """Money (already rounded to cents) as whole cents, int64."""
    return np.rint(np.asarray(x, dtype=float) * 100.0).astype(np.int64)


def settle(
    scheme: Scheme,
    inputs: PayoutInputs,
    earned: np.ndarray,
    earn: Callable[[PayoutInputs], np.ndarray],
) -> PaymentSteps:
    """Every step from the period's earnings to its payment.

    Parameters
    ----------
    scheme : Scheme
        With ``true_up`` and/or ``draw``.
    inputs : PayoutInputs
        With a ``timeline``.
    earned : numpy.ndarray
        Each period's own amount.
    earn : callable
        The final amounts §4's order gives for other inputs (the year-to-date evaluation).
    """
    rows = inputs.timeline
    tl = rows.in_sequence()  # every running sum in sequence order; put back once at the end
    inputs = _in_sequence(inputs, rows).replace(timeline=tl)
    cents = to_cents(rows.to_sequence(earned))
    if scheme.true_up is not None:
        to_date = to_cents(earn(year_to_date(inputs)))
        due = true_up_due(to_date, tl, scheme.true_up.shortfall)
    else:
        to_date = tl.cumsum(cents)
        due = cents
    balance = np.zeros(cents.size, dtype=np.int64)
    payment = due
    if scheme.draw is not None:
        amount = np.full(cents.size, to_cents(scheme.draw.amount), dtype=np.int64)
        if inputs.proration is not None:
            amount = to_cents(np.round(scheme.draw.amount * inputs.proration, 2))
        payment, balance = apply_draw(due, tl, scheme.draw, amount)
    paid_before = tl.cumsum(payment) - payment
    back = rows.from_sequence
    return PaymentSteps(
        earned=back(cents) / 100.0,
        earned_to_date=back(to_date) / 100.0,
        paid_to_date=back(paid_before) / 100.0,
        due=back(due) / 100.0,
        draw_balance=back(balance) / 100.0,
        adjustment=np.zeros(cents.size),
        payment=back(payment) / 100.0,
    )


def _in_sequence(inputs: PayoutInputs, rows: Timeline) -> PayoutInputs:
    """The arrays the pay rules read, in sequence order.

    ``keys`` stay as they were: the pay rules never read them.
    """

    def seq(arrays):
        return tuple(rows.to_sequence(a) for a in arrays)

    return inputs.replace(
        actual=seq(inputs.actual),
        target=seq(inputs.target),
        gate_actual=seq(inputs.gate_actual),
        gate_target=seq(inputs.gate_target),
        modifier_actual=seq(inputs.modifier_actual),
        modifier_target=seq(inputs.modifier_target),
        on_target_pay=rows.to_sequence(inputs.on_target_pay),
        revenue=rows.to_sequence(inputs.revenue),
        period_code=rows.to_sequence(inputs.period_code),
        proration=None if inputs.proration is None else rows.to_sequence(inputs.proration),
    )
