"""Live what-if explorers for JupyterLab (ipywidgets 8): move a control, see the effect.

:class:`SchemeExplorer` puts a control on every lever of a bonus scheme (on-target pay,
the cap, the budget and, per component, its target level, threshold, excellence point,
maximum factor, commission rate and weight) and shows the payout curves, the payout
distribution, the metrics table, cost against the budget, and winners and losers against
the scheme it started from. :class:`GoalExplorer` does the same for a design's driver
assumptions: the cascade, the coverage of the goals by the roles' targets, and the checks.

Every control maps to one transformation of the spec (:meth:`kpitools.scheme.Scheme.set`),
so what the explorer shows is exactly what ``kpitools simulate`` computes for the scheme it
saves. The data are prepared once (:func:`kpitools.engine.payout.prepare`); a control that does
not change targets only re-runs the vectorised :func:`kpitools.engine.payout.compute` (the fast
path), a target control prepares again. Sliders update on release in the browser
(``continuous_update=False``); setting ``control.value`` from code updates synchronously.

Examples
--------
>>> from kpitools.demo import make_demo_company  # doctest: +SKIP
>>> ex = SchemeExplorer(make_demo_company().data,
...                     "templates/schemes/accelerated_quarterly.yaml")  # doctest: +SKIP
>>> ex.controls["components.0.threshold"].value = 0.85  # doctest: +SKIP
>>> ex.metrics["total_cost"]  # doctest: +SKIP
>>> ex.save("my_scheme.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._util.format import money
from ..errors import KpitoolsError
from ..scheme import tidy_number

__all__ = [
    "ControlSpec",
    "GoalExplorer",
    "SchemeExplorer",
    "reweight",
    "scheme_controls",
    "with_assumption",
]

_STEP_ATTAINMENT = 0.01


# --------------------------------------------------------------------------- control specs
@dataclass(frozen=True, kw_only=True)
class ControlSpec:
    """One lever of a scheme: how a control reads its value and turns it into a new scheme.

    Attributes
    ----------
    name : str
        Control name, e.g. ``on_target_pay``, ``cap``, ``components.0.threshold``.
    label : str
        What the control shows next to it.
    group : str
        ``scheme`` or ``components.<i>``: controls are laid out by group.
    value, min, max, step : float
        Starting value and slider range.
    tooltip : str
        What the control does, shown on hover.
    changes_targets : bool
        Whether the data must be prepared again (target controls) or only re-computed.
    readout : str
        d3 format of the slider readout (``,.0f`` for money, ``.0%`` for attainments …).
    read : callable
        ``read(scheme) -> float``: the control's value in a scheme.
    apply : callable
        ``apply(scheme, value) -> Scheme``: a new validated scheme with the value set.
    """

    name: str
    label: str
    group: str
    value: float
    min: float
    max: float
    step: float
    tooltip: str = ""
    changes_targets: bool = False
    readout: str = ".2f"
    read: Callable[[Any], float]
    apply: Callable[[Any, float], Any]
    bounds: Callable[[Any], tuple[float, float]] | None = None


def _cents(amount: float) -> float:
    """Money rounded to the cent (what a consultant reads in the saved YAML)."""
    return round(float(amount), 2) + 0.0


def _nice_step(span: float) -> float:
    """A round slider step, about a hundredth of the span: 0.01, 100, 10,000 …"""
    if not span > 0 or not math.isfinite(span):
        return 0.01
    return float(10.0 ** math.floor(math.log10(span / 100.0)))


def _money_range(value: float) -> tuple[float, float, float]:
    lo, hi = value / 4.0, value * 3.0
    step = _nice_step(hi - lo)
    lo = max(step, math.floor(lo / step) * step)
    return lo, math.ceil(hi / step) * step, step


def _curve_key(curve: Any) -> str | None:
    for key in ("points", "steps"):
        if hasattr(curve, key):
            return key
    return None


def _pairs(rule: Any, key: str) -> list[list[float]]:
    return [[float(a), float(b)] for a, b in getattr(rule, key)]


def _distinct(pairs: list[list[float]]) -> list[float]:
    return sorted({p[0] for p in pairs})


def _move_end(pairs: list[list[float]], value: float, first: bool, col: int = 0) -> list:
    """Move the first (or last) point, with its jump partner at the same attainment."""
    out = [list(p) for p in pairs]
    order = range(len(out)) if first else range(len(out) - 1, -1, -1)
    edge = out[0][0] if first else out[-1][0]
    for j in order:
        if out[j][0] != edge:
            break
        out[j][col] = float(value)
        if col == 1:  # a factor: only the outermost point
            break
    return out


def _target_control(i: int, comp: Any) -> ControlSpec | None:
    target = comp.target
    method = getattr(target, "method", None)
    base = f"components.{i}.target"
    label, tip = "target", f"the target (method {method})"
    if method in ("fixed", "allocate"):
        param = "value" if method == "fixed" else "total"
        v = float(getattr(target, param))
        lo, hi, step = _money_range(v)
        readout = ",.0f" if step >= 1 else ",.2f"
        if method == "allocate":
            label, tip = "total to split", "the total split across the employees (allocate)"
    elif method == "growth":
        param = "rate"
        v = float(target.rate)
        lo, hi, step = min(-0.5, v), max(1.0, 2 * v), 0.005
        readout, label = ".1%", "target growth"
        tip = "target = base × (1 + this rate) (method growth)"
    elif method == "percentile":
        param = "q"
        v = float(target.q)
        lo, hi, step = 0.0, 1.0, 0.01
        readout, label = ".0%", "target percentile"
        tip = "target = this percentile of past actuals (method percentile)"
    else:
        return None
    path = f"{base}.{param}"
    return ControlSpec(
        name=base,
        label=label,
        group=f"components.{i}",
        value=v,
        min=lo,
        max=hi,
        step=step,
        tooltip=tip,
        changes_targets=True,
        readout=readout,
        read=lambda s, i=i, param=param: float(getattr(s.components[i].target, param)),
        apply=lambda s, x, path=path: s.set(path, float(x)),
    )


def _threshold_control(i: int, comp: Any) -> ControlSpec | None:
    curve = comp.curve
    if curve is None:
        return None
    group = f"components.{i}"
    key = _curve_key(curve)
    if key is not None:
        path = f"components.{i}.curve.{key}"

        def read(s, i=i, key=key):
            return float(getattr(s.components[i].curve, key)[0][0])

        def apply(s, x, i=i, key=key, path=path):
            return s.set(path, _move_end(_pairs(s.components[i].curve, key), x, first=True))

        def bounds(s, i=i, key=key):
            distinct = _distinct(_pairs(s.components[i].curve, key))
            hi = distinct[1] - _STEP_ATTAINMENT if len(distinct) > 1 else 3.0
            return 0.0, hi

        value = read(_Holder(comp, i))
    elif hasattr(curve, "linear"):
        path = f"components.{i}.curve.linear.threshold"

        def read(s, i=i):
            return float(s.components[i].curve.linear.threshold)

        def apply(s, x, path=path):
            return s.set(path, float(x))

        def bounds(s, i=i):
            lin = s.components[i].curve.linear
            if lin.cap is None or lin.slope <= 0:
                return 0.0, max(2.0, 2 * float(lin.threshold))
            # below the excellence point (cap / slope): pay starts before it tops out
            return 0.0, float(lin.cap / lin.slope) - _STEP_ATTAINMENT

        value = float(curve.linear.threshold)
    else:
        return None
    lo, hi = bounds(_Holder(comp, i)) if bounds else (0.0, max(2.0, 2 * value))
    return ControlSpec(
        name=f"{group}.threshold",
        label="threshold",
        tooltip="attainment where pay starts (the curve's first point)",
        group=group,
        value=value,
        min=min(lo, value),
        max=max(hi, value),
        step=_STEP_ATTAINMENT,
        readout=".0%",
        read=read,
        apply=apply,
        bounds=bounds,
    )


def _excellence_control(i: int, comp: Any) -> ControlSpec | None:
    rule = comp.payout_rule
    group = f"components.{i}"
    curve = comp.curve
    key = _curve_key(curve) if curve is not None else None
    if key is not None or (
        comp.commission is not None
        and comp.commission.tiers is not None
        and comp.commission.basis == "attainment"
    ):
        if key is None:
            key, where = "tiers", f"components.{i}.commission.tiers"
        else:
            where = f"components.{i}.curve.{key}"
        pairs = _pairs(rule, key)
        if len(_distinct(pairs)) < 2:
            return None

        def rule_of(s, i=i):
            return s.components[i].payout_rule

        def read(s, key=key):
            return float(getattr(rule_of(s), key)[-1][0])

        def apply(s, x, key=key, where=where):
            return s.set(where, _move_end(_pairs(rule_of(s), key), x, first=False))

        def bounds(s, key=key):
            distinct = _distinct(_pairs(rule_of(s), key))
            return distinct[-2] + _STEP_ATTAINMENT, max(3.0, 2 * distinct[-1])

        label = "accelerator" if key == "tiers" else "excellence"
    elif curve is not None and hasattr(curve, "linear"):
        spec = curve.linear
        if spec.cap is None or spec.slope <= 0:
            return None
        path = f"components.{i}.curve.linear.cap"

        def read(s, i=i):
            lin = s.components[i].curve.linear
            return float(lin.cap / lin.slope)

        def apply(s, x, i=i, path=path):
            cap = float(x) * float(s.components[i].curve.linear.slope)
            return s.set(path, tidy_number(cap, False))

        def bounds(s, i=i):
            # above the threshold: the curve tops out after pay starts
            lo = float(s.components[i].curve.linear.threshold) + _STEP_ATTAINMENT
            return max(_STEP_ATTAINMENT, lo), max(3.0, 2 * read(s))

        label = "excellence"
    else:
        return None
    holder = _Holder(comp, i)
    value = read(holder)
    lo, hi = bounds(holder)
    return ControlSpec(
        name=f"{group}.excellence",
        label=label,
        tooltip=(
            "attainment where the last commission tier starts"
            if label == "accelerator"
            else "attainment where the curve tops out (its last point)"
        ),
        group=group,
        value=value,
        min=min(lo, value),
        max=max(hi, value),
        step=_STEP_ATTAINMENT,
        readout=".0%",
        read=read,
        apply=apply,
        bounds=bounds,
    )


def _component_cap_control(i: int, comp: Any) -> ControlSpec | None:
    curve = comp.curve
    if curve is None:
        return None
    group = f"components.{i}"
    key = _curve_key(curve)
    if key is not None:
        if getattr(curve, "extrapolate", False):
            return None
        path = f"components.{i}.curve.{key}"

        def read(s, i=i, key=key):
            return float(getattr(s.components[i].curve, key)[-1][1])

        def apply(s, x, i=i, key=key, path=path):
            pairs = _pairs(s.components[i].curve, key)
            return s.set(path, _move_end(pairs, x, first=False, col=1))

        lo = 0.0
    elif hasattr(curve, "linear") and curve.linear.cap is not None:
        path = f"components.{i}.curve.linear.cap"

        def read(s, i=i):
            return float(s.components[i].curve.linear.cap)

        def apply(s, x, path=path):
            return s.set(path, float(x))

        lo = _STEP_ATTAINMENT
    else:
        return None
    value = read(_Holder(comp, i))
    return ControlSpec(
        name=f"{group}.cap",
        label="max factor",
        tooltip="the curve's highest payout factor (× weight × on-target pay)",
        group=group,
        value=value,
        min=lo,
        max=max(3.0, 2 * value),
        step=0.05,
        readout=".2f",
        read=read,
        apply=apply,
    )


def _rate_control(i: int, comp: Any) -> ControlSpec | None:
    commission = comp.commission
    if commission is None:
        return None
    group = f"components.{i}"
    if commission.rate is not None:
        path = f"components.{i}.commission.rate"

        def read(s, i=i):
            return float(s.components[i].commission.rate)

        def apply(s, x, path=path):
            return s.set(path, float(x))

        label = "rate"
    else:
        path = f"components.{i}.commission.tiers"

        def read(s, i=i):
            return float(s.components[i].commission.tiers[-1][1])

        def apply(s, x, i=i, path=path):
            tiers = _pairs(s.components[i].commission, "tiers")
            tiers[-1][1] = float(x)
            return s.set(path, tiers)

        label = "top tier rate"
    value = read(_Holder(comp, i))
    return ControlSpec(
        name=f"{group}.rate",
        label=label,
        group=group,
        value=value,
        min=0.0,
        max=max(0.1, 3 * value),
        step=0.0005,
        readout=".2%",
        read=read,
        apply=apply,
    )


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
        return None

    def read(s, i=i):
        return float(s.components[i].weight)

    start = [c.weight for c in scheme.components]

    def apply(s, x, i=i):
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


class _Holder:
    """A stand-in scheme with one component at index ``i`` (to read a starting value)."""

    def __init__(self, comp: Any, i: int):
        self.components = {i: comp}


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
    specs: dict[str, ControlSpec] = {}
    otp = scheme.on_target_pay
    if isinstance(otp, Mapping):
        start = {str(r): float(v) for r, v in otp.items()}
        first = next(iter(start))

        def scale_of(s):
            return float(s.on_target_pay[first]) / start[first]

        def scale(s, x):
            # to the cent: no 59999.99999999999 in the saved YAML, and back to 100% is
            # exactly the starting pay again
            factor = float(x) / scale_of(s)
            return s.set(
                "on_target_pay",
                {r: _cents(float(v) * factor) for r, v in s.on_target_pay.items()},
            )

        specs["on_target_pay"] = ControlSpec(
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
        for role, pay in otp.items():
            lo, hi, step = _money_range(float(pay))
            path = f"on_target_pay.{role}"
            specs[path] = ControlSpec(
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
    else:
        lo, hi, step = _money_range(float(otp))
        specs["on_target_pay"] = ControlSpec(
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
    cap = float(scheme.cap) if scheme.cap is not None else 0.0
    specs["cap"] = ControlSpec(
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
    budget = float(scheme.budget) if scheme.budget is not None else 0.0
    top = budget_max if budget_max is not None and budget_max > 0 else 3 * budget
    if top > 0:
        step = _nice_step(top)
        specs["budget"] = ControlSpec(
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
    if scheme.pool is not None:
        lo, hi, step = _money_range(float(scheme.pool.budget))
        specs["pool"] = ControlSpec(
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
    for i, comp in enumerate(scheme.components):
        for make in (
            _target_control,
            _threshold_control,
            _excellence_control,
            _component_cap_control,
            _rate_control,
        ):
            spec = make(i, comp)
            if spec is not None:
                specs[spec.name] = spec
        spec = _weight_control(i, scheme)
        if spec is not None:
            specs[spec.name] = spec
    return specs


# --------------------------------------------------------------------------- evaluation
@dataclass(frozen=True, eq=False)
class _Prepared:
    """Prepared inputs of one set of targets, with the groupings the views need."""

    inputs: Any
    employee_code: np.ndarray  # index into the explorer's employee list
    period_labels: np.ndarray  # one label per period code
    n_employees: int
    pay: dict[str, np.ndarray]  # repr(on_target_pay) → on-target pay per row


@dataclass(frozen=True, eq=False)
class _Evaluation:
    """One scheme evaluated on the prepared data: arrays, metrics and per-employee totals."""

    scheme: Any
    prepared: _Prepared
    inputs: Any
    arrays: Any
    metrics: Any  # pandas.Series
    by_employee: np.ndarray  # total payout per employee of the explorer's list
    evaluated: np.ndarray  # bool per employee: evaluated under this scheme
    cost_by_period: Any  # pandas.Series indexed by period label
    multiple: np.ndarray  # payout / on-target pay per employee-period


def _targets_key(scheme: Any) -> str:
    """What :func:`kpitools.engine.payout.prepare` depends on besides the data (not the pay)."""
    import json

    items = [*scheme.components, *scheme.gates, *scheme.modifiers]
    parts = [
        [
            it.kpi,
            it.target.model_dump(mode="json") if it.target is not None else None,
            it.direction,
            it.baseline,
            getattr(getattr(it, "commission", None), "needs_target", None),
        ]
        for it in items
    ]
    roles = list(scheme.roles) if getattr(scheme, "roles", None) is not None else None
    return json.dumps([scheme.period, scheme.revenue_kpi, roles, parts], sort_keys=True)


class _Engine:
    """Prepare once per set of targets, compute on every change (the fast path)."""

    def __init__(self, data: Any, *, periods: Any = None, library: Any = None):
        import pandas as pd

        from ..data import load
        from ..engine import payout

        self.library = payout._resolve_library(library)
        # what prepare() gets: the resolved library, or False for none (None would mean
        # "the shipped one" again)
        self.library_arg = self.library if self.library is not None else False
        self.table = load(data, library=self.library)
        self.has_role = "role" in self.table.columns
        self.periods = periods
        self.employees = pd.Index(pd.unique(self.table["employee"].astype(str)))
        self._cache: dict[str, _Prepared] = {}
        self._base: Any = None  # the roll-up (payout.PreparedData): kept across target changes
        self._rows: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # codes, labels per selection

    def prepared(self, scheme: Any) -> _Prepared:
        import pandas as pd

        from ..engine import prepare_base, set_targets

        key = _targets_key(scheme)
        if key not in self._cache:
            if self._base is None or not self._base.fits(scheme):
                self._base = prepare_base(
                    self.table, scheme, periods=self.periods, library=self.library_arg
                )
                self._rows = {}
            inputs = set_targets(self._base, scheme)
            # The same skipped periods select the same rows of the base: their employee codes
            # and period labels are reused (no text handled on a target change).
            rows_key = tuple(inputs.skipped["period"])
            if rows_key not in self._rows:
                emp = inputs.keys["employee"].astype(str).to_numpy()
                labels = (
                    pd.Series(inputs.keys["period"].astype(str).to_numpy())
                    .groupby(inputs.period_code)
                    .first()
                    .to_numpy()
                )
                self._rows[rows_key] = (self.employees.get_indexer(emp), labels)
            code, labels = self._rows[rows_key]
            if len(self._cache) >= 8:  # a few target settings are enough to go back and forth
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = _Prepared(
                inputs=inputs,
                employee_code=code,
                period_labels=labels,
                n_employees=int(np.unique(code).size),
                pay={repr(scheme.on_target_pay): inputs.on_target_pay},
            )
        return self._cache[key]

    def evaluate(self, scheme: Any) -> _Evaluation:
        import pandas as pd

        from ..engine import metrics_from_arrays, payout

        prep = self.prepared(scheme)
        inputs = prep.inputs
        pay = repr(scheme.on_target_pay)
        if pay not in prep.pay:  # on-target pay per row, for each pay setting seen
            if len(prep.pay) >= 16:
                prep.pay.pop(next(iter(prep.pay)))
            prep.pay[pay] = payout._on_target_pay(scheme, inputs.keys, self.has_role)
        if prep.pay[pay] is not inputs.on_target_pay:
            inputs = inputs.replace(on_target_pay=prep.pay[pay])
        arrays = payout.compute(scheme, inputs)
        n_periods = len(prep.period_labels)
        metrics = metrics_from_arrays(scheme, inputs, arrays)
        size = len(self.employees)
        by_employee = np.bincount(prep.employee_code, weights=arrays.payout, minlength=size)
        evaluated = np.bincount(prep.employee_code, minlength=size) > 0
        cost = np.bincount(inputs.period_code, weights=arrays.payout, minlength=n_periods)
        with np.errstate(divide="ignore", invalid="ignore"):
            multiple = arrays.payout / inputs.on_target_pay
        return _Evaluation(
            scheme=scheme,
            prepared=prep,
            inputs=inputs,
            arrays=arrays,
            metrics=metrics,
            by_employee=by_employee,
            evaluated=evaluated,
            cost_by_period=pd.Series(cost, index=prep.period_labels),
            multiple=multiple,
        )


# --------------------------------------------------------------------------- figures
_DPI = 80
_START = "0.55"  # grey of the starting scheme in every figure
_NOW = "#0173b2"  # the current scheme (seaborn colorblind blue)
_UP, _DOWN = "#029e73", "#d55e00"


def _figure(width: float = 5.2, height: float = 3.1) -> tuple[Any, Any]:
    """A matplotlib figure outside pyplot (nothing is shown or kept by pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.13, 0.17, 0.83, 0.71))
    return fig, ax


def _curve_lines(scheme: Any, x_max: float) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, attainment, factor) of every component plotted against attainment."""
    from ..plots import curve_points

    out = []
    for i, comp in enumerate(scheme.components):
        rule = comp.payout_rule
        if comp.commission is not None and (
            comp.commission.tiers is None or comp.commission.basis == "value"
        ):
            continue  # pays on the amount itself: no curve against attainment
        x, y, _axis = curve_points(rule, x_max)
        out.append((f"{i}: {comp.name or comp.kpi}", x, y))
    return out


def _curve_marks(scheme: Any, lines: list[tuple[str, np.ndarray, np.ndarray]]) -> list[Any]:
    """(attainments, factors) of the threshold, target and excellence of each plotted curve.

    The factor at a jump is the one reached at it (a boundary counts as reached).
    """
    plotted = {label for label, _x, _y in lines}
    rules = [
        comp.payout_rule
        for i, comp in enumerate(scheme.components)
        if f"{i}: {comp.name or comp.kpi}" in plotted
    ]
    out = []
    for rule, (_label, x, _y) in zip(rules, lines, strict=True):
        key = getattr(rule, "key_points", None) or {}
        at = [
            float(key[k])
            for k in ("threshold", "target", "cap")
            if key.get(k) is not None and 0.0 < float(key[k]) <= x[-1]
        ]
        at = np.unique(np.asarray(at, dtype=float))
        out.append((at, _factor_at(rule, at)))
    return out


def _factor_at(rule: Any, at: np.ndarray) -> np.ndarray:
    """The plotted factor of a rule at these attainments (as :func:`plots._curve_xy`)."""
    if hasattr(rule, "rate") and hasattr(rule, "tiers"):  # a commission against attainment
        ones = np.ones_like(at)
        at_target = float(rule.evaluate([1.0], [1.0])[0])
        y = np.asarray(rule.evaluate(at, ones, attainment=at), dtype=float)
        return y / at_target if at_target > 0 else y
    return np.asarray(rule.evaluate(at), dtype=float)


def _curve_reach(scheme: Any) -> float:
    reach = [1.0]
    for comp in scheme.components:
        reach.append(float(comp.payout_rule.max_attainment))
        key = getattr(comp.payout_rule, "key_points", None) or {}
        reach.extend(float(v) for v in key.values() if v is not None)
    return 1.2 * max(reach)


class _Panel:
    """One figure drawn as a cached background plus the artists that change.

    The background (axes, ticks, labels: most of matplotlib's drawing time) is rendered
    again only when the axis limits or ticks change; otherwise it is restored and only the
    ``animated`` artists are drawn on it (blitting), then encoded as PNG.
    """

    def __init__(self) -> None:
        self.fig, self.ax = _figure()
        self._background = None
        self._key: Any = None

    def _state(self) -> Any:
        ax = self.ax
        return (ax.get_xlim(), ax.get_ylim(), tuple(ax.get_xticks()), tuple(ax.get_yticks()))

    def png(self) -> bytes:
        from PIL import Image

        canvas = self.fig.canvas
        key = self._state()
        if self._background is None or key != self._key:
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._key = key
        else:
            canvas.restore_region(self._background)
        for artist in self.ax.get_children():
            if artist.get_animated() and artist.get_visible():
                self.ax.draw_artist(artist)
        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        # A 128-colour palette: a plot has few colours; encodes ~2x faster and 3x smaller.
        image = image.convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE)
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=1)
        return buf.getvalue()


def _sticky(current: float, needed: float) -> float:
    """An axis top that only moves when the data leave it or shrink well below it."""
    needed = max(needed, 1e-9)
    if needed > current or needed < 0.5 * current:
        return 1.2 * needed
    return current


class _Views:
    """The four figures of :class:`SchemeExplorer`, updated in place from two evaluations.

    Artists are created once and only their data change (no ``ax.clear()``); titles live in
    HTML captions; axis limits are sticky so that the figures' backgrounds can be reused
    (see :class:`_Panel`): re-creating ticks and text is most of a matplotlib redraw.
    """

    def __init__(self, start: _Evaluation, currency: str):
        from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

        self.start = start
        self.currency = currency
        self.panels = {k: _Panel() for k in ("curve", "dist", "cost", "wl")}
        for panel in self.panels.values():
            panel.ax.yaxis.set_major_locator(MaxNLocator(5))
            panel.ax.tick_params(labelsize=8)
        money_axis = FuncFormatter(lambda v, _: _shortmoney(v))
        # Payout curves: the start's dashed, the current ones in colour (redrawn in full).
        ax = self.panels["curve"].ax
        ax.axvline(1.0, color="0.8", linewidth=1, zorder=0)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("attainment", fontsize=9)
        ax.set_ylabel("payout factor", fontsize=9)
        self._curve_lines: list[Any] = []
        self.curve_marks: list[Any] = []  # per curve: dots at threshold, target, excellence
        self._start_lines: list[Any] = []
        # Payout distribution: bars now, the start as a dashed outline.
        top = float(np.nanquantile(start.multiple, 0.99)) if start.multiple.size else 2.0
        cap = float(start.scheme.cap or 0.0)
        self.bin_top = max(2.0, cap, math.ceil(top * 10) / 10)
        self.bins = np.linspace(0.0, self.bin_top, int(round(self.bin_top / 0.1)) + 1)
        self._start_hist = self._hist(start.multiple)
        ax = self.panels["dist"].ax
        self._bars = ax.stairs(
            self._start_hist, self.bins, fill=True, color=_NOW, alpha=0.75, animated=True
        )
        ax.stairs(self._start_hist, self.bins, color=_START, linewidth=1.2, linestyle="--")
        ax.set_xlim(0, self.bin_top)
        ax.set_ylim(0, 1.2 * max(float(self._start_hist.max()), 0.01))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1f}×"))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("payout ÷ on-target pay (last bar: and above)", fontsize=9)
        # Cost per period: start dashed, now solid, budget red.
        ax = self.panels["cost"].ax
        self._periods: list[str] = []
        (self._cost_start,) = ax.plot([], [], color=_START, linestyle="--", linewidth=1.2)
        (self._cost_now,) = ax.plot([], [], color=_NOW, linewidth=2, animated=True)
        self._budget = ax.axhline(0.0, color=_DOWN, linewidth=1.2, visible=False, animated=True)
        ax.set_ylim(0, 1.0)
        ax.yaxis.set_major_formatter(money_axis)
        # Winners and losers: sorted gains (green) and losses (red) per employee.
        ax = self.panels["wl"].ax
        ax.axhline(0, color="0.3", linewidth=0.8)
        ax.set_ylim(-1.0, 1.0)
        ax.yaxis.set_major_formatter(money_axis)
        ax.set_xlabel("employees, from the biggest gain to the biggest loss", fontsize=9)
        self._wl_fills: list[Any] = []

    # ---- payout curves
    def draw_curves(self, now: _Evaluation) -> None:
        ax = self.panels["curve"].ax
        x_max = max(_curve_reach(self.start.scheme), _curve_reach(now.scheme))
        x_max = _sticky(ax.get_xlim()[1] if self._curve_lines else 0.0, x_max)
        if not self._curve_lines or x_max != ax.get_xlim()[1]:
            for line in self._start_lines:
                line.remove()
            self._start_lines = [
                ax.plot(x, y, color=_START, linewidth=1, linestyle="--")[0]
                for _label, x, y in _curve_lines(self.start.scheme, x_max)
            ]
            ax.set_xlim(0, x_max)
        top = max((float(np.nanmax(line.get_ydata())) for line in self._start_lines), default=1)
        lines = _curve_lines(now.scheme, x_max)
        if not self._curve_lines:
            for k, (label, _x, _y) in enumerate(lines):
                colour = _COLOURS[k % len(_COLOURS)]
                self._curve_lines += ax.plot([], [], color=colour, lw=2, label=label, animated=True)
                # threshold, target and excellence of the current curve, as dots
                self.curve_marks += ax.plot(
                    [], [], "o", color=colour, markersize=5, animated=True, zorder=3
                )
            if self._curve_lines:
                ax.legend(loc="upper left", frameon=False, fontsize=8)
            else:
                ax.text(
                    0.5,
                    0.5,
                    "no curve against attainment:\ncommissions pay on the amount",
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    color="0.4",
                )
        for line, (_label, x, y) in zip(self._curve_lines, lines, strict=True):
            line.set_data(x, y)
            top = max(top, float(np.nanmax(y)))
        for mark, (at, factor) in zip(
            self.curve_marks, _curve_marks(now.scheme, lines), strict=True
        ):
            mark.set_data(at, factor)
        ax.set_ylim(0, _sticky(ax.get_ylim()[1] if ax.get_ylim()[1] > 1 else 0.0, 1.05 * top))

    # ---- payout distribution
    def _hist(self, multiple: np.ndarray) -> np.ndarray:
        m = multiple[np.isfinite(multiple)]
        m = np.clip(m, 0.0, self.bin_top - 1e-9)
        counts, _ = np.histogram(m, bins=self.bins)
        return counts / max(m.size, 1)

    def draw_distribution(self, now: _Evaluation) -> str:
        hist = self._hist(now.multiple)
        self._bars.set_data(values=hist)
        ax = self.panels["dist"].ax
        top = max(float(hist.max()), float(self._start_hist.max()), 0.01)
        ax.set_ylim(0, _sticky(ax.get_ylim()[1], 1.05 * top))
        m = now.metrics
        return (
            f"Payout distribution: median {m['payout_p50']:.2f}×, p90 {m['payout_p90']:.2f}×, "
            f"{m['pct_zero_payout']:.0%} paid nothing"
        )

    # ---- cost against budget
    def draw_cost(self, now: _Evaluation) -> str:
        ax = self.panels["cost"].ax
        start, cur = self.start.cost_by_period, now.cost_by_period
        labels = sorted(set(start.index) | set(cur.index))
        pos = {p: k for k, p in enumerate(labels)}
        if labels != self._periods:
            self._periods = labels
            ticks = list(range(0, len(labels), max(1, math.ceil(len(labels) / 5))))
            ax.set_xticks(ticks, [labels[k] for k in ticks])
            ax.set_xlim(-0.5, len(labels) - 0.5)
            self._cost_start.set_data([pos[p] for p in start.index], start.to_numpy())
        self._cost_now.set_data([pos[p] for p in cur.index], cur.to_numpy())
        budget = now.scheme.budget
        top = max(float(start.max()) if len(start) else 0.0, float(cur.max()) if len(cur) else 0.0)
        title = f"Cost per period: {money(float(cur.sum()), self.currency)} in all (dashed: start)"
        self._budget.set_visible(bool(budget))
        if budget:
            self._budget.set_ydata([budget, budget])
            top = max(top, float(budget))
            over = int((cur.to_numpy() > budget).sum())
            title += f"; over the budget (red) in {over} of {len(cur)} periods"
        ax.set_ylim(0, _sticky(ax.get_ylim()[1], 1.05 * max(top, 1.0)))
        return title

    # ---- winners and losers
    def draw_winners(self, now: _Evaluation) -> tuple[str, int, int]:
        ax = self.panels["wl"].ax
        for fill in self._wl_fills:
            fill.remove()
        seen = self.start.evaluated | now.evaluated
        diff = np.sort((now.by_employee - self.start.by_employee)[seen])[::-1]
        x = np.arange(diff.size)
        style = {"step": "mid", "linewidth": 0, "animated": True}
        self._wl_fills = [
            ax.fill_between(x, diff, 0, where=diff > 0, color=_UP, **style),
            ax.fill_between(x, diff, 0, where=diff < 0, color=_DOWN, **style),
        ]
        winners = int((diff >= 0.5).sum())
        losers = int((diff <= -0.5).sum())
        same = int(diff.size - winners - losers)
        if ax.get_xlim() != (-0.5, max(diff.size - 0.5, 0.5)):
            ax.set_xlim(-0.5, max(diff.size - 0.5, 0.5))
        span = _sticky(ax.get_ylim()[1], 1.05 * float(np.abs(diff).max()) if diff.size else 1.0)
        ax.set_ylim(-max(span, 1.0), max(span, 1.0))
        title = (
            f"Winners and losers against the start: {winners} gain, {losers} lose, {same} unchanged"
        )
        return title, winners, losers


_COLOURS = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161")


def _shortmoney(v: float) -> str:
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.1f}M"
    if a >= 1e3:
        return f"{v / 1e3:.0f}k"
    return f"{v:.0f}"


# --------------------------------------------------------------------------- the explorer
_METRIC_LABELS = {
    "total_cost": "total cost",
    "cost_per_employee": "cost per employee",
    "cost_of_sales": "cost of sales",
    "pct_at_target": "at target (≥ 100%)",
    "pct_zero_payout": "paid nothing",
    "payout_p10": "payout p10 (× on-target)",
    "payout_p50": "payout median (× on-target)",
    "payout_p90": "payout p90 (× on-target)",
    "leverage": "leverage (p90 ÷ p50)",
    "pay_performance_corr": "pay-performance correlation",
    "gini": "Gini of payouts",
    "near_threshold_share": "just below a threshold",
    "budget_variance": "against budget",
}


def _metrics_html(start: Any, now: Any) -> str:
    from html import escape

    from ..engine import format_metric

    rows = []
    for name, label in _METRIC_LABELS.items():
        a, b = float(start[name]), float(now[name])
        if name in ("total_cost", "cost_per_employee"):
            change = format_metric("cost_change", b - a) if math.isfinite(b - a) else "n/a"
        elif math.isfinite(a) and math.isfinite(b):
            change = (
                f"{b - a:+.1%}"
                if name.startswith("pct")
                or name in ("cost_of_sales", "near_threshold_share", "budget_variance")
                else f"{b - a:+.2f}"
            )
        else:
            change = "n/a"
        rows.append(
            f"<tr><td>{escape(label)}</td><td>{format_metric(name, a)}</td>"
            f"<td><b>{format_metric(name, b)}</b></td><td>{change}</td></tr>"
        )
    head = "<tr><th>metric</th><th>start</th><th>now</th><th>change</th></tr>"
    style = (
        "<style>.kpitools-metrics td,.kpitools-metrics th{padding:1px 8px;text-align:right}"
        ".kpitools-metrics td:first-child,.kpitools-metrics th:first-child{text-align:left}"
        "</style>"
    )
    return f'{style}<table class="kpitools-metrics">{head}{"".join(rows)}</table>'


class SchemeExplorer:
    """What-if explorer of one bonus scheme on historical data (an ipywidgets app).

    Parameters
    ----------
    data : DataFrame or path
        Historical data (long or wide; loaded with :func:`kpitools.data.load`).
    scheme : Scheme, mapping or path
        The scheme to start from (a YAML file or a :class:`kpitools.scheme.Scheme`).
    periods : str, optional
        Periods to evaluate, ``"FROM..TO"`` (as ``kpitools simulate --periods``).
    library : Library, path or False, optional
        KPI library (directions, aggregations); the shipped one by default.

    Attributes
    ----------
    controls : dict
        Control name → ipywidgets slider (see :func:`scheme_controls` for the names, e.g.
        ``on_target_pay``, ``cap``, ``components.0.threshold``). Setting ``.value`` from code
        updates the explorer synchronously.
    specs : dict
        Control name → :class:`ControlSpec` (how each control changes the scheme).
    scheme : Scheme
        The scheme as the controls have set it.
    start_scheme : Scheme
        The scheme the explorer started from (winners and losers are counted against it).
    metrics : pandas.Series
        Contract §5 metrics of :attr:`scheme` (``metrics["total_cost"]`` …).
    start_metrics : pandas.Series
        The same for :attr:`start_scheme`.
    error : str or None
        Why the last change was refused (the control went back to its value), or None.
    widget : ipywidgets.VBox
        The app; the explorer displays as it in a notebook.

    Examples
    --------
    >>> from kpitools.demo import make_demo_company  # doctest: +SKIP
    >>> ex = SchemeExplorer(make_demo_company().data,
    ...                     "templates/schemes/tiered_accelerator.yaml")  # doctest: +SKIP
    >>> ex.controls["cap"].value = 1.5  # doctest: +SKIP
    >>> ex.metrics["total_cost"] < ex.start_metrics["total_cost"]  # doctest: +SKIP
    True
    >>> ex.save("capped.yaml")  # doctest: +SKIP
    """

    def __init__(
        self,
        data: Any,
        scheme: Any,
        *,
        periods: str | None = None,
        library: Any = None,
    ):
        from ..scheme import load_scheme

        self._engine = _Engine(data, periods=periods, library=library)
        self.start_scheme = load_scheme(scheme)
        self._start = self._engine.evaluate(self.start_scheme)
        self._now = self._start
        self.error: str | None = None
        self._syncing = False
        budget_max = 3.0 * max(
            float(self._start.cost_by_period.mean()) if len(self._start.cost_by_period) else 0.0,
            float(self.start_scheme.budget or 0.0),
        )
        self.specs = scheme_controls(self.start_scheme, budget_max=budget_max)
        self.currency = self.start_scheme.currency or ""
        self._views = _Views(self._start, self.currency)
        self._build()
        self._refresh(curves=True)

    # ----------------------------------------------------------------- public API
    @property
    def scheme(self) -> Any:
        """The current scheme (a new object after every change)."""
        return self._now.scheme

    @property
    def metrics(self) -> Any:
        """Contract §5 metrics of the current scheme (a copy)."""
        return self._now.metrics.copy()

    @property
    def start_metrics(self) -> Any:
        """Contract §5 metrics of the scheme the explorer started from (a copy)."""
        return self._start.metrics.copy()

    @property
    def winners_losers(self) -> Any:
        """Per employee: total pay under the start scheme and now, and the difference."""
        import pandas as pd

        seen = self._start.evaluated | self._now.evaluated
        base, now = self._start.by_employee[seen], self._now.by_employee[seen]
        diff = now - base
        outcome = np.where(diff >= 0.5, "winner", np.where(diff <= -0.5, "loser", "unchanged"))
        return pd.DataFrame(
            {
                "employee": self._engine.employees[seen],
                "start_total": base,
                "total": now,
                "difference": diff,
                "outcome": outcome,
            }
        )

    def run(self) -> Any:
        """The full :class:`kpitools.engine.payout.SchemeRun` of the current scheme."""
        from ..engine import run_scheme

        return run_scheme(
            self._engine.table,
            self.scheme,
            periods=self._engine.periods,
            library=self._engine.library_arg,
        )

    def save(self, path: str | os.PathLike) -> Any:
        """Write the current scheme as YAML (atomically); ``kpitools simulate`` reads it back.

        Returns
        -------
        pathlib.Path
            The file written.

        Examples
        --------
        >>> explorer.save("reports/my_scheme.yaml")  # doctest: +SKIP
        PosixPath('reports/my_scheme.yaml')
        """
        from .._util.files import atomic_write

        return atomic_write(path, self.scheme.to_yaml())

    def reset(self) -> None:
        """Go back to the scheme the explorer started from."""
        self._set_scheme(self.start_scheme)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        return (
            f"<SchemeExplorer {self.scheme.name!r}: {len(self.controls)} controls, total cost "
            f"{money(float(self._now.metrics['total_cost']), self.currency)} (start "
            f"{money(float(self._start.metrics['total_cost']), self.currency)})>"
        )

    # ----------------------------------------------------------------- layout
    def _build(self) -> None:
        from html import escape

        import ipywidgets as w

        self.controls: dict[str, Any] = {}
        style = {"description_width": "120px"}
        groups: dict[str, list[Any]] = {}
        for name, spec in self.specs.items():
            ctrl = w.FloatSlider(
                value=spec.value,
                min=spec.min,
                max=spec.max,
                step=spec.step,
                description=spec.label,
                tooltip=spec.tooltip or spec.label,
                readout_format=spec.readout,
                continuous_update=False,
                style=style,
                layout=w.Layout(width="98%"),
            )
            ctrl.add_class("kpitools-control")
            ctrl.add_class("kpitools-control-" + name.replace(".", "-").replace("_", "-"))
            ctrl.observe(self._observer(name), names="value")
            self.controls[name] = ctrl
            groups.setdefault(spec.group, []).append(ctrl)
        sections = []
        for group, ctrls in groups.items():
            if group == "scheme":
                title = "Scheme"
            else:
                i = int(group.split(".")[1])
                comp = self.start_scheme.components[i]
                kind = (
                    "commission"
                    if comp.commission is not None
                    else (next(iter(type(comp.curve).model_fields)) + " curve")
                )
                title = f"Component {i}: {comp.name or comp.kpi} ({kind})"
            sections.append(w.HTML(f"<b>{escape(title)}</b>"))
            sections.extend(ctrls)
        s = self.start_scheme
        desc = f"<i>{escape(s.description)}</i>" if s.description else ""
        self._title = w.HTML(f"<h3 style='margin:0'>{escape(s.name)}</h3>{desc}")
        self._headline = w.HTML()
        self._headline.add_class("kpitools-total-cost")
        self._status = w.HTML()
        self._status.add_class("kpitools-status")
        self._table = w.HTML()
        layout = w.Layout(width="100%", height="auto")
        panels = ("curve", "dist", "cost", "wl")
        self._images = {k: w.Image(format="png", layout=layout) for k in panels}
        self._captions = {k: w.HTML() for k in panels}
        self._captions["curve"].value = "<b>Payout curves</b> (dashed: start)"
        grid = w.GridBox(
            [w.VBox([self._captions[k], self._images[k]]) for k in panels],
            layout=w.Layout(grid_template_columns="1fr 1fr", grid_gap="6px", width="100%"),
        )
        self._reset_button = reset = w.Button(description="Back to start", icon="undo")
        reset.on_click(lambda _: self.reset())
        self._save_path = w.Text(
            value=f"{_slug(s.name)}_whatif.yaml", description="save as", layout={"width": "340px"}
        )
        self._save_button = save = w.Button(description="Save scheme", icon="save")
        save.on_click(lambda _: self._save_clicked())
        left = w.VBox(
            [*sections, w.HBox([reset]), w.HBox([self._save_path, save])],
            layout=w.Layout(width="38%", min_width="360px"),
        )
        right = w.VBox([self._headline, grid, self._table], layout=w.Layout(width="62%"))
        self.widget = w.VBox([self._title, w.HBox([left, right]), self._status])
        self.widget.add_class("kpitools-scheme-explorer")

    def _save_clicked(self) -> None:
        from html import escape

        target = self._save_path.value
        try:
            path = self.save(target)
        except OSError as err:
            why = err.strerror or type(err).__name__
            self._status.value = (
                f"<span style='color:#b00'>Not saved: cannot write {escape(target)} "
                f"({escape(why)}). Suggestion: choose another file name.</span>"
            )
        else:
            self._status.value = f"Saved the scheme to <code>{escape(str(path))}</code>."

    # ----------------------------------------------------------------- updates
    def _observer(self, name: str) -> Callable[[Mapping[str, Any]], None]:
        def on_change(change: Mapping[str, Any]) -> None:
            if not self._syncing:
                self._changed(name, change["new"])

        return on_change

    def _changed(self, name: str, value: float) -> None:
        spec = self.specs[name]
        value = tidy_number(float(value), ints=False)  # 0.85, not 0.8500000000000001 from a slider
        try:
            new = spec.apply(self.scheme, value)
        except KpitoolsError as err:
            self._refuse(err)
            return
        self._set_scheme(new)

    def _set_scheme(self, scheme: Any) -> None:
        # Compared as plain data: a curve's cached arrays make model equality unreliable.
        curves = _rules(scheme) != _rules(self.scheme)
        try:
            now = self._engine.evaluate(scheme)
        except KpitoolsError as err:
            self._refuse(err)
            return
        self.error = None
        self._now = now
        self._sync_controls()
        self._refresh(curves=curves)

    def _refuse(self, err: Exception) -> None:
        """Show why a value cannot be used and put the controls back where they were."""
        from html import escape

        self.error = str(err)
        self._sync_controls()
        self._status.value = (
            "<span style='color:#b00'>That value cannot be used; the control went back.<br>"
            + escape(str(err)).replace("\n", "<br>")
            + "</span>"
        )

    def _sync_controls(self) -> None:
        """Show the current scheme in every control (weights rescaled, coupled points …)."""
        self._syncing = True
        try:
            for name, spec in self.specs.items():
                ctrl = self.controls[name]
                value = spec.read(self.scheme)
                if spec.bounds is not None:
                    lo, hi = spec.bounds(self.scheme)
                    lo, hi = min(lo, value), max(hi, value)
                    ctrl.min = min(lo, ctrl.min)
                    ctrl.max = max(hi, ctrl.max)
                    ctrl.value = value
                    ctrl.min, ctrl.max = lo, hi
                elif ctrl.value != value:
                    ctrl.max = max(ctrl.max, value)
                    ctrl.min = min(ctrl.min, value)
                    ctrl.value = value
        finally:
            self._syncing = False

    def _refresh(self, curves: bool) -> None:
        from html import escape

        now, start, views = self._now, self._start, self._views
        if curves:
            views.draw_curves(now)
            self._images["curve"].value = views.panels["curve"].png()
        captions = {
            "dist": views.draw_distribution(now),
            "cost": views.draw_cost(now),
        }
        captions["wl"], winners, losers = views.draw_winners(now)
        for key, text in captions.items():
            head, _, rest = text.partition(": ")  # the first ": " ends the title
            self._captions[key].value = f"<b>{escape(head)}</b>: {escape(rest)}"
            self._images[key].value = views.panels[key].png()
        m, m0 = now.metrics, start.metrics
        cost, cost0 = float(m["total_cost"]), float(m0["total_cost"])
        parts = [
            f"Total cost: <b class='kpitools-total-cost-value'>{money(cost, self.currency)}</b>"
        ]
        if cost0 > 0:
            parts.append(f"{(cost - cost0) / cost0:+.1%} against the start")
        if math.isfinite(m["budget_variance"]):
            parts.append(f"{m['budget_variance']:+.1%} against the budget")
        if math.isfinite(m["cost_of_sales"]):
            parts.append(f"{m['cost_of_sales']:.2%} of revenue")
        parts.append(f"{winners} gain, {losers} lose")
        self._headline.value = (
            "<div style='font-size:1.25em;padding:4px 0'>" + " · ".join(parts) + "</div>"
        )
        self._table.value = _metrics_html(m0, m)
        n_rows = now.inputs.n
        info = (
            f"{now.prepared.n_employees} employees, {len(now.cost_by_period)} periods, "
            f"{n_rows:,} employee-periods"
        )
        skipped = now.inputs.skipped
        if len(skipped):
            info += f"; {len(skipped)} period(s) skipped (no history for a target)"
        if self.error is None:
            self._status.value = f"<span style='color:#555'>{escape(info)}</span>"


def _rules(scheme: Any) -> list[Any]:
    """The payout rules (curves, commissions) of a scheme as plain data."""
    return [c.payout_rule.model_dump(mode="json") for c in scheme.components]


def _slug(name: str) -> str:
    from .._util.files import safe_name

    return safe_name(name).lower().replace(" ", "_")


# --------------------------------------------------------------------------- goals
_STATUS_COLOUR = {"covered": "#029e73", "short": "#d55e00", "over": "#de8f05"}
_SEVERITY_COLOUR = {"error": "#b00020", "warning": "#b35900", "info": "#555"}


def with_assumption(design: Any, goal_id: str, value: float) -> Any:
    """A new design whose goal ``goal_id`` has the assumed ``value`` (the design is kept).

    Examples
    --------
    >>> from kpitools.design import load_design
    >>> d = load_design({"goals": [
    ...     {"id": "revenue", "target": 2e6, "formula": "units * price"},
    ...     {"id": "units"}, {"id": "price", "value": 1e4}]}, library={})
    >>> with_assumption(d, "price", 2e4).cascade().values["units"]
    100.0
    """
    import dataclasses

    goal = design.goal(goal_id)
    goals = tuple(
        dataclasses.replace(g, value=float(value)) if g.id == goal.id else g for g in design.goals
    )
    return dataclasses.replace(design, goals=goals)


@dataclass(frozen=True, eq=False)
class _GoalState:
    design: Any
    cascade: Any
    coverage: Any
    checks: Any


class GoalExplorer:
    """What-if explorer of a design's driver assumptions: cascade, coverage and checks.

    One slider per goal with an assumed ``value`` (a price, a conversion rate); moving it
    solves the goal tree again (:func:`kpitools.design.cascade`), compares the roles'
    targets × headcount with every goal (:func:`kpitools.design.coverage`) and runs the
    design checks (:func:`kpitools.design.checks.run_checks`).

    Parameters
    ----------
    design : Design or path
        The design file (contract §3).
    data : DataFrame or path, optional
        History for the ``not-achievable`` check.
    library : Library, optional
        KPI library for the design's KPIs (the shipped one by default).

    Attributes
    ----------
    controls : dict
        Goal id → slider of its assumed value.
    design, start_design : Design
        The design as the sliders set it, and as it was loaded.
    cascade : CascadeResult
    coverage : DataFrame
    checks : CheckReport
    error : str or None
        Why the last change was refused, or None.
    widget : ipywidgets.VBox

    Examples
    --------
    >>> ex = GoalExplorer("templates/designs/b2b_sales.yaml")  # doctest: +SKIP
    >>> ex.controls["avg_deal_size"].value = 60000  # doctest: +SKIP
    >>> ex.cascade.values["won_deals"]  # doctest: +SKIP
    345.0
    """

    def __init__(self, design: Any, *, data: Any = None, library: Any = None):
        import pandas as pd

        from ..design import load_design

        self.start_design = load_design(design, library=library)
        if data is not None and not isinstance(data, pd.DataFrame):
            from ..data import load

            data = load(data)
        self._data = data
        self._start = self._evaluate(self.start_design)
        self._now = self._start
        self.error: str | None = None
        self._syncing = False
        self._build()
        self._refresh()

    # ----------------------------------------------------------------- public API
    @property
    def design(self) -> Any:
        """The design as the sliders set it."""
        return self._now.design

    @property
    def cascade(self) -> Any:
        """:class:`kpitools.design.CascadeResult` of the current design."""
        return self._now.cascade

    @property
    def coverage(self) -> Any:
        """Coverage of every goal by the roles' targets (a copy)."""
        return self._now.coverage.copy()

    @property
    def checks(self) -> Any:
        """:class:`kpitools.design.checks.CheckReport` of the current design."""
        return self._now.checks

    def reset(self) -> None:
        """Back to the design as loaded."""
        self._now = self._start
        self.error = None
        self._sync_controls()
        self._refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        d = self.design
        return (
            f"<GoalExplorer {d.client or d.source!r}: {len(self.controls)} assumptions, "
            f"{self.checks.counts()}>"
        )

    # ----------------------------------------------------------------- internals
    def _evaluate(self, design: Any) -> _GoalState:
        from ..design import coverage, run_checks

        result = design.cascade()
        return _GoalState(
            design=design,
            cascade=result,
            coverage=coverage(design, result.values),
            checks=run_checks(design, self._data),
        )

    def _build(self) -> None:
        from html import escape

        import ipywidgets as w

        self.controls: dict[str, Any] = {}
        for goal in self.start_design.goals:
            if goal.value is None or goal.target is not None:
                continue
            v = float(goal.value)
            lo, hi = (v / 4.0, v * 3.0) if v > 0 else (v * 3.0, v / 4.0) if v < 0 else (0, 1)
            step = _nice_step(hi - lo)
            ctrl = w.FloatSlider(
                value=v,
                min=lo,
                max=hi,
                step=step,
                description=goal.id,
                tooltip=goal.name,
                readout_format=",.0f" if step >= 1 else ",.4g",
                continuous_update=False,
                style={"description_width": "140px"},
                layout=w.Layout(width="98%"),
            )
            ctrl.add_class("kpitools-control")
            ctrl.add_class("kpitools-control-" + goal.id.replace("_", "-"))
            ctrl.observe(self._observer(goal.id), names="value")
            self.controls[goal.id] = ctrl
        d = self.start_design
        title = escape(d.client or d.source) + (f", {escape(d.period)}" if d.period else "")
        self._headline = w.HTML()
        self._headline.add_class("kpitools-goal-headline")
        self._cascade_html = w.HTML()
        self._coverage_html = w.HTML()
        self._checks_html = w.HTML()
        self._status = w.HTML()
        reset = w.Button(description="Back to start", icon="undo")
        reset.on_click(lambda _: self.reset())
        intro = w.HTML(
            "<b>Assumptions</b><br><span style='color:#555'>goals with a fixed value: "
            "the cascade solves the others from them</span>"
        )
        left = w.VBox(
            [intro, *self.controls.values(), reset], layout=w.Layout(width="34%", min_width="320px")
        )
        right = w.VBox(
            [self._headline, self._cascade_html, self._coverage_html, self._checks_html],
            layout=w.Layout(width="66%"),
        )
        self.widget = w.VBox(
            [
                w.HTML(f"<h3 style='margin:0'>Goals: {title}</h3>"),
                w.HBox([left, right]),
                self._status,
            ]
        )
        self.widget.add_class("kpitools-goal-explorer")

    def _observer(self, goal_id: str) -> Callable[[Mapping[str, Any]], None]:
        def on_change(change: Mapping[str, Any]) -> None:
            if not self._syncing:
                self._changed(goal_id, change["new"])

        return on_change

    def _changed(self, goal_id: str, value: float) -> None:
        from html import escape

        try:
            now = self._evaluate(with_assumption(self.design, goal_id, value))
            self._check_signs(now, goal_id, value)
        except KpitoolsError as err:
            self.error = str(err)
            self._sync_controls()
            self._status.value = (
                "<span style='color:#b00'>That value cannot be used; the control went back."
                "<br>" + escape(str(err)).replace("\n", "<br>") + "</span>"
            )
            return
        self.error = None
        self._now = now
        self._refresh()

    def _check_signs(self, now: _GoalState, goal_id: str, value: float) -> None:
        """Refuse an assumption that turns a goal negative (or infinite) that was not."""
        from ..design import format_value
        from ..errors import DefinitionError

        d, start = now.design, self._start.cascade.values
        bad = [
            (g, v)
            for g, v in now.cascade.values.items()
            if v is not None
            and (not math.isfinite(v) or v < 0)
            and g in start
            and start[g] is not None
            and start[g] >= 0
        ]
        if not bad:
            return
        others = [(g, v) for g, v in bad if g != goal_id]
        shown = ", ".join(f"{g} = {format_value(v, d.unit_of(g), d.currency)}" for g, v in others)
        was = format_value(start[goal_id], d.unit_of(goal_id), d.currency)
        what = f"{goal_id} = {format_value(value, d.unit_of(goal_id), d.currency)}"
        raise DefinitionError(
            (f"{what} would make {shown}" if others else f"{what} is negative")
            + ": a goal or target cannot be negative.\n"
            f"Suggestion: set {goal_id} above 0 (it is {was} in the design)."
        )

    def _sync_controls(self) -> None:
        self._syncing = True
        try:
            for goal_id, ctrl in self.controls.items():
                ctrl.value = float(self.design.goal(goal_id).value)
        finally:
            self._syncing = False

    def _refresh(self) -> None:
        from html import escape

        from ..design import format_value

        d, start = self.design, self._start
        cas, cas0 = self.cascade.summary, start.cascade.summary
        top = d.top_goal
        rows = []
        for (_, r), v0 in zip(cas.iterrows(), cas0["value"], strict=True):
            v = float(r["value"])
            moved = math.isfinite(v) and math.isfinite(v0) and abs(v - v0) > 1e-9 * max(1, abs(v0))
            was = format_value(v0, r["unit"] or None, d.currency) if moved else ""
            style = " style='background:#fff3cd'" if moved else ""
            rows.append(
                f"<tr{style}><td>{escape(r['goal'])}</td><td>{escape(str(r['name']))}</td>"
                f"<td style='text-align:right'><b>{escape(r['display'])}</b></td>"
                f"<td style='text-align:right;color:#777'>{escape(was)}</td>"
                f"<td>{escape(r['how'])}</td><td><code>{escape(r['formula'])}</code></td></tr>"
            )
        self._cascade_html.value = (
            "<b>Cascade</b> (yellow: moved; the start value on the right)"
            "<table class='kpitools-cascade'><tr><th>goal</th><th>name</th><th>value</th>"
            "<th>was</th><th>how</th><th>formula</th></tr>" + "".join(rows) + "</table>"
        )
        cov = self._now.coverage
        measured = cov[~cov["status"].isin(["not measured"])]
        rows = []
        for _, r in measured.iterrows():
            unit = d.unit_of(r["goal"])
            colour = _STATUS_COLOUR.get(r["status"], "#555")
            share = f"{r['share']:.0%}" if math.isfinite(r["share"]) else "?"
            rows.append(
                f"<tr><td>{escape(r['goal'])}</td>"
                f"<td style='text-align:right'>{format_value(r['goal_value'], unit, d.currency)}"
                f"</td><td style='text-align:right'>{format_value(r['covered'], unit, d.currency)}"
                f"</td><td style='text-align:right'>{share}</td>"
                f"<td style='color:{colour}'><b>{escape(r['status'])}</b></td>"
                f"<td>{escape(r['by_role'])}</td></tr>"
            )
        self._coverage_html.value = (
            "<b>Coverage</b>: the roles' targets × headcount against each goal"
            "<table class='kpitools-coverage'><tr><th>goal</th><th>goal value</th>"
            "<th>targets add up to</th><th>share</th><th>status</th><th>by role</th></tr>"
            + "".join(rows)
            + "</table>"
        )
        findings = self.checks.findings
        rows = [
            f"<tr><td style='color:{_SEVERITY_COLOUR.get(f.severity, '#555')}'>"
            f"<b>{escape(f.severity)}</b></td><td>{escape(f.rule)}</td>"
            f"<td>{escape(f.location)}</td><td>{escape(f.message)}</td></tr>"
            for f in findings
        ]
        self._checks_html.value = f"<b>Checks</b>: {escape(self.checks.counts())}" + (
            "<table class='kpitools-checks'><tr><th>severity</th><th>rule</th>"
            "<th>where</th><th>finding</th></tr>" + "".join(rows) + "</table>"
            if rows
            else ""
        )
        short = int((cov["status"] == "short").sum())
        over = int((cov["status"] == "over").sum())
        head = []
        if top is not None:
            value = format_value(self.cascade.values[top], d.unit_of(top), d.currency)
            head.append(f"{escape(d.goal(top).name)}: <b>{value}</b>")
        head.append(f"coverage: {short} goal(s) short, {over} over")
        head.append(f"checks: {escape(self.checks.counts())}")
        self._headline.value = (
            "<div style='font-size:1.2em;padding:4px 0'>" + " · ".join(head) + "</div>"
        )
        if self.error is None:
            self._status.value = ""
