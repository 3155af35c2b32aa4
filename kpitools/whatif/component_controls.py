"""The levers of one scheme component, each a :class:`ControlSpec`.

Its target, threshold, excellence point, highest factor and commission rate. A curve's end
points move with their jump partners (two points at the same attainment) and cannot cross
their neighbours; a commission's top tier gives its accelerator and rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..scheme import tidy_number
from .control_spec import STEP_ATTAINMENT, ControlSpec, Holder, money_range

__all__ = ["component_controls"]

#: read(scheme) -> value, apply(scheme, value) -> scheme, bounds(scheme) -> (lo, hi)
_Lever = tuple[Callable[..., float], Callable[..., Any], Callable[..., tuple[float, float]]]


def _curve_key(curve: Any) -> str | None:
    """``points`` or ``steps``: the key of a curve given by points, None for others."""
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


# --------------------------------------------------------------------------- target
_TARGET_LABELS = {
    "fixed": ("value", "target", "the target (method fixed)"),
    "allocate": ("total", "total to split", "the total split across the employees (allocate)"),
    "growth": ("rate", "target growth", "target = base × (1 + this rate) (method growth)"),
    "percentile": (
        "q",
        "target percentile",
        "target = this percentile of past actuals (method percentile)",
    ),
}


def _target_range(method: str, v: float) -> tuple[float, float, float, str]:
    """Slider range, step and readout of a target method's number."""
    if method == "growth":
        return min(-0.5, v), max(1.0, 2 * v), 0.005, ".1%"
    if method == "percentile":
        return 0.0, 1.0, 0.01, ".0%"
    lo, hi, step = money_range(v)
    return lo, hi, step, ",.0f" if step >= 1 else ",.2f"


def _target_control(i: int, comp: Any) -> ControlSpec | None:
    method = getattr(comp.target, "method", None)
    if method not in _TARGET_LABELS:
        return None  # from_data: the data's own targets, nothing to move
    param, label, tip = _TARGET_LABELS[method]
    v = float(getattr(comp.target, param))
    lo, hi, step, readout = _target_range(method, v)
    path = f"components.{i}.target.{param}"
    return ControlSpec(
        name=f"components.{i}.target",
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


# --------------------------------------------------------------------------- threshold
def _first_point(i: int, key: str) -> _Lever:
    """The first point of a points or steps curve: where pay starts."""
    path = f"components.{i}.curve.{key}"

    def read(s):
        return float(getattr(s.components[i].curve, key)[0][0])

    def apply(s, x):
        return s.set(path, _move_end(_pairs(s.components[i].curve, key), x, first=True))

    def bounds(s):
        distinct = _distinct(_pairs(s.components[i].curve, key))
        hi = distinct[1] - STEP_ATTAINMENT if len(distinct) > 1 else 3.0
        return 0.0, hi

    return read, apply, bounds


def _linear_threshold(i: int) -> _Lever:
    """The threshold of a linear curve."""
    path = f"components.{i}.curve.linear.threshold"

    def read(s):
        return float(s.components[i].curve.linear.threshold)

    def apply(s, x):
        return s.set(path, float(x))

    def bounds(s):
        lin = s.components[i].curve.linear
        if lin.cap is None or lin.slope <= 0:
            return 0.0, max(2.0, 2 * float(lin.threshold))
        # below the excellence point (cap / slope): pay starts before it tops out
        return 0.0, float(lin.cap / lin.slope) - STEP_ATTAINMENT

    return read, apply, bounds


def _axis(comp: Any) -> tuple[str, float, str]:
    """Readout, step and word of a curve's x axis: a score, or an attainment.

    A ``basis: score`` component's curve reads the rating itself (3.5 on a 1-5 scale), so
    its sliders show scores, not percentages of a target.
    """
    if getattr(comp, "basis", None) == "score":
        return ".1f", 0.1, "score"
    return ".0%", STEP_ATTAINMENT, "attainment"


def _threshold_control(i: int, comp: Any) -> ControlSpec | None:
    curve = comp.curve
    key = _curve_key(curve) if curve is not None else None
    if key is not None:
        read, apply, bounds = _first_point(i, key)
    elif curve is not None and hasattr(curve, "linear"):
        read, apply, bounds = _linear_threshold(i)
    else:
        return None
    holder = Holder(comp, i)
    value = read(holder)
    lo, hi = bounds(holder)
    readout, step, word = _axis(comp)
    return ControlSpec(
        name=f"components.{i}.threshold",
        label="threshold",
        tooltip=f"{word} where pay starts (the curve's first point)",
        group=f"components.{i}",
        value=value,
        min=min(lo, value),
        max=max(hi, value),
        step=step,
        readout=readout,
        read=read,
        apply=apply,
        bounds=bounds,
    )


# --------------------------------------------------------------------------- excellence
def _last_point(i: int, key: str, where: str) -> _Lever:
    """The last point of a curve (or the last tier's start): where it tops out."""

    def rule_of(s):
        return s.components[i].payout_rule

    def read(s):
        return float(getattr(rule_of(s), key)[-1][0])

    def apply(s, x):
        return s.set(where, _move_end(_pairs(rule_of(s), key), x, first=False))

    def bounds(s):
        distinct = _distinct(_pairs(rule_of(s), key))
        return distinct[-2] + STEP_ATTAINMENT, max(3.0, 2 * distinct[-1])

    return read, apply, bounds


def _linear_excellence(i: int) -> _Lever:
    """Where a capped linear curve reaches its cap (cap / slope); moving it moves the cap."""
    path = f"components.{i}.curve.linear.cap"

    def read(s):
        lin = s.components[i].curve.linear
        return float(lin.cap / lin.slope)

    def apply(s, x):
        cap = float(x) * float(s.components[i].curve.linear.slope)
        return s.set(path, tidy_number(cap, False))

    def bounds(s):
        # above the threshold: the curve tops out after pay starts
        lo = float(s.components[i].curve.linear.threshold) + STEP_ATTAINMENT
        return max(STEP_ATTAINMENT, lo), max(3.0, 2 * read(s))

    return read, apply, bounds


def _excellence_lever(i: int, comp: Any) -> tuple[_Lever, str] | None:
    """The lever of a component's excellence point and its label, or None."""
    curve = comp.curve
    key = _curve_key(curve) if curve is not None else None
    commission = comp.commission
    if key is None and commission is not None:
        if commission.tiers is None or commission.basis != "attainment":
            return None
        key, where = "tiers", f"components.{i}.commission.tiers"
    elif key is not None:
        where = f"components.{i}.curve.{key}"
    elif curve is not None and hasattr(curve, "linear"):
        spec = curve.linear
        if spec.cap is None or spec.slope <= 0:
            return None
        return _linear_excellence(i), "excellence"
    else:
        return None
    if len(_distinct(_pairs(comp.payout_rule, key))) < 2:
        return None
    return _last_point(i, key, where), "accelerator" if key == "tiers" else "excellence"


def _excellence_control(i: int, comp: Any) -> ControlSpec | None:
    found = _excellence_lever(i, comp)
    if found is None:
        return None
    (read, apply, bounds), label = found
    holder = Holder(comp, i)
    value = read(holder)
    lo, hi = bounds(holder)
    readout, step, word = _axis(comp)
    return ControlSpec(
        name=f"components.{i}.excellence",
        label=label,
        tooltip=(
            "attainment where the last commission tier starts"
            if label == "accelerator"
            else f"{word} where the curve tops out (its last point)"
        ),
        group=f"components.{i}",
        value=value,
        min=min(lo, value),
        max=max(hi, value),
        step=step,
        readout=readout,
        read=read,
        apply=apply,
        bounds=bounds,
    )


# --------------------------------------------------------------------------- highest factor
def _top_factor(i: int, key: str) -> tuple[Callable, Callable]:
    path = f"components.{i}.curve.{key}"

    def read(s):
        return float(getattr(s.components[i].curve, key)[-1][1])

    def apply(s, x):
        pairs = _pairs(s.components[i].curve, key)
        return s.set(path, _move_end(pairs, x, first=False, col=1))

    return read, apply


def _linear_cap(i: int) -> tuple[Callable, Callable]:
    path = f"components.{i}.curve.linear.cap"

    def read(s):
        return float(s.components[i].curve.linear.cap)

    def apply(s, x):
        return s.set(path, float(x))

    return read, apply


def _component_cap_control(i: int, comp: Any) -> ControlSpec | None:
    curve = comp.curve
    key = _curve_key(curve) if curve is not None else None
    if key is not None and not getattr(curve, "extrapolate", False):
        (read, apply), lo = _top_factor(i, key), 0.0
    elif key is None and curve is not None and hasattr(curve, "linear"):
        if curve.linear.cap is None:
            return None
        (read, apply), lo = _linear_cap(i), STEP_ATTAINMENT
    else:
        return None  # no curve, or one that goes on rising: no highest factor
    value = read(Holder(comp, i))
    return ControlSpec(
        name=f"components.{i}.cap",
        label="max factor",
        tooltip="the curve's highest payout factor (× weight × on-target pay)",
        group=f"components.{i}",
        value=value,
        min=lo,
        max=max(3.0, 2 * value),
        step=0.05,
        readout=".2f",
        read=read,
        apply=apply,
    )


# --------------------------------------------------------------------------- commission rate
def _rate_control(i: int, comp: Any) -> ControlSpec | None:
    commission = comp.commission
    if commission is None:
        return None
    if commission.rate is not None or commission.per_unit is not None:
        key = "rate" if commission.rate is not None else "per_unit"  # a SPIF pays per unit
        path, label = f"components.{i}.commission.{key}", key.replace("_", " ")

        def read(s):
            return float(getattr(s.components[i].commission, key))

        def apply(s, x):
            return s.set(path, float(x))

    else:
        path, label = f"components.{i}.commission.tiers", "top tier rate"

        def read(s):
            return float(s.components[i].commission.tiers[-1][1])

        def apply(s, x):
            tiers = _pairs(s.components[i].commission, "tiers")
            tiers[-1][1] = float(x)
            return s.set(path, tiers)

    value = read(Holder(comp, i))
    money = commission.per_unit is not None  # money per unit, not a share of the amount
    return ControlSpec(
        name=f"components.{i}.rate",
        label=label,
        group=f"components.{i}",
        value=value,
        min=0.0,
        max=max(1.0 if money else 0.1, 3 * value),
        step=max(value, 1.0) / 100 if money else 0.0005,
        readout=",.2f" if money else ".2%",
        read=read,
        apply=apply,
    )


_BUILDERS = (
    _target_control,
    _threshold_control,
    _excellence_control,
    _component_cap_control,
    _rate_control,
)


def component_controls(i: int, comp: Any) -> list[ControlSpec]:
    """The controls of component ``i`` that it has, in display order (weight aside).

    ``components.i.target`` (the target method's number), ``.threshold``, ``.excellence``,
    ``.cap`` (the curve's highest factor) and ``.rate`` (a commission's rate or top tier's).

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "a", "commission": {"rate": 0.05}}]})
    >>> [c.name for c in component_controls(0, s.components[0])]
    ['components.0.rate']
    """
    return [spec for make in _BUILDERS if (spec := make(i, comp)) is not None]
