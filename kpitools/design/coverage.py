"""Coverage: whether role targets × headcount add up to the goal they serve.

The role KPIs counted against a goal (:func:`covering`): in each role, the KPI that
measures the goal itself (its id is the goal's ``kpi:``, else the goal's id) when the role
has it; otherwise every KPI — from the library or inline — that names the goal in its
``goal:`` and has the goal's unit and kind of aggregation (summed amounts add up to a
summed goal; means and ratios are compared as a headcount-weighted mean). An activity (a
``leading`` KPI: calls, meetings) moves a goal but does not add up to it, so it is not
counted even in the goal's unit.

A total within a relative ``tolerance`` of the goal (:data:`COVERAGE_TOLERANCE`, 0.1%, or
the design's ``checks: {coverage_tolerance: …}``) is ``covered``: targets rounded to
whole currency units or people are not a shortfall.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .._util.format import frame_table, number
from ..errors import DefinitionError, did_you_mean
from .cascade import cascade
from .model import Design, Goal, Role, RoleKPI

__all__ = ["COVERAGE_TOLERANCE", "coverage", "covering", "format_coverage", "goal_is_summed"]

#: Relative gap between role targets and a goal that still counts as covered (0.1%).
COVERAGE_TOLERANCE = 0.001


def _same(a: float, b: float) -> bool:
    """Equal but for floating-point rounding (a relative 1e-9).

    One unit short of 2,000,000 is short, not "covered".
    """
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# --------------------------------------------------------------------------- coverage
_COVERAGE_COLUMNS = [
    "goal",
    "name",
    "kpi",
    "goal_value",
    "covered",
    "gap",
    "share",
    "status",
    "by_role",
]


_ROLE_COVERAGE_COLUMNS = [
    "role",
    "goal",
    "kpi",
    "headcount",
    "target",
    "contribution",
    "goal_value",
    "share_of_goal",
    "location",
]


def _status(covered: float, goal_value: float, direction: str, tolerance: float) -> str:
    if math.isnan(goal_value):
        return "no goal value"
    if _same(covered, goal_value) or abs(covered - goal_value) <= tolerance * abs(goal_value):
        return "covered"
    return "short" if (covered < goal_value) == (direction == "higher") else "over"


def _summed(aggregation: str | None) -> bool:
    return (aggregation or "sum") == "sum"


def goal_is_summed(design: Design, g: Goal) -> bool:
    """Whether the goal adds up over people: its measuring KPI is summed (or unknown)."""
    for r in design.roles:
        for k in r.kpis:
            if k.kpi == g.measure:
                return _summed(k.definition.aggregation)
    return _summed(g.aggregation)


def covering(design: Design, g: Goal) -> list[tuple[Role, RoleKPI]]:
    """The role KPIs whose targets add up to goal ``g``, role by role (see the module)."""
    unit, summed = design.unit_of(g.id), goal_is_summed(design, g)
    found = []
    for r in design.roles:
        own = [k for k in r.kpis if k.kpi == g.measure and k.goal in (None, g.id)]
        found += [(r, k) for k in own or r.kpis if own or _adds_up(k, g.id, unit, summed)]
    return found


def _adds_up(k: RoleKPI, goal_id: str, unit: str | None, summed: bool) -> bool:
    """A KPI other than the goal's own measure that serves it in its unit and kind."""
    d = k.definition
    return (
        k.goal == goal_id
        and unit is not None
        and d.unit == unit
        and _summed(d.aggregation) == summed
        and d.type != "leading"
    )


def _goal_row(
    g: Goal, gv: float, entries: list[tuple[Role, RoleKPI]], summed: bool, tolerance: float
) -> dict[str, Any]:
    """One goal against the role KPIs that add up to it (one row of :func:`coverage`)."""
    parts, total, heads, missing_target = [], 0.0, 0.0, False
    for r, k in entries:
        if k.target is None:
            missing_target = True
            continue
        which = "" if k.kpi == g.measure else f" ({k.kpi})"
        parts.append(f"{r.id}: {number(r.headcount)} × {number(k.target)}{which}")
        total += k.target * r.headcount
        heads += r.headcount
    direction = next((k.definition.direction for _, k in entries if k.kpi == g.measure), None)
    direction = direction or (entries[0][1].definition.direction if entries else g.direction)
    if not entries:
        status, covered = "not measured", math.nan
    elif not parts:
        status, covered = "no target", math.nan
    else:
        covered = total if summed else total / heads
        status = _status(covered, gv, direction, tolerance)
    if missing_target and parts:
        parts.append("(some without target)")
    return {
        "goal": g.id,
        "name": g.name,
        "kpi": ", ".join(dict.fromkeys(k.kpi for _, k in entries)) or None,
        "goal_value": gv,
        "covered": covered,
        "gap": covered - gv,
        "share": covered / gv if gv not in (0.0,) and not math.isnan(gv) else math.nan,
        "status": status,
        "by_role": "; ".join(parts),
    }


def _tolerance(design: Design, tolerance: float | None) -> float:
    """The tolerance asked for, else the design's ``checks:``, else the default."""
    if tolerance is None:
        tolerance = design.checks.get("coverage_tolerance", COVERAGE_TOLERANCE)
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, int | float)
        or not (0 <= tolerance < 1)
    ):
        raise DefinitionError(
            f"coverage: tolerance={tolerance!r} must be a share from 0 up to 1.\n"
            "Suggestion: e.g. tolerance=0.001 (0.1%), or 0 for an exact match."
        )
    return float(tolerance)


def coverage(
    design: Design,
    values: Mapping[str, float] | None = None,
    by: str = "goal",
    *,
    tolerance: float | None = None,
) -> pd.DataFrame:
    """What the roles' targets add up to if everyone hits target, against each goal.

    The role KPIs counted are those of :func:`covering`: the KPI measuring the goal
    itself, else any KPI serving the goal in its unit (inline ones too). Summed KPIs
    (units, revenue, leads) add up as target × headcount over the roles; mean and ratio
    KPIs compare the headcount-weighted mean target with the goal.

    Parameters
    ----------
    values : mapping, optional
        Goal values (default: the cascade).
    by : {"goal", "role"}
        One row per goal, or one row per role × goal it covers.
    tolerance : float, optional
        Relative gap still ``covered`` (default: the design's ``checks:
        {coverage_tolerance}``, else 0.001).

    Returns
    -------
    DataFrame
        ``by="goal"``: ``goal, name, kpi, goal_value, covered, gap`` (covered − goal),
        ``share`` (covered / goal), ``status`` (``covered``, ``short``, ``over``,
        ``no target``, ``not measured``), ``by_role`` (e.g. ``sales_department: 4 × 50``;
        a KPI other than the goal's own is named: ``reps: 3 × 50 (units_closed)``).
        ``by="role"``: ``role, goal, kpi, headcount, target, contribution`` (target ×
        headcount for summed KPIs, the target for mean and ratio KPIs),
        ``goal_value, share_of_goal`` (summed KPIs only), ``location``.

    Examples
    --------
    >>> coverage(load_design("templates/designs/sales_generator.yaml"))  # doctest: +SKIP
    """
    if by not in ("goal", "role"):
        raise DefinitionError(
            f"coverage: by={by!r} is not known.{did_you_mean(str(by), ['goal', 'role'])}\n"
            "Suggestion: use by='goal' or by='role'."
        )
    tolerance = _tolerance(design, tolerance)
    if values is None:
        values = cascade(design).values
    if by == "role":
        return _coverage_by_role(design, values)
    rows = [
        _goal_row(
            g,
            values.get(g.id, math.nan),
            covering(design, g),
            goal_is_summed(design, g),
            tolerance,
        )
        for g in design.goals
    ]
    df = pd.DataFrame(rows, columns=_COVERAGE_COLUMNS)
    for c in ("goal_value", "covered", "gap", "share"):
        df[c] = df[c].astype("float64")
    return df


def format_coverage(design: Design, table: pd.DataFrame | None = None) -> str:
    """The measured goals of :func:`coverage` as a readable text table."""
    cov = coverage(design) if table is None else table
    cov = cov[cov["status"] != "not measured"]
    if cov.empty:
        return "Coverage: no goal is measured by a role KPI."
    units = {g: design.unit_of(g) for g in cov["goal"]}
    shown = pd.DataFrame(
        {
            "goal": cov["goal"],
            "goal value": [
                number(v, units[g], design.currency)
                for g, v in zip(cov["goal"], cov["goal_value"], strict=True)
            ],
            "role targets": [
                number(v, units[g], design.currency)
                for g, v in zip(cov["goal"], cov["covered"], strict=True)
            ],
            "share": cov["share"].map(lambda v: "" if math.isnan(v) else f"{v:.0%}"),
            "status": cov["status"],
            "by role (headcount × target)": cov["by_role"],
        }
    )
    return "Coverage: role targets × headcount against each goal\n" + frame_table(
        shown, right=("goal value", "role targets", "share")
    )


def _coverage_by_role(design: Design, values: Mapping[str, float]) -> pd.DataFrame:
    rows = []
    for g in design.goals:
        gv = values.get(g.id, math.nan)
        summed = goal_is_summed(design, g)
        for r, k in covering(design, g):
            target = math.nan if k.target is None else k.target
            contribution = target * r.headcount if summed else target
            rows.append(
                {
                    "role": r.id,
                    "goal": g.id,
                    "kpi": k.kpi,
                    "headcount": r.headcount,
                    "target": target,
                    "contribution": contribution,
                    "goal_value": gv,
                    "share_of_goal": contribution / gv if summed and gv else math.nan,
                    "location": k.location,
                }
            )
    df = pd.DataFrame(rows, columns=_ROLE_COVERAGE_COLUMNS)
    for c in ("headcount", "target", "contribution", "goal_value", "share_of_goal"):
        df[c] = df[c].astype("float64")
    order = {r.id: r.index for r in design.roles}
    return df.sort_values("role", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
