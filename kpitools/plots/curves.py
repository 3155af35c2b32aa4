"""Payout curves: the factor a component pays at each attainment, drawn with its key points.

:func:`curve_points` gives the points a curve is drawn through (both sides of every jump),
:func:`curve_factor` the factor drawn at given attainments; both are what the what-if
explorer draws too. :func:`plot_payout_curve` draws one component of a scheme with its
threshold, target and excellence marked.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from kpitools.scheme import load_scheme
>>> scheme = load_scheme({"name": "s", "on_target_pay": 100, "components": [
...     {"kpi": "revenue", "weight": 1, "target": {"method": "fixed", "value": 10},
...      "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}}]})
>>> ax = plot_payout_curve(scheme, 0)
>>> ax.get_xlabel()
'attainment'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._util.format import percent
from ..errors import DefinitionError, did_you_mean
from .style import axes_or_new, percent_ticks

__all__ = ["curve_factor", "curve_points", "plot_payout_curve"]

_GRID = 601  # points of the attainment grid a curve is drawn on
_MARK_STYLE = {"threshold": ":", "target": "--", "cap": "-."}
_MARK_WORD = {"threshold": "threshold", "target": "target", "cap": "excellence (cap)"}


def _is_commission(rule: Any) -> bool:
    return hasattr(rule, "rate") and hasattr(rule, "tiers")


def curve_factor(rule: Any, attainment: Any) -> np.ndarray:
    """The factor a payout rule's curve shows at these attainments.

    A curve's payout factor; for a commission paid against attainment, its pay relative to
    the pay at target (a flat rate is then a straight line through 100% at 100%).

    Parameters
    ----------
    rule : curve or Commission
        A component's ``payout_rule``.
    attainment : array-like
        Attainments (1.0 = on target).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "a", "weight": 1, "target": 1, "curve": {"steps": [[1.0, 1.0]]}},
    ...     {"kpi": "a", "commission": {"rate": 0.1}}]})
    >>> [curve_factor(c.payout_rule, [0.5, 1.0]).tolist() for c in s.components]
    [[0.0, 1.0], [0.5, 1.0]]
    """
    at = np.asarray(attainment, dtype=float)
    if _is_commission(rule):
        at_target = float(rule.evaluate([1.0], [1.0])[0])
        y = np.asarray(rule.evaluate(at, np.ones_like(at), attainment=at), dtype=float)
        return y / at_target if at_target > 0 else y
    return np.asarray(rule.evaluate(at), dtype=float)


def curve_points(rule: Any, x_max: float) -> tuple[np.ndarray, np.ndarray, str]:
    """The points a payout rule's curve is drawn through, and what its x axis is.

    A dense grid from 0 to ``x_max`` with both sides of every jump, and :func:`curve_factor`
    on it. A commission with tiers on amounts (``basis: value``) is drawn against the actual
    instead, up to 1.5 × its highest tier start.

    Parameters
    ----------
    rule : curve or Commission
        A component's ``payout_rule``.
    x_max : float
        Right end of the attainment axis.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, str)
        x, the factor (or commission) at x, and ``"attainment"`` or ``"actual"``.

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "a", "weight": 1, "target": 1, "curve": {"steps": [[1.0, 1.0]]}}]})
    >>> x, y, axis = curve_points(s.components[0].payout_rule, 2.0)
    >>> axis, float(y[x < 1.0].max()), float(y[x >= 1.0].min())
    ('attainment', 0.0, 1.0)
    """
    jumps = np.asarray(getattr(rule, "thresholds", ()) or (), dtype=float)
    x = np.linspace(0.0, x_max, _GRID)
    x = np.unique(np.concatenate([x, jumps, np.maximum(jumps - 1e-9, 0.0)]))
    if _is_commission(rule) and rule.tiers is not None and rule.basis == "value":
        starts = [t[0] for t in rule.tiers]
        x = np.linspace(0.0, max(max(starts) * 1.5, 1.0), _GRID)
        x = np.unique(np.concatenate([x, np.asarray(starts, float)]))
        return x, rule.evaluate(x), "actual"
    return x, curve_factor(rule, x), "attainment"


def _component_index(scheme: Any, component: int | str) -> int:
    """The index of a component given by index, name or KPI id (a clear error otherwise)."""
    comps = list(scheme.components)
    if isinstance(component, str) and not component.isdigit():
        labels = [scheme.component_label(i) for i in range(len(comps))]
        kpis = [c.kpi for c in comps]
        if component in labels:
            return labels.index(component)
        if component in kpis:
            return kpis.index(component)
        known = list(dict.fromkeys(labels + kpis))
        raise DefinitionError(
            f"{scheme.name}: no component {component!r}.{did_you_mean(component, known)}\n"
            f"Suggestion: use an index from 0 to {len(comps) - 1} or one of "
            f"{', '.join(known)}."
        )
    index = int(component)
    if not 0 <= index < len(comps):
        raise DefinitionError(
            f"{scheme.name}: no component {index} (the scheme has {len(comps)}).\n"
            f"Suggestion: use an index from 0 to {len(comps) - 1}."
        )
    return index


def _mark_key_points(ax: Any, key: dict[str, float | None]) -> None:
    """Vertical lines at the threshold, target and excellence point, labelled."""
    for what in ("threshold", "target", "cap"):
        value = key.get(what)
        if value is None or (what == "threshold" and value <= 0):
            continue
        ax.axvline(
            value,
            color="0.45",
            linestyle=_MARK_STYLE[what],
            linewidth=1,
            label=f"{_MARK_WORD[what]} {percent(value)}",
        )


def _y_label(comp: Any, axis: str) -> str:
    if comp.commission is None:
        return "payout factor (× weight × on-target pay)"
    if axis == "attainment":
        return "pay relative to pay at target"
    return "commission"


def plot_payout_curve(
    scheme: Any,
    component: int | str = 0,
    *,
    ax: Any = None,
    color: Any = None,
    x_max: float | None = None,
) -> Any:
    """Draw one component's payout curve with its threshold, target and excellence marked.

    Parameters
    ----------
    scheme : Scheme
        The scheme.
    component : int or str
        Component index, or its name or KPI id.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when not given.
    color : optional
        Line colour (the scheme's colour from :func:`scheme_palette`, for instance).
    x_max : float, optional
        Right end of the attainment axis; 1.3 × the curve's highest key point by default.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_payout_curve(scheme, 0)  # doctest: +SKIP
    >>> [line.get_label() for line in ax.lines]  # doctest: +SKIP
    ['revenue', 'threshold 80%', 'target 100%', 'excellence (cap) 150%']
    """
    comp = scheme.components[_component_index(scheme, component)]
    rule = comp.payout_rule
    key = dict(getattr(rule, "key_points", {}) or {}) or {"target": 1.0}
    reach = [v for v in key.values() if v is not None] + [float(rule.max_attainment), 1.0]
    x_max = float(x_max) if x_max is not None else 1.3 * max(reach)
    ax = axes_or_new(ax)
    x, y, axis = curve_points(rule, x_max)
    if getattr(comp, "basis", None) == "score":  # the curve reads the rating itself
        axis = "score"
    name = comp.name or comp.kpi
    ax.plot(x, y, color=color, linewidth=2, label=name)
    if axis == "attainment":
        _mark_key_points(ax, key)
        percent_ticks(ax.xaxis)
        ax.set_xlabel("attainment")
    else:
        ax.set_xlabel(f"{comp.kpi} ({'score' if axis == 'score' else 'actual'})")
    ax.set_ylabel(_y_label(comp, axis))
    ax.set_title(f"{scheme.name}: {name}")
    ax.set_xlim(0, x[-1])
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False)
    return ax
