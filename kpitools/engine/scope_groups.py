"""Who is in which team, and who manages whom, for ``scope: team`` and ``scope: reports``.

Contract §1 lists ``team`` and ``manager`` as optional columns of the data itself, and §8
as roster columns. :func:`group_roster` gives the scope code one table of both: the
roster's rows and, where the roster does not say (no roster, no such column, an empty
cell, an employee it does not list), each employee's latest non-empty value in the data.
The roster wins where both give a value (joining the roster to the data already stops on
a disagreement, :func:`kpitools.data.join_roster`). Employees of the data and managers
named only in the data's ``manager`` column get a row, so a manager with no rows of their
own is still paid by a scheme on their reports.

The table is for finding groups only: pay per person and proration still come from the
roster the user gave.

Examples
--------
>>> from kpitools.scheme import load_scheme
>>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
...     {"kpi": "x", "weight": 1, "target": 1, "curve": {"steps": [[1, 1]]},
...      "scope": "reports"}]})
>>> data = pd.DataFrame({"employee": ["a", "a", "b"], "period": ["2025-01", "2025-02", "2025-01"],
...                      "kpi": ["x"] * 3, "actual": [1.0] * 3, "manager": ["m", "n", "m"]})
>>> group_roster(s, None, data).table.fillna("").values.tolist()
[['a', 'n'], ['b', 'm'], ['m', ''], ['n', '']]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data import Roster, load_roster
from ..errors import DefinitionError
from ..scheme import Scheme
from .items import scheme_items

__all__ = ["GROUP_COLUMN", "group_roster"]

#: The column that makes each scope's groups.
GROUP_COLUMN = {"team": "team", "reports": "manager"}
_WHAT = {"team": "each employee's team", "reports": "each employee's manager"}


def group_roster(scheme: Scheme, roster: Any, table: pd.DataFrame, source: str = "the data"):
    """The roster's teams and managers, completed from the data's ``team`` / ``manager``.

    Parameters
    ----------
    scheme : Scheme
        A scheme with ``scope: team`` or ``reports`` items.
    roster : Roster, path, DataFrame or None
        The roster the user gave.
    table : pandas.DataFrame
        The long table (its ``team`` and ``manager`` columns, when present, are read).
    source : str
        How messages name the data.

    Returns
    -------
    Roster
        The roster unchanged when the data has neither column; else one with a row per
        employee of either and the columns completed from the data.

    Raises
    ------
    DefinitionError
        A scope whose column is in neither the roster nor the data, naming its key path.
    """
    loaded = None if roster is None else load_roster(roster)
    derived = {col: _latest(table, col) for col in ("team", "manager") if col in table.columns}
    for item in scheme_items(scheme):
        scope = item.spec.scope
        column = GROUP_COLUMN.get(scope)
        if column is None or column in derived:
            continue
        if loaded is not None and column in loaded.table.columns:
            continue
        where = (
            "no roster was given" if loaded is None else f"{loaded.file} has no {column!r} column"
        )
        raise DefinitionError(
            f"{scheme.source}: {item.path}.scope: scope {scope!r} needs a roster with a "
            f"{column!r} column, or a {column!r} column in {source} ({_WHAT[scope]}); "
            f"{where} and {source} has no {column!r} column.\n"
            f"Suggestion: pass the roster (--roster FILE) with employee and {column} columns, "
            f"add a {column} column to the data, or use scope: own."
        )
    if not derived:
        return loaded
    return _completed(loaded, derived, table, source)


def _latest(table: pd.DataFrame, column: str) -> pd.Series:
    """Each employee's latest non-empty value of a data column (employee → text).

    Periods are compared as their labels (canonical labels sort in time order).
    """
    given = table[column]
    present = given.notna().to_numpy(dtype=bool)
    text = given[present].astype(str).str.strip().to_numpy(dtype=object)
    keep = text != ""
    frame = pd.DataFrame(
        {
            "employee": table["employee"][present].astype(str).to_numpy(dtype=object)[keep],
            "period": table["period"][present].astype(str).to_numpy(dtype=object)[keep],
            "value": text[keep],
        }
    )
    frame = frame.sort_values("period", kind="stable")
    return frame.drop_duplicates("employee", keep="last").set_index("employee")["value"]


def _completed(
    loaded: Roster | None, derived: dict[str, pd.Series], table: pd.DataFrame, source: str
) -> Roster:
    """The roster with a row for every employee and manager of the data, columns completed."""
    if loaded is None:
        base = pd.DataFrame({"employee": pd.Series([], dtype=object)})
    else:
        base = loaded.table.astype({"employee": object})
    known = set(base["employee"].tolist())
    named = pd.unique(table["employee"].astype(str).to_numpy(dtype=object)).tolist()
    if "manager" in derived:
        named += derived["manager"].tolist()
    extra = sorted(set(named) - known)
    out = pd.concat(
        [base, pd.DataFrame({"employee": np.asarray(extra, dtype=object)})], ignore_index=True
    )
    for col, latest in derived.items():
        mapped = out["employee"].map(latest).to_numpy(dtype=object)
        if col in out.columns:
            given = out[col].to_numpy(dtype=object)
            mapped = np.where(pd.isna(given), mapped, given)
        out[col] = np.where(pd.isna(mapped), None, mapped)
    name = source if loaded is None else f"{loaded.file} and {source}"
    return Roster(table=out, file=name, warnings=() if loaded is None else loaded.warnings)
