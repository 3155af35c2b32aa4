"""The past of a team or a manager's reports, for the forecast of team and manager pay.

The forecast (:mod:`kpitools.engine.forecast`) resamples each paid person's own past periods.
A ``scope: team`` or ``reports`` item has no past of the person's own: its past is the group's.
:func:`group_history` gives each paid person one history row per past period with the group's
actual for each such item (members summed, a ratio recomputed from its parts, as
:mod:`kpitools.engine.scope` does for the targets' period), under the column name
:func:`history_kpi`. Resampling a person's period then draws their whole group's period at
once, so the members' results keep their correlation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data import roll_up
from .items import scheme_items
from .proration import roster_values
from .scope import _COLUMN, _group_of, group_totals

__all__ = ["group_history", "history_kpi"]


def history_kpi(spec: Any) -> str:
    """The history column an item reads: its KPI, or ``"revenue (team)"`` for a group's.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> history_kpi(SimpleNamespace(kpi="revenue", scope="team", scoped=True))
    'revenue (team)'
    """
    return f"{spec.kpi} ({spec.scope})" if spec.scoped else spec.kpi


def group_history(
    table: pd.DataFrame, scheme: Any, people: Any, roster: Any, library: Any
) -> pd.DataFrame:
    """Each person's groups' actuals per past period (``employee, period, kpi, actual``).

    Parameters
    ----------
    table : pandas.DataFrame
        The long table of the forecast.
    scheme : Scheme
        With ``scope: team`` or ``reports`` items.
    people : array-like
        The employees the forecast pays.
    roster : Roster
        Teams and managers.
    library : Library or False
        Aggregations (a ratio from its numerator and denominator).

    Returns
    -------
    pandas.DataFrame
        ``period`` as ordinals of the scheme's period, ``kpi`` as :func:`history_kpi`.
    """
    people = np.asarray(people, dtype=object)
    lib = library or None
    frames = []
    done = set()
    for item in scheme_items(scheme):
        name = history_kpi(item.spec)
        if not item.spec.scoped or name in done:
            continue
        done.add(name)
        kpi = lib.get(item.spec.kpi) if lib is not None else None
        how = getattr(kpi, "aggregation", None) or "sum"
        num, den = getattr(kpi, "numerator", None), getattr(kpi, "denominator", None)
        parts = [num, den] if how == "ratio" and num and den else []
        wide = _rolled(table, [item.spec.kpi, *parts], scheme.period, lib)
        if wide is None:
            continue
        employees = wide.index.get_level_values(0).to_numpy(dtype=object)
        periods = wide.index.get_level_values(1).to_numpy(dtype=np.int64)
        values = wide[item.spec.kpi].to_numpy(float)
        totals = group_totals(
            roster_values(employees, roster, _COLUMN[item.spec.scope]),
            periods,
            values,
            values,
            aggregation=how,
            parts=tuple(wide[k].to_numpy(float) for k in parts) if parts else None,
            needs_target=False,
        )
        grid_people = np.repeat(people, totals.periods.size)
        grid_periods = np.tile(totals.periods, people.size)
        actual, _ = totals.at(_group_of(item, grid_people, roster), grid_periods)
        have = ~np.isnan(actual)
        frames.append(
            pd.DataFrame(
                {
                    "employee": grid_people[have],
                    "period": grid_periods[have].astype(np.int64),
                    "kpi": name,
                    "actual": actual[have],
                }
            )
        )
    columns = ["employee", "period", "kpi", "actual"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _rolled(table: pd.DataFrame, kpis: list[str], kind: str, library: Any):
    """The KPIs rolled up to ``kind``, one column each, by (employee, period ordinal)."""
    sub = table[table["kpi"].astype(str).isin(kpis).to_numpy()]
    if sub.empty or kpis[0] not in set(sub["kpi"].astype(str)):
        return None
    rolled = roll_up(sub, kind, library=library).values
    wide = rolled.pivot_table(
        index=["employee", "period"], columns="kpi", values="actual", aggfunc="first",
        observed=True,
    )  # fmt: skip
    return wide.reindex(columns=kpis)
