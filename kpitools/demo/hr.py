"""The demo company's HR roster: the file a client's HR team would export (``roster.csv``).

Derived from the published ``employees`` frame without drawing a random number, so the rest
of the demo company is unchanged: one row per employee and one per team manager (``M01`` …,
who have no performance rows of their own: a ``sales_manager`` over each team of sales reps or
key account managers, a ``marketing_manager`` over marketing, paid on their teams by
``templates/schemes/sales_manager_override.yaml``), with the columns a real roster has — ``role``,
``team``, ``region``, ``manager``, ``hire_date``, ``leave_date`` (empty while still there),
``fte`` and an annual ``salary`` by role. New hires join and leavers leave part-way through a
month, as people do; everyone else joined before the window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ANNUAL_SALARY", "MANAGER_ROLES", "hr_roster"]

#: Annual base salary by role, in the demo company's currency.
ANNUAL_SALARY = {
    "sales_rep": 1_440_000,
    "key_account_manager": 1_920_000,
    "marketing": 1_200_000,
    "sales_manager": 2_400_000,
    "marketing_manager": 2_160_000,
}

#: The role of a team's manager (``M01`` …) on the roster, by the role of the team's people.
MANAGER_ROLES = {
    "sales_rep": "sales_manager",
    "key_account_manager": "sales_manager",
    "marketing": "marketing_manager",
}


def _day(index: np.ndarray, step: int) -> np.ndarray:
    """A day of the month from 2 to 28 that varies from person to person (no randomness)."""
    return 2 + (index * step) % 27


def _hire_dates(employees: pd.DataFrame, first_year: int) -> list[str]:
    index = np.arange(len(employees))
    day = _day(index, 7)
    month = 1 + (index * 5) % 12
    years_before = 1 + index % 6
    hired, first = employees["hired"].to_numpy(), employees["first_period"].to_numpy()
    return [
        f"{first[k]}-{day[k]:02d}"
        if hired[k]
        else f"{first_year - years_before[k]}-{month[k]:02d}-{day[k]:02d}"
        for k in index
    ]


def _leave_dates(employees: pd.DataFrame) -> list[str]:
    day = _day(np.arange(len(employees)), 11)
    left, last = employees["left"].to_numpy(), employees["last_period"].to_numpy()
    return [f"{last[k]}-{day[k]:02d}" if left[k] else "" for k in range(len(employees))]


def _managers(employees: pd.DataFrame, first_year: int) -> pd.DataFrame:
    """One row per team manager: their team, its region and kind, hired years before the window."""
    teams = employees.groupby("manager", sort=True).agg(
        team=("team", "first"),
        region=("region", lambda s: s.mode().iloc[0]),
        role=("role", lambda s: s.mode().iloc[0]),
    )
    k = np.arange(len(teams))
    return pd.DataFrame(
        {
            "employee": teams.index.astype(str),
            "role": teams["role"].astype(str).map(MANAGER_ROLES).to_numpy(),
            "team": teams["team"].to_numpy(),
            "region": teams["region"].to_numpy(),
            "manager": "",
            "hire_date": [f"{first_year - 4 - i % 5}-{1 + (i * 7) % 12:02d}-01" for i in k],
            "leave_date": "",
        }
    )


def hr_roster(employees: pd.DataFrame) -> pd.DataFrame:
    """The HR roster of the demo company's ``employees`` frame (see the module docstring).

    Parameters
    ----------
    employees : pandas.DataFrame
        :attr:`DemoCompany.employees <kpitools.demo.DemoCompany.employees>`.

    Returns
    -------
    pandas.DataFrame
        ``employee, role, team, region, manager, hire_date, leave_date, fte, salary``.
    """
    first_year = int(str(employees["first_period"].min())[:4])
    people = pd.DataFrame(
        {
            "employee": employees["employee"].astype(str),
            "role": employees["role"].astype(str),
            "team": employees["team"].astype(str),
            "region": employees["region"].astype(str),
            "manager": employees["manager"].astype(str),
            "hire_date": _hire_dates(employees, first_year),
            "leave_date": _leave_dates(employees),
        }
    )
    out = pd.concat([people, _managers(employees, first_year)], ignore_index=True)
    out["fte"] = 1.0
    out["salary"] = out["role"].map(ANNUAL_SALARY).astype("float64")
    return out
