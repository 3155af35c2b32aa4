"""Coverage: whether role targets × headcount add up to the goal they serve."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .._util.format import frame_table, number
from ..errors import DefinitionError, did_you_mean
from .cascade import cascade
from .model import Design, Goal, Role, RoleKPI

__all__ = ["coverage", "format_coverage"]


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


def _status(covered: float, goal_value: float, direction: str) -> str:
    if math.isnan(goal_value):
        return "no goal value"
    if _same(covered, goal_value):
        return "covered"
    return "short" if (covered < goal_value) == (direction == "higher") else "over"


def _goal_row(g: Goal, gv: float, entries: Iterable[tuple[Role, RoleKPI]]) -> dict[str, Any]:
    """One goal against the role KPIs that measure it (one row of :func:`coverage`)."""
    parts, total, heads, agg, direction = [], 0.0, 0.0, None, "higher"
    missing_target = False
    for r, k in entries:
        if k.goal is not None and k.goal != g.id:
            continue
        agg = k.definition.aggregation or "sum"
        direction = k.definition.direction
        if k.target is None:
            missing_target = True
            continue
        parts.append(f"{r.id}: {number(r.headcount)} × {number(k.target)}")
        total += k.target * r.headcount
        heads += r.headcount
    if agg is None:
        status, covered = "not measured", math.nan
    elif not parts:
        status, covered = "no target", math.nan
    else:
        covered = total if agg == "sum" else total / heads
        status = _status(covered, gv, direction)
    if missing_target and parts:
        parts.append("(some without target)")
    return {
        "goal": g.id,
        "name": g.name,
        "kpi": g.measure if agg is not None else None,
        "goal_value": gv,
        "covered": covered,
        "gap": covered - gv,
        "share": covered / gv if gv not in (0.0,) and not math.isnan(gv) else math.nan,
        "status": status,
        "by_role": "; ".join(parts),
    }


def coverage(
    design: Design, values: Mapping[str, float] | None = None, by: str = "goal"
) -> pd.DataFrame:
    """What the roles' targets add up to if everyone hits target, against each goal.

    A role KPI covers a goal when it measures the goal itself (its id is the goal's
    ``kpi:``, or the goal's id). Summed KPIs (units, revenue, leads) add up as
    target × headcount over the roles; mean and ratio KPIs compare the
    headcount-weighted mean target with the goal.

    Parameters
    ----------
    values : mapping, optional
        Goal values (default: the cascade).
    by : {"goal", "role"}
        One row per goal, or one row per role × goal it covers.

    Returns
    -------
    DataFrame
        ``by="goal"``: ``goal, name, kpi, goal_value, covered, gap`` (covered − goal),
        ``share`` (covered / goal), ``status`` (``covered``, ``short``, ``over``,
        ``no target``, ``not measured``), ``by_role`` (e.g. ``sales_department: 4 × 50``).
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
    if values is None:
        values = cascade(design).values
    by_kpi: dict[str, list[tuple[Role, RoleKPI]]] = {}
    for r in design.roles:
        for k in r.kpis:
            by_kpi.setdefault(k.kpi, []).append((r, k))
    if by == "role":
        return _coverage_by_role(design, values, by_kpi)
    rows = [
        _goal_row(g, values.get(g.id, math.nan), by_kpi.get(g.measure, ())) for g in design.goals
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


def _coverage_by_role(design: Design, values: Mapping[str, float], by_kpi) -> pd.DataFrame:
    rows = []
    for g in design.goals:
        gv = values.get(g.id, math.nan)
        for r, k in by_kpi.get(g.measure, ()):
            if k.goal is not None and k.goal != g.id:
                continue
            summed = (k.definition.aggregation or "sum") == "sum"
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
