"""The engine's arrays: what :func:`prepare` hands :func:`compute`, and what it returns.

:class:`PayoutInputs` holds the actuals and targets of every component, gate and modifier,
aligned as numpy arrays with one row per employee-period; :class:`PayoutArrays` every
intermediate of the payout maths, aligned the same way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PaymentSteps", "PayoutArrays", "PayoutInputs", "STEP_COLUMNS"]

#: The steps from what a period earned to what it pays, on the total row of a scheme that
#: pays over time (a true-up, a draw or a clawback; docs/plan-mechanics.md).
STEP_COLUMNS: tuple[str, ...] = (
    "earned",
    "earned_to_date",
    "paid_to_date",
    "due",
    "draw_balance",
    "adjustment",
    "payment",
)


@dataclass(frozen=True, eq=False)
class PayoutInputs:
    """Aligned numpy inputs of :func:`compute`, one row per employee-period.

    Build it with :func:`prepare`; the forecast builds variants with
    ``dataclasses.replace(inputs, actual=…, period_code=…)``.

    Attributes
    ----------
    keys : pandas.DataFrame
        ``employee, period`` (label), ``role`` (and ``team, region, manager`` when present).
    actual, target : tuple of numpy.ndarray
        Per component, aligned with ``keys`` (NaN: no actual; target NaN where not needed).
    gate_actual, gate_target, modifier_actual, modifier_target : tuple of numpy.ndarray
        The same for gates and modifiers.
    direction, gate_direction, modifier_direction : tuple of str
        Resolved direction of each (the scheme's, else the KPI library's, else ``higher``).
    on_target_pay : numpy.ndarray
        Per row.
    revenue : numpy.ndarray
        Actual of the scheme's ``revenue_kpi`` (NaN where none).
    period_code : numpy.ndarray
        Integer group of each row for the pool (0 … n_periods − 1).
    skipped : pandas.DataFrame
        ``period, reason``: periods left out because a target method had no history.
    warnings : tuple of str
        Missing actuals and what the roll-up warned about.
    proration : numpy.ndarray or None
        Each row's active share of its period (fte × days active / days), when the run
        prorates (:mod:`kpitools.engine.proration`); on-target pay and targets already
        hold it, ``basis: value`` tier edges are scaled by it in :func:`compute`.
    reversible : tuple of bool
        Per component, whether its KPI is ``reversible`` (a negative actual pays a
        negative commission); empty: none is.
    timeline : Timeline or None
        Each employee's periods in order, for a scheme that pays over time
        (:mod:`kpitools.engine.timeline`); ``None``: every period pays what it earns.
    pool_actual : numpy.ndarray or None
        A funded pool (``pool: {funded_by: …}``): each row's period total of the funding
        KPI over every employee in the data, the same on every row of a period; the
        period's pool is funded from it (:mod:`kpitools.engine.pools`).

    Examples
    --------
    >>> keys = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01"] * 2})
    >>> inputs = PayoutInputs(keys=keys, actual=(np.array([11.0, np.nan]),),
    ...     target=(np.array([10.0, 10.0]),), gate_actual=(), gate_target=(),
    ...     modifier_actual=(), modifier_target=(), direction=("higher",), gate_direction=(),
    ...     modifier_direction=(), on_target_pay=np.array([100.0, 100.0]),
    ...     revenue=np.full(2, np.nan), period_code=np.zeros(2, dtype=int))
    >>> inputs
    PayoutInputs(2 employee-periods, 1 components, 0 skipped periods, 0 warnings)
    >>> inputs.replace(on_target_pay=np.array([100.0, 150.0])).on_target_pay.tolist()
    [100.0, 150.0]
    """

    keys: pd.DataFrame
    actual: tuple[np.ndarray, ...]
    target: tuple[np.ndarray, ...]
    gate_actual: tuple[np.ndarray, ...]
    gate_target: tuple[np.ndarray, ...]
    modifier_actual: tuple[np.ndarray, ...]
    modifier_target: tuple[np.ndarray, ...]
    direction: tuple[str, ...]
    gate_direction: tuple[str, ...]
    modifier_direction: tuple[str, ...]
    on_target_pay: np.ndarray
    revenue: np.ndarray
    period_code: np.ndarray
    skipped: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"period": [], "reason": []}, dtype=object)
    )
    warnings: tuple[str, ...] = ()
    proration: np.ndarray | None = None
    reversible: tuple[bool, ...] = ()
    timeline: Any = None
    pool_actual: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of employee-periods."""
        return len(self.on_target_pay)

    def replace(self, **changes: Any) -> PayoutInputs:
        """A copy with some fields replaced (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def take(self, rows: np.ndarray) -> PayoutInputs:
        """The employee-periods at positions ``rows`` (in order), as computed inputs.

        Period codes are renumbered over the periods kept; the timeline is dropped (what
        depends on earlier periods was computed before the rows were taken).
        """
        codes, period_code = np.unique(self.period_code[rows], return_inverse=True)
        labels = set(self.keys["period"].to_numpy(dtype=object)[rows].tolist())
        skipped = self.skipped[self.skipped["period"].isin(labels)].reset_index(drop=True)
        return dataclasses.replace(
            _taken(self, rows, self.n),
            keys=self.keys.iloc[rows].reset_index(drop=True),
            period_code=period_code.astype(self.period_code.dtype),
            skipped=skipped,
            timeline=None,
        )

    def __repr__(self) -> str:
        return (
            f"PayoutInputs({self.n} employee-periods, {len(self.actual)} components, "
            f"{len(self.skipped)} skipped periods, {len(self.warnings)} warnings)"
        )


@dataclass(frozen=True, eq=False)
class PayoutArrays:
    """Every intermediate of :func:`compute`, numpy arrays aligned with ``inputs.keys``.

    Attributes
    ----------
    attainment, factor : tuple of numpy.ndarray
        Per component (factor: the curve's payout factor; the effective rate of a commission).
    component_payout : tuple of numpy.ndarray
        Per component, in money, after gates (cents).
    component_gate : tuple of numpy.ndarray
        Per component, whether every gate that applies to it passed.
    gate_attainment, modifier_attainment, modifier_factor : tuple of numpy.ndarray
    gate_passed : numpy.ndarray
        Every gate passed.
    subtotal : numpy.ndarray
        Sum of the component payouts.
    modifier : numpy.ndarray
        Product of the modifier factors (1 without modifiers).
    before_cap, cap_amount, after_cap, pool_factor, payout : numpy.ndarray
        ``payout`` is the final amount.
    weighted_attainment : numpy.ndarray
    pool_use : PoolUse or None
        With a pool: its size and use per period (:mod:`kpitools.engine.pools`).
    """

    attainment: tuple[np.ndarray, ...]
    factor: tuple[np.ndarray, ...]
    component_payout: tuple[np.ndarray, ...]
    component_gate: tuple[np.ndarray, ...]
    gate_attainment: tuple[np.ndarray, ...]
    modifier_attainment: tuple[np.ndarray, ...]
    modifier_factor: tuple[np.ndarray, ...]
    gate_passed: np.ndarray
    subtotal: np.ndarray
    modifier: np.ndarray
    before_cap: np.ndarray
    cap_amount: np.ndarray
    after_cap: np.ndarray
    pool_factor: np.ndarray
    payout: np.ndarray
    weighted_attainment: np.ndarray
    steps: PaymentSteps | None = None
    pool_use: Any = None

    def take(self, rows: np.ndarray, period_code: np.ndarray) -> PayoutArrays:
        """The employee-periods at positions ``rows``; ``period_code``: every row's pool code.

        A pool's use is kept for the periods of the rows kept.
        """
        n = len(self.payout)
        out = _taken(self, rows, n)
        steps = None if self.steps is None else _taken(self.steps, rows, n)
        pool_use = self.pool_use
        if pool_use is not None:
            kept = np.unique(period_code[rows])
            pool_use = _taken(pool_use, kept, len(pool_use.pool))
        return dataclasses.replace(out, steps=steps, pool_use=pool_use)


@dataclass(frozen=True, eq=False)
class PaymentSteps:
    """From what each employee-period earned to what it pays (:data:`STEP_COLUMNS`).

    Money in cents-rounded floats, aligned with ``inputs.keys``.

    Attributes
    ----------
    earned : numpy.ndarray
        The period's own amount (components → gates → modifiers → cap → pool).
    earned_to_date : numpy.ndarray
        With a true-up, the scheme evaluated on the year's data through the period; else
        the running sum of ``earned`` over the (fiscal) year.
    paid_to_date : numpy.ndarray
        What was paid in the year before this period (the sum of earlier payments).
    due : numpy.ndarray
        What the pay rules release this period before draws and adjustments: ``earned``,
        or with a true-up the year-to-date earnings less what the true-up released before.
    draw_balance : numpy.ndarray
        The recoverable draw balance after the period (0 without one).
    adjustment : numpy.ndarray
        Restatements of earlier periods paid (+) or clawed back (−) in this period.
    payment : numpy.ndarray
        What is paid: ``due`` + the draw's top-up (or − its recovery) + ``adjustment``.
    """

    earned: np.ndarray
    earned_to_date: np.ndarray
    paid_to_date: np.ndarray
    due: np.ndarray
    draw_balance: np.ndarray
    adjustment: np.ndarray
    payment: np.ndarray

    @property
    def draw_cost(self) -> float:
        """What the draws paid beyond what the rules released (the ``draw_cost`` metric)."""
        extra = self.payment - self.due - self.adjustment
        return float(np.round(extra.sum(), 2))

    def replace(self, **changes: Any) -> PaymentSteps:
        """A copy with some steps replaced."""
        return dataclasses.replace(self, **changes)


def _taken(obj: Any, rows: np.ndarray, n: int) -> Any:
    """A copy of a dataclass with every array of ``n`` rows (alone or in a tuple) taken."""

    def take(value: Any) -> Any:
        if isinstance(value, np.ndarray) and value.ndim == 1 and len(value) == n:
            return value[rows]
        if isinstance(value, tuple) and value and isinstance(value[0], np.ndarray):
            return tuple(take(v) for v in value)
        return value

    changes = {f.name: take(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    return dataclasses.replace(obj, **changes)
