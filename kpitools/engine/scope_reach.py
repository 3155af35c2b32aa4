"""Whose pay a member's values reach, for restatements of team and manager pay.

A restatement of one employee's value changes their own pay and, through a ``scope: team``
item, the pay of everyone in their team, and, through a ``scope: reports`` item, the pay of
their manager (the roster's ``manager``). :func:`reach` lists those payees, so a clawback
(:mod:`kpitools.engine.restatements`) adjusts each of them in the period the restatement is
known in, and nobody else.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..data import load_roster
from ..scheme import Scheme
from .items import scheme_items
from .scope_groups import group_roster

__all__ = ["reach"]


def reach(scheme: Scheme, roster: Any, data: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """``employee, payee`` pairs: whose pay a change of ``employee``'s values changes.

    Every employee reaches themselves; a team item adds their teammates, a reports item
    their manager. None for a scheme without scope (each reaches only themselves). Teams
    and managers are the roster's, completed from ``data``'s ``team`` and ``manager``
    columns when given (:func:`kpitools.engine.scope_groups.group_roster`).

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "x", "weight": 1, "target": 1, "curve": {"steps": [[1, 1]]},
    ...      "scope": "reports"}]})
    >>> roster = pd.DataFrame({"employee": ["a", "b", "m"], "manager": ["m", "m", None]})
    >>> reach(s, roster).values.tolist()
    [['a', 'a'], ['b', 'b'], ['m', 'm'], ['a', 'm'], ['b', 'm']]
    """
    scopes = {item.spec.scope for item in scheme_items(scheme) if item.spec.scoped}
    if not scopes:
        return None
    table = (load_roster(roster) if data is None else group_roster(scheme, roster, data)).table
    people = table["employee"].astype(object)
    pairs = [pd.DataFrame({"employee": people, "payee": people})]
    if "team" in scopes:
        teams = pd.DataFrame({"employee": people, "team": table["team"].astype(object)})
        teams = teams[teams["team"].notna()]
        mates = teams.merge(teams, on="team", suffixes=("", "_mate"))
        pairs.append(mates[["employee", "employee_mate"]].set_axis(["employee", "payee"], axis=1))
    if "reports" in scopes:
        managed = pd.DataFrame({"employee": people, "payee": table["manager"].astype(object)})
        pairs.append(managed[managed["payee"].notna()])
    return pd.concat(pairs, ignore_index=True).drop_duplicates(ignore_index=True)
