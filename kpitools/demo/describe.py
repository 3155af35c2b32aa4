"""The demo company described in plain text: people, teams, KPIs, sales by year.

Examples
--------
>>> from kpitools.demo import format_summary, make_demo_company
>>> print(format_summary(make_demo_company()).splitlines()[0])
Northstar Components - demo company (seed 2027)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._util.format import number, percent, text_table
from .company import DemoCompany
from .hr import MANAGER_ROLES
from .summary import format_value, sales_by_year, team_table

__all__ = ["format_summary"]


def _table_lines(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    right: Iterable[str] = (),
    header: bool = True,
) -> list[str]:
    """The lines of a table indented by two spaces, as the summary prints them."""
    return text_table(headers, rows, right=right, indent=2, header=header).splitlines()


def _people_lines(company: DemoCompany) -> list[str]:
    emp, periods = company.employees, company.periods
    at_start = int((emp["first_period"] == periods[0]).sum())
    at_end = int((emp["last_period"] == periods[-1]).sum())
    lines = [
        f"People: {len(emp)} on the roster ({at_start} at the start, {int(emp['hired'].sum())} "
        f"hired, {int(emp['left'].sum())} left, {at_end} at the end)"
    ]
    return (
        lines
        + _table_lines(
            ["role", "team", "region", "manager", "people", "hired", "left"],
            team_table(emp).itertuples(index=False),
            right={"people", "hired", "left"},
        )
        + _manager_lines(company)
    )


def _manager_lines(company: DemoCompany) -> list[str]:
    """The team managers of roster.csv: no rows of their own, paid on their teams."""
    roster = company.roster
    bosses = roster[roster["role"].isin(set(MANAGER_ROLES.values()))]
    roles = bosses.groupby("role", sort=False).size()
    kinds = ", ".join(f"{n} {role}" for role, n in roles.items())
    return [
        f"Managers: {len(bosses)} on roster.csv, with no rows of their own ({kinds});",
        "  sales managers are paid on their reports by "
        "templates/schemes/sales_manager_override.yaml",
    ]


def _kpi_lines(company: DemoCompany) -> list[str]:
    rows = []
    for r in company.summary.itertuples(index=False):
        value = format_value(r.value, r.unit, company.currency)
        if r.aggregation == "mean":
            value = f"{value} (mean)"
        share = "" if np.isnan(r.share_at_target) else percent(r.share_at_target)
        with_target = number(int(r.with_target)) if r.with_target else ""
        rows.append((r.role, r.kpi, number(int(r.rows)), value, with_target, share))
    return ["KPIs (totals over all months):"] + _table_lines(
        ["role", "kpi", "rows", "total", "targets", "at target"],
        rows,
        right={"rows", "total", "targets", "at target"},
    )


def _year_lines(company: DemoCompany) -> list[str]:
    return ["Sales roles by year:"] + _table_lines(
        ["year", "months", "revenue", "growth", "won deals", "win rate"],
        sales_by_year(company.data, company.currency),
        right={"months", "revenue", "growth", "won deals", "win rate"},
    )


def _planted_lines(company: DemoCompany) -> list[str]:
    emp = company.employees
    return [
        "Planted in the data (ground truth in employees.csv):",
        f"  {int(emp['is_quarter_end_timer'].sum())} quarter-end timers, "
        f"{int(emp['hired'].sum())} new hires ramping up, {int(emp['left'].sum())} leavers.",
    ]


def format_summary(company: DemoCompany) -> str:
    """The readable, terminal-friendly summary of the demo company.

    The header, the people per team, the KPIs per role with their totals and share at
    target, the sales roles' figures by year and what is planted in the data. The last
    line is empty, so that more lines can follow after a blank one.

    Examples
    --------
    >>> from kpitools.demo import make_demo_company
    >>> print(format_summary(make_demo_company()).splitlines()[2])
    Months: 36 (2024-01 to 2026-12)
    """
    periods = company.periods
    lines = [
        f"{company.name} - demo company (seed {company.seed})",
        f"{company.description}, currency {company.currency}",
        f"Months: {len(periods)} ({periods[0]} to {periods[-1]})",
        "",
        *_people_lines(company),
        "",
        *_kpi_lines(company),
        "",
        *_year_lines(company),
        "",
        *_planted_lines(company),
        "",
    ]
    return "\n".join(lines)
