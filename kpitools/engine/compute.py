"""The vectorised payout maths: from aligned actuals and targets to payouts.

:func:`compute` (pure numpy, no loop over rows) turns :class:`PayoutInputs` into payouts
(:class:`PayoutArrays`). The forecast and the what-if explorer call it again and again, so it
only does arithmetic on whole arrays.

Order of operations per employee and period (docs/schemes.md): component payouts → gates →
sum → modifiers (multiply) → cap → pool proration across the employees of the period.

- **A missing actual**: the component pays 0, a gate counts as missed, a modifier is 1
  (no change).
- **Attainment** = actual / target (``higher``), target / actual (``lower``; an actual of 0
  or below counts as the highest attainment of the component's curve: the last point or
  step, where a linear curve reaches its cap, the last tier start of a commission; a gate
  passes), (actual − b) / (target − b) with a ``baseline`` b. Attainments are rounded to 12
  decimals so that float noise (0.1 + 0.2) never drops an exact hit below a boundary; so are
  the factors, the weighted attainment and the product of the modifiers (weights 0.6, 0.3
  and 0.1 all at 100% make a weighted attainment of exactly 1).
- **Commission** pays on max(actual, 0); its ``factor`` is the effective rate
  (payout / actual). On a ``reversible`` KPI (``inputs.reversible``) a negative actual pays
  a negative commission, deducted from the period's pay. With proration
  (``inputs.proration``) the tier edges of ``basis: value`` are scaled by the active share.
- **Money** is rounded to cents at each step (:mod:`kpitools.engine.money`): each component
  payout, the sum, the amount after modifiers; the cap amount is rounded down.
- **Weighted attainment** = Σ weight × attainment of the curve components (a missing
  attainment counts as 0); a commission-only scheme takes the mean attainment of its
  commissions.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..errors import DefinitionError
from ..scheme import Component, Scheme
from .arrays import PayoutArrays, PayoutInputs
from .money import floor_cents, round_cents
from .payment import settle
from .pools import pay_from_pool
from .ratings import is_score, score_factor
from .windows import window_mask

__all__ = ["applies_to", "attainment", "compute", "snap"]


def attainment(
    actual: Any,
    target: Any,
    *,
    direction: str = "higher",
    baseline: float | None = None,
    top: float = np.inf,
) -> np.ndarray:
    """Attainment of actuals against targets (vectorised), rounded to 12 decimals.

    Parameters
    ----------
    actual, target : array-like
        Aligned actuals and targets.
    direction : {"higher", "lower"}
        ``lower``: target / actual; an actual of 0 or below gets ``top``.
    baseline : float, optional
        (actual − baseline) / (target − baseline) instead.
    top : float
        The attainment given to a ``lower`` actual of 0 or below.

    Returns
    -------
    numpy.ndarray
        The attainments (NaN where the actual or the target is missing).

    Examples
    --------
    >>> attainment([150.0, 0.3], [100.0, 0.1 + 0.2]).tolist()
    [1.5, 1.0]
    >>> attainment([50.0, 0.0], [100.0, 100.0], direction="lower", top=1.5).tolist()
    [2.0, 1.5]
    """
    a = np.asarray(actual, dtype=float)
    t = np.asarray(target, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if baseline is not None:
            att = np.asarray(np.divide(a - baseline, t - baseline))
        elif direction == "lower":
            att = np.asarray(np.divide(t, a))
        else:
            att = np.asarray(np.divide(a, t))
    if att.ndim == 0:
        att = np.asarray(np.round(att, 12))
    else:
        np.round(att, 12, out=att)
    if baseline is None and direction == "lower":
        # after rounding: the top is the curve's own number, reached exactly
        att[a <= 0] = top  # NaN is not <= 0: stays NaN
    return att[()] if att.ndim == 0 else att


def snap(x: Any) -> np.ndarray:
    """A factor or attainment rounded to 12 decimals (in place for an array).

    Float noise (0.6 + 0.3 + 0.1 = 0.9999999999999999) must neither show in the payout table
    nor drop a value below 1.

    Examples
    --------
    >>> snap(np.array([0.6 + 0.3 + 0.1, 1.1 * 1.05])).tolist()
    [1.0, 1.155]
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        return np.round(x, 12)
    return np.round(x, 12, out=x)


def compute(scheme: Scheme, inputs: PayoutInputs) -> PayoutArrays:
    """Payouts of every employee-period, on whole arrays.

    For a scheme that pays over time (a true-up, a draw; docs/plan-mechanics.md) and
    inputs with a ``timeline``, ``payout`` is the period's payment and ``steps`` holds every
    step from what it earned (:func:`kpitools.engine.payment.settle`).

    Parameters
    ----------
    scheme : Scheme
        The scheme whose curves, gates, modifiers, cap and pool apply.
    inputs : PayoutInputs
        From :func:`kpitools.engine.prepare` (or a variant of it).

    Returns
    -------
    PayoutArrays

    Examples
    --------
    >>> import pandas as pd
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
    ...     {"kpi": "x", "weight": 1, "target": 10, "curve": {"steps": [[1, 1], [1.2, 2]]}}]})
    >>> keys = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01"] * 2})
    >>> inp = PayoutInputs(keys=keys, actual=(np.array([11.0, 12.0]),),
    ...     target=(np.array([10.0, 10.0]),), gate_actual=(), gate_target=(),
    ...     modifier_actual=(), modifier_target=(), direction=("higher",), gate_direction=(),
    ...     modifier_direction=(), on_target_pay=np.array([100.0, 100.0]),
    ...     revenue=np.full(2, np.nan), period_code=np.zeros(2, dtype=int))
    >>> compute(s, inp).payout.tolist()
    [100.0, 200.0]
    """
    arrays = _earn(scheme, inputs)
    # the path from earned to paid: for a scheme paid over time, and for a prorated run
    # (contract §9: proration is a plan mechanic too; there each period pays what it earns)
    if inputs.timeline is not None and (scheme.pays_over_time or inputs.proration is not None):
        steps = settle(scheme, inputs, arrays.payout, lambda ytd: _earn(scheme, ytd).payout)
        arrays = dataclasses.replace(arrays, payout=steps.payment, steps=steps)
    return arrays


def _earn(scheme: Scheme, inputs: PayoutInputs) -> PayoutArrays:
    """What each employee-period earns by §4's order (components … pool)."""
    otp = np.asarray(inputs.on_target_pay, dtype=float)
    n = otp.shape[0]
    atts, factors, raw = _component_payouts(scheme, inputs, otp)
    gate_atts, comp_ok, gate_passed = _gates(scheme, inputs, n)
    if scheme.gates:  # a missed gate zeroes the components it applies to
        for ok, pay in zip(comp_ok, raw, strict=True):
            pay *= ok
    comp_pay = tuple(raw)
    subtotal = np.zeros(n)
    for pay in comp_pay:
        subtotal += pay
    if len(comp_pay) > 1:
        subtotal = round_cents(subtotal)  # sums of cents carry float noise
    mod_atts, mod_factors, modifier = _modifiers(scheme, inputs, n)
    before_cap = round_cents(subtotal * modifier) if scheme.modifiers else subtotal
    if scheme.cap is not None:
        cap_amount = floor_cents(scheme.cap * otp)  # never above cap × on-target pay
        after_cap = np.minimum(before_cap, cap_amount)
    else:
        cap_amount = np.full(n, np.inf)
        after_cap = before_cap
    pool_use = None
    if scheme.pool is not None and n:
        payout, pool_factor, pool_use = pay_from_pool(
            scheme.pool, after_cap, inputs.period_code, inputs.pool_actual
        )
    else:
        payout, pool_factor = after_cap, np.ones(n)
    return PayoutArrays(
        attainment=tuple(atts),
        factor=tuple(factors),
        component_payout=comp_pay,
        component_gate=tuple(comp_ok),
        gate_attainment=tuple(gate_atts),
        modifier_attainment=tuple(mod_atts),
        modifier_factor=tuple(mod_factors),
        gate_passed=gate_passed,
        subtotal=subtotal,
        modifier=modifier,
        before_cap=before_cap,
        cap_amount=cap_amount,
        after_cap=after_cap,
        pool_factor=pool_factor,
        payout=payout,
        weighted_attainment=_weighted_attainment(scheme.components, atts, n),
        pool_use=pool_use,
    )


def _top(rule: Any) -> float:
    """The attainment a ``lower`` actual of 0 or below reaches: the rule's highest."""
    return float(rule.max_attainment) if rule is not None else np.inf


def _refuse_no_top(rule, actual, target, direction: str, keys, where: str) -> None:
    """A ``lower`` actual of 0 or below on a curve that rises forever has no attainment.

    The contract's rule (the highest attainment on the curve) has no value there: any
    number chosen would pay 0 complaints less than 1 complaint, or without bound.
    """
    if direction != "lower" or not getattr(rule, "rises_forever", False):
        return
    hit = (np.asarray(actual, dtype=float) <= 0) & np.isfinite(np.asarray(target, dtype=float))
    if not hit.any():
        return
    rows = keys.loc[hit, ["employee", "period"]].astype(str).head(5)
    shown = ", ".join(f"{e!r} in {p}" for e, p in rows.itertuples(index=False))
    more = f" and {int(hit.sum()) - len(rows)} more" if hit.sum() > len(rows) else ""
    raise DefinitionError(
        f"{where}: an actual of 0 or below of a 'lower' KPI counts as the highest attainment "
        f"on the curve, and this curve has none (it keeps rising): {shown}{more}.\n"
        "Suggestion: give the curve a top (a linear cap, or points without extrapolate: "
        "true), so that the best result pays the most."
    )


def _component_payouts(scheme: Scheme, inputs: PayoutInputs, otp: np.ndarray):
    """Attainment, factor and payout (cents, before gates; 0 without an actual) per component.

    A ``basis: score`` component maps its score (:mod:`kpitools.engine.ratings`); outside a
    component's ``active`` window it pays 0 (:mod:`kpitools.engine.windows`).
    """
    atts, factors, raw = [], [], []
    for i, comp in enumerate(scheme.components):
        if is_score(comp):
            fac = score_factor(comp, inputs.actual[i], inputs.keys, f"components[{i}]",
                               scheme.source)  # fmt: skip
            att = snap(fac.copy())  # a score counts as its factor: 1 = as if on target
            money = otp * comp.weight * fac
        else:
            att, fac, money = _measured_pay(comp, i, inputs, otp, scheme.source)
        pay = round_cents(money)
        np.nan_to_num(pay, copy=False, nan=0.0)  # no actual → 0
        if comp.active is not None:  # a SPIF pays only inside its window
            pay *= window_mask(comp, inputs.keys["period"], inputs.period_code)
        atts.append(att)
        factors.append(fac)
        raw.append(pay)
    return atts, factors, raw


def _measured_pay(comp: Component, i: int, inputs: PayoutInputs, otp: np.ndarray, source: str):
    """Attainment, factor and money of a component measured against its target."""
    actual = inputs.actual[i]
    target = inputs.target[i]
    if comp.commission is not None and not comp.commission.needs_target and target is None:
        target = np.full(otp.shape[0], np.nan)
    if comp.curve is not None:
        where = f"{source}: components[{i}] ({comp.kpi})"
        _refuse_no_top(comp.curve, actual, target, inputs.direction[i], inputs.keys, where)
    att = attainment(
        actual,
        target,
        direction=inputs.direction[i],
        baseline=comp.baseline,
        top=_top(comp.payout_rule),
    )
    if comp.curve is not None:
        fac = comp.curve.evaluate(att)
        return att, fac, otp * comp.weight * fac
    reversible = bool(inputs.reversible and inputs.reversible[i])
    money = comp.commission.evaluate(
        actual,
        target,
        att,
        reversible=reversible,
        edge_scale=inputs.proration if _value_tiers(comp) else None,
    )
    paid_on = (actual != 0) if reversible else (actual > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fac = np.where(paid_on, money / actual, np.nan)
    return att, fac, money


def _value_tiers(comp: Component) -> bool:
    """Whether a commission has tiers in money (edges prorated, unlike rates)."""
    return comp.commission.tiers is not None and comp.commission.basis == "value"


def _gates(scheme: Scheme, inputs: PayoutInputs, n: int):
    """Gate attainments, per component whether all its gates passed, and all gates passed."""
    gate_atts = []
    comp_ok = [np.ones(n, dtype=bool) for _ in scheme.components]
    gate_passed = np.ones(n, dtype=bool)
    for g, gate in enumerate(scheme.gates):
        att = attainment(
            inputs.gate_actual[g],
            inputs.gate_target[g],
            direction=inputs.gate_direction[g],
            baseline=gate.baseline,
        )
        passed = att >= gate.min_attainment  # NaN (no actual) → missed
        gate_atts.append(att)
        gate_passed &= passed
        for i in applies_to(scheme, gate):
            comp_ok[i] = comp_ok[i] & passed
    return gate_atts, comp_ok, gate_passed


def _modifiers(scheme: Scheme, inputs: PayoutInputs, n: int):
    """Modifier attainments and factors, and their product (1 without modifiers)."""
    mod_atts, mod_factors = [], []
    modifier = np.ones(n)
    for m, mod in enumerate(scheme.modifiers):
        where = f"{scheme.source}: modifiers[{m}] ({mod.kpi})"
        _refuse_no_top(
            mod.curve, inputs.modifier_actual[m], inputs.modifier_target[m],
            inputs.modifier_direction[m], inputs.keys, where,
        )  # fmt: skip
        att = attainment(
            inputs.modifier_actual[m],
            inputs.modifier_target[m],
            direction=inputs.modifier_direction[m],
            baseline=mod.baseline,
            top=_top(mod.curve),
        )
        fac = snap(mod.curve.evaluate(att))
        fac = np.where(np.isnan(fac), 1.0, fac)  # no actual → no change
        mod_atts.append(att)
        mod_factors.append(fac)
        modifier = snap(modifier * fac)  # 1.1 × 1.05 is 1.155, not 1.1550000000000002
    return mod_atts, mod_factors, modifier


def applies_to(scheme: Scheme, gate: Any) -> list[int]:
    """The positions of the components a gate applies to (all of them by default).

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "x", "weight": 0.5, "target": 1, "curve": {"steps": [[1, 1]]}},
    ...     {"kpi": "y", "weight": 0.5, "target": 1, "curve": {"steps": [[1, 1]]}}],
    ...     "gates": [{"kpi": "z", "min_attainment": 1, "target": 1, "applies_to": ["y"]}]})
    >>> applies_to(s, s.gates[0])
    [1]
    """
    if gate.applies_to is None:
        return list(range(len(scheme.components)))
    out: list[int] = []
    for ref in gate.applies_to:
        if isinstance(ref, int) and not isinstance(ref, bool):
            out.append(ref)
        else:
            out.extend(i for i, c in enumerate(scheme.components) if c.kpi == ref)
    return sorted(set(out))


def _weighted_attainment(comps: tuple[Component, ...], atts: list[np.ndarray], n: int):
    curve = [(c.weight, a) for c, a in zip(comps, atts, strict=True) if c.curve is not None]
    if curve:
        total = np.zeros(n)
        for w, a in curve:
            total = total + w * np.where(np.isfinite(a), a, np.where(np.isnan(a), 0.0, a))
        return snap(total)
    commission = [a for c, a in zip(comps, atts, strict=True) if c.commission is not None]
    stack = np.vstack(commission) if commission else np.full((1, n), np.nan)
    with np.errstate(invalid="ignore"):
        counts = np.sum(~np.isnan(stack), axis=0)
        sums = np.nansum(stack, axis=0)
        return snap(np.where(counts > 0, sums / np.maximum(counts, 1), np.nan))
