"""The tables of the goal explorer, as HTML: the cascade, the coverage, the checks.

Each is a pure function of the design's results, so what the explorer shows can be read
(and tested) without a widget. Numbers go through :func:`kpitools._util.format.number`.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from .._util.format import MISSING, number, percent

__all__ = ["cascade_html", "checks_html", "coverage_html", "goal_headline_html"]

_STATUS_COLOUR = {"covered": "#029e73", "short": "#d55e00", "over": "#de8f05"}
_SEVERITY_COLOUR = {"error": "#b00020", "warning": "#b35900", "info": "#555"}


def _moved(v: float, v0: float) -> bool:
    return math.isfinite(v) and math.isfinite(v0) and abs(v - v0) > 1e-9 * max(1, abs(v0))


def cascade_html(design: Any, summary: Any, start_summary: Any) -> str:
    """Every goal's value, highlighted (with the start value) where it moved.

    Parameters
    ----------
    design : Design
        The design as set now (for its currency).
    summary, start_summary : DataFrame
        :attr:`kpitools.design.CascadeResult.summary` now and at the start.
    """
    rows = []
    for (_, r), v0 in zip(summary.iterrows(), start_summary["value"], strict=True):
        moved = _moved(float(r["value"]), v0)
        was = number(v0, r["unit"] or None, design.currency) if moved else ""
        style = " style='background:#fff3cd'" if moved else ""
        rows.append(
            f"<tr{style}><td>{escape(r['goal'])}</td><td>{escape(str(r['name']))}</td>"
            f"<td style='text-align:right'><b>{escape(r['display'])}</b></td>"
            f"<td style='text-align:right;color:#777'>{escape(was)}</td>"
            f"<td>{escape(r['how'])}</td><td><code>{escape(r['formula'])}</code></td></tr>"
        )
    return (
        "<b>Cascade</b> (yellow: moved; the start value on the right)"
        "<table class='kpitools-cascade'><tr><th>goal</th><th>name</th><th>value</th>"
        "<th>was</th><th>how</th><th>formula</th></tr>" + "".join(rows) + "</table>"
    )


def coverage_html(design: Any, coverage: Any) -> str:
    """Each measured goal against what the roles' targets × headcount add up to.

    Parameters
    ----------
    design : Design
        For each goal's unit and the currency.
    coverage : DataFrame
        :func:`kpitools.design.coverage` of the design.
    """
    measured = coverage[~coverage["status"].isin(["not measured"])]
    rows = []
    for _, r in measured.iterrows():
        unit, currency = design.unit_of(r["goal"]), design.currency
        colour = _STATUS_COLOUR.get(r["status"], "#555")
        share = percent(r["share"]) if math.isfinite(r["share"]) else MISSING
        rows.append(
            f"<tr><td>{escape(r['goal'])}</td>"
            f"<td style='text-align:right'>{number(r['goal_value'], unit, currency)}"
            f"</td><td style='text-align:right'>{number(r['covered'], unit, currency)}"
            f"</td><td style='text-align:right'>{share}</td>"
            f"<td style='color:{colour}'><b>{escape(r['status'])}</b></td>"
            f"<td>{escape(r['by_role'])}</td></tr>"
        )
    return (
        "<b>Coverage</b>: the roles' targets × headcount against each goal"
        "<table class='kpitools-coverage'><tr><th>goal</th><th>goal value</th>"
        "<th>targets add up to</th><th>share</th><th>status</th><th>by role</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def checks_html(checks: Any) -> str:
    """The findings of the design checks, by severity colour (just the counts when none).

    Parameters
    ----------
    checks : CheckReport
        :func:`kpitools.design.run_checks` of the design.
    """
    rows = [
        f"<tr><td style='color:{_SEVERITY_COLOUR.get(f.severity, '#555')}'>"
        f"<b>{escape(f.severity)}</b></td><td>{escape(f.rule)}</td>"
        f"<td>{escape(f.location)}</td><td>{escape(f.message)}</td></tr>"
        for f in checks.findings
    ]
    table = (
        "<table class='kpitools-checks'><tr><th>severity</th><th>rule</th>"
        "<th>where</th><th>finding</th></tr>" + "".join(rows) + "</table>"
        if rows
        else ""
    )
    return f"<b>Checks</b>: {escape(checks.counts())}" + table


def goal_headline_html(design: Any, values: dict, coverage: Any, checks: Any) -> str:
    """The line above the tables: the top goal, goals short or over, the checks' counts.

    Parameters
    ----------
    design : Design
    values : dict
        Solved value of every goal (:attr:`kpitools.design.CascadeResult.values`).
    coverage : DataFrame
    checks : CheckReport
    """
    short = int((coverage["status"] == "short").sum())
    over = int((coverage["status"] == "over").sum())
    top = design.top_goal
    head = []
    if top is not None:
        value = number(values[top], design.unit_of(top), design.currency)
        head.append(f"{escape(design.goal(top).name)}: <b>{value}</b>")
    head.append(f"coverage: {short} goal(s) short, {over} over")
    head.append(f"checks: {escape(checks.counts())}")
    return "<div style='font-size:1.2em;padding:4px 0'>" + " · ".join(head) + "</div>"
