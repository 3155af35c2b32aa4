"""Metrics per group: the metrics of a run for each team, region, office … (``--by``).

A group column is any attribute of the data or the roster. Each employee-period belongs to
the group its row says for that period (an employee who moved team in June counts for the
old team before and the new one after); a roster column that the engine does not carry
through the roll-up gives each employee the roster's one value. Rows without a value form
the group ``(none)``. A group has no budget of its own, so ``budget_variance`` is left out.

Examples
--------
>>> import pandas as pd
>>> from kpitools.engine import run_scheme
>>> data = pd.DataFrame({"employee": ["a", "b", "c"], "period": ["2025-01"] * 3,
...     "kpi": ["sales"] * 3, "actual": [10.0, 20.0, 30.0], "team": ["T1", "T1", "T2"]})
>>> run = run_scheme(data, {"name": "s", "on_target_pay": 1, "components": [
...     {"kpi": "sales", "commission": {"rate": 0.1}}]}, library=False)
>>> metrics_by_group(run, "team", data)[["team", "employees", "total_cost"]].to_dict("records")
[{'team': 'T1', 'employees': 2, 'total_cost': 3.0}, {'team': 'T2', 'employees': 1, 'total_cost': 3.0}]
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..data import normalise_column
from ..errors import DefinitionError, did_you_mean
from .metrics import METRICS, metric_arrays
from .thresholds import component_thresholds, near_measures

__all__ = ["NO_GROUP", "group_columns", "group_labels", "metrics_by_group"]

#: The group of employee-periods without a value in the group column.
NO_GROUP = "(none)"

_NOT_GROUPS = {"period", "kpi", "actual", "target", "as_of"}


def group_columns(by: str | Sequence[str] | None) -> tuple[str, ...]:
    """``--by`` values as column names (normalised, each once)."""
    if by is None:
        return ()
    items = [by] if isinstance(by, str) else list(by)
    return tuple(dict.fromkeys(normalise_column(c) for c in items if str(c).strip()))


def group_labels(run: Any, column: str, table: pd.DataFrame) -> np.ndarray:
    """The group of each employee-period of ``run`` (aligned with ``run.inputs.keys``)."""
    keys = run.inputs.keys
    if column in keys.columns:
        values = keys[column].to_numpy(dtype=object)
    elif column in table.columns and column not in _NOT_GROUPS:
        per_employee = table.groupby("employee", sort=False)[column].last()
        values = keys["employee"].astype(str).map(per_employee).to_numpy(dtype=object)
    else:
        found = [c for c in dict.fromkeys([*keys.columns, *table.columns]) if c not in _NOT_GROUPS]
        raise DefinitionError(
            f"--by {column}: no such column in the data or the roster."
            f"{did_you_mean(column, found)}\n"
            f"Suggestion: group by one of {', '.join(found)} (or add the column to the roster)."
        )
    return np.array([NO_GROUP if pd.isna(v) or v == "" else str(v) for v in values], dtype=object)


def metrics_by_group(run: Any, column: str, table: pd.DataFrame) -> pd.DataFrame:
    """One row per group value: ``<column>, employees`` and the metrics of that group.

    Parameters
    ----------
    run : SchemeRun
        A run of :func:`kpitools.engine.run_scheme`.
    column : str
        The group column.
    table : pandas.DataFrame
        The long table the run was made from (for roster columns).
    """
    labels = group_labels(run, column, table)
    scheme, inputs, arrays = run.scheme, run.inputs, run.arrays
    comp = near_measures(scheme, arrays.attainment, inputs.actual)
    thresholds = component_thresholds(scheme)
    employees = inputs.keys["employee"].to_numpy()
    periods = inputs.keys["period"].to_numpy()
    rows = []
    for value in sorted(set(labels), key=lambda v: (v == NO_GROUP, v)):
        m = labels == value
        values = metric_arrays(
            arrays.payout[m],
            inputs.on_target_pay[m],
            arrays.weighted_attainment[m],
            revenue=None if inputs.revenue is None else inputs.revenue[m],
            component_attainment=[None if c is None else np.asarray(c)[m] for c in comp],
            thresholds=thresholds,
            n_employees=len(set(employees[m])),
            n_periods=len(set(periods[m])),
            budget=None,
        )
        metrics = {k: float(values[k][0]) for k in METRICS if k != "budget_variance"}
        rows.append({column: value, "employees": len(set(employees[m])), **metrics})
    out = pd.DataFrame(rows)
    out["employees"] = out["employees"].astype("int64")
    return out
