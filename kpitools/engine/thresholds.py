"""Where a component's pay jumps up: the thresholds behind ``near_threshold_share``.

A curve's jumps and steps and a retroactive commission's tier starts are attainments; the
tiers of a retroactive commission on ``basis: value`` are amounts of the actual itself.
:func:`component_thresholds` lists them per component and :func:`near_measures` picks, per
component, what they are compared with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["component_thresholds", "near_measures", "value_tier_edges"]


def value_tier_edges(commission: Any) -> tuple[float, ...]:
    """Amounts where a retroactive commission on ``basis: value`` raises its rate.

    Reaching 50,000 there re-prices the whole actual, so 49,000 is as near a cliff as an
    attainment of 0.98 before a step. Empty for any other commission (or none).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> c = SimpleNamespace(tiers=[[0, 0.05], [50_000, 0.08]], mode="retroactive", basis="value")
    >>> value_tier_edges(c)
    (50000.0,)
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


def component_thresholds(scheme: Any) -> list[tuple[float, ...]]:
    """Where each component's pay jumps up, in component order.

    Curve jumps and steps and retroactive tier starts (attainments), or the tier amounts of
    a retroactive commission on ``basis: value`` (compare those with the actual: see
    :func:`near_measures`).

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "x", "weight": 1, "target": 1, "curve": {"steps": [[1, 1], [1.2, 2]]}}]})
    >>> component_thresholds(s)
    [(1.0, 1.2)]
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
            found = found or value_tier_edges(commission)
        out.append(found)
    return out


def near_measures(scheme: Any, attainment: Sequence[Any], actual: Sequence[Any]) -> list[Any]:
    """Per component, what its thresholds are compared with.

    The attainment, or the actual for a retroactive commission whose tiers are amounts and
    for a ``basis: score`` component (its curve is in scores).

    Parameters
    ----------
    scheme : Scheme
        The scheme.
    attainment, actual : sequence of array-like
        Per component, in component order.

    Returns
    -------
    list
        One of ``attainment[i]`` or ``actual[i]`` per component.
    """
    # a score component's curve is in scores, and so are a value tier's edges in amounts
    on_value = [
        bool(value_tier_edges(getattr(c, "commission", None)))
        or getattr(c, "basis", None) == "score"
        for c in scheme.components
    ]
    return [
        act if value else att for att, act, value in zip(attainment, actual, on_value, strict=True)
    ]
