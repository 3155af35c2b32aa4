"""What a control of the scheme explorer is, and the slider ranges the controls share.

A :class:`ControlSpec` is a named lever with its range, and how it reads and sets its value
in a scheme.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["STEP_ATTAINMENT", "ControlSpec", "Holder", "cents", "money_range", "nice_step"]

#: Slider step of every attainment control (1 percentage point).
STEP_ATTAINMENT = 0.01


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
    bounds : callable or None
        ``bounds(scheme) -> (lo, hi)``: the range that keeps the curve's points in order
        in that scheme (an end point cannot cross its neighbour), or None for a fixed range.
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


class Holder:
    """A stand-in scheme with one component at index ``i``, to read a control's start value.

    The ``read`` and ``bounds`` functions of a component's control take a scheme and look up
    ``scheme.components[i]``; this lets them run on the component alone.
    """

    def __init__(self, comp: Any, i: int):
        self.components = {i: comp}


def cents(amount: float) -> float:
    """Money rounded to the cent (what a consultant reads in the saved YAML).

    Examples
    --------
    >>> cents(59999.99999999999), cents(-0.001)
    (60000.0, 0.0)
    """
    return round(float(amount), 2) + 0.0


def nice_step(span: float) -> float:
    """A round slider step, about a hundredth of the span (0.01, 100, 10,000 …).

    Examples
    --------
    >>> nice_step(90_000), nice_step(0.5), nice_step(float("nan"))
    (100.0, 0.001, 0.01)
    """
    if not span > 0 or not math.isfinite(span):
        return 0.01
    return float(10.0 ** math.floor(math.log10(span / 100.0)))


def money_range(value: float) -> tuple[float, float, float]:
    """Slider range of an amount: a quarter to three times it, on a round step.

    Examples
    --------
    >>> money_range(40_000)
    (10000.0, 120000.0, 1000.0)
    """
    lo, hi = value / 4.0, value * 3.0
    step = nice_step(hi - lo)
    lo = max(step, math.floor(lo / step) * step)
    return lo, math.ceil(hi / step) * step, step
