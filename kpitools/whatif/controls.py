"""The controls of a scheme (:func:`scheme_controls`): every lever the explorer puts a slider on.

Scheme-wide levers (on-target pay, per role too, the cap, the budget, the pool) live here,
with the weights (:func:`reweight` keeps them summing to 1); the levers of one component's
curve, target and commission are in :mod:`kpitools.whatif.component_controls`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..scheme import RosterPay, SalaryPay
from .component_controls import component_controls
from .control_spec import ControlSpec, cents, money_range, nice_step

__all__ = ["reweight", "scheme_controls"]


# --------------------------------------------------------------------------- pay
def _role_pay_controls(otp: Mapping[str, float]) -> list[ControlSpec]:
    """A scale of every role's pay (1 = as given), then one control per role."""
    start = {str(r): float(v) for r, v in otp.items()}
    first = next(iter(start))

    def scale_of(s):
        return float(s.on_target_pay[first]) / start[first]

    def scale(s, x):
        # to the cent: no 59999.99999999999 in the saved YAML, and back to 100% is
        # exactly the starting pay again
        factor = float(x) / scale_of(s)
        return s.set(
            "on_target_pay", {r: cents(float(v) * factor) for r, v in s.on_target_pay.items()}
        )

    specs = [
        ControlSpec(
            name="on_target_pay",
            label="pay, all roles",
            tooltip="on-target pay of every role, as a share of the starting scheme's",
            group="scheme",
            value=1.0,
            min=0.25,
            max=3.0,
            step=0.01,
            readout=".0%",
            read=scale_of,
            apply=scale,
        )
    ]
    for role, pay in otp.items():
        lo, hi, step = money_range(float(pay))
        path = f"on_target_pay.{role}"
        specs.append(
            ControlSpec(
                name=path,
                label=f"pay: {role}",
                tooltip=f"on-target pay of role {role}",
                group="scheme",
                value=float(pay),
                min=lo,
                max=hi,
                step=step,
                readout=",.0f",
                read=lambda s, role=role: float(s.on_target_pay[role]),
                apply=lambda s, x, path=path: s.set(path, float(x)),
            )
        )
    return specs


def _pay_controls(scheme: Any) -> list[ControlSpec]:
    otp = scheme.on_target_pay
    if isinstance(otp, RosterPay):
        return []  # each person's own amount from the roster: nothing to slide
    if isinstance(otp, SalaryPay):
        return [
            ControlSpec(
                name="on_target_pay.pct_of_salary",
                label="pay, % of salary",
                tooltip="on-target pay as a share of each person's annual salary",
                group="scheme",
                value=float(otp.pct_of_salary),
                min=0.01,
                max=max(1.0, 3 * float(otp.pct_of_salary)),
                step=0.005,
                readout=".1%",
                read=lambda s: float(s.on_target_pay.pct_of_salary),
                apply=lambda s, x: s.set("on_target_pay.pct_of_salary", float(x)),
            )
        ]
    if isinstance(otp, Mapping):
        return _role_pay_controls(otp)
    lo, hi, step = money_range(float(otp))
    return [
        ControlSpec(
            name="on_target_pay",
            label="on-target pay",
            group="scheme",
            value=float(otp),
            min=lo,
            max=hi,
            step=step,
            readout=",.0f",
            read=lambda s: float(s.on_target_pay),
            apply=lambda s, x: s.set("on_target_pay", float(x)),
        )
    ]


# --------------------------------------------------------------------------- limits
def _cap_control(scheme: Any) -> ControlSpec:
    cap = float(scheme.cap) if scheme.cap is not None else 0.0
    return ControlSpec(
        name="cap",
        label="cap",
        tooltip="highest payout per employee and period, × on-target pay (0 = no cap)",
        group="scheme",
        value=cap,
        min=0.0,
        max=max(5.0, 2 * cap),
        step=0.05,
        readout=".2f",
        read=lambda s: float(s.cap) if s.cap is not None else 0.0,
        apply=lambda s, x: s.set("cap", float(x) if x > 0 else None),
    )


def _budget_control(scheme: Any, budget_max: float | None) -> ControlSpec | None:
    budget = float(scheme.budget) if scheme.budget is not None else 0.0
    top = budget_max if budget_max is not None and budget_max > 0 else 3 * budget
    if not top > 0:
        return None
    step = nice_step(top)
    return ControlSpec(
        name="budget",
        label="budget",
        tooltip="budget per period (0 = none)",
        group="scheme",
        value=budget,
        min=0.0,
        max=math.ceil(max(top, budget) / step) * step,
        step=step,
        readout=",.0f",
        read=lambda s: float(s.budget) if s.budget is not None else 0.0,
        apply=lambda s, x: s.set("budget", float(x) if x > 0 else None),
    )


def _pool_control(scheme: Any) -> ControlSpec | None:
    if scheme.pool is None:
        return None
    if scheme.pool.funded_by is not None:  # a funded pool: its share of the funding KPI
        return _funded_pool_control(scheme.pool.funded_by)
    lo, hi, step = money_range(float(scheme.pool.budget))
    return ControlSpec(
        name="pool",
        label="pool",
        tooltip="pool per period: above it every payout is scaled down pro rata",
        group="scheme",
        value=float(scheme.pool.budget),
        min=lo,
        max=hi,
        step=step,
        readout=",.0f",
        read=lambda s: float(s.pool.budget),
        apply=lambda s, x: s.set("pool.budget", float(x)),
    )


def _funded_pool_control(funding: Any) -> ControlSpec:
    return ControlSpec(
        name="pool",
        label="pool rate",
        tooltip=f"the pool is this share of the period's {funding.kpi} above {funding.above:,.0f}",
        group="scheme",
        value=float(funding.rate),
        min=0.0,
        max=max(0.5, 3 * float(funding.rate)),
        step=0.005,
        readout=".1%",
        read=lambda s: float(s.pool.funded_by.rate),
        apply=lambda s, x: s.set("pool.funded_by.rate", max(float(x), 1e-6)),
    )


# --------------------------------------------------------------------------- weights
def reweight(
    weights: list[float | None],
    index: int,
    value: float,
    start: list[float | None] | None = None,
) -> list[float | None]:
    """Set one weight and rescale the other (non-None) weights so that they still sum to 1.

    The others keep their proportions; when they are all 0 they share the rest in the
    proportions of ``start`` (the starting weights: moving a weight to 100% and back gives
    the starting scheme again), or equally when those are all 0 too.

    Examples
    --------
    >>> reweight([0.6, 0.4, None], 0, 0.8)
    [0.8, 0.2, None]
    >>> reweight([1.0, 0.0, 0.0], 0, 0.5)
    [0.5, 0.25, 0.25]
    >>> reweight([1.0, 0.0, 0.0], 0, 0.5, start=[0.5, 0.3, 0.2])
    [0.5, 0.3, 0.2]
    """
    value = min(max(float(value), 0.0), 1.0)
    others = [j for j, w in enumerate(weights) if w is not None and j != index]
    out = list(weights)
    out[index] = value
    rest = 1.0 - value
    total = math.fsum(weights[j] for j in others)
    if not total > 0 and start is not None:
        weights = start
        total = math.fsum(weights[j] or 0.0 for j in others)
    for j in others:
        share = rest * weights[j] / total if total > 0 else rest / len(others)
        out[j] = round(share, 10)  # readable in the saved YAML; the sum stays within 1e-9
    if others:
        last = others[-1]
        out[last] = round(max(0.0, 1.0 - value - math.fsum(out[j] for j in others[:-1])), 10)
    return out


def _weight_control(i: int, scheme: Any) -> ControlSpec | None:
    comp = scheme.components[i]
    curves = [c for c in scheme.components if c.curve is not None]
    if comp.curve is None or len(curves) < 2:
        return None  # a commission has no weight; a single curve's is fixed at 1

    def read(s):
        return float(s.components[i].weight)

    start = [c.weight for c in scheme.components]

    def apply(s, x):
        weights = reweight([c.weight for c in s.components], i, x, start=start)
        comps = s.to_dict()["components"]
        for c, w in zip(comps, weights, strict=True):
            if w is not None:
                c["weight"] = w
        return s.set("components", comps)

    return ControlSpec(
        name=f"components.{i}.weight",
        label="weight",
        tooltip="the component's weight; the others are rescaled to keep the sum at 100%",
        group=f"components.{i}",
        value=float(comp.weight),
        min=0.0,
        max=1.0,
        step=0.01,
        readout=".0%",
        read=read,
        apply=apply,
    )


# --------------------------------------------------------------------------- all of them
def scheme_controls(scheme: Any, *, budget_max: float | None = None) -> dict[str, ControlSpec]:
    """The controls of a scheme, by name, in display order.

    ``on_target_pay`` (when the scheme pays roles differently: a scale of every role's pay
    against the starting scheme, 1 = as given, plus ``on_target_pay.<role>`` per role),
    ``cap`` (0 = no cap), ``budget`` (0 = none), ``pool`` (the pool's budget, when the scheme
    has a pool) and, per component *i*:
    ``components.i.target`` (the method's number: ``value`` for fixed, ``rate`` for growth,
    ``q`` for percentile, ``total`` for allocate; none for ``from_data``),
    ``components.i.threshold`` (the curve's first attainment), ``components.i.excellence``
    (its last attainment; for tiers the last tier's start), ``components.i.cap`` (the
    curve's highest factor), ``components.i.rate`` (a commission's rate, or its top tier's)
    and ``components.i.weight`` (the other weights rescaled so that they still sum to 1).

    Parameters
    ----------
    scheme : Scheme
        The scheme.
    budget_max : float, optional
        Upper end of the budget slider (3 × the budget by default).

    Returns
    -------
    dict
        Control name → :class:`ControlSpec`.

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1000, "components": [
    ...     {"kpi": "a", "weight": 0.6, "target": {"method": "fixed", "value": 10},
    ...      "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}},
    ...     {"kpi": "b", "weight": 0.4, "target": {"method": "growth", "rate": 0.1},
    ...      "curve": {"steps": [[0.9, 0.5], [1.0, 1.0]]}}]})
    >>> specs = scheme_controls(s)
    >>> list(specs)[:4]
    ['on_target_pay', 'cap', 'components.0.target', 'components.0.threshold']
    >>> specs["components.0.weight"].apply(s, 0.8).components[1].weight
    0.2
    """
    specs = [
        *_pay_controls(scheme),
        _cap_control(scheme),
        _budget_control(scheme, budget_max),
        _pool_control(scheme),
    ]
    for i, comp in enumerate(scheme.components):
        specs += [*component_controls(i, comp), _weight_control(i, scheme)]
    return {spec.name: spec for spec in specs if spec is not None}
